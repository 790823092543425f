"""Reads for aid pages, exports, the API and the overview: stock per item and lot,
totals of what was given and sent, and a partner's requests and shipments."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from amity.accounts.models import User
from amity.aid import permissions
from amity.aid.models import (
    AidRequest,
    Allocation,
    Item,
    Lot,
    Pledge,
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
    allocated = dict(
        Allocation.objects.filter(released=False)
        .exclude(
            shipment__status__in=[
                ShipmentStatus.SHIPPED,
                ShipmentStatus.CUSTOMS,
                ShipmentStatus.DELIVERED,
                ShipmentStatus.RECEIVED,
            ]
        )
        .values_list("lot__item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
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
    received_in_gifts: int


SENT = [
    ShipmentStatus.SHIPPED,
    ShipmentStatus.CUSTOMS,
    ShipmentStatus.DELIVERED,
    ShipmentStatus.RECEIVED,
]


def totals() -> AidTotals:
    sent = Allocation.objects.filter(shipment__status__in=SENT)
    per_item = dict(sent.values_list("lot__item_id").annotate(total=Sum("quantity")).order_by())
    items = Item.objects.filter(pk__in=per_item).order_by("name")
    reach = Shipment.objects.filter(status__in=SENT).aggregate(
        partners=Count("institution", distinct=True),
        countries=Count("institution__country", distinct=True),
        shipments=Count("pk"),
    )
    gifts = Lot.objects.filter(pledge__isnull=False).aggregate(
        total=Coalesce(Sum("movements__quantity", filter=Q(movements__kind="gift")), ZERO)
    )["total"]
    return AidTotals(
        items=[ItemTotal(item=item, quantity=per_item[item.pk]) for item in items],
        partners=reach["partners"],
        countries=reach["countries"],
        shipments=reach["shipments"],
        received_in_gifts=gifts,
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
