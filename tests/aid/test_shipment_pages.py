"""Shipments in the browser: office staff pack a partner's approved units, add parcels,
record each step with its date; the partner's contact confirms what arrived, line by
line, and the shipment's page shows any shortfall."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from amity.aid import services
from amity.aid.models import Allocation, Parcel, Shipment, ShipmentEvent, ShipmentStatus
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
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def approved(world, institution, *lines):
    """A request of ``institution`` approved in full from fresh lots."""
    for item, quantity in lines:
        stock_up(world, item, (quantity, LATER))
    request = partner_request(world, institution, *lines)
    services.request_approve(
        request=request,
        approved={line.pk: line.quantity for line in request.lines.all()},
        user=world.office,
    )
    return request


def shipped(world, institution, *lines, status=ShipmentStatus.DELIVERED):
    request = approved(world, institution, *lines)
    shipment = services.shipment_create(
        institution=institution,
        allocations=list(Allocation.objects.filter(line__request=request)),
        fields={"carrier": "EMS", "tracking_number": "EA123456789CN"},
        user=world.office,
    )
    services.parcel_add(
        shipment=shipment,
        fields={"weight_kg": "12.50", "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    today = timezone.localdate()
    for step in (ShipmentStatus.SHIPPED, ShipmentStatus.CUSTOMS, ShipmentStatus.DELIVERED):
        services.shipment_advance(shipment=shipment, status=step, on=today, user=world.office)
        if step == status:
            break
    return shipment


def test_office_staff_pack_only_the_chosen_partners_unpacked_units(aid_world, client):
    w = aid_world
    stanford = approved(w, w.stanford, (w.masks, 500))
    approved(w, w.milan, (w.suits, 30))
    client.force_login(w.office)
    url = reverse("aid:shipment_create")

    first = client.get(url)
    assert "Choose a partner" in _text(first)
    step = client.get(url, {"institution": w.stanford.pk})
    text = _text(step)
    assert f"{stanford.reference}: 500 × Surgical mask" in text
    assert "Protective clothing" not in text

    milan_allocation = Allocation.objects.get(line__request__institution=w.milan)
    refused = client.post(
        f"{url}?institution={w.stanford.pk}",
        {"allocations": [milan_allocation.pk], "currency": "CNY"},
    )
    assert "Select a valid choice" in _text(refused)
    assert Shipment.objects.count() == 0

    ours = Allocation.objects.get(line__request=stanford)
    done = client.post(
        f"{url}?institution={w.stanford.pk}",
        {
            "allocations": [ours.pk],
            "carrier": "SF Express",
            "tracking_number": "SF1234",
            "currency": "USD",
            "note": "",
        },
        follow=True,
    )
    shipment = Shipment.objects.get()
    assert shipment.institution == w.stanford
    assert list(shipment.allocations.all()) == [ours]
    text = _text(done)
    assert f"{shipment.reference} was prepared." in text
    assert "SF1234" in text
    assert "Prepared" in text
    # Packed units are not offered again: only partners with units waiting are offered.
    chooser = client.get(url).content.decode()
    assert f'<option value="{w.milan.pk}">' in chooser
    assert f'<option value="{w.stanford.pk}">' not in chooser
    assert f'<option value="{w.home.pk}">' not in chooser


def test_parcels_and_steps_show_on_the_detail_with_totals_and_dates(aid_world, client):
    w = aid_world
    request = approved(w, w.stanford, (w.masks, 500))
    shipment = services.shipment_create(
        institution=w.stanford,
        allocations=list(Allocation.objects.filter(line__request=request)),
        fields={},
        user=w.office,
    )
    client.force_login(w.office)
    today = timezone.localdate()
    advance = reverse("aid:shipment_advance", args=[shipment.pk])

    refused = client.post(advance, {"status": "shipped", "on": today.isoformat(), "note": ""})
    assert "Add the parcels before the shipment leaves." in _text(refused)

    for weight in ("12.50", "8.25"):
        client.post(
            reverse("aid:parcel_add", args=[shipment.pk]),
            {"weight_kg": weight, "length_cm": 60, "width_cm": 40, "height_cm": 30},
        )
    assert Parcel.objects.filter(shipment=shipment).count() == 2

    client.post(advance, {"status": "shipped", "on": today.isoformat(), "note": "Left Hangzhou"})
    back = client.post(advance, {"status": "shipped", "on": today.isoformat(), "note": ""})
    assert "The shipment is already shipped." in _text(back)
    future = client.post(
        advance, {"status": "customs", "on": (today + timedelta(days=2)).isoformat()}
    )
    assert "A step cannot be dated in the future." in _text(future)

    page = client.get(shipment.get_absolute_url())
    text = _text(page)
    assert "20.75 kg in 2 parcels" in text
    assert "60 × 40 × 30" in text
    assert f"Shipped — {date_format(today, 'DATE_FORMAT')}: Left Hangzhou" in text
    assert "500 (10 × box of 50)" in text
    assert reverse("aid:packing_list", args=[shipment.pk]) in page.content.decode()
    assert reverse("aid:proforma_invoice", args=[shipment.pk]) in page.content.decode()
    # No parcel can be added once it left.
    late = client.get(reverse("aid:parcel_add", args=[shipment.pk]), follow=True)
    assert "Parcels can be changed only while the shipment is prepared." in _text(late)


def test_the_partner_confirms_a_receipt_with_a_shortfall_and_the_page_shows_it(aid_world, client):
    w = aid_world
    shipment = shipped(w, w.stanford, (w.masks, 500), (w.suits, 40))
    lines = {a.line.item_id: a.pk for a in shipment.allocations.select_related("line")}
    client.force_login(w.stanford_contact)
    url = reverse("aid:shipment_receipt", args=[shipment.pk])
    masks, suits = lines[w.masks.pk], lines[w.suits.pk]

    no_note = client.post(
        url,
        {
            f"received_{masks}": "450",
            f"damaged_{masks}": "0",
            f"note_{masks}": "",
            f"received_{suits}": "40",
            f"damaged_{suits}": "0",
            f"note_{suits}": "",
        },
    )
    assert "Say what happened to the missing or damaged Surgical mask." in _text(no_note)
    assert Shipment.objects.get().status == ShipmentStatus.DELIVERED
    assert Allocation.objects.filter(received__isnull=False).count() == 0

    done = client.post(
        url,
        {
            f"received_{masks}": "450",
            f"damaged_{masks}": "20",
            f"note_{masks}": "One box crushed, one missing",
            f"received_{suits}": "40",
            f"damaged_{suits}": "0",
            f"note_{suits}": "",
        },
        follow=True,
    )

    assert Shipment.objects.get().status == ShipmentStatus.RECEIVED
    mask_line = Allocation.objects.get(pk=masks)
    assert (mask_line.received, mask_line.damaged, mask_line.confirmed_by) == (
        450,
        20,
        w.stanford_contact,
    )
    text = _text(done)
    assert f"the receipt of {shipment.reference} is recorded" in text
    assert "50 missing" in text
    assert "One box crushed, one missing" in text
    assert "Received —" in text
    assert ShipmentEvent.objects.filter(shipment=shipment, status="received").count() == 1

    request_page = _text(client.get(mask_line.line.request.get_absolute_url()))
    assert "450 (9 × box of 50) (20 damaged)" in request_page


def test_a_receipt_is_confirmed_once_and_not_before_the_shipment_leaves(aid_world, client):
    w = aid_world
    request = approved(w, w.stanford, (w.masks, 100))
    shipment = services.shipment_create(
        institution=w.stanford,
        allocations=list(Allocation.objects.filter(line__request=request)),
        fields={},
        user=w.office,
    )
    client.force_login(w.stanford_contact)

    early = client.get(reverse("aid:shipment_receipt", args=[shipment.pk]), follow=True)

    assert "Only a shipment on its way or delivered can be confirmed as received." in _text(early)
    assert "Confirm receipt" not in _text(early)


def test_office_staff_edit_carrier_and_tracking(aid_world, client):
    w = aid_world
    shipment = shipped(w, w.stanford, (w.masks, 100), status=ShipmentStatus.SHIPPED)
    client.force_login(w.office)
    response = client.post(
        reverse("aid:shipment_edit", args=[shipment.pk]),
        {"carrier": "DHL", "tracking_number": "JD0146", "note": "Rebooked"},
        follow=True,
    )
    assert "JD0146" in _text(response)
    assert Shipment.objects.get().carrier == "DHL"


def test_the_list_filters_by_status_and_the_portal_lists_only_its_own(aid_world, client):
    w = aid_world
    stanford = shipped(w, w.stanford, (w.masks, 100), status=ShipmentStatus.SHIPPED)
    milan = shipped(w, w.milan, (w.suits, 10))
    url = reverse("aid:shipment_list")
    client.force_login(w.staff)
    assert [s.pk for s in client.get(url).context["page"]] == [milan.pk, stanford.pk]
    assert [s.pk for s in client.get(url, {"status": "shipped"}).context["page"]] == [stanford.pk]

    client.force_login(w.milan_contact)
    portal = client.get(url)
    assert [s.pk for s in portal.context["page"]] == [milan.pk]
    assert "Our shipments" in _text(portal)
    assert "Delivered" in _text(portal)


def test_the_shipment_page_reads_in_chinese(aid_world, in_chinese):
    w = aid_world
    shipment = shipped(w, w.stanford, (w.masks, 100))
    ShipmentEvent.objects.filter(shipment=shipment).update(on=date(2026, 11, 3))
    client = in_chinese
    client.force_login(w.stanford_contact)

    text = _text(client.get(shipment.get_absolute_url()))

    assert "2026年11月3日" in text
    assert "医用外科口罩" in text
    assert "Surgical mask" not in text
    assert "2031年6月30日" in text
