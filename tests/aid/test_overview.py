"""The overview says what aid has reached partners in one sentence, in the reader's
language: "6,200 pieces of surgical mask and 800 sets of protective clothing to 2
partners in 2 countries", "向2个国家的2家合作机构送出医用外科口罩6,200只、医用防护服800件" —
counted from shipments that have left, for the hospital's own staff only."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from amity.aid import selectors, services
from amity.aid.models import Allocation, Item, Unit
from amity.aid.summary import totals_sentence
from tests.aid.conftest import partner_request, stock_up
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

LATER = date(2031, 6, 30)


def _send(world, institution, *lines, leave=True):
    """Approve ``institution``'s request for ``lines`` from fresh stock, pack it, and
    (when ``leave``) ship it."""
    for item, quantity in lines:
        stock_up(world, item, (quantity, LATER))
    request = partner_request(world, institution, *lines)
    services.request_approve(
        request=request,
        approved={line.pk: line.quantity for line in request.lines.all()},
        user=world.office,
    )
    shipment = services.shipment_create(
        institution=institution,
        allocations=list(Allocation.objects.filter(line__request=request)),
        fields={},
        user=world.office,
    )
    if leave:
        services.parcel_add(
            shipment=shipment,
            fields={"weight_kg": "8", "length_cm": 60, "width_cm": 40, "height_cm": 40},
        )
        services.shipment_advance(
            shipment=shipment, status="shipped", on=timezone.localdate(), user=world.office
        )
    return shipment


@pytest.fixture
def sent(aid_world):
    """6,200 masks and 800 suits (counted in sets) shipped to Stanford and Milan; 5,000
    more masks packed for a third partner but not shipped, so not counted."""
    w = aid_world
    w.suits.unit = Unit.SET
    w.suits.save(update_fields=["unit"])
    _send(w, w.stanford, (w.masks, 4000), (w.suits, 500))
    _send(w, w.milan, (w.masks, 2200), (w.suits, 300))
    _send(w, InstitutionFactory(country="DE"), (w.masks, 5000), leave=False)
    return w


def _overview(response) -> str:
    html = response.content.decode()
    found = re.search(r'data-testid="aid-sent">(.*?)</section>', html, re.S)
    if not found:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_the_overview_says_what_was_sent_to_how_many_partners_in_english(sent, client):
    client.force_login(sent.staff)
    assert _overview(client.get(reverse("home:home"))) == (
        "Aid sent to partners "
        "6,200 pieces of surgical mask and 800 sets of protective clothing "
        "to 2 partners in 2 countries "
        "Aid to partners"
    )


def test_the_overview_says_it_in_chinese(sent, client):
    client.force_login(sent.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = _overview(client.get(reverse("home:home")))
    assert "向2个国家的2家合作机构送出医用外科口罩6,200只、医用防护服800件" in text


@pytest.fixture
def three_items(aid_world):
    """1,200 masks, 30 suits (in sets) and 2 pairs of gloves shipped to Stanford."""
    w = aid_world
    w.suits.unit = Unit.SET
    w.suits.save(update_fields=["unit"])
    gloves = Item.objects.create(
        name="Examination gloves", name_local="检查手套", unit=Unit.PAIR, hs_code="4015.19"
    )
    _send(w, w.stanford, (w.masks, 1200), (w.suits, 30), (gloves, 2))
    return w


def test_one_item_to_one_partner_is_singular(aid_world):
    _send(aid_world, aid_world.stanford, (aid_world.masks, 1))
    with translation.override("en"):
        assert totals_sentence(selectors.totals()) == (
            "1 piece of surgical mask to 1 partner in 1 country"
        )


def test_three_items_are_listed_most_first_with_commas_and_and(three_items):
    with translation.override("en"):
        assert totals_sentence(selectors.totals()) == (
            "1,200 pieces of surgical mask, 30 sets of protective clothing and "
            "2 pairs of examination gloves to 1 partner in 1 country"
        )


def test_in_chinese_items_are_listed_with_the_enumeration_comma_and_measure_words(
    three_items,
):
    """只 for pieces, 套 for sets, 副 for pairs; 、 between all items, no "and"."""
    with translation.override("zh-hans"):
        assert totals_sentence(selectors.totals()) == (
            "向1个国家的1家合作机构送出医用外科口罩1,200只、医用防护服30件、检查手套2副"
        )


def test_partner_contacts_and_an_office_with_nothing_sent_see_no_aid_sentence(aid_world, client):
    w = aid_world
    client.force_login(w.office)
    assert _overview(client.get(reverse("home:home"))) == ""  # nothing has left yet

    _send(w, w.stanford, (w.masks, 100))
    client.force_login(w.stanford_contact)
    response = client.get(reverse("home:home"))
    assert _overview(response) == ""
    assert "surgical mask" not in response.content.decode()
