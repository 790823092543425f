"""The aid overview, the catalogue, the stock page, its ledger, purchases and corrections,
as office staff and the other roles use them in the browser: quantities in units and in
packs both ways, every refusal said on the page, nothing written when refused."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from amity.aid import services
from amity.aid.models import Item, Lot, Movement, MovementKind
from amity.aid.templatetags.aid import quantity_in_packs

pytestmark = pytest.mark.django_db


@dataclass
class Supplies:
    masks: Item
    suits: Item


def make_items() -> Supplies:
    masks = Item.objects.create(
        name="Surgical mask",
        name_local="医用外科口罩",
        pack_size=50,
        pack_name="box",
        standard="YY 0469-2011",
        hs_code="6307.90",
        unit_value="0.80",
    )
    suits = Item.objects.create(
        name="Protective clothing",
        name_local="医用防护服",
        standard="GB 19082-2009",
        hs_code="6210.10",
    )
    return Supplies(masks=masks, suits=suits)


def buy(item, quantity, *, user, expires_on=None, lot_number="", location=""):
    return services.purchase_receive(
        receipt=services.Receipt(
            item=item,
            quantity=quantity,
            expires_on=expires_on,
            lot_number=lot_number,
            location=location,
        ),
        reason="Bought from Hangzhou Medical Supply",
        user=user,
    )


def allocate(world, item, quantity):
    request = services.request_create(
        institution=world.partner,
        fields={"delivery_address": "11234 Anderson St, Loma Linda", "consignee": "Dr. Carter"},
        lines=[(item, quantity)],
        user=world.office,
    )
    line = request.lines.get()
    return services.request_approve(request=request, approved={line.pk: quantity}, user=None)


@pytest.fixture
def supplies(world) -> Supplies:
    return make_items()


# --- the one place quantities are written ------------------------------------------------


def test_quantities_are_shown_in_units_and_in_whole_packs(supplies):
    masks, suits = supplies.masks, supplies.suits
    assert quantity_in_packs(1250, masks) == "1,250 (25 × box of 50)"
    assert quantity_in_packs(1260, masks) == "1,260 (25 × box of 50 + 10)"
    assert quantity_in_packs(30, masks) == "30"
    assert quantity_in_packs(-600, masks) == "−600 (12 × box of 50)"
    assert quantity_in_packs(800, suits) == "800"
    masks.pack_name = ""
    assert quantity_in_packs(100, masks) == "100 (2 × pack of 50)"


# --- overview ------------------------------------------------------------------------------


def test_overview_shows_stock_in_packs_open_requests_and_office_actions(world, supplies, login):
    buy(supplies.masks, 1250, user=world.office)
    services.request_create(
        institution=world.partner,
        fields={"delivery_address": "11234 Anderson St, Loma Linda", "consignee": "Dr. Carter"},
        lines=[(supplies.masks, 200)],
        user=world.office,
    )

    office = login(world.office).get(reverse("aid:home")).content.decode()

    assert "1,250 (25 × box of 50)" in office
    assert 'data-testid="open-requests">1<' in office
    assert "Loma Linda University" in office
    assert "Receive a purchase" in office
    staff = login(world.staff).get(reverse("aid:home")).content.decode()
    assert "1,250 (25 × box of 50)" in staff
    assert "Receive a purchase" not in staff
    assert "Record my pledge" in staff


def test_partner_contact_is_led_from_aid_to_their_requests(world, login):
    response = login(world.partner_contact).get(reverse("aid:home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("aid:request_list")


def test_navigation_offers_aid_to_staff_and_partner_contacts(world, login):
    link = f'href="{reverse("aid:home")}"'
    for user in (world.office, world.staff, world.partner_contact):
        assert link in login(user).get(reverse("directory:person_list")).content.decode()


# --- catalogue -----------------------------------------------------------------------------


def test_office_adds_an_item_and_a_bad_hs_code_is_refused_on_the_page(world, login):
    client = login(world.office)
    fields = {
        "name": "N95 respirator",
        "name_local": "N95口罩",
        "unit": "piece",
        "pack_size": "20",
        "pack_name": "box",
        "standard": "NIOSH N95",
        "hs_code": "63",
        "unit_value": "3.50",
        "active": "on",
    }

    refused = client.post(reverse("aid:item_create"), fields).content.decode()

    assert "Enter an HS code of 6 to 10 digits" in refused
    assert not Item.objects.filter(name="N95 respirator").exists()

    response = client.post(reverse("aid:item_create"), {**fields, "hs_code": "6307.90.10"})
    item = Item.objects.get(name="N95 respirator")
    assert response["Location"] == item.get_absolute_url()
    page = client.get(item.get_absolute_url()).content.decode()
    assert "N95口罩" in page
    assert "box of 20" in page
    assert "6307.90.10" in page
    assert "NIOSH N95" in page


def test_item_page_lists_lots_first_to_expire_first_with_what_each_holds(world, supplies, login):
    today = timezone.localdate()
    later = buy(supplies.masks, 300, user=world.office, expires_on=today + timedelta(days=400))
    later.lot_number = "LATER-1"
    later.save()
    buy(
        supplies.masks,
        1000,
        user=world.office,
        expires_on=today + timedelta(days=30),
        lot_number="SOON-1",
        location="Store room B2",
    )

    page = login(world.coordinator).get(supplies.masks.get_absolute_url()).content.decode()

    lots = page.split('data-testid="lots"')[1].split("</table>")[0]
    assert lots.index("SOON-1") < lots.index("LATER-1")
    assert "1,000 (20 × box of 50)" in lots
    assert "300 (6 × box of 50)" in lots
    assert "Store room B2" in lots
    assert "Bought from Hangzhou Medical Supply" in page  # the last movements, with why
    assert "Correct" not in lots  # corrections are the office's


# --- stock -----------------------------------------------------------------------------------


def test_stock_page_shows_available_allocated_on_hand_and_expired_as_units_and_packs(
    world, supplies, login
):
    today = timezone.localdate()
    buy(supplies.masks, 1250, user=world.office)
    buy(supplies.masks, 100, user=world.office, expires_on=today - timedelta(days=1))
    buy(supplies.suits, 80, user=world.office)
    allocate(world, supplies.masks, 600)

    page = login(world.staff).get(reverse("aid:stock")).content.decode()

    row = page.split("Surgical mask")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('class="num">')[1:]]
    assert cells == [
        "650 (13 × box of 50)",
        "600 (12 × box of 50)",
        "1,250 (25 × box of 50)",
        "100 (2 × box of 50)",
    ]
    suits = page.split("Protective clothing")[1].split("</tr>")[0]
    assert [c.split("</td>")[0] for c in suits.split('class="num">')[1:]] == ["80", "0", "80", "0"]


# --- purchases -------------------------------------------------------------------------------


def test_a_purchase_entered_in_packs_is_put_in_stock_as_units(world, supplies, login):
    client = login(world.office)
    expiry = timezone.localdate() + timedelta(days=365)

    response = client.post(
        reverse("aid:purchase_create"),
        {
            "item": supplies.masks.pk,
            "quantity": "12",
            "counted_in": "packs",
            "lot_number": "HZ-2026-11",
            "expires_on": expiry.isoformat(),
            "location": "Store room B2",
            "received_on": timezone.localdate().isoformat(),
            "reason": "Bought for the Loma Linda request",
        },
        follow=True,
    )

    lot = Lot.objects.get(lot_number="HZ-2026-11")
    assert (lot.available, lot.location, lot.expires_on) == (600, "Store room B2", expiry)
    movement = lot.movements.get()
    assert (movement.kind, movement.quantity, movement.reason) == (
        MovementKind.PURCHASE,
        600,
        "Bought for the Loma Linda request",
    )
    assert movement.created_by == world.office
    assert "600 (12 × box of 50) of Surgical mask were put in stock." in (response.content.decode())


def test_a_purchase_in_units_stays_units_and_without_a_reason_is_refused(world, supplies, login):
    client = login(world.office)
    fields = {"item": supplies.masks.pk, "quantity": "1260", "counted_in": "units"}

    refused = client.post(reverse("aid:purchase_create"), fields).content.decode()

    assert "Please correct the errors below." in refused
    assert "This field is required." in refused.split('name="reason"')[1]
    assert not Lot.objects.exists()

    client.post(reverse("aid:purchase_create"), {**fields, "reason": "Donation top-up"})
    assert Lot.objects.get().available == 1260
    stock = client.get(reverse("aid:stock")).content.decode()
    assert "1,260 (25 × box of 50 + 10)" in stock


# --- corrections -------------------------------------------------------------------------------


def test_a_correction_below_zero_is_refused_with_what_the_lot_holds(world, supplies, login):
    lot = buy(supplies.masks, 100, user=world.office, lot_number="HZ-1")
    client = login(world.office)
    url = reverse("aid:lot_correct", args=[lot.pk])

    refused = client.post(url, {"quantity": "-150", "reason": "Water damage"}).content.decode()

    assert "Only 100 units of this lot are available." in refused
    assert lot.movements.count() == 1
    lot.refresh_from_db()
    assert lot.available == 100

    client.post(url, {"quantity": "-20", "reason": "Water damage in store room B2"})
    lot.refresh_from_db()
    assert lot.available == 80
    ledger = client.get(reverse("aid:movement_list")).content.decode()
    assert "Water damage in store room B2" in ledger
    assert "−20" in ledger
    assert services.ledger_differences() == []


def test_a_correction_needs_a_reason_and_a_number_other_than_zero(world, supplies, login):
    lot = buy(supplies.masks, 100, user=world.office)
    client = login(world.office)

    page = client.post(
        reverse("aid:lot_correct", args=[lot.pk]), {"quantity": "0", "reason": ""}
    ).content.decode()

    assert "Enter a whole number of units other than 0." in page
    assert "This field is required." in page
    assert lot.movements.count() == 1


# --- ledger ------------------------------------------------------------------------------------


def test_ledger_is_filtered_by_item_and_kind_and_says_who_and_why(world, supplies, login):
    masks_lot = buy(supplies.masks, 500, user=world.office)
    buy(supplies.suits, 40, user=world.office)
    services.stock_correct(lot=masks_lot, quantity=-5, reason="Torn boxes", user=world.office)
    client = login(world.staff)

    by_item = client.get(reverse("aid:movement_list"), {"item": supplies.suits.pk}).content.decode()
    assert "Protective clothing" in by_item.split('data-testid="movements"')[1]
    assert "Torn boxes" not in by_item

    corrections = client.get(reverse("aid:movement_list"), {"kind": "correction"}).content.decode()
    table = corrections.split('data-testid="movements"')[1]
    assert "Torn boxes" in table
    assert "Bought from Hangzhou Medical Supply" not in table
    assert "Wang Lina" in table  # who

    tomorrow = timezone.localdate() + timedelta(days=1)
    later = client.get(reverse("aid:movement_list"), {"since": tomorrow.isoformat()})
    assert "No movement yet." in later.content.decode()


def test_ledger_pages_fifty_movements_at_a_time(world, supplies, login):
    lot = buy(supplies.masks, 1000, user=world.office)
    for n in range(55):
        services.stock_correct(lot=lot, quantity=1, reason=f"Count {n}", user=world.office)
    client = login(world.office)

    first = client.get(reverse("aid:movement_list")).content.decode()
    second = client.get(reverse("aid:movement_list"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert "Count 54" in first and "Count 4<" not in first
    assert "Count 4<" in second
    assert Movement.objects.count() == 56


# --- Chinese -------------------------------------------------------------------------------------


def test_chinese_item_page_shows_chinese_names_and_dates(world, supplies, client):
    buy(supplies.masks, 100, user=world.office, expires_on=date(2026, 12, 3), lot_number="HZ-9")
    client.force_login(world.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    page = client.get(supplies.masks.get_absolute_url()).content.decode()

    assert "<h1>医用外科口罩</h1>" in page
    assert "Surgical mask" in page  # the other name beside it
    assert "2026年12月3日" in page
    stock = client.get(reverse("aid:stock")).content.decode()
    assert "医用防护服" in stock
