"""Aid in the JSON API, as a client reads it: the catalogue, stock, pledges and lots,
partners' requests and their approval, shipments and their receipt; who may do what;
and refusals that say why and write nothing."""

import json
from datetime import timedelta

import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from amity.accounts.models import Role
from amity.accounts.services import api_token_create
from amity.aid import selectors, services
from amity.aid.models import AidRequest, Lot, Movement, Pledge, Shipment
from tests.aid.conftest import partner_request, stock_up
from tests.api import test_fuzz as fuzz
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

HUGE = 10**20


def _today():
    return timezone.localdate()


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _get(user, url, params=None):
    return _client(user).get(f"/api/v1/{url}", params or {})


def _post(user, url, body):
    return _client(user).post(f"/api/v1/{url}", json.dumps(body), content_type="application/json")


def _stock(item):
    row = next(row for row in selectors.stock(today=_today()) if row.item == item)
    return (row.available, row.allocated, row.on_hand, row.expired)


@pytest.fixture
def stocked(aid_world):
    """1,000 masks that expire in a year, 200 already expired; 100 suits."""
    stock_up(
        aid_world,
        aid_world.masks,
        (1000, _today() + timedelta(days=365)),
        (200, _today() - timedelta(days=1)),
    )
    stock_up(aid_world, aid_world.suits, (100, None))
    return aid_world


@pytest.fixture
def stanford_request(stocked):
    """Stanford asks for 300 masks and 50 suits."""
    return partner_request(
        stocked, stocked.stanford, (stocked.masks, 300), (stocked.suits, 50), user=None
    )


@pytest.fixture
def milan_request(stocked):
    return partner_request(stocked, stocked.milan, (stocked.masks, 100))


def _lines(aid_request):
    return {line.item.name: line.pk for line in aid_request.lines.all()}


def _approve_all(world, aid_request):
    return services.request_approve(
        request=aid_request,
        approved={line.pk: line.quantity for line in aid_request.lines.all()},
        user=world.office,
    )


@pytest.fixture
def shipped(stocked, stanford_request):
    """Stanford's request approved in full, packed in one parcel and shipped."""
    _approve_all(stocked, stanford_request)
    allocations = [
        a for line in stanford_request.lines.all() for a in line.allocations.order_by("pk")
    ]
    shipment = services.shipment_create(
        institution=stocked.stanford,
        allocations=allocations,
        fields={"carrier": "EMS", "tracking_number": "EE123456789CN"},
        user=stocked.office,
    )
    services.parcel_add(
        shipment=shipment,
        fields={"weight_kg": "12.50", "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    services.shipment_advance(shipment=shipment, status="shipped", on=_today(), user=stocked.office)
    return shipment


# --- catalogue and stock -------------------------------------------------------------------


def test_items_lists_the_catalogue_with_packs_and_standards(aid_world):
    """Anyone signed in, a partner contact too, reads the catalogue their requests name."""
    data = _get(aid_world.stanford_contact, "aid/items").json()
    assert [
        (i["name"], i["name_local"], i["pack_size"], i["pack_name"], i["standard"], i["hs_code"])
        for i in data["items"]
    ] == [
        ("Protective clothing", "医用防护服", 1, "", "GB 19082-2009", "6210.10"),
        ("Surgical mask", "医用外科口罩", 50, "box", "YY 0469-2011", "6307.90"),
    ]


def test_stock_shows_available_allocated_on_hand_and_expired(stocked, stanford_request):
    """Approving 300 masks moves them from available to allocated; the expired lot is
    counted apart and never as available."""
    _approve_all(stocked, stanford_request)
    data = _get(stocked.office, "aid/stock").json()
    assert [
        (r["item"]["name"], r["available"], r["allocated"], r["on_hand"], r["expired"])
        for r in data
    ] == [
        ("Protective clothing", 50, 50, 100, 0),
        ("Surgical mask", 700, 300, 1000, 200),
    ]


def test_stock_does_not_exist_for_a_partner_contact(stocked):
    response = _get(stocked.stanford_contact, "aid/stock")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


# --- pledges -------------------------------------------------------------------------------


def test_office_records_an_outside_donors_pledge_and_receives_a_lot(aid_world):
    response = _post(
        aid_world.office,
        "aid/pledges",
        {
            "donor_kind": "outside",
            "donor_name": "Zhejiang Alumni Association",
            "lines": [{"item": aid_world.masks.pk, "quantity": 6000}],
        },
    )
    assert response.status_code == 201
    pledge = response.json()
    assert (pledge["donor"], pledge["donor_kind"], pledge["lots"]) == (
        "Zhejiang Alumni Association",
        "outside",
        [],
    )
    assert [(line["item"]["name"], line["quantity"]) for line in pledge["lines"]] == [
        ("Surgical mask", 6000)
    ]

    expiry = (_today() + timedelta(days=700)).isoformat()
    response = _post(
        aid_world.office,
        f"aid/pledges/{pledge['id']}/lots",
        {
            "item": aid_world.masks.pk,
            "quantity": 4000,
            "lot_number": "20200315",
            "expires_on": expiry,
            "location": "Store room B2",
        },
    )
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("lot_number", "expires_on", "available")} == {
        "lot_number": "20200315",
        "expires_on": expiry,
        "available": 4000,
    }
    assert _stock(aid_world.masks) == (4000, 0, 4000, 0)
    lots = _get(aid_world.office, f"aid/pledges/{pledge['id']}").json()["lots"]
    assert [(lot["location"], lot["available"]) for lot in lots] == [("Store room B2", 4000)]


def test_receiving_an_item_the_pledge_does_not_list_is_refused(aid_world):
    pledge = stock_up(aid_world, aid_world.masks, (10, None))[0].pledge
    response = _post(
        aid_world.office,
        f"aid/pledges/{pledge.pk}/lots",
        {"item": aid_world.suits.pk, "quantity": 5},
    )
    message = "This pledge does not include Protective clothing."
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"item: {message}", "code": "invalid", "errors": {"item": [message]}},
    )
    assert _stock(aid_world.suits) == (0, 0, 0, 0)


def test_staff_member_records_their_own_pledge(aid_world):
    """Without a donor in the body the staff member is the donor."""
    own = PersonFactory(institution=aid_world.home, user=aid_world.staff)
    response = _post(
        aid_world.staff, "aid/pledges", {"lines": [{"item": aid_world.suits.pk, "quantity": 800}]}
    )
    assert response.status_code == 201
    assert (response.json()["donor"], response.json()["donor_person"]) == (
        own.full_name,
        own.pk,
    )


def test_staff_member_cannot_pledge_in_someone_elses_name(aid_world):
    PersonFactory(institution=aid_world.home, user=aid_world.staff)
    response = _post(
        aid_world.staff,
        "aid/pledges",
        {
            "donor_person": aid_world.donor.pk,
            "lines": [{"item": aid_world.suits.pk, "quantity": 800}],
        },
    )
    assert (response.status_code, response.json()["detail"]) == (
        403,
        "You can record only your own pledges.",
    )
    assert not Pledge.objects.exists()


def test_staff_member_without_a_directory_entry_is_told_to_ask_the_office(aid_world):
    response = _post(
        aid_world.staff, "aid/pledges", {"lines": [{"item": aid_world.suits.pk, "quantity": 1}]}
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {
            "donor_person": [
                "Your login is not linked to an entry in the directory; ask the office."
            ]
        },
    )


def test_pledge_with_an_unknown_item_is_refused(aid_world):
    response = _post(
        aid_world.office,
        "aid/pledges",
        {"donor_kind": "outside", "donor_name": "A", "lines": [{"item": 999999, "quantity": 1}]},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"lines": ["No item in use has the id 999999."]},
    )
    assert not Pledge.objects.exists()


# --- requests ------------------------------------------------------------------------------

REQUEST = {
    "urgency": "critical",
    "delivery_address": "Via Castelvetro 32, 20154 Milano, Italy",
    "consignee": "Dott.ssa Giulia Rossi",
}


def test_partner_contact_requests_for_their_own_institution(aid_world):
    response = _post(
        aid_world.milan_contact,
        "aid/requests",
        {**REQUEST, "lines": [{"item": aid_world.masks.pk, "quantity": 2000}]},
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["institution"]["name"], data["status"], data["urgency"]) == (
        "Ospedale dei Bambini",
        "submitted",
        "critical",
    )
    assert [
        (line["item"]["name"], line["requested"], line["approved"], line["allocated"])
        for line in data["lines"]
    ] == [("Surgical mask", 2000, None, 0)]


def test_partner_contact_cannot_request_for_another_institution(aid_world):
    response = _post(
        aid_world.milan_contact,
        "aid/requests",
        {
            **REQUEST,
            "institution": aid_world.stanford.pk,
            "lines": [{"item": aid_world.masks.pk, "quantity": 2000}],
        },
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"institution": ["You can request aid only for your own institution."]},
    )
    assert not AidRequest.objects.exists()


def test_office_records_a_request_for_any_partner_and_must_name_it(aid_world):
    lines = [{"item": aid_world.suits.pk, "quantity": 300}]
    response = _post(aid_world.office, "aid/requests", {**REQUEST, "lines": lines})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"institution": ["Choose the partner that asks."]},
    )
    response = _post(
        aid_world.office,
        "aid/requests",
        {**REQUEST, "institution": aid_world.milan.pk, "lines": lines},
    )
    assert (response.status_code, response.json()["institution"]["name"]) == (
        201,
        "Ospedale dei Bambini",
    )


def test_request_listing_an_item_twice_is_refused(aid_world):
    line = {"item": aid_world.masks.pk, "quantity": 10}
    response = _post(aid_world.milan_contact, "aid/requests", {**REQUEST, "lines": [line, line]})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"lines": ["Surgical mask is listed twice."]},
    )
    assert not AidRequest.objects.exists()


def test_partner_contact_lists_only_their_own_requests(stanford_request, milan_request, stocked):
    own = _get(stocked.stanford_contact, "aid/requests").json()
    assert [r["reference"] for r in own["items"]] == [stanford_request.reference]
    # Asking for the other partner's by filter finds nothing either.
    other = _get(stocked.stanford_contact, "aid/requests", {"institution": stocked.milan.pk})
    assert other.json()["items"] == []
    office = _get(stocked.office, "aid/requests", {"institution": stocked.milan.pk}).json()
    assert [r["reference"] for r in office["items"]] == [milan_request.reference]


def test_requests_filter_by_status(stanford_request, milan_request, stocked):
    _approve_all(stocked, milan_request)
    data = _get(stocked.office, "aid/requests", {"status": "approved"}).json()
    assert [r["reference"] for r in data["items"]] == [milan_request.reference]


def test_another_partners_request_is_not_found(stanford_request, stocked):
    """A guessed id of another partner's request: 404, and nothing of it."""
    for url in (f"aid/requests/{stanford_request.pk}",):
        response = _get(stocked.milan_contact, url)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    response = _post(
        stocked.milan_contact, f"aid/requests/{stanford_request.pk}/approve", {"lines": []}
    )
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


# --- approval ------------------------------------------------------------------------------


def test_approve_part_of_a_request_allocates_it(stanford_request, stocked):
    lines = _lines(stanford_request)
    response = _post(
        stocked.office,
        f"aid/requests/{stanford_request.pk}/approve",
        {
            "lines": [
                {"line": lines["Surgical mask"], "quantity": 200},
                {"line": lines["Protective clothing"], "quantity": 50},
            ],
            "note": "Masks are short this week.",
        },
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["decision_note"]) == ("partly", "Masks are short this week.")
    assert [
        (line["item"]["name"], line["requested"], line["approved"], line["allocated"])
        for line in data["lines"]
    ] == [("Surgical mask", 300, 200, 200), ("Protective clothing", 50, 50, 50)]
    assert _stock(stocked.masks) == (800, 200, 1000, 200)
    # Taken from the unexpired lot only.
    masks = next(line for line in data["lines"] if line["item"]["name"] == "Surgical mask")
    assert [(a["quantity"], a["expires_on"]) for a in masks["allocations"]] == [
        (200, (_today() + timedelta(days=365)).isoformat())
    ]


def test_approve_more_than_in_stock_is_a_conflict_and_writes_nothing(stocked):
    aid_request = partner_request(stocked, stocked.milan, (stocked.masks, 1500))
    movements = Movement.objects.count()
    response = _post(
        stocked.office,
        f"aid/requests/{aid_request.pk}/approve",
        {"lines": [{"line": _lines(aid_request)["Surgical mask"], "quantity": 1500}], "note": ""},
    )
    assert (response.status_code, response.json()) == (
        409,
        {
            "detail": "Only 1000 units of Surgical mask are in stock and unexpired; "
            "1500 were asked for.",
            "code": "not_enough_stock",
            "errors": None,
        },
    )
    aid_request.refresh_from_db()
    assert (aid_request.status, [line.approved for line in aid_request.lines.all()]) == (
        "submitted",
        [None],
    )
    assert Movement.objects.count() == movements
    assert _stock(stocked.masks) == (1000, 0, 1000, 200)


def test_approving_a_decided_request_again_is_a_conflict(stanford_request, stocked):
    _approve_all(stocked, stanford_request)
    response = _post(
        stocked.office,
        f"aid/requests/{stanford_request.pk}/approve",
        {"lines": [{"line": _lines(stanford_request)["Surgical mask"], "quantity": 1}]},
    )
    assert (response.status_code, response.json()["code"], response.json()["detail"]) == (
        409,
        "already_decided",
        "This request has already been decided (Approved).",
    )
    assert _stock(stocked.masks) == (700, 300, 1000, 200)


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        (
            lambda ids: [{"line": ids["Surgical mask"], "quantity": 301}],
            "lines",
            "Approve between 0 and 300 units of Surgical mask.",
        ),
        (lambda ids: [{"line": 999999, "quantity": 1}], "lines", None),
        (
            lambda ids: [{"line": ids["Surgical mask"], "quantity": -1}],
            "lines.0.quantity",
            "Input should be greater than or equal to 0",
        ),
        (
            lambda ids: [{"line": ids["Surgical mask"], "quantity": HUGE}],
            "lines.0.quantity",
            "Input should be less than or equal to 1000000000",
        ),
        (
            lambda ids: [
                {"line": ids["Surgical mask"], "quantity": 1},
                {"line": ids["Surgical mask"], "quantity": 2},
            ],
            "lines",
            None,
        ),
    ],
)
def test_approve_refuses_bad_quantities_and_writes_nothing(
    stanford_request, stocked, lines, field, message
):
    response = _post(
        stocked.office,
        f"aid/requests/{stanford_request.pk}/approve",
        {"lines": lines(_lines(stanford_request))},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    stanford_request.refresh_from_db()
    assert stanford_request.status == "submitted"
    assert _stock(stocked.masks) == (1000, 0, 1000, 200)


def test_approve_refuses_an_unknown_field(stanford_request, stocked):
    response = _post(
        stocked.office,
        f"aid/requests/{stanford_request.pk}/approve",
        {"lines": [], "approve_all": True},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"approve_all": ["Unknown field."]},
    )


def test_approving_nothing_declines_the_request(stanford_request, stocked):
    response = _post(stocked.office, f"aid/requests/{stanford_request.pk}/approve", {"lines": []})
    assert (response.status_code, response.json()["status"]) == (200, "declined")


# --- shipments -----------------------------------------------------------------------------


def test_office_packs_ships_and_the_partner_confirms_a_shortfall(stocked, stanford_request):
    _approve_all(stocked, stanford_request)
    request_data = _get(stocked.office, f"aid/requests/{stanford_request.pk}").json()
    allocation_ids = [a["id"] for line in request_data["lines"] for a in line["allocations"]]

    response = _post(
        stocked.office,
        "aid/shipments",
        {
            "institution": stocked.stanford.pk,
            "allocations": allocation_ids,
            "carrier": "EMS",
            "tracking_number": "EE123456789CN",
            "currency": "USD",
        },
    )
    assert response.status_code == 201
    shipment = response.json()
    assert (shipment["status"], shipment["requests"], shipment["currency"]) == (
        "prepared",
        [stanford_request.pk],
        "USD",
    )
    sid = shipment["id"]

    # It cannot leave without parcels.
    response = _post(stocked.office, f"aid/shipments/{sid}/status", {"status": "shipped"})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"status": ["Add the parcels before the shipment leaves."]},
    )
    response = _post(
        stocked.office,
        f"aid/shipments/{sid}/parcels",
        {"weight_kg": "12.50", "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    assert (response.status_code, response.json()["weight_kg"]) == (201, "12.50")
    response = _post(stocked.office, f"aid/shipments/{sid}/status", {"status": "shipped"})
    assert response.status_code == 200
    assert [(e["status"], e["on"]) for e in response.json()["events"]] == [
        ("prepared", _today().isoformat()),
        ("shipped", _today().isoformat()),
    ]
    # Shipped units have left the shelf.
    assert _stock(stocked.masks) == (700, 0, 700, 200)

    lines = {a["item"]["name"]: a for a in response.json()["allocations"]}
    masks, suits = lines["Surgical mask"], lines["Protective clothing"]
    receipt = {
        "lines": [
            {"allocation": masks["id"], "received": 280, "damaged": 5, "note": ""},
            {"allocation": suits["id"], "received": 50},
        ]
    }
    response = _post(stocked.stanford_contact, f"aid/shipments/{sid}/receipt", receipt)
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"lines": ["Say what happened to the missing or damaged Surgical mask."]},
    )
    receipt["lines"][0]["note"] = "One carton lost in transit; 5 masks torn."
    response = _post(stocked.stanford_contact, f"aid/shipments/{sid}/receipt", receipt)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "received"
    assert [
        (a["item"]["name"], a["quantity"], a["received"], a["damaged"], a["shortfall"])
        for a in data["allocations"]
    ] == [("Surgical mask", 300, 280, 5, 20), ("Protective clothing", 50, 50, 0, 0)]
    assert data["allocations"][0]["receipt_note"] == "One carton lost in transit; 5 masks torn."

    # Confirmed once only.
    response = _post(stocked.stanford_contact, f"aid/shipments/{sid}/receipt", receipt)
    assert (response.status_code, response.json()["detail"]) == (
        409,
        "This shipment has already been confirmed as received.",
    )


def test_shipment_detail_shows_lines_parcels_and_history(shipped, stocked):
    data = _get(stocked.stanford_contact, f"aid/shipments/{shipped.pk}").json()
    assert (data["reference"], data["carrier"], data["tracking_number"], data["status"]) == (
        shipped.reference,
        "EMS",
        "EE123456789CN",
        "shipped",
    )
    assert [(p["weight_kg"], p["length_cm"]) for p in data["parcels"]] == [("12.50", 60)]
    assert [(a["item"]["name"], a["quantity"]) for a in data["allocations"]] == [
        ("Surgical mask", 300),
        ("Protective clothing", 50),
    ]
    assert data["packing_list_url"].endswith(f"/shipments/{shipped.pk}/packing-list.pdf")


def test_another_partners_shipment_is_not_found(shipped, stocked):
    assert _get(stocked.milan_contact, "aid/shipments").json()["items"] == []
    for response in (
        _get(stocked.milan_contact, f"aid/shipments/{shipped.pk}"),
        _post(stocked.milan_contact, f"aid/shipments/{shipped.pk}/receipt", {"lines": []}),
    ):
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    assert Shipment.objects.get().status == "shipped"


def test_a_shipment_takes_only_one_partners_units(stocked, stanford_request, milan_request):
    _approve_all(stocked, stanford_request)
    _approve_all(stocked, milan_request)
    milan_allocation = milan_request.lines.get().allocations.get()
    response = _post(
        stocked.office,
        "aid/shipments",
        {"institution": stocked.stanford.pk, "allocations": [milan_allocation.pk]},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"allocations": ["A shipment goes to one partner; these lines are for another."]},
    )
    assert not Shipment.objects.exists()


# --- who may do what -----------------------------------------------------------------------

ROLES = ["office", "coordinator", "staff", "partner_own", "partner_other", "anonymous"]


@pytest.fixture
def users(stocked):
    return {
        "office": stocked.office,
        "coordinator": UserFactory(role=Role.COORDINATOR),
        "staff": stocked.staff,
        "partner_own": stocked.stanford_contact,
        "partner_other": stocked.milan_contact,
        "anonymous": None,
    }


def _masks_pledge() -> int:
    return Lot.objects.filter(item__name="Surgical mask").first().pledge_id


# (what, method, URL from the shipment fixture and the request, body, status per role)
# Roles in ROLES' order. Bodies are valid for whoever may act, so a 200/201 proves it.
MATRIX = [
    ("catalogue", "get", lambda s, r: "aid/items", None, [200, 200, 200, 200, 200, 401]),
    ("stock", "get", lambda s, r: "aid/stock", None, [200, 200, 200, 404, 404, 401]),
    ("pledges", "get", lambda s, r: "aid/pledges", None, [200, 200, 200, 404, 404, 401]),
    (
        "a pledge",
        "get",
        lambda s, r: f"aid/pledges/{_masks_pledge()}",
        None,
        [200, 200, 200, 404, 404, 401],
    ),
    (
        "receive a lot",
        "post",
        lambda s, r: f"aid/pledges/{_masks_pledge()}/lots",
        lambda w: {"item": w.masks.pk, "quantity": 10},
        [201, 403, 403, 404, 404, 401],
    ),
    ("requests", "get", lambda s, r: "aid/requests", None, [200, 200, 200, 200, 200, 401]),
    (
        "a request",
        "get",
        lambda s, r: f"aid/requests/{r.pk}",
        None,
        [200, 200, 200, 200, 404, 401],
    ),
    (
        "approve",
        "post",
        lambda s, r: f"aid/requests/{r.pk}/approve",
        lambda w: {"lines": []},
        [200, 403, 403, 403, 404, 401],
    ),
    ("shipments", "get", lambda s, r: "aid/shipments", None, [200, 200, 200, 200, 200, 401]),
    (
        "a shipment",
        "get",
        lambda s, r: f"aid/shipments/{s.pk}",
        None,
        [200, 200, 200, 200, 404, 401],
    ),
    (
        "advance a shipment",
        "post",
        lambda s, r: f"aid/shipments/{s.pk}/status",
        lambda w: {"status": "customs"},
        [200, 403, 403, 403, 404, 401],
    ),
    (
        "add a parcel",
        "post",
        lambda s, r: f"aid/shipments/{s.pk}/parcels",
        lambda w: {"weight_kg": "1", "length_cm": 1, "width_cm": 1, "height_cm": 1},
        # The office is refused by the shipment's state: it has left.
        [409, 403, 403, 403, 404, 401],
    ),
    (
        "confirm receipt",
        "post",
        lambda s, r: f"aid/shipments/{s.pk}/receipt",
        lambda w: {
            "lines": [
                {"allocation": a.pk, "received": a.quantity}
                for a in Shipment.objects.get().allocations.all()
            ]
        },
        [200, 403, 403, 200, 404, 401],
    ),
]


@pytest.mark.parametrize(
    ("what", "method", "url", "body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(shipped, stocked, users, what, method, url, body, expected, role):
    """Each role gets the outcome its place allows: the data, "not allowed" with the
    reason, "not found" with nothing of the object, or "sign in"."""
    # An open request of Stanford's (the one shipped is decided).
    open_request = partner_request(stocked, stocked.stanford, (stocked.suits, 5))
    address = url(shipped, open_request)
    user = users[role]
    response = _get(user, address) if method == "get" else _post(user, address, body(stocked))
    want = expected[ROLES.index(role)]
    assert response.status_code == want, response.content
    data = response.json()
    if want == 401:
        assert data == {"detail": "Unauthorized"}
    elif want == 404:
        assert data == {"detail": "Not found."}
    elif want == 403:
        assert data == {"detail": "You do not have permission to do this."}
    elif want == 409:
        assert data["detail"] == "Parcels can be changed only while the shipment is prepared."


def test_requests_and_pledges_are_refused_to_those_who_may_not_make_them(users, stocked):
    line = [{"item": stocked.masks.pk, "quantity": 1}]
    for role in ("coordinator", "staff"):
        response = _post(
            users[role],
            "aid/requests",
            {**REQUEST, "institution": stocked.milan.pk, "lines": line},
        )
        assert (role, response.status_code) == (role, 403)
    for role in ("partner_own", "partner_other"):
        response = _post(users[role], "aid/pledges", {"lines": line})
        assert (role, response.status_code) == (role, 403)
    for role in ("staff", "partner_own"):
        response = _post(
            users[role], "aid/shipments", {"institution": stocked.stanford.pk, "allocations": []}
        )
        assert (role, response.status_code) == (role, 403)
    assert AidRequest.objects.count() == 0


def test_api_token_reads_what_its_user_may(stanford_request, stocked):
    _token, raw = api_token_create(user=stocked.stanford_contact, name="portal")
    response = Client().get("/api/v1/aid/requests", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [r["reference"] for r in response.json()["items"]] == [stanford_request.reference]


# --- numbers no database holds -------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["aid/pledges/{}", "aid/requests/{}", "aid/shipments/{}", "aid/pledges/{}"]
)
def test_huge_ids_are_not_found(stocked, url):
    response = _get(stocked.office, url.format(HUGE))
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_huge_ids_in_a_body_are_refused(stanford_request, stocked):
    response = _post(
        stocked.office,
        f"aid/requests/{stanford_request.pk}/approve",
        {"lines": [{"line": HUGE, "quantity": 1}]},
    )
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"lines.0.line": ["Input should be less than or equal to 9223372036854775807"]},
    )


@pytest.mark.parametrize("url", ["aid/items", "aid/pledges", "aid/requests", "aid/shipments"])
def test_huge_page_numbers_are_refused(stocked, url):
    response = _get(stocked.office, url, {"page": HUGE})
    assert (response.status_code, response.json()["errors"]) == (
        422,
        {"page": ["Input should be less than or equal to 2147483647"]},
    )


def test_openapi_document_lists_the_aid_paths(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/aid/items",
        "/api/v1/aid/stock",
        "/api/v1/aid/pledges",
        "/api/v1/aid/pledges/{pledge_id}",
        "/api/v1/aid/pledges/{pledge_id}/lots",
        "/api/v1/aid/requests",
        "/api/v1/aid/requests/{request_id}",
        "/api/v1/aid/requests/{request_id}/approve",
        "/api/v1/aid/shipments",
        "/api/v1/aid/shipments/{shipment_id}",
        "/api/v1/aid/shipments/{shipment_id}/parcels",
        "/api/v1/aid/shipments/{shipment_id}/status",
        "/api/v1/aid/shipments/{shipment_id}/receipt",
    } <= paths


# --- the fuzzer, past the 404 ----------------------------------------------------------------

# tests/api/test_fuzz.py fuzzes every operation, but with ids that name no aid object; here
# the aid operations are fuzzed again with ids that exist, so the fuzzer reaches the
# approval, the receipt and the rest with real objects behind them.
aid_schema = fuzz.schema.include(path_regex="/aid/")


@pytest.fixture
def in_one_connection():
    """The requests run in the test's own transaction: the handler must not close the
    connection after each one (as in tests/api/test_fuzz.py)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def aid_ids(shipped, stocked):
    open_request = partner_request(stocked, stocked.milan, (stocked.masks, 10))
    return {
        "pledge_id": [_masks_pledge()],
        "request_id": [open_request.pk, shipped.requests.get().pk],
        "shipment_id": [shipped.pk],
    }


@pytest.fixture
def aid_office_token(stocked):
    _token, raw = api_token_create(user=stocked.office, name="fuzz")
    return raw


@aid_schema.parametrize()
@aid_schema.given(data=st.data())
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_aid_api_fuzzed_requests_get_no_server_error(
    case, data, aid_ids, aid_office_token, in_one_connection
):
    """Any request the document allows on aid objects that exist, and many it does not, is
    answered without a server error, with a documented status and a body matching it."""
    for name, ids in aid_ids.items():
        if case.path_parameters and name in case.path_parameters:
            generated = case.path_parameters[name]
            case.path_parameters[name] = data.draw(st.sampled_from([*ids, generated]))
    if case.query:
        case.query = fuzz._some_numbers_huge(case.query, data.draw)
    if isinstance(case.body, dict):
        case.body = fuzz._some_numbers_huge(case.body, data.draw)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {aid_office_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )


# --- queries -------------------------------------------------------------------------------


def _queries(user, url) -> tuple[int, int]:
    """(rows, queries) of reading one page of a list."""
    client = _client(user)
    with CaptureQueriesContext(connection) as queries:
        data = client.get(f"/api/v1/{url}").json()
    return data["count"], len(queries)


def test_lists_cost_the_same_queries_for_one_row_or_three(stocked):
    """Each list reads its rows' lines, lots, allocations, parcels and history in a fixed
    number of queries: no query per row."""

    def add_shipment():
        stock_up(stocked, stocked.suits, (1, None))
        aid_request = partner_request(stocked, stocked.stanford, (stocked.suits, 1))
        _approve_all(stocked, aid_request)
        shipment = services.shipment_create(
            institution=stocked.stanford,
            allocations=list(aid_request.lines.get().allocations.all()),
            fields={},
            user=stocked.office,
        )
        services.parcel_add(
            shipment=shipment,
            fields={"weight_kg": "1.00", "length_cm": 10, "width_cm": 10, "height_cm": 10},
        )

    add_shipment()
    one = {url: _queries(stocked.office, url) for url in LISTS}
    add_shipment()
    add_shipment()
    three = {url: _queries(stocked.office, url) for url in LISTS}
    for url in LISTS:
        assert (url, one[url][1]) == (url, three[url][1])
        assert three[url][0] > one[url][0]


LISTS = ["aid/pledges", "aid/requests", "aid/shipments"]
