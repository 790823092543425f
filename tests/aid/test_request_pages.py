"""Partners' requests in the browser: a partner contact records their institution's need
in their portal, office staff record one for any partner and approve all or part of it
from stock — an approval that asks for more than the shelves hold writes nothing."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from amity.aid import services
from amity.aid.models import AidRequest, Allocation, Movement, RequestStatus
from tests.aid.conftest import partner_request, stock_up

pytestmark = pytest.mark.django_db

LATER = date(2031, 6, 30)


@pytest.fixture
def in_chinese(client):
    """The client reads in Chinese; the test's thread returns to the default language
    after it (the middleware leaves the last request's language active)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    yield client
    translation.deactivate()


def _text(response) -> str:
    """The page's visible text with tags dropped and spaces collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _request_fields(**extra):
    return {
        "urgency": "critical",
        "needed_by": "2031-01-15",
        "delivery_address": "Via Castelvetro 32, Milano",
        "consignee": "Dott.ssa Giulia Rossi",
        "consignee_phone": "+39 02 1234",
        "note": "",
        **extra,
    }


def test_a_partner_contact_requests_for_their_own_institution_only(aid_world, client):
    """The portal's form has no partner to choose: the request is for the contact's own
    institution even when another one is posted."""
    w = aid_world
    client.force_login(w.milan_contact)
    page = client.get(reverse("aid:request_create"))
    assert "For Ospedale dei Bambini" in _text(page)
    assert 'name="institution"' not in page.content.decode()

    response = client.post(
        reverse("aid:request_create"),
        _request_fields(institution=w.stanford.pk, **{f"item_{w.masks.pk}": "2000"}),
        follow=True,
    )

    saved = AidRequest.objects.get()
    assert saved.institution == w.milan
    assert saved.created_by == w.milan_contact
    assert [(line.item, line.quantity) for line in saved.lines.all()] == [(w.masks, 2000)]
    assert f"{saved.reference} was recorded." in _text(response)
    assert "Critical" in _text(response)
    assert f"— {w.milan_contact.person.full_name}" in _text(response)  # who recorded it


def test_office_staff_choose_the_partner_but_never_the_home_hospital(aid_world, client):
    w = aid_world
    client.force_login(w.office)
    form = client.get(reverse("aid:request_create")).content.decode()
    assert "Stanford Children&#x27;s Health" in form
    assert f'value="{w.home.pk}"' not in form

    response = client.post(
        reverse("aid:request_create"),
        _request_fields(institution=w.home.pk, **{f"item_{w.masks.pk}": "10"}),
    )
    assert "Select a valid choice" in _text(response)
    response = client.post(
        reverse("aid:request_create"), _request_fields(institution=w.stanford.pk)
    )
    assert "Add at least one item." in _text(response)
    assert AidRequest.objects.count() == 0

    client.post(
        reverse("aid:request_create"),
        _request_fields(
            institution=w.stanford.pk,
            **{f"item_{w.masks.pk}": "500", f"item_{w.suits.pk}": "40"},
        ),
    )
    saved = AidRequest.objects.get()
    assert saved.institution == w.stanford
    assert sorted(line.quantity for line in saved.lines.all()) == [40, 500]


def test_the_list_filters_by_partner_status_and_urgency_and_the_portal_shows_only_its_own(
    aid_world, client
):
    w = aid_world
    stanford = partner_request(w, w.stanford, (w.masks, 100))
    milan = partner_request(w, w.milan, (w.suits, 20))
    AidRequest.objects.filter(pk=milan.pk).update(urgency="critical")
    client.force_login(w.office)
    url = reverse("aid:request_list")

    def references(**query):
        return [r.reference for r in client.get(url, query).context["page"]]

    assert references() == [milan.reference, stanford.reference]
    assert references(institution=w.milan.pk) == [milan.reference]
    assert references(urgency="critical") == [milan.reference]
    assert references(status="approved") == []
    listing = _text(client.get(url))
    assert "Critical" in listing and "Urgent" in listing

    client.force_login(w.stanford_contact)
    portal = client.get(url)
    assert [r.reference for r in portal.context["page"]] == [stanford.reference]
    assert "Our requests for aid" in _text(portal)
    assert "Ospedale dei Bambini" not in _text(portal)


def test_approval_is_prefilled_with_what_stock_can_give_and_shows_it_beside_each_line(
    aid_world, client
):
    w = aid_world
    stock_up(w, w.masks, (300, LATER))
    stock_up(w, w.suits, (80, LATER))
    request = partner_request(w, w.stanford, (w.masks, 1000), (w.suits, 40))
    lines = {line.item_id: line for line in request.lines.all()}
    client.force_login(w.office)

    page = client.get(reverse("aid:request_approve", args=[request.pk]))

    form = page.context["form"]
    assert form[f"line_{lines[w.masks.pk].pk}"].value() == 300
    assert form[f"line_{lines[w.suits.pk].pk}"].value() == 40
    text = _text(page)
    assert "300 (6 × box of 50)" in text
    assert "1,000 (20 × box of 50)" in text


def test_an_approval_beyond_stock_shows_the_message_and_writes_nothing(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (300, LATER))
    stock_up(w, w.suits, (80, LATER))
    request = partner_request(w, w.stanford, (w.suits, 40), (w.masks, 1000))
    lines = {line.item_id: line.pk for line in request.lines.all()}
    movements = Movement.objects.count()
    client.force_login(w.office)

    response = client.post(
        reverse("aid:request_approve", args=[request.pk]),
        {f"line_{lines[w.suits.pk]}": "40", f"line_{lines[w.masks.pk]}": "900", "note": "All"},
    )

    assert response.status_code == 200
    assert (
        "Only 300 units of Surgical mask are in stock and unexpired; 900 were asked for."
        in _text(response)
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.decision_note == ""
    assert Allocation.objects.count() == 0
    assert Movement.objects.count() == movements
    assert list(request.lines.values_list("approved", flat=True)) == [None, None]


def test_a_partial_approval_allocates_and_the_detail_shows_lots_with_expiry(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (300, LATER))
    request = partner_request(w, w.stanford, (w.masks, 1000))
    line = request.lines.get()
    client.force_login(w.office)

    response = client.post(
        reverse("aid:request_approve", args=[request.pk]),
        {f"line_{line.pk}": "250", "note": "The rest when the next gift arrives."},
        follow=True,
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.PARTLY
    assert Allocation.objects.get().quantity == 250
    text = _text(response)
    assert f"{request.reference}: Partly approved." in text
    assert "250 (5 × box of 50) from lot" in text
    assert "expires June 30, 2031" in text
    assert "The rest when the next gift arrives." in text

    client.force_login(w.stanford_contact)
    page = client.get(request.get_absolute_url())
    portal = _text(page)
    assert "Partly approved" in portal
    assert "The rest when the next gift arrives." in portal
    assert "250 (5 × box of 50) from lot" in portal
    assert reverse("aid:request_approve", args=[request.pk]) not in page.content.decode()
    assert reverse("aid:allocation_release", args=[Allocation.objects.get().pk]) not in (
        page.content.decode()
    )


def test_office_staff_release_an_allocation_only_with_a_reason(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (300, LATER))
    request = partner_request(w, w.stanford, (w.masks, 200))
    client.force_login(w.office)
    client.post(
        reverse("aid:request_approve", args=[request.pk]),
        {f"line_{request.lines.get().pk}": "200", "note": ""},
    )
    allocation = Allocation.objects.get()
    url = reverse("aid:allocation_release", args=[allocation.pk])

    refused = client.post(url, {"reason": ""})
    assert "This field is required." in _text(refused)
    assert Allocation.objects.get().released is False

    done = client.post(url, {"reason": "Lot found wet in the store"}, follow=True)
    assert "200 units of Surgical mask are back in stock." in _text(done)
    assert Allocation.objects.get().released is True
    assert request.lines.get().approved == 0


def test_edit_and_withdraw_only_while_open_with_a_confirmation_page(aid_world, client):
    w = aid_world
    request = partner_request(w, w.stanford, (w.masks, 100), user=w.stanford_contact)
    client.force_login(w.stanford_contact)

    edited = client.post(
        reverse("aid:request_edit", args=[request.pk]),
        _request_fields(consignee="Dr. Ana Lopez"),
        follow=True,
    )
    assert "Dr. Ana Lopez" in _text(edited)

    asked = client.post(reverse("aid:request_withdraw", args=[request.pk]))
    assert "Withdraw Request R-" in _text(asked)
    assert AidRequest.objects.get().status == RequestStatus.SUBMITTED

    done = client.post(
        reverse("aid:request_withdraw", args=[request.pk]), {"confirm": "1"}, follow=True
    )
    assert f"Request {request.reference} was withdrawn." in _text(done)
    assert AidRequest.objects.get().status == RequestStatus.WITHDRAWN

    again = client.get(reverse("aid:request_edit", args=[request.pk]), follow=True)
    assert "This request has been decided and can no longer be changed." in _text(again)
    assert "Withdraw" not in _text(again).replace("Withdrawn", "")


def test_the_request_page_reads_in_chinese(aid_world, in_chinese):
    """Dates in 年月日 (needed by, the lot's expiry), the item's Chinese name."""
    w = aid_world
    stock_up(w, w.masks, (300, date(2031, 12, 3)))
    request = partner_request(w, w.stanford, (w.masks, 100))
    AidRequest.objects.filter(pk=request.pk).update(needed_by=date(2030, 12, 3))
    services.request_approve(request=request, approved={request.lines.get().pk: 100}, user=w.office)
    client = in_chinese
    client.force_login(w.office)

    text = _text(client.get(request.get_absolute_url()))

    assert "2030年12月3日" in text
    assert "2031年12月3日" in text
    assert "医用外科口罩" in text
    assert "Surgical mask" not in text
    assert "2030年12月3日" in _text(client.get(reverse("aid:request_list")))
