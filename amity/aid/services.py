"""Writes for aid: the catalogue, pledges and the lots they arrive in, stock corrections,
partners' requests, their approval (which allocates stock), shipments and receipts.

Each function runs in one transaction and validates before it writes, so a rejected
change writes nothing. Whatever takes units from stock follows the registrations'
discipline: take the item's lock, recount from the ledger, then write — on SQLite the
IMMEDIATE transaction serialises writers, on PostgreSQL the item's row lock does — so two
officers approving at once can never promise one unit twice.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from amity.accounts.models import User
from amity.aid.models import (
    SHIPMENT_ORDER,
    AidRequest,
    Allocation,
    Item,
    Lot,
    Movement,
    MovementKind,
    Parcel,
    Pledge,
    PledgeLine,
    RequestLine,
    RequestStatus,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
)
from amity.core.services import save_validated
from amity.directory.models import Institution


def _author(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _lines_by_item(lines: Iterable[tuple[Item, int]], field: str) -> list[tuple[Item, int]]:
    """Check (item, quantity) pairs: at least one, whole positive units, each item once."""
    checked, seen = [], set()
    for item, quantity in lines:
        if item.pk in seen:
            raise ValidationError(
                {field: _("%(item)s is listed twice.") % {"item": item.display_name}}
            )
        if not isinstance(quantity, int) or quantity < 1:
            raise ValidationError(
                {field: _("Enter a whole number of at least 1 for %(item)s.") % {"item": item}}
            )
        seen.add(item.pk)
        checked.append((item, quantity))
    if not checked:
        raise ValidationError({field: _("Add at least one item.")})
    return checked


# --- catalogue -----------------------------------------------------------------------------


@transaction.atomic
def item_save(*, item: Item, fields: Mapping[str, Any]) -> Item:
    return save_validated(item, fields)


# --- gifts and stock -----------------------------------------------------------------------


def _move(
    *,
    lot: Lot,
    kind: str,
    quantity: int,
    user: User | None,
    reason: str = "",
    allocation: Allocation | None = None,
) -> Movement:
    """Write one movement and keep the lot's cached balance with it (call in a
    transaction). The cache is updated in the database (``F``), never from a value read
    earlier."""
    movement = Movement.objects.create(
        lot=lot,
        item_id=lot.item_id,
        kind=kind,
        quantity=quantity,
        reason=reason,
        allocation=allocation,
        created_by=_author(user),
    )
    Lot.objects.filter(pk=lot.pk).update(available=F("available") + quantity)
    return movement


@transaction.atomic
def pledge_create(
    *, fields: Mapping[str, Any], lines: Sequence[tuple[Item, int]], user: User | None
) -> Pledge:
    """A pledge with what it promises (each item once, whole units)."""
    checked = _lines_by_item(lines, "lines")
    pledge = save_validated(Pledge(created_by=_author(user)), fields)
    PledgeLine.objects.bulk_create(
        PledgeLine(pledge=pledge, item=item, quantity=quantity) for item, quantity in checked
    )
    return pledge


@transaction.atomic
def pledge_update(*, pledge: Pledge, fields: Mapping[str, Any]) -> Pledge:
    return save_validated(pledge, fields)


@dataclass(frozen=True)
class Receipt:
    """One lot as it arrives: ``quantity`` whole units of ``item``."""

    item: Item
    quantity: int
    lot_number: str = ""
    expires_on: date | None = None
    location: str = ""
    received_on: date | None = None


def _receive(
    receipt: Receipt, *, kind: str, user: User | None, reason: str, pledge: Pledge | None = None
) -> Lot:
    if not isinstance(receipt.quantity, int) or receipt.quantity < 1:
        raise ValidationError({"quantity": _("Enter a whole number of units, at least 1.")})
    lot = Lot(
        item=receipt.item,
        lot_number=receipt.lot_number,
        expires_on=receipt.expires_on,
        location=receipt.location,
        received_on=receipt.received_on or timezone.localdate(),
        pledge=pledge,
    )
    lot.full_clean()
    lot.save()
    _move(lot=lot, kind=kind, quantity=receipt.quantity, user=user, reason=reason)
    lot.available = receipt.quantity
    return lot


@transaction.atomic
def pledge_receive(*, pledge: Pledge, receipt: Receipt, user: User | None) -> Lot:
    """Record a lot of a pledge as received and put it in stock. More than was pledged
    may arrive (donors add to a gift); an item the pledge does not list is refused."""
    if not pledge.lines.filter(item=receipt.item).exists():
        raise ValidationError(
            {"item": _("This pledge does not include %(item)s.") % {"item": receipt.item}}
        )
    return _receive(receipt, kind=MovementKind.GIFT, user=user, reason="", pledge=pledge)


@transaction.atomic
def purchase_receive(*, receipt: Receipt, reason: str, user: User | None) -> Lot:
    """Record bought supplies as a new lot; ``reason`` says what was bought and why."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what was bought, from whom, and why.")})
    return _receive(receipt, kind=MovementKind.PURCHASE, user=user, reason=reason.strip())


@transaction.atomic
def stock_correct(*, lot: Lot, quantity: int, reason: str, user: User | None) -> Movement:
    """Correct a lot's count by ``quantity`` (negative for units found missing or
    spoiled), with the reason. A correction can never take the lot below zero."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the correction.")})
    if not isinstance(quantity, int) or quantity == 0:
        raise ValidationError({"quantity": _("Enter a whole number of units other than 0.")})
    Item.objects.select_for_update().filter(pk=lot.item_id).first()
    available = _ledger_balance(lot.pk)
    if available + quantity < 0:
        raise ValidationError(
            {
                "quantity": _("Only %(count)s units of this lot are available.")
                % {"count": available}
            }
        )
    return _move(lot=lot, kind=MovementKind.CORRECTION, quantity=quantity, user=user, reason=reason)


def _ledger_balance(lot_id: int) -> int:
    return Movement.objects.filter(lot_id=lot_id).aggregate(total=Sum("quantity"))["total"] or 0


def ledger_differences() -> list[tuple[Lot, int]]:
    """Lots whose cached ``available`` differs from the sum of their movements, with the
    ledger's sum. Empty when the cache is right."""
    sums = dict(Movement.objects.values_list("lot_id").annotate(total=Sum("quantity")).order_by())
    return [
        (lot, sums.get(lot.pk, 0))
        for lot in Lot.objects.select_related("item").order_by("pk")
        if lot.available != sums.get(lot.pk, 0)
    ]


# --- requests ------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    institution: Institution,
    fields: Mapping[str, Any],
    lines: Sequence[tuple[Item, int]],
    user: User | None,
    recorded_at: datetime | None = None,
) -> AidRequest:
    """A partner's request with its lines (each item once, whole units). ``recorded_at``
    dates a request of a past campaign recorded afterwards (the demo's 2020 requests);
    now otherwise."""
    if institution.is_home:
        raise ValidationError({"institution": _("Aid requests come from partners.")})
    checked = _lines_by_item(lines, "lines")
    now = timezone.now()
    if recorded_at is not None and recorded_at > now:
        raise ValidationError({"created_at": _("A request cannot be dated in the future.")})
    request = save_validated(
        AidRequest(
            institution=institution, created_by=_author(user), created_at=recorded_at or now
        ),
        fields,
    )
    RequestLine.objects.bulk_create(
        RequestLine(request=request, item=item, quantity=quantity) for item, quantity in checked
    )
    return request


@transaction.atomic
def request_update(*, request: AidRequest, fields: Mapping[str, Any]) -> AidRequest:
    locked = AidRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("This request has been decided and can no longer be changed."))
    return save_validated(request, fields)


@transaction.atomic
def request_withdraw(*, request: AidRequest) -> AidRequest:
    locked = AidRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("This request has been decided and can no longer be withdrawn."))
    locked.status = RequestStatus.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked


class NotEnoughStock(ValidationError):
    """Raised when an approval asks for more than the lots can give."""


def _allocate(*, line: RequestLine, quantity: int, today: date, user: User | None) -> None:
    """Take ``quantity`` units of the line's item from the lots that expire first,
    never from an expired lot (call in a transaction, holding the item's lock)."""
    lots = list(
        Lot.objects.filter(item_id=line.item_id)
        .exclude(expires_on__lt=today)
        .order_by(F("expires_on").asc(nulls_last=True), "received_on", "pk")
    )
    balances = dict(
        Movement.objects.filter(lot__in=lots)
        .values_list("lot_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    usable = sum(max(balances.get(lot.pk, 0), 0) for lot in lots)
    if usable < quantity:
        raise NotEnoughStock(
            {
                "lines": _(
                    "Only %(count)s units of %(item)s are in stock and unexpired; "
                    "%(asked)s were asked for."
                )
                % {"count": usable, "item": line.item.display_name, "asked": quantity}
            },
            code="not_enough_stock",
        )
    wanted = quantity
    for lot in lots:
        take = min(wanted, max(balances.get(lot.pk, 0), 0))
        if take <= 0:
            continue
        allocation = Allocation.objects.create(
            line=line, lot=lot, item_id=lot.item_id, quantity=take
        )
        _move(
            lot=lot,
            kind=MovementKind.ALLOCATION,
            quantity=-take,
            user=user,
            allocation=allocation,
        )
        wanted -= take
        if wanted == 0:
            break


@transaction.atomic
def request_approve(
    *,
    request: AidRequest,
    approved: Mapping[int, int],
    user: User | None,
    note: str = "",
    today: date | None = None,
    decided_at: datetime | None = None,
) -> AidRequest:
    """Approve all or part of an open request: ``approved`` maps each line's id to the
    units approved (0 to refuse that line, at most what was asked). Approved units are
    allocated from stock at once, first expiry first out; when any line cannot be
    covered nothing is written and the error names the line. Approving 0 of every line
    declines the request. ``today`` (the day expiry dates are checked against) and
    ``decided_at`` record a decision of a past campaign; both are now otherwise."""
    today = today or timezone.localdate()
    locked = AidRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(
            _("This request has already been decided (%(status)s).")
            % {"status": locked.get_status_display()},
            code="already_decided",
        )
    lines = list(locked.lines.select_related("item"))
    unknown = set(approved) - {line.pk for line in lines}
    if unknown:
        raise ValidationError({"lines": _("These lines are not part of this request.")})
    for line in lines:
        quantity = approved.get(line.pk, 0)
        if not isinstance(quantity, int) or not 0 <= quantity <= line.quantity:
            raise ValidationError(
                {
                    "lines": _("Approve between 0 and %(max)s units of %(item)s.")
                    % {"max": line.quantity, "item": line.item.display_name}
                }
            )
    # Lock the items in one order, so two approvals never wait on each other in a circle.
    item_ids = sorted({line.item_id for line in lines if approved.get(line.pk, 0)})
    list(Item.objects.select_for_update().filter(pk__in=item_ids).order_by("pk"))
    for line in lines:
        line.approved = approved.get(line.pk, 0)
        if line.approved:
            _allocate(line=line, quantity=line.approved, today=today, user=user)
    RequestLine.objects.bulk_update(lines, ["approved"])
    total_asked = sum(line.quantity for line in lines)
    total_approved = sum(line.approved for line in lines)
    if total_approved == 0:
        locked.status = RequestStatus.DECLINED
    elif total_approved == total_asked:
        locked.status = RequestStatus.APPROVED
    else:
        locked.status = RequestStatus.PARTLY
    locked.decided_at, locked.decision_note = decided_at or timezone.now(), note
    locked.save(update_fields=["status", "decided_at", "decision_note"])
    return locked


@transaction.atomic
def allocation_release(*, allocation: Allocation, user: User | None, reason: str) -> Allocation:
    """Put units promised but not yet packed back in stock (a request changed, a lot
    found damaged before packing)."""
    locked = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if locked.released:
        return locked
    if locked.shipment_id is not None:
        raise ValidationError(_("These units are packed in a shipment; remove them from it first."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the release.")})
    Item.objects.select_for_update().filter(pk=locked.lot.item_id).first()
    _move(
        lot=locked.lot,
        kind=MovementKind.RELEASE,
        quantity=locked.quantity,
        user=user,
        reason=reason,
        allocation=locked,
    )
    locked.released = True
    locked.save(update_fields=["released"])
    RequestLine.objects.filter(pk=locked.line_id).update(approved=F("approved") - locked.quantity)
    return locked


# --- shipments -----------------------------------------------------------------------------


@transaction.atomic
def shipment_create(
    *,
    institution: Institution,
    allocations: Sequence[Allocation],
    fields: Mapping[str, Any],
    user: User | None,
    on: date | None = None,
) -> Shipment:
    """Pack allocations of one partner's approved requests into a new shipment, prepared
    ``on`` that day (today unless given: a campaign may be recorded afterwards)."""
    ids = [a.pk for a in allocations]
    if not ids:
        raise ValidationError({"allocations": _("Choose what to pack.")})
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("A step cannot be dated in the future.")})
    locked = list(
        Allocation.objects.select_for_update()
        .select_related("line__request")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    for allocation in locked:
        if allocation.line.request.institution_id != institution.pk:
            raise ValidationError(
                {"allocations": _("A shipment goes to one partner; these lines are for another.")}
            )
        if allocation.released or allocation.shipment_id is not None:
            raise ValidationError(
                {"allocations": _("Some of these units are already packed or released.")}
            )
    shipment = save_validated(Shipment(institution=institution, created_by=_author(user)), fields)
    Allocation.objects.filter(pk__in=ids).update(shipment=shipment)
    shipment.requests.set({a.line.request_id for a in locked})
    ShipmentEvent.objects.create(
        shipment=shipment,
        status=ShipmentStatus.PREPARED,
        on=on,
        recorded_by=_author(user),
    )
    return shipment


@transaction.atomic
def shipment_update(*, shipment: Shipment, fields: Mapping[str, Any]) -> Shipment:
    return save_validated(shipment, fields)


@transaction.atomic
def parcel_add(*, shipment: Shipment, fields: Mapping[str, Any]) -> Parcel:
    if shipment.status != ShipmentStatus.PREPARED:
        raise ValidationError(_("Parcels can be changed only while the shipment is prepared."))
    return save_validated(Parcel(shipment=shipment), fields)


@transaction.atomic
def shipment_advance(
    *, shipment: Shipment, status: str, on: date, user: User | None, note: str = ""
) -> Shipment:
    """Move a shipment on to a later status (prepared → shipped → in customs → delivered);
    "received" is reached when the partner confirms the receipt. A step may be skipped
    (not every parcel is held in customs), never taken back."""
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if status not in SHIPMENT_ORDER or status == ShipmentStatus.RECEIVED:
        raise ValidationError({"status": _("Choose shipped, in customs or delivered.")})
    if SHIPMENT_ORDER.index(status) <= SHIPMENT_ORDER.index(locked.status):
        raise ValidationError(
            {
                "status": _("The shipment is already %(status)s.")
                % {"status": locked.get_status_display().lower()}
            }
        )
    if locked.status == ShipmentStatus.PREPARED and not locked.parcels.exists():
        # Whatever step comes next (a step may be skipped), the shipment has left.
        raise ValidationError({"status": _("Add the parcels before the shipment leaves.")})
    last = locked.events.order_by("-on", "-pk").first()
    if last is not None and on < last.on:
        raise ValidationError(
            {
                "on": _("This step cannot be dated before the one before it (%(day)s).")
                % {"day": last.on.isoformat()}
            }
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("A step cannot be dated in the future.")})
    ShipmentEvent.objects.create(
        shipment=locked, status=status, on=on, note=note, recorded_by=_author(user)
    )
    locked.status = status
    locked.save(update_fields=["status"])
    shipment.status = status
    return locked


@dataclass(frozen=True)
class LineReceipt:
    allocation_id: int
    received: int
    damaged: int = 0
    note: str = ""


@transaction.atomic
def shipment_confirm_receipt(
    *, shipment: Shipment, lines: Sequence[LineReceipt], user: User | None, on: date | None = None
) -> Shipment:
    """The partner confirms what arrived, line by line: units received (at most those
    sent), of which damaged, and a note on any shortfall. Every line of the shipment must
    be confirmed at once; the shipment is then received."""
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if locked.status in (ShipmentStatus.PREPARED, ShipmentStatus.RECEIVED):
        raise ValidationError(
            _("Only a shipment on its way or delivered can be confirmed as received.")
        )
    allocations = {a.pk: a for a in locked.allocations.select_related("line__item")}
    given = {line.allocation_id: line for line in lines}
    if set(given) != set(allocations):
        raise ValidationError({"lines": _("Confirm every line of the shipment.")})
    now = timezone.now()
    for allocation_id, allocation in allocations.items():
        line = given[allocation_id]
        item = allocation.line.item.display_name
        if not isinstance(line.received, int) or not 0 <= line.received <= allocation.quantity:
            raise ValidationError(
                {
                    "lines": _("Received %(item)s: enter 0 to %(max)s units.")
                    % {"item": item, "max": allocation.quantity}
                }
            )
        if not isinstance(line.damaged, int) or not 0 <= line.damaged <= line.received:
            raise ValidationError(
                {
                    "lines": _("Damaged %(item)s: at most the %(count)s units received.")
                    % {"item": item, "count": line.received}
                }
            )
        if (line.received < allocation.quantity or line.damaged) and not line.note.strip():
            raise ValidationError(
                {
                    "lines": _("Say what happened to the missing or damaged %(item)s.")
                    % {"item": item}
                }
            )
        allocation.received, allocation.damaged = line.received, line.damaged
        allocation.receipt_note = line.note.strip()
        allocation.confirmed_by, allocation.confirmed_at = _author(user), now
    Allocation.objects.bulk_update(
        allocations.values(),
        ["received", "damaged", "receipt_note", "confirmed_by", "confirmed_at"],
    )
    ShipmentEvent.objects.create(
        shipment=locked,
        status=ShipmentStatus.RECEIVED,
        on=on or timezone.localdate(),
        recorded_by=_author(user),
    )
    locked.status = ShipmentStatus.RECEIVED
    locked.save(update_fields=["status"])
    shipment.status = locked.status
    return locked
