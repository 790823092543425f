"""Stock is a ledger: gifts arrive in lots, approvals take units first-expiry-first-out and
never from an expired lot, never more than the lots hold, and the cached balances always
equal the ledger."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from amity.aid import selectors, services
from amity.aid.models import Allocation, RequestStatus
from tests.aid.conftest import partner_request, stock_up

TODAY = date(2026, 11, 27)


def test_approval_takes_the_lot_that_expires_first_and_never_an_expired_one(aid_world):
    w = aid_world
    expired, later, sooner = stock_up(
        w, w.masks, (500, date(2026, 1, 1)), (800, date(2028, 6, 1)), (300, date(2027, 3, 1))
    )
    request = partner_request(w, w.stanford, (w.masks, 1000))
    line = request.lines.get()

    services.request_approve(request=request, approved={line.pk: 1000}, user=w.office, today=TODAY)

    taken = {a.lot_id: a.quantity for a in Allocation.objects.filter(line=line)}
    assert taken == {sooner.pk: 300, later.pk: 700}
    row = next(r for r in selectors.stock(today=TODAY) if r.item == w.masks)
    assert (row.available, row.allocated, row.expired) == (100, 1000, 500)
    assert services.ledger_differences() == []


def test_approving_more_than_unexpired_stock_writes_nothing_and_says_how_many(aid_world):
    w = aid_world
    stock_up(w, w.masks, (400, None), (500, date(2026, 1, 1)))
    stock_up(w, w.suits, (50, None))
    request = partner_request(w, w.stanford, (w.suits, 20), (w.masks, 401))
    lines = {line.item_id: line.pk for line in request.lines.all()}

    with pytest.raises(ValidationError) as error:
        services.request_approve(
            request=request,
            approved={lines[w.suits.pk]: 20, lines[w.masks.pk]: 401},
            user=w.office,
            today=TODAY,
        )

    assert "Only 400 units of Surgical mask" in str(error.value)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not Allocation.objects.exists()
    suits = next(r for r in selectors.stock(today=TODAY) if r.item == w.suits)
    assert suits.available == 50


def test_part_approval_and_a_second_decision_is_refused(aid_world):
    w = aid_world
    stock_up(w, w.masks, (1000, None))
    request = partner_request(w, w.milan, (w.masks, 600))
    line = request.lines.get()

    decided = services.request_approve(
        request=request, approved={line.pk: 250}, user=w.office, today=TODAY
    )

    assert decided.status == RequestStatus.PARTLY
    with pytest.raises(ValidationError, match="already been decided"):
        services.request_approve(
            request=request, approved={line.pk: 250}, user=w.office, today=TODAY
        )
    assert sum(a.quantity for a in Allocation.objects.all()) == 250


def test_a_correction_cannot_take_a_lot_below_zero_and_needs_a_reason(aid_world):
    w = aid_world
    (lot,) = stock_up(w, w.masks, (100, None))

    with pytest.raises(ValidationError, match="Only 100 units"):
        services.stock_correct(lot=lot, quantity=-101, reason="counted", user=w.office)
    with pytest.raises(ValidationError, match="reason"):
        services.stock_correct(lot=lot, quantity=-1, reason=" ", user=w.office)
    services.stock_correct(lot=lot, quantity=-10, reason="10 found wet", user=w.office)

    lot.refresh_from_db()
    assert lot.available == 90
    assert services.ledger_differences() == []


def test_shipment_then_receipt_with_a_shortfall(aid_world):
    w = aid_world
    stock_up(w, w.masks, (1000, None))
    request = partner_request(w, w.stanford, (w.masks, 600))
    line = request.lines.get()
    services.request_approve(request=request, approved={line.pk: 600}, user=w.office, today=TODAY)
    allocation = Allocation.objects.get()
    shipment = services.shipment_create(
        institution=w.stanford,
        allocations=[allocation],
        fields={"carrier": "EMS", "tracking_number": "EE123456789CN"},
        user=w.office,
    )
    with pytest.raises(ValidationError, match="parcels"):
        services.shipment_advance(
            shipment=shipment, status="shipped", on=timezone.localdate(), user=w.office
        )
    services.parcel_add(
        shipment=shipment,
        fields={"weight_kg": "12.5", "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    services.shipment_advance(
        shipment=shipment, status="shipped", on=timezone.localdate(), user=w.office
    )
    with pytest.raises(ValidationError, match="missing or damaged"):
        services.shipment_confirm_receipt(
            shipment=shipment,
            lines=[services.LineReceipt(allocation_id=allocation.pk, received=550)],
            user=w.stanford_contact,
        )

    services.shipment_confirm_receipt(
        shipment=shipment,
        lines=[
            services.LineReceipt(
                allocation_id=allocation.pk, received=550, damaged=20, note="One box crushed"
            )
        ],
        user=w.stanford_contact,
    )

    allocation.refresh_from_db()
    assert (allocation.received, allocation.damaged, allocation.shortfall) == (550, 20, 50)
    assert shipment.status == "received"
    totals = selectors.totals()
    assert (totals.partners, totals.countries, totals.shipments) == (1, 1, 1)
    assert [(t.item, t.quantity) for t in totals.items] == [(w.masks, 600)]
    row = next(r for r in selectors.stock(today=TODAY) if r.item == w.masks)
    assert (row.available, row.allocated, row.on_hand) == (400, 0, 400)
