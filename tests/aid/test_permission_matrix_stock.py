"""Every role × every page of the catalogue, stock and pledges: the page itself
(recognised by its own text), "not allowed" (403) for home staff who may see but not
change, "does not exist" (404) for a partner contact, who sees nothing of stock or donors
however the address is reached, and the login page for anonymous visitors."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from amity.aid import services
from amity.aid.models import Item, Lot, Movement, Pledge
from tests.aid.test_stock_pages import buy, make_items
from tests.matrix import (
    FORBIDDEN,
    HOME_STAFF,
    LOGIN,
    MISSING,
    OK,
    ROLES,
    assert_page,
    cells,
    only,
)

pytestmark = pytest.mark.django_db


@dataclass
class Stock:
    item: Item
    lot: Lot
    pledge: Pledge
    own_pledge: Pledge


@pytest.fixture
def stock(world) -> Stock:
    supplies = make_items()
    lot = buy(supplies.masks, 1000, user=world.office, lot_number="HZ-1")
    pledge = services.pledge_create(
        fields={"donor_kind": "outside", "donor_name": "Zhejiang Alumni of Harvard"},
        lines=[(supplies.masks, 500)],
        user=world.office,
    )
    own = services.pledge_create(
        fields={"donor_kind": "staff", "donor_person": world.staff.person},
        lines=[(supplies.suits, 100)],
        user=world.staff,
    )
    return Stock(item=supplies.masks, lot=lot, pledge=pledge, own_pledge=own)


def _url(name, attr=None):
    return lambda s: reverse(f"aid:{name}", args=[getattr(s, attr).pk] if attr else [])


STAFF_ONLY = only(*HOME_STAFF, partner=MISSING)
OFFICE_ONLY = only("office", partner=MISSING)

# (page, URL from the stock, the page's own text, outcomes)
PAGES = [
    ("items", _url("item_list"), "YY 0469-2011", STAFF_ONLY),
    ("item", _url("item_detail", "item"), "Lots in stock", STAFF_ONLY),
    ("add item", _url("item_create"), "Add item", OFFICE_ONLY),
    ("edit item", _url("item_edit", "item"), "Edit Surgical mask", OFFICE_ONLY),
    ("stock", _url("stock"), "In expired lots", STAFF_ONLY),
    ("ledger", _url("movement_list"), "Stock ledger", STAFF_ONLY),
    ("receive a purchase", _url("purchase_create"), "Receive a purchase", OFFICE_ONLY),
    ("correct a lot", _url("lot_correct", "lot"), "Correct the stock of a lot", OFFICE_ONLY),
    ("pledges", _url("pledge_list"), "Zhejiang Alumni of Harvard", STAFF_ONLY),
    ("record a pledge", _url("pledge_create"), "What is pledged", STAFF_ONLY),
    ("pledge", _url("pledge_detail", "pledge"), "Pledged and received", STAFF_ONLY),
    ("edit a pledge", _url("pledge_edit", "pledge"), "Edit pledge", OFFICE_ONLY),
    (
        "edit one's own pledge",
        _url("pledge_edit", "own_pledge"),
        "Edit pledge",
        only("office", "staff", partner=MISSING),
    ),
    ("receive a lot", _url("pledge_receive", "pledge"), "Put in stock", OFFICE_ONLY),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_page_shows_each_role_what_it_may_see(world, stock, login, url, text, role, outcome):
    client = login(world.user(role))
    target = url(stock)
    assert_page(client.get(target), url=target, text=text, outcome=outcome)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [("anonymous", LOGIN), ("office", OK), ("coordinator", OK), ("staff", OK), ("partner", None)],
)
def test_overview_for_home_staff_and_requests_for_a_partner_contact(
    world, stock, login, role, outcome
):
    client = login(world.user(role))
    target = reverse("aid:home")
    response = client.get(target)
    if outcome is None:
        assert response.status_code == 302
        assert response["Location"] == reverse("aid:request_list")
    else:
        assert_page(response, url=target, text="shipments on their way", outcome=outcome)


def _outcome(role, allowed):
    if role == "anonymous":
        return LOGIN
    if role == "partner":
        return MISSING
    return OK if role in allowed else FORBIDDEN


@pytest.mark.parametrize("role", ROLES)
def test_only_office_staff_put_supplies_in_stock(world, stock, login, role):
    client = login(world.user(role))
    before = Movement.objects.count()
    posts = [
        (
            reverse("aid:purchase_create"),
            {"item": stock.item.pk, "quantity": "5", "counted_in": "packs", "reason": "Bought"},
        ),
        (reverse("aid:lot_correct", args=[stock.lot.pk]), {"quantity": "-1", "reason": "Torn"}),
        (
            reverse("aid:pledge_receive", args=[stock.pledge.pk]),
            {"item": stock.item.pk, "quantity": "10", "counted_in": "units"},
        ),
    ]
    outcome = _outcome(role, {"office"})
    for url, data in posts:
        response = client.post(url, data)
        if outcome == OK:
            assert response.status_code == 302
        elif outcome == LOGIN:
            assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
        else:
            assert response.status_code == {FORBIDDEN: 403, MISSING: 404}[outcome]
    assert Movement.objects.count() - before == (3 if outcome == OK else 0)


@pytest.mark.parametrize("role", ROLES)
def test_home_staff_record_pledges_and_a_partner_contact_cannot(world, stock, login, role):
    client = login(world.user(role))
    url = reverse("aid:pledge_create")
    response = client.post(
        url,
        {
            "donor_kind": "outside",
            "donor_name": "Matrix donor",
            "donor_person": world.staff.person.pk,
            "pledged_on": "2020-03-20",
            "item_0": stock.item.pk,
            "quantity_0": "10",
            "counted_in_0": "units",
        },
    )
    outcome = _outcome(role, set(HOME_STAFF))
    created = Pledge.objects.exclude(pk__in=[stock.pledge.pk, stock.own_pledge.pk])
    if outcome == OK:
        assert response.status_code == 302
        assert created.count() == 1
    else:
        assert created.count() == 0
        if outcome == LOGIN:
            assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
        else:
            assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_office_staff_change_the_catalogue(world, stock, login, role):
    client = login(world.user(role))
    url = reverse("aid:item_edit", args=[stock.item.pk])
    client.post(
        url,
        {
            "name": "Renamed mask",
            "unit": "piece",
            "pack_size": "50",
            "hs_code": "6307.90",
            "unit_value": "1",
        },
    )
    stock.item.refresh_from_db()
    assert stock.item.name == ("Renamed mask" if role == "office" else "Surgical mask")
