"""Every role × every page of requests and shipments: the page itself (recognised by its
own text), "not allowed" (403), "does not exist" (404) or the login page. A partner
contact sees and changes only their own institution's requests and receipts; another
institution's contact gets 404 by guessed address, for a page and for a POST alike."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from amity.accounts.models import Role
from amity.aid import services
from amity.aid.models import AidRequest, Allocation, RequestStatus, Shipment, ShipmentStatus
from tests.aid.conftest import partner_request, stock_up
from tests.factories import UserFactory
from tests.matrix import FORBIDDEN, LOGIN, MISSING, OK, assert_page

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "office", "coordinator", "staff", "partner", "other partner"]
LATER = date(2031, 6, 30)


@dataclass
class Shipping:
    world: object
    coordinator: object
    open_request: AidRequest  # Stanford's, open
    approved_request: AidRequest  # Stanford's, approved, its units split over two shipments
    milan_request: AidRequest
    allocation: Allocation  # Stanford's, unpacked
    prepared: Shipment  # Stanford's
    delivered: Shipment  # Stanford's
    milan_shipment: Shipment

    def user(self, role):
        w = self.world
        return {
            "anonymous": None,
            "office": w.office,
            "coordinator": self.coordinator,
            "staff": w.staff,
            "partner": w.stanford_contact,
            "other partner": w.milan_contact,
        }[role]


def _ship(w, institution, allocations, *, tracking, delivered):
    shipment = services.shipment_create(
        institution=institution,
        allocations=allocations,
        fields={"carrier": "EMS", "tracking_number": tracking},
        user=w.office,
    )
    if delivered:
        services.parcel_add(
            shipment=shipment,
            fields={"weight_kg": "5", "length_cm": 40, "width_cm": 30, "height_cm": 30},
        )
        services.shipment_advance(
            shipment=shipment, status="delivered", on=timezone.localdate(), user=w.office
        )
    return shipment


@pytest.fixture
def shipping(aid_world) -> Shipping:
    w = aid_world
    stock_up(w, w.masks, (1000, LATER))
    stock_up(w, w.suits, (100, LATER))
    open_request = partner_request(w, w.stanford, (w.masks, 100), user=w.stanford_contact)
    approved = partner_request(w, w.stanford, (w.masks, 300), (w.suits, 20))
    milan = services.request_create(
        institution=w.milan,
        fields={
            "urgency": "routine",
            "delivery_address": "Via Castelvetro 32, Milano",
            "consignee": "Dott.ssa Giulia Rossi",
        },
        lines=[(w.suits, 30)],
        user=w.milan_contact,
    )
    for request in (approved, milan):
        services.request_approve(
            request=request,
            approved={line.pk: line.quantity for line in request.lines.all()},
            user=w.office,
        )
    masks, suits = (
        Allocation.objects.get(line__request=approved, line__item=item)
        for item in (w.masks, w.suits)
    )
    prepared = _ship(w, w.stanford, [masks], tracking="PREP0001", delivered=False)
    delivered = _ship(w, w.stanford, [suits], tracking="EA123456789CN", delivered=True)
    milan_shipment = _ship(
        w,
        w.milan,
        list(Allocation.objects.filter(line__request=milan)),
        tracking="MIL0042",
        delivered=True,
    )
    # One more approved line, still unpacked, to release.
    extra = partner_request(w, w.stanford, (w.suits, 5))
    services.request_approve(request=extra, approved={extra.lines.get().pk: 5}, user=w.office)
    return Shipping(
        world=w,
        coordinator=UserFactory(role=Role.COORDINATOR),
        open_request=open_request,
        approved_request=approved,
        milan_request=milan,
        allocation=Allocation.objects.get(line__request=extra),
        prepared=prepared,
        delivered=delivered,
        milan_shipment=milan_shipment,
    )


def _url(name, attr=None):
    return lambda s: reverse(f"aid:{name}", args=[getattr(s, attr).pk] if attr else [])


def outcomes(*allowed, otherwise=FORBIDDEN, partner=None, other=None):
    """``allowed`` roles see the page; other signed-in roles get ``otherwise`` unless
    ``partner`` / ``other`` say what the two partner contacts get."""
    result = {"anonymous": LOGIN}
    for role in ROLES[1:]:
        result[role] = OK if role in allowed else otherwise
    if partner is not None:
        result["partner"] = partner
    if other is not None:
        result["other partner"] = other
    return result


EVERYONE = ("office", "coordinator", "staff", "partner", "other partner")
HOME = ("office", "coordinator", "staff")

# (page, URL, the page's own text, outcomes)
PAGES = [
    ("request list", _url("request_list"), "equests for aid", outcomes(*EVERYONE)),
    (
        "record a request",
        _url("request_create"),
        "Record a request for aid",
        outcomes("office", "partner", "other partner"),
    ),
    (
        "own open request",
        _url("request_detail", "open_request"),
        "Dr. Ron Rosenfeld",
        outcomes(*HOME, "partner", other=MISSING),
    ),
    (
        "another institution's request",
        _url("request_detail", "milan_request"),
        "Dott.ssa Giulia Rossi",
        outcomes(*HOME, "other partner", partner=MISSING),
    ),
    (
        "edit own open request",
        _url("request_edit", "open_request"),
        "Edit request R-",
        outcomes("office", "partner", other=MISSING),
    ),
    (
        "approve",
        _url("request_approve", "open_request"),
        "Approve request R-",
        outcomes("office", other=MISSING),
    ),
    (
        "release an allocation",
        _url("allocation_release", "allocation"),
        "Release units back to stock",
        outcomes("office", other=MISSING),
    ),
    ("shipment list", _url("shipment_list"), "hipments", outcomes(*EVERYONE)),
    (
        "prepare a shipment",
        _url("shipment_create"),
        "Prepare a shipment",
        outcomes("office"),
    ),
    (
        "own shipment",
        _url("shipment_detail", "delivered"),
        "EA123456789CN",
        outcomes(*HOME, "partner", other=MISSING),
    ),
    (
        "another institution's shipment",
        _url("shipment_detail", "milan_shipment"),
        "MIL0042",
        outcomes(*HOME, "other partner", partner=MISSING),
    ),
    (
        "edit shipment",
        _url("shipment_edit", "prepared"),
        "Edit shipment S-",
        outcomes("office", other=MISSING),
    ),
    (
        "add a parcel",
        _url("parcel_add", "prepared"),
        "Add a parcel to shipment",
        outcomes("office", other=MISSING),
    ),
    (
        "record a step",
        _url("shipment_advance", "prepared"),
        "Record a step of shipment",
        outcomes("office", other=MISSING),
    ),
    (
        "confirm receipt",
        _url("shipment_receipt", "delivered"),
        "Confirm receipt of shipment",
        outcomes("office", "partner", other=MISSING),
    ),
    (
        "another institution's receipt",
        _url("shipment_receipt", "milan_shipment"),
        "Confirm receipt of shipment",
        outcomes("office", "other partner", partner=MISSING),
    ),
]


def _cells():
    for name, url, text, expected in PAGES:
        for role in ROLES:
            yield pytest.param(url, text, role, expected[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(_cells()))
def test_each_role_gets_what_it_may_see(shipping, client, url, text, role, outcome):
    user = shipping.user(role)
    if user is not None:
        client.force_login(user)
    address = url(shipping)
    assert_page(client.get(address), url=address, text=text, outcome=outcome)


def test_another_institutions_contact_changes_nothing_by_post(shipping, client):
    """Withdraw, edit, approve, receipt: each a 404 for Milan's contact, nothing written."""
    s, w = shipping, shipping.world
    client.force_login(w.milan_contact)
    open_request, delivered = s.open_request, s.delivered
    allocation = delivered.allocations.get()
    posts = [
        (reverse("aid:request_withdraw", args=[open_request.pk]), {"confirm": "1"}),
        (
            reverse("aid:request_edit", args=[open_request.pk]),
            {
                "urgency": "routine",
                "delivery_address": "Elsewhere",
                "consignee": "Someone else",
            },
        ),
        (reverse("aid:request_approve", args=[open_request.pk]), {"note": "no"}),
        (
            reverse("aid:shipment_receipt", args=[delivered.pk]),
            {
                f"received_{allocation.pk}": "0",
                f"damaged_{allocation.pk}": "0",
                f"note_{allocation.pk}": "Nothing came",
            },
        ),
        (reverse("aid:allocation_release", args=[s.allocation.pk]), {"reason": "mine now"}),
        (reverse("aid:shipment_edit", args=[delivered.pk]), {"carrier": "X"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 404, url
        assert "This page does not exist" in response.content.decode()

    open_request.refresh_from_db()
    assert (open_request.status, open_request.consignee) == (
        RequestStatus.SUBMITTED,
        "Dr. Ron Rosenfeld",
    )
    assert Shipment.objects.get(pk=delivered.pk).status == ShipmentStatus.DELIVERED
    assert Allocation.objects.get(pk=allocation.pk).received is None
    assert Allocation.objects.get(pk=s.allocation.pk).released is False


def test_a_staff_member_may_see_but_not_withdraw_or_approve(shipping, client):
    s = shipping
    client.force_login(s.world.staff)
    for url in (
        reverse("aid:request_withdraw", args=[s.open_request.pk]),
        reverse("aid:request_approve", args=[s.open_request.pk]),
    ):
        response = client.post(url, {"confirm": "1"})
        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.content.decode()
    assert AidRequest.objects.get(pk=s.open_request.pk).status == RequestStatus.SUBMITTED


def test_anonymous_posts_lead_to_the_login_page_and_change_nothing(shipping, client):
    s = shipping
    url = reverse("aid:request_withdraw", args=[s.open_request.pk])
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    assert AidRequest.objects.get(pk=s.open_request.pk).status == RequestStatus.SUBMITTED
