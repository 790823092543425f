"""Aid where it belongs outside its own pages: the partner's page has an "Aid" panel with
its requests and shipments, the partner's timeline has its aid (requested, decided,
shipped, delivered, received with any shortfall) and an "Aid" filter, and a donor's
directory page lists their gifts — each for those who may see them."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from amity.aid import services
from amity.aid.models import AidRequest, Allocation
from amity.relations import services as relation_services
from amity.relations.selectors import partner_timeline
from tests.aid.conftest import partner_request, stock_up
from tests.factories import InstitutionFactory, PersonFactory

pytestmark = pytest.mark.django_db

LATER = date(2031, 6, 30)


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _panel(response) -> str:
    """The text of the page's "Aid" panel ("" when the page has none)."""
    html = response.content.decode()
    found = re.search(
        r'<section class="panel"[^>]*data-testid="partner-aid">(.*?)</section>', html, re.S
    )
    if not found:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def _timeline(response) -> list[tuple[str, str, str, str]]:
    return [
        (entry.day.isoformat(), entry.what, entry.title, entry.detail)
        for entry in response.context["partner"]["timeline_page"]
        if entry.kind == "aid"
    ]


@pytest.fixture
def campaign(aid_world):
    """Stanford asked for 1,000 masks and 100 suits, got 1,000 masks (partly approved),
    which were shipped 5 days ago, delivered 2 days ago and received today with 40 masks
    missing. Milan asked for 300 masks, still undecided."""
    w = aid_world
    today = timezone.localdate()
    stock_up(w, w.masks, (1000, LATER))
    asked = partner_request(w, w.stanford, (w.masks, 1000), (w.suits, 100))
    lines = {line.item_id: line.pk for line in asked.lines.all()}
    decided = services.request_approve(
        request=asked,
        approved={lines[w.masks.pk]: 1000, lines[w.suits.pk]: 0},
        user=w.office,
        note="No suits left in stock.",
    )
    shipment = services.shipment_create(
        institution=w.stanford,
        allocations=list(Allocation.objects.filter(line__request=asked)),
        fields={"carrier": "EMS", "tracking_number": "EA123456789CN"},
        user=w.office,
        on=today - timedelta(days=6),
    )
    services.parcel_add(
        shipment=shipment,
        fields={"weight_kg": "12.50", "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    services.shipment_advance(
        shipment=shipment, status="shipped", on=today - timedelta(days=5), user=w.office
    )
    services.shipment_advance(
        shipment=shipment, status="delivered", on=today - timedelta(days=2), user=w.office
    )
    allocation = shipment.allocations.get()
    services.shipment_confirm_receipt(
        shipment=shipment,
        lines=[
            services.LineReceipt(
                allocation_id=allocation.pk, received=960, damaged=10, note="One box lost"
            )
        ],
        user=w.stanford_contact,
    )
    # Asked ten days ago, decided eight days ago.
    now = timezone.now()
    AidRequest.objects.filter(pk=asked.pk).update(
        created_at=now - timedelta(days=10), decided_at=now - timedelta(days=8)
    )
    decided.refresh_from_db()
    milan = partner_request(w, w.milan, (w.masks, 300))
    return {"request": decided, "shipment": shipment, "milan": milan, "today": today}


def test_office_sees_the_partners_requests_and_shipments_in_an_aid_panel(
    aid_world, campaign, client
):
    """The panel lists each request (reference, date, urgency, status) and shipment
    (reference, status, day of its last step), linked to their pages, and offers office
    staff to record a request; another partner's request is not on it."""
    w, request, shipment = aid_world, campaign["request"], campaign["shipment"]
    client.force_login(w.office)
    response = client.get(w.stanford.get_absolute_url())
    panel = _panel(response)
    html = response.content.decode()

    recorded = date_format(timezone.localtime(request.created_at).date(), "DATE_FORMAT")
    assert panel.startswith("Aid Record a request Requests for aid")
    assert f"{request.reference} {recorded} Urgent Partly approved" in panel
    assert f"{shipment.reference} Received {date_format(campaign['today'], 'DATE_FORMAT')}" in (
        panel
    )
    assert campaign["milan"].reference not in panel
    assert f'href="{reverse("aid:request_detail", args=[request.pk])}"' in html
    assert f'href="{reverse("aid:shipment_detail", args=[shipment.pk])}"' in html
    assert f'href="{reverse("aid:request_create")}?institution={w.stanford.pk}"' in html


def test_staff_see_the_panel_without_recording_and_the_home_page_has_none(
    aid_world, campaign, client
):
    w = aid_world
    client.force_login(w.staff)
    panel = _panel(client.get(w.stanford.get_absolute_url()))
    assert campaign["request"].reference in panel
    assert "Record a request" not in panel

    client.force_login(w.office)
    assert _panel(client.get(w.home.get_absolute_url())) == ""


def test_a_partner_without_aid_says_so(aid_world, client):
    client.force_login(aid_world.office)
    panel = _panel(client.get(aid_world.milan.get_absolute_url()))
    assert "No request for aid from this institution." in panel
    assert "No shipment to this institution." in panel


def test_the_partners_own_contact_sees_its_aid_and_another_partners_contact_gets_404(
    aid_world, campaign, client
):
    """Stanford's contact sees Stanford's panel and timeline; Milan's contact cannot open
    Stanford's page at all (the directory answers 404) and sees only Milan's aid on
    their own."""
    w = aid_world
    client.force_login(w.stanford_contact)
    response = client.get(w.stanford.get_absolute_url())
    assert campaign["request"].reference in _panel(response)
    assert campaign["shipment"].reference in _panel(response)
    assert [what for _, what, _, _ in _timeline(response)] == [
        "Aid received",
        "Aid delivered",
        "Aid shipped",
        "Request partly approved",
        "Aid requested",
    ]

    client.force_login(w.milan_contact)
    refused = client.get(w.stanford.get_absolute_url())
    assert refused.status_code == 404
    assert campaign["request"].reference not in refused.content.decode()
    own = client.get(w.milan.get_absolute_url())
    assert campaign["milan"].reference in _panel(own)
    assert campaign["request"].reference not in _panel(own)
    assert [title for _, _, title, _ in _timeline(own)] == [
        f"Request {campaign['milan'].reference}"
    ]


def test_the_timeline_tells_the_aid_story_with_the_shortfall(aid_world, campaign, client):
    """Requested, partly approved with the office's note, shipped with its carrier and
    tracking number, delivered, received with 40 of 1,000 units missing and 10 damaged —
    newest first."""
    w, request, shipment = aid_world, campaign["request"], campaign["shipment"]
    today = campaign["today"]
    asked = timezone.localtime(request.created_at).date().isoformat()
    decided = timezone.localtime(request.decided_at).date().isoformat()
    title = f"Request {request.reference}"
    client.force_login(w.office)
    response = client.get(w.stanford.get_absolute_url())

    assert _timeline(response) == [
        (
            today.isoformat(),
            "Aid received",
            f"Shipment {shipment.reference}",
            "shortfall: 40 of 1,000 units; 10 units damaged",
        ),
        (
            (today - timedelta(days=2)).isoformat(),
            "Aid delivered",
            f"Shipment {shipment.reference}",
            "",
        ),
        (
            (today - timedelta(days=5)).isoformat(),
            "Aid shipped",
            f"Shipment {shipment.reference}",
            "EMS EA123456789CN",
        ),
        (decided, "Request partly approved", title, "No suits left in stock."),
        (asked, "Aid requested", title, "Urgent, 1,100 units"),
    ]
    text = _text(response)
    received = "shortfall: 40 of 1,000 units; 10 units damaged"
    assert f"Aid received Shipment {shipment.reference} · {received}" in text


def test_the_timeline_filter_aid_shows_only_aid(aid_world, campaign, client):
    """The filter lists "Aid" beside relations' own kinds; ?kind=aid keeps only aid."""
    w = aid_world
    relation_services.agreement_create(
        fields={
            "title": "Memorandum of understanding",
            "kind": "mou",
            "status": "active",
            "signed_on": timezone.localdate() - timedelta(days=1),
        },
        partners=[w.stanford],
        user=w.office,
    )
    client.force_login(w.office)
    everything = client.get(w.stanford.get_absolute_url())
    kinds = [entry.kind for entry in everything.context["partner"]["timeline_page"]]
    assert kinds.count("agreement") == 1 and kinds.count("aid") == 5
    assert '<a href="?kind=aid#timeline" >Aid</a>' in everything.content.decode()

    only_aid = client.get(w.stanford.get_absolute_url() + "?kind=aid")
    kinds = {entry.kind for entry in only_aid.context["partner"]["timeline_page"]}
    assert kinds == {"aid"}
    assert only_aid.context["timeline_kind"] == "aid"
    assert '<a href="?kind=aid#timeline" aria-current="page">Aid</a>' in only_aid.content.decode()
    assert len(only_aid.context["partner"]["timeline"]) == 5


def test_the_timeline_selector_reads_aid_only_when_asked(
    aid_world, campaign, django_assert_max_num_queries
):
    w = aid_world
    with django_assert_max_num_queries(1):
        assert partner_timeline(user=w.office, institution=w.stanford, kinds=["agreement"]) == []
    entries = partner_timeline(user=w.office, institution=w.stanford, kinds=["aid"])
    assert [e.what for e in entries][:1] == ["Aid received"]
    assert partner_timeline(user=w.milan_contact, institution=w.stanford, kinds=["aid"]) == []


def _aid_queries(client, url) -> tuple[int, int]:
    """(all queries, those reading aid's tables) of one visit to ``url``."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries), sum('"aid_' in q["sql"] for q in queries.captured_queries)


def test_the_partner_page_reads_aid_in_a_fixed_number_of_queries(aid_world, campaign, client):
    """The panel reads requests, shipments and their steps (3); the timeline the same
    and the receipts (4): as many with four requests and shipments as with one. A
    partner that never asked for aid costs one query each."""
    w = aid_world
    client.force_login(w.office)
    client.get(w.stanford.get_absolute_url())  # fills per-process caches
    total, aid = _aid_queries(client, w.stanford.get_absolute_url())
    assert aid == 7
    # Milan asked but has no shipment yet: requests and (empty) shipments, twice.
    assert _aid_queries(client, w.milan.get_absolute_url())[1] == 4
    none_asked = InstitutionFactory(country="FR")
    assert _aid_queries(client, none_asked.get_absolute_url())[1] == 2

    stock_up(w, w.suits, (500, LATER))
    for _ in range(3):
        request = partner_request(w, w.stanford, (w.suits, 10))
        services.request_approve(
            request=request, approved={request.lines.get().pk: 10}, user=w.office
        )
        services.shipment_create(
            institution=w.stanford,
            allocations=list(Allocation.objects.filter(line__request=request)),
            fields={},
            user=w.office,
        )
    assert _aid_queries(client, w.stanford.get_absolute_url()) == (total, aid)
    response = client.get(w.stanford.get_absolute_url())
    assert len(response.context["aid"]["requests"]) == 4
    assert len(response.context["aid"]["shipments"]) == 4


# --- the donor's page ---------------------------------------------------------------------


def test_the_donors_page_lists_their_gifts_to_home_staff(aid_world, client):
    """Shen Jie pledged 1,000 masks and 200 suits; 600 masks have arrived so far."""
    w = aid_world
    pledge = services.pledge_create(
        fields={
            "donor_kind": "staff",
            "donor_person": w.donor,
            "pledged_on": date(2020, 3, 2),
        },
        lines=[(w.masks, 1000), (w.suits, 200)],
        user=w.office,
    )
    services.pledge_receive(
        pledge=pledge,
        receipt=services.Receipt(item=w.masks, quantity=600, expires_on=LATER),
        user=w.office,
    )
    client.force_login(w.staff)
    response = client.get(w.donor.get_absolute_url())
    text = _text(response)

    assert "Gifts of supplies Pledged on Item Pledged Received" in text
    day = date_format(date(2020, 3, 2), "DATE_FORMAT")
    assert f"{day} Surgical mask 1,000 (20 × box of 50) 600 (12 × box of 50)" in text
    assert f"{day} Protective clothing 200 0" in text
    assert f'href="{reverse("aid:pledge_detail", args=[pledge.pk])}"' in response.content.decode()


def test_no_gifts_section_for_someone_who_gave_nothing_or_for_a_partner_contact(aid_world, client):
    w = aid_world
    stock_up(w, w.masks, (100, LATER))  # a pledge of the donor's, received
    client.force_login(w.office)
    nobody = PersonFactory(institution=w.home)
    assert "Gifts of supplies" not in _text(client.get(nobody.get_absolute_url()))
    assert "Gifts of supplies" in _text(client.get(w.donor.get_absolute_url()))

    # A partner's contact opens only their own profile, and sees no gifts there.
    client.force_login(w.stanford_contact)
    assert client.get(w.donor.get_absolute_url()).status_code == 404
    own = client.get(w.stanford_contact.person.get_absolute_url())
    assert "Gifts of supplies" not in _text(own)
