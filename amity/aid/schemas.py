"""How the JSON API shows aid and what it accepts: the catalogue, stock, pledges and
their lots, partners' requests with what was approved and allocated, shipments with
their lines, parcels and history. Quantities are whole units everywhere; ``pack_size``
says how many make a pack."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.urls import reverse
from ninja import Field, Schema

from amity.aid.models import Allocation, RequestStatus, ShipmentStatus, Urgency
from amity.core.schemas import FilterSchema, Id, InputSchema, LongText
from amity.directory.schemas import InstitutionRef

# A bound that no real gift reaches and every database integer holds, so that a made-up
# number is a 422 that says so rather than a failed write.
UNITS_MAX = 1_000_000_000
Units = Annotated[int, Field(ge=1, le=UNITS_MAX)]
"""Whole units, at least one."""
UnitsOrNone = Annotated[int, Field(ge=0, le=UNITS_MAX)]
"""Whole units, 0 allowed."""


def _absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


# --- catalogue and stock -------------------------------------------------------------------


class ItemRef(Schema):
    id: int
    name: str = Field(description="In the caller's language")
    pack_size: int

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class ItemOut(Schema):
    id: int
    name: str = Field(description="In English")
    name_local: str = Field(description="In Chinese")
    display_name: str = Field(description="In the caller's language")
    unit: str
    measure_word: str = Field(description="The Chinese measure word a unit is counted with")
    pack_size: int = Field(description="Units per pack")
    pack_name: str
    pack_name_local: str = Field(description="The pack's name in Chinese")
    standard: str
    hs_code: str
    unit_value: Decimal = Field(description="Declared value per unit, for customs only")
    active: bool


class StockOut(Schema):
    item: ItemRef
    available: int = Field(description="Units that can be allocated (unexpired lots)")
    allocated: int = Field(description="Units promised to requests, still on the shelf")
    on_hand: int = Field(description="Units on the shelf: available and allocated")
    expired: int = Field(description="Units left in expired lots, not counted as available")


# --- pledges and lots ----------------------------------------------------------------------


class LineOut(Schema):
    item: ItemRef
    quantity: int


class LotOut(Schema):
    id: int
    item: ItemRef
    lot_number: str
    expires_on: date | None
    location: str
    received_on: date
    available: int


class PledgeOut(Schema):
    id: int
    donor: str = Field(description="The donor's name, in the caller's language")
    donor_kind: str = Field(description="staff, department or outside")
    donor_person: int | None = Field(description="The staff member's directory id")
    donor_department: int | None
    donor_email: str
    pledged_on: date
    note: str
    lines: list[LineOut] = Field(description="What was pledged")
    lots: list[LotOut] = Field(description="What has arrived so far")
    url: str

    @staticmethod
    def resolve_donor(obj) -> str:
        return obj.donor_display

    @staticmethod
    def resolve_donor_person(obj) -> int | None:
        return obj.donor_person_id

    @staticmethod
    def resolve_donor_department(obj) -> int | None:
        return obj.donor_department_id

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_lots(obj) -> list:
        return list(obj.lots.all())

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class LineIn(InputSchema):
    item: Id
    quantity: Units


class PledgeIn(InputSchema):
    """Office staff record anyone's pledge. Other staff record their own: leave the donor
    out (or give your own directory id as ``donor_person``)."""

    donor_kind: Literal["staff", "department", "outside"] = "staff"
    donor_person: Id | None = None
    donor_department: Id | None = None
    donor_name: str = ""
    donor_email: str = ""
    pledged_on: date | None = None
    note: LongText = ""
    lines: list[LineIn] = Field(..., description="Each item once, in whole units")


class LotIn(InputSchema):
    item: Id
    quantity: Units
    lot_number: str = ""
    expires_on: date | None = None
    location: str = ""
    received_on: date | None = None


# --- requests ------------------------------------------------------------------------------


class RequestAllocationOut(Schema):
    id: int
    lot_number: str
    expires_on: date | None
    quantity: int
    released: bool
    shipment: int | None

    @staticmethod
    def resolve_lot_number(obj: Allocation) -> str:
        return obj.lot.lot_number

    @staticmethod
    def resolve_expires_on(obj: Allocation) -> date | None:
        return obj.lot.expires_on

    @staticmethod
    def resolve_shipment(obj: Allocation) -> int | None:
        return obj.shipment_id


class RequestLineOut(Schema):
    id: int
    item: ItemRef
    requested: int
    approved: int | None = Field(description="None until the request is decided")
    allocated: int = Field(description="Units promised from stock (released ones apart)")
    allocations: list[RequestAllocationOut]

    @staticmethod
    def resolve_requested(obj) -> int:
        return obj.quantity

    @staticmethod
    def resolve_allocated(obj) -> int:
        return sum(a.quantity for a in obj.allocations.all() if not a.released)

    @staticmethod
    def resolve_allocations(obj) -> list:
        return list(obj.allocations.all())


class RequestOut(Schema):
    id: int
    reference: str
    institution: InstitutionRef
    status: str = Field(description="submitted, approved, partly, declined or withdrawn")
    urgency: str
    needed_by: date | None
    delivery_address: str
    consignee: str
    consignee_phone: str
    note: str
    decided_at: datetime | None
    decision_note: str
    created_at: datetime
    lines: list[RequestLineOut]
    url: str

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())


class RequestQuery(FilterSchema):
    institution: Id | None = None
    status: Literal[tuple(RequestStatus.values)] | None = None  # type: ignore[valid-type]


class RequestIn(InputSchema):
    """A partner contact may leave ``institution`` out: it is their own."""

    institution: Id | None = None
    urgency: Literal[tuple(Urgency.values)] = Urgency.ROUTINE.value  # type: ignore[valid-type]
    needed_by: date | None = None
    delivery_address: LongText
    consignee: str
    consignee_phone: str = ""
    note: LongText = ""
    lines: list[LineIn] = Field(..., description="Each item once, in whole units")


class ApproveLineIn(InputSchema):
    line: Id = Field(..., description="The request line's id")
    quantity: UnitsOrNone = Field(..., description="Units approved: 0 refuses the line")


class ApproveIn(InputSchema):
    """Units approved per line; a line left out is refused (0). Approving 0 of every line
    declines the request."""

    lines: list[ApproveLineIn]
    note: LongText = ""


# --- shipments -----------------------------------------------------------------------------


class ShipmentLineOut(Schema):
    id: int = Field(description="The allocation's id, used to confirm the receipt")
    request: int
    item: ItemRef
    lot_number: str
    expires_on: date | None
    quantity: int = Field(description="Units sent")
    received: int | None = Field(description="Units the partner confirmed, None before")
    damaged: int
    shortfall: int = Field(description="Units sent that did not arrive")
    receipt_note: str
    confirmed_at: datetime | None

    @staticmethod
    def resolve_request(obj: Allocation) -> int:
        return obj.line.request_id

    @staticmethod
    def resolve_item(obj: Allocation):
        return obj.line.item

    @staticmethod
    def resolve_lot_number(obj: Allocation) -> str:
        return obj.lot.lot_number

    @staticmethod
    def resolve_expires_on(obj: Allocation) -> date | None:
        return obj.lot.expires_on


class ParcelOut(Schema):
    id: int
    weight_kg: Decimal
    length_cm: int
    width_cm: int
    height_cm: int


class ShipmentEventOut(Schema):
    status: str
    on: date
    note: str


class ShipmentOut(Schema):
    id: int
    reference: str
    institution: InstitutionRef
    status: str = Field(description="prepared, shipped, customs, delivered or received")
    requests: list[int]
    carrier: str
    tracking_number: str
    currency: str
    note: str
    created_at: datetime
    allocations: list[ShipmentLineOut]
    parcels: list[ParcelOut]
    events: list[ShipmentEventOut]
    url: str
    packing_list_url: str
    invoice_url: str

    @staticmethod
    def resolve_requests(obj) -> list[int]:
        return sorted(request.pk for request in obj.requests.all())

    @staticmethod
    def resolve_allocations(obj) -> list:
        return list(obj.allocations.all())

    @staticmethod
    def resolve_parcels(obj) -> list:
        return list(obj.parcels.all())

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.all())

    @staticmethod
    def resolve_url(obj, context) -> str:
        return _absolute(context, obj.get_absolute_url())

    @staticmethod
    def resolve_packing_list_url(obj, context) -> str:
        return _absolute(context, reverse("aid:packing_list", args=[obj.pk]))

    @staticmethod
    def resolve_invoice_url(obj, context) -> str:
        return _absolute(context, reverse("aid:proforma_invoice", args=[obj.pk]))


class ShipmentQuery(FilterSchema):
    institution: Id | None = None
    status: Literal[tuple(ShipmentStatus.values)] | None = None  # type: ignore[valid-type]


class ShipmentIn(InputSchema):
    """Pack units already allocated to one partner's approved requests (the allocation
    ids of ``aid/requests/{id}``)."""

    institution: Id
    allocations: list[Id]
    carrier: str = ""
    tracking_number: str = ""
    currency: str = Field("CNY", pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    note: LongText = ""


class ParcelIn(InputSchema):
    weight_kg: Decimal = Field(..., gt=0, max_digits=8, decimal_places=2)
    length_cm: Units
    width_cm: Units
    height_cm: Units


class ShipmentStatusIn(InputSchema):
    status: Literal["shipped", "customs", "delivered"]
    on: date | None = Field(None, description="The day it happened; today if left out")
    note: str = ""


class LineReceiptIn(InputSchema):
    allocation: Id = Field(..., description="A shipment line's id")
    received: UnitsOrNone
    damaged: UnitsOrNone = 0
    note: str = Field("", description="Required when units are missing or damaged")


class ReceiptIn(InputSchema):
    """Every line of the shipment, confirmed at once."""

    lines: list[LineReceiptIn]
    on: date | None = Field(None, description="The day it arrived; today if left out")
