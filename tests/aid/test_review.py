"""What a Chinese international affairs office and a partner abroad meet on the aid pages:
measure words, Chinese pack names, dates of the campaign rather than of data entry, and
links between the pages they go back and forth between."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from amity.aid import services
from amity.aid.models import Allocation, ShipmentStatus
from amity.aid.templatetags.aid import quantity_in_packs
from tests.aid.conftest import partner_request, stock_up

pytestmark = pytest.mark.django_db

LATER = date(2031, 6, 30)


@pytest.fixture
def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    yield client
    translation.deactivate()


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _prepared(world, institution, *lines, on=None):
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
        fields={"carrier": "EMS"},
        user=world.office,
        on=on,
    )
    return request, shipment


# --- a bug in the domain the review found (fixed in services meanwhile) ----------------------


def test_a_shipment_without_parcels_cannot_skip_to_customs_or_delivered(aid_world):
    _, shipment = _prepared(aid_world, aid_world.stanford, (aid_world.masks, 100))
    with pytest.raises(ValidationError):
        services.shipment_advance(
            shipment=shipment,
            status=ShipmentStatus.DELIVERED,
            on=date.today(),
            user=aid_world.office,
        )


# --- measure words and pack names in Chinese ------------------------------------------------


def test_quantities_in_chinese_carry_the_items_measure_word_and_chinese_pack(aid_world):
    w = aid_world
    with translation.override("zh-hans"):
        assert quantity_in_packs(1500, w.masks) == "1500只（30盒，每盒50只）"
        assert quantity_in_packs(1510, w.masks) == "1510只（30盒，每盒50只，另加10只）"
        assert quantity_in_packs(800, w.suits) == "800件"
        assert quantity_in_packs(0, w.masks) == "0只"
    # English is as before, and nothing is said of an empty shelf's packs.
    assert quantity_in_packs(1500, w.masks) == "1,500 (30 × box of 50)"
    assert quantity_in_packs(0, w.masks) == "0"


def test_the_catalogue_in_chinese_names_packs_and_units_in_chinese(aid_world, client, in_chinese):
    client.force_login(aid_world.office)
    text = _text(client.get(reverse("aid:item_list")))
    assert "每盒50只" in text
    assert "box" not in text
    detail = _text(client.get(reverse("aid:item_detail", args=[aid_world.suits.pk])))
    assert "单位 件" in detail  # not 只 (the unit "piece" alone cannot tell a gown from a mask)


def test_a_request_form_in_chinese_asks_for_each_item_by_its_measure_word(
    aid_world, client, in_chinese
):
    client.force_login(aid_world.stanford_contact)
    page = client.get(reverse("aid:request_create")).content.decode()
    # （只） once the translation of "%(item)s (%(units)s)" is in; (只) before it.
    assert re.search(r"医用外科口罩 ?[（(]只[）)]", page)
    assert re.search(r"医用防护服 ?[（(]件[）)]", page)
    assert "每盒50只" in page
    assert "每box" not in page


def test_a_request_can_be_recorded_from_the_chinese_form(aid_world, client, in_chinese):
    client.force_login(aid_world.stanford_contact)
    response = client.post(
        reverse("aid:request_create"),
        {
            "urgency": "urgent",
            "needed_by": "2026-12-03",
            "delivery_address": "725 Welch Road, Palo Alto",
            "consignee": "Dr. Ron Rosenfeld",
            f"item_{aid_world.masks.pk}": "600",
        },
        follow=True,
    )
    text = _text(response)
    assert "2026年12月3日" in text
    assert "600只（12盒，每盒50只）" in text


# --- shipments: the campaign's dates, links back to requests and items ------------------------


def test_a_shipment_shows_the_day_it_was_prepared_not_the_day_it_was_entered(
    aid_world, client, in_chinese
):
    w = aid_world
    request, shipment = _prepared(w, w.stanford, (w.masks, 100), on=date(2020, 3, 28))
    client.force_login(w.office)
    detail = _text(client.get(shipment.get_absolute_url()))
    assert "已备货 2020年3月28日" in detail
    listing = _text(client.get(reverse("aid:shipment_list")))
    assert "2020年3月28日" in listing
    html = client.get(shipment.get_absolute_url()).content.decode()
    assert f'href="{request.get_absolute_url()}"' in html
    assert f'href="{w.masks.get_absolute_url()}"' in html


def test_the_partner_sees_its_shipment_without_links_to_the_stock_catalogue(aid_world, client):
    w = aid_world
    _, shipment = _prepared(w, w.stanford, (w.masks, 100))
    client.force_login(w.stanford_contact)
    html = client.get(shipment.get_absolute_url()).content.decode()
    assert "Surgical mask" in html
    assert f'href="{w.masks.get_absolute_url()}"' not in html


def test_a_request_links_its_items_to_the_catalogue_for_staff_only(aid_world, client):
    w = aid_world
    request, _ = _prepared(w, w.stanford, (w.masks, 100))
    client.force_login(w.office)
    link = f'href="{w.masks.get_absolute_url()}"'
    assert link in client.get(request.get_absolute_url()).content.decode()
    client.force_login(w.stanford_contact)
    assert link not in client.get(request.get_absolute_url()).content.decode()
