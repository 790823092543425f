"""Reads for aid pages, exports, the API and the overview: stock per item and lot,
totals of what was given and sent, and a partner's requests and shipments."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from amity.accounts.models import User
from amity.aid import permissions
from amity.aid.models import (
    AidRequest,
    Allocation,
    Item,
    Lot,
    Movement,
    Pledge,
    RequestLine,
    Shipment,
    ShipmentStatus,
)
from amity.directory.models import Institution, Person

ZERO = Value(0, output_field=IntegerField())


@dataclass(frozen=True)
class StockRow:
    """One item's stock: units available to allocate, promised but not yet shipped (still
    on the shelf), on the shelf in all, and available units in expired lots."""

    item: Item
    available: int
    allocated: int
    expired: int

    @property
    def on_hand(self) -> int:
        return self.available + self.allocated


def stock(*, today: date) -> list[StockRow]:
    """Stock of every item in use, from the lots' cached balances (``ledger_differences``
    proves them against the ledger): three aggregate queries whatever the ledger's size."""
    available = dict(
        Lot.objects.exclude(expires_on__lt=today)
        .values_list("item_id")
        .annotate(total=Sum("available"))
        .order_by()
    )
    expired = dict(
        Lot.objects.filter(expires_on__lt=today)
        .values_list("item_id")
        .annotate(total=Sum("available"))
        .order_by()
    )
    # Promised, still on the shelf: not yet packed (released units have no shipment), or
    # packed in a shipment still being prepared. Two reads of the covering index
    # (shipment, item, quantity) rather than one scan of every allocation ever made.
    allocated: Counter[int] = Counter()
    for packed in (
        Allocation.objects.filter(shipment__isnull=True, released=False),
        Allocation.objects.filter(shipment__status=ShipmentStatus.PREPARED),
    ):
        allocated.update(
            dict(packed.values_list("item_id").annotate(total=Sum("quantity")).order_by())
        )
    return [
        StockRow(
            item=item,
            available=available.get(item.pk, 0),
            allocated=allocated.get(item.pk, 0),
            expired=expired.get(item.pk, 0),
        )
        for item in Item.objects.filter(active=True).order_by("name")
    ]


def item_lots(item: Item) -> QuerySet[Lot]:
    """An item's lots with stock left, first to expire first (the order allocation takes)."""
    return (
        Lot.objects.filter(item=item, available__gt=0)
        .select_related("pledge")
        .order_by("expires_on", "received_on", "pk")
    )


@dataclass(frozen=True)
class ItemTotal:
    item: Item
    quantity: int


@dataclass(frozen=True)
class AidTotals:
    """What was sent to partners: units per item, and to how many partners in how many
    countries (shipments that have left; those only packed are not counted)."""

    items: list[ItemTotal]
    partners: int
    countries: int
    shipments: int


SENT = [
    ShipmentStatus.SHIPPED,
    ShipmentStatus.CUSTOMS,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.RECEIVED,
]


def totals() -> AidTotals:
    sent = Allocation.objects.filter(shipment__status__in=SENT)
    per_item = dict(sent.values_list("item_id").annotate(total=Sum("quantity")).order_by())
    items = Item.objects.filter(pk__in=per_item).order_by("name")
    reach = Shipment.objects.filter(status__in=SENT).aggregate(
        partners=Count("institution", distinct=True),
        countries=Count("institution__country", distinct=True),
        shipments=Count("pk"),
    )
    return AidTotals(
        items=[ItemTotal(item=item, quantity=per_item[item.pk]) for item in items],
        partners=reach["partners"],
        countries=reach["countries"],
        shipments=reach["shipments"],
    )


def request_list(*, user: User) -> QuerySet[AidRequest]:
    return (
        permissions.requests_visible_to(user)
        .select_related("institution")
        .annotate(
            asked=Coalesce(Sum("lines__quantity"), ZERO), line_count=Count("lines", distinct=True)
        )
        .order_by("-created_at", "-pk")
    )


def shipment_list(*, user: User) -> QuerySet[Shipment]:
    return (
        permissions.shipments_visible_to(user)
        .select_related("institution")
        .annotate(units=Coalesce(Sum("allocations__quantity"), ZERO))
        .order_by("-created_at", "-pk")
    )


def pledge_list(*, user: User) -> QuerySet[Pledge]:
    return (
        permissions.pledges_visible_to(user)
        .select_related("donor_person", "donor_department")
        .annotate(pledged=Coalesce(Sum("lines__quantity"), ZERO))
        .order_by("-pledged_on", "-pk")
    )


def partner_requests(*, user: User, institution: Institution) -> list[AidRequest]:
    return list(request_list(user=user).filter(institution=institution))


def partner_shipments(*, user: User, institution: Institution) -> list[Shipment]:
    return list(shipment_list(user=user).filter(institution=institution).prefetch_related("events"))


def person_pledges(*, user: User, person: Person) -> list[Pledge]:
    """A donor's gifts, for their directory page."""
    return list(pledge_list(user=user).filter(donor_person=person).prefetch_related("lines__item"))


# --- request and shipment pages ------------------------------------------------------------


@dataclass(frozen=True)
class RequestLineRow:
    """One line of a request as its page shows it: asked, approved, the lots promised to
    it (released ones apart), and what of them left and arrived."""

    line: RequestLine
    allocations: list[Allocation]

    @property
    def live(self) -> list[Allocation]:
        return [a for a in self.allocations if not a.released]

    @property
    def allocated(self) -> int:
        return sum(a.quantity for a in self.live)

    @property
    def shipped(self) -> int:
        return sum(a.quantity for a in self.live if a.shipment and a.shipment.status in SENT)

    @property
    def received(self) -> int | None:
        confirmed = [a.received for a in self.live if a.received is not None]
        return sum(confirmed) if confirmed else None

    @property
    def damaged(self) -> int:
        return sum(a.damaged for a in self.live)


def request_lines(request: AidRequest) -> list[RequestLineRow]:
    """A request's lines with their allocations, lots and shipments: three queries."""
    lines = request.lines.select_related("item").prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("lot", "shipment").order_by("pk"),
        )
    )
    return [RequestLineRow(line=line, allocations=list(line.allocations.all())) for line in lines]


def unpacked_allocations(*, institution_id: int) -> QuerySet[Allocation]:
    """Units promised to a partner's requests, neither packed nor released: what a new
    shipment to it can take."""
    return (
        Allocation.objects.filter(
            line__request__institution_id=institution_id, shipment__isnull=True, released=False
        )
        .select_related("line__item", "line__request", "lot")
        .order_by("line__request_id", "line_id", "pk")
    )


def shipment_lines(shipment: Shipment) -> list[Allocation]:
    """A shipment's lines: each allocation with its item, lot and request."""
    return list(
        shipment.allocations.select_related("line__item", "line__request", "lot").order_by("pk")
    )


def available_by_item(*, today: date) -> dict[int, int]:
    """Units of each item in use that can still be allocated (unexpired lots)."""
    return {row.item.pk: row.available for row in stock(today=today)}


# --- aid on other apps' pages (partner page, timeline, donor's page) -----------------------


@dataclass(frozen=True)
class ShipmentReceipt:
    """What the partner confirmed of a received shipment, over all its lines."""

    received: int
    damaged: int


def shipment_receipts(shipments: list[Shipment]) -> dict[int, ShipmentReceipt]:
    """Units received and damaged per received shipment's id: one query, none when no
    shipment has been received."""
    ids = [s.pk for s in shipments if s.status == ShipmentStatus.RECEIVED]
    if not ids:
        return {}
    rows = (
        Allocation.objects.filter(shipment_id__in=ids, released=False)
        .values_list("shipment_id")
        .annotate(received=Coalesce(Sum("received"), ZERO), damaged=Coalesce(Sum("damaged"), ZERO))
        .order_by()
    )
    return {pk: ShipmentReceipt(received=r, damaged=d) for pk, r, d in rows}


def pledges_received(pledges: list[Pledge]) -> dict[tuple[int, int], int]:
    """Units received so far per (pledge id, item id), from the gift movements of the
    pledges' lots (the ledger, not the lots' balances, which allocations lower): one
    query, none for no pledge."""
    if not pledges:
        return {}
    rows = (
        Lot.objects.filter(pledge__in=[p.pk for p in pledges], movements__kind="gift")
        .values_list("pledge_id", "item_id")
        .annotate(total=Sum("movements__quantity"))
        .order_by()
    )
    return {(pledge_id, item_id): total for pledge_id, item_id, total in rows}


# --- the stock ledger's pages --------------------------------------------------------------


def movements(
    *,
    item: Item | None = None,
    kind: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Movement]:
    """The ledger, newest first, with what its page shows of each movement (item, lot and
    pledge, who, the request an allocation serves): one query per page whatever the
    filters. ``since`` and ``until`` are days in the current time zone, both included."""
    rows = Movement.objects.select_related(
        "item", "lot__pledge", "created_by__directory_person", "allocation__line__request"
    ).order_by("-pk")  # the order they were written in, along the primary key's index
    if item is not None:
        rows = rows.filter(item=item)
    if kind:
        rows = rows.filter(kind=kind)
    if since is not None:
        rows = rows.filter(created_at__date__gte=since)
    if until is not None:
        rows = rows.filter(created_at__date__lte=until)
    return rows
