"""Aid tables as CSV (UTF-8 with BOM, so that Excel shows Chinese names) and XLSX, and the
shipments as an HXL-tagged CSV for other organisations.

Each table is a header row and one row per thing a reader counts: a lot of the stock, a
line of a pledge, of a request or of a shipment, a movement of the ledger. Rows come only
from what the user may see (``permissions``): a partner contact's requests and shipments
are their own institution's. Cells that a spreadsheet would run as a formula are
neutralised, as in the registrants' export.

The HXL CSV (Humanitarian Exchange Language, hxlstandard.org) has a header row, then a
row of hashtags, then the data, one row per shipment line. The hashtags are core HXL 1.1
hashtags — #activity, #date, #org, #country, #item, #output, #currency, #value, #status —
with the dictionary's attributes +code, +name, +unit and the language attribute
+i_zh; the roles +provider and +recipient on #org, and +num and +received on #output,
are attributes of our own, which the tagging conventions allow (lower-case words after a
"+") and which HXL tools read like any other.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Min, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from amity.accounts.models import User
from amity.aid import permissions
from amity.aid.models import (
    AidRequest,
    Allocation,
    Lot,
    Movement,
    MovementKind,
    RequestLine,
    ShipmentEvent,
    ShipmentStatus,
)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """One exportable table: its name in the address, its sheet title, and who may
    export it (the rows are then narrowed to what they may see)."""

    slug: str
    title: object
    partners_may_export: bool = False


TABLES = {
    table.slug: table
    for table in (
        Table("stock", gettext_lazy("Stock by lot")),
        Table("pledges", gettext_lazy("Pledges")),
        Table("requests", gettext_lazy("Requests for aid"), partners_may_export=True),
        Table("shipments", gettext_lazy("Shipments"), partners_may_export=True),
        Table("movements", gettext_lazy("Stock movements")),
    )
}
HXL_TABLE = "shipments-hxl"


def may_export(user: User, slug: str) -> bool:
    """Home staff export every table; a partner contact their own requests and
    shipments (and the HXL shipments)."""
    if permissions.is_home_staff(user):
        return slug in TABLES or slug == HXL_TABLE
    if permissions.partner_institution_id(user) is None:
        return False
    if slug == HXL_TABLE:
        return True
    table = TABLES.get(slug)
    return table is not None and table.partners_may_export


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _yes(value: bool) -> str:
    return _("yes") if value else ""


# --- the tables ----------------------------------------------------------------------------


def stock_rows(*, user: User, today: date) -> Iterator[list]:
    yield [
        _("Item"),
        _("Item in Chinese"),
        _("HS code"),
        _("Lot number"),
        _("Expiry date"),
        _("Expired"),
        _("Where stored"),
        _("Received on"),
        _("Donor"),
        _("Available (units)"),
        _("Units per pack"),
    ]
    if not permissions.can_see_stock(user):
        return
    lots = Lot.objects.select_related(
        "item", "pledge__donor_person", "pledge__donor_department"
    ).order_by("item__name", "expires_on", "pk")
    for lot in lots.iterator(2000):
        yield [
            lot.item.name,
            lot.item.name_local,
            lot.item.hs_code,
            lot.lot_number,
            _day(lot.expires_on),
            _yes(lot.is_expired(today)),
            lot.location,
            _day(lot.received_on),
            lot.pledge.donor_display if lot.pledge_id else "",
            lot.available,
            lot.item.pack_size,
        ]


def pledge_rows(*, user: User) -> Iterator[list]:
    yield [
        _("Pledged on"),
        _("Kind of donor"),
        _("Donor"),
        _("Item"),
        _("Item in Chinese"),
        _("Pledged (units)"),
        _("Received (units)"),
        _("Thanked"),
    ]
    pledges = (
        permissions.pledges_visible_to(user)
        .select_related("donor_person", "donor_department")
        .prefetch_related("lines__item")
        .order_by("pledged_on", "pk")
    )
    received = {
        (pledge_id, item_id): total
        for pledge_id, item_id, total in Movement.objects.filter(
            kind=MovementKind.GIFT, lot__pledge__in=pledges
        )
        .values_list("lot__pledge_id", "item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    for pledge in pledges:
        for line in pledge.lines.all():
            yield [
                _day(pledge.pledged_on),
                pledge.get_donor_kind_display(),
                pledge.donor_display,
                line.item.name,
                line.item.name_local,
                line.quantity,
                received.get((pledge.pk, line.item_id), 0),
                _yes(pledge.thanked_letter_id is not None),
            ]


def request_rows(*, user: User) -> Iterator[list]:
    yield [
        _("Request"),
        _("Partner"),
        _("Country"),
        _("Status"),
        _("Urgency"),
        _("Needed by"),
        _("Recorded on"),
        _("Item"),
        _("Item in Chinese"),
        _("Requested (units)"),
        _("Approved (units)"),
        _("Consignee"),
        _("Delivery address"),
    ]
    lines = (
        RequestLine.objects.filter(request__in=permissions.requests_visible_to(user))
        .select_related("request__institution", "item")
        .order_by("request__created_at", "request_id", "pk")
    )
    for line in lines.iterator(2000):
        request: AidRequest = line.request
        yield [
            request.reference,
            request.institution.name,
            request.institution.country.code or "",
            request.get_status_display(),
            request.get_urgency_display(),
            _day(request.needed_by),
            _day(timezone.localdate(request.created_at)),
            line.item.name,
            line.item.name_local,
            line.quantity,
            "" if line.approved is None else line.approved,
            request.consignee,
            request.delivery_address,
        ]


@dataclass(frozen=True)
class ShipmentLine:
    """One allocation packed in a shipment, with what the papers and the partner say."""

    allocation: Allocation
    shipped_on: date | None

    @property
    def shipment(self):
        return self.allocation.shipment

    @property
    def item(self):
        return self.allocation.line.item

    @property
    def declared_value(self) -> Decimal:
        return self.item.unit_value * self.allocation.quantity


def shipment_lines(*, user: User) -> list[ShipmentLine]:
    """Every packed line of the shipments ``user`` may see, oldest shipment first, with
    the day each shipment left (None while it is prepared)."""
    visible = permissions.shipments_visible_to(user)
    allocations = list(
        Allocation.objects.filter(shipment__in=visible)
        .select_related("shipment__institution", "line__item", "lot")
        .order_by("shipment__created_at", "shipment_id", "line__item__name", "pk")
    )
    shipped = dict(
        ShipmentEvent.objects.filter(shipment__in=visible, status=ShipmentStatus.SHIPPED)
        .values_list("shipment_id")
        .annotate(on=Min("on"))
        .order_by()
    )
    return [ShipmentLine(a, shipped.get(a.shipment_id)) for a in allocations]


def shipment_rows(*, user: User) -> Iterator[list]:
    yield [
        _("Shipment"),
        _("Partner"),
        _("Country"),
        _("Status"),
        _("Shipped on"),
        _("Carrier"),
        _("Tracking number"),
        _("Item"),
        _("Item in Chinese"),
        _("HS code"),
        _("Lot number"),
        _("Expiry date"),
        _("Quantity (units)"),
        _("Received (units)"),
        _("Of which damaged"),
        _("Note on receipt"),
        _("Currency"),
        _("Declared value"),
    ]
    for row in shipment_lines(user=user):
        shipment, allocation, item = row.shipment, row.allocation, row.item
        yield [
            shipment.reference,
            shipment.institution.name,
            shipment.institution.country.code or "",
            shipment.get_status_display(),
            _day(row.shipped_on),
            shipment.carrier,
            shipment.tracking_number,
            item.name,
            item.name_local,
            item.hs_code,
            allocation.lot.lot_number,
            _day(allocation.lot.expires_on),
            allocation.quantity,
            "" if allocation.received is None else allocation.received,
            allocation.damaged if allocation.received is not None else "",
            allocation.receipt_note,
            shipment.currency,
            row.declared_value,
        ]


def movement_rows(*, user: User) -> Iterator[list]:
    yield [
        _("When (UTC)"),
        _("Kind"),
        _("Item"),
        _("Item in Chinese"),
        _("Lot number"),
        _("Quantity (units)"),
        _("Reason"),
        _("Request"),
        _("Recorded by"),
    ]
    if not permissions.can_see_stock(user):
        return
    movements = Movement.objects.select_related(
        "lot__item", "allocation__line__request", "created_by"
    ).order_by("created_at", "pk")
    for movement in movements.iterator(2000):
        allocation = movement.allocation
        yield [
            movement.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            movement.get_kind_display(),
            movement.lot.item.name,
            movement.lot.item.name_local,
            movement.lot.lot_number,
            movement.quantity,
            movement.reason,
            allocation.line.request.reference if allocation is not None else "",
            movement.created_by.get_username() if movement.created_by_id else "",
        ]


# --- HXL -----------------------------------------------------------------------------------

# (header, hashtag) per column; the hashtags are fixed, the headers translated.
HXL_COLUMNS = [
    (gettext_lazy("Shipment"), "#activity+code"),
    (gettext_lazy("Shipped on"), "#date"),
    (gettext_lazy("From"), "#org+provider+name"),
    (gettext_lazy("To"), "#org+recipient+name"),
    (gettext_lazy("Country"), "#country+name"),
    (gettext_lazy("Country code (ISO 3166-1 alpha-3)"), "#country+code"),
    (gettext_lazy("Item"), "#item+name"),
    (gettext_lazy("Item in Chinese"), "#item+name+i_zh"),
    (gettext_lazy("HS code"), "#item+code"),
    (gettext_lazy("Unit"), "#item+unit"),
    (gettext_lazy("Quantity (units)"), "#output+num"),
    (gettext_lazy("Received (units)"), "#output+num+received"),
    (gettext_lazy("Currency"), "#currency+code"),
    (gettext_lazy("Declared value"), "#value"),
    (gettext_lazy("Status"), "#status"),
]


def hxl_rows(*, user: User, provider: str) -> Iterator[list]:
    """Header row, hashtag row, then a row per shipment line (``provider``: the home
    hospital's name). Names and units are in English, the language HXL data is shared
    in; the Chinese item name has its own column."""
    yield [str(header) for header, _tag in HXL_COLUMNS]
    yield [tag for _header, tag in HXL_COLUMNS]
    for row in shipment_lines(user=user):
        shipment, allocation, item = row.shipment, row.allocation, row.item
        country = shipment.institution.country
        yield [
            shipment.reference,
            _day(row.shipped_on),
            provider,
            shipment.institution.name,
            _english_country(country.code),
            countries.alpha3(country.code) if country.code else "",
            item.name,
            item.name_local,
            item.hs_code,
            item.unit,
            allocation.quantity,
            "" if allocation.received is None else allocation.received,
            shipment.currency,
            row.declared_value,
            shipment.status,
        ]


def _english_country(code: str) -> str:
    if not code:
        return ""
    with translation.override("en"):
        return str(countries.name(code))


# --- writing -------------------------------------------------------------------------------


def table_rows(slug: str, *, user: User, today: date, provider: str = "") -> Iterable[list]:
    """The rows of the table ``slug`` for ``user`` (check ``may_export`` first)."""
    if slug == "stock":
        return stock_rows(user=user, today=today)
    if slug == "pledges":
        return pledge_rows(user=user)
    if slug == "requests":
        return request_rows(user=user)
    if slug == "shipments":
        return shipment_rows(user=user)
    if slug == "movements":
        return movement_rows(user=user)
    if slug == HXL_TABLE:
        return hxl_rows(user=user, provider=provider)
    raise KeyError(slug)
