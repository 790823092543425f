"""Aid's figures for the reports (amity.core.figures), and aid shipped as a kind of exchange
with partners."""

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.aid.models import Shipment, ShipmentEvent, ShipmentStatus
from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.core.figures import Breakdown, Figure, Item, Period, breakdown_of


def _shipped_events(period: Period) -> QuerySet[ShipmentEvent]:
    return ShipmentEvent.objects.filter(
        status=ShipmentStatus.SHIPPED, on__gte=period.start, on__lte=period.end
    )


def shipments_shipped(period: Period) -> QuerySet[Shipment]:
    """Shipments recorded as shipped on a day within the period."""
    return Shipment.objects.filter(Exists(_shipped_events(period).filter(shipment=OuterRef("pk"))))


def institutions_shipped_to(period: Period) -> set[int]:
    return set(
        shipments_shipped(period).order_by().values_list("institution_id", flat=True).distinct()
    )


def _items(period: Period) -> list[Item]:
    shipped_on = dict(_shipped_events(period).order_by("on").values_list("shipment_id", "on"))
    rows = (
        shipments_shipped(period)
        .select_related("institution")
        .annotate(weight=Sum("parcels__weight_kg"))
        .order_by("pk")
    )
    items = [
        Item(
            label=shipment.reference,
            url=shipment.get_absolute_url(),
            cells=(
                in_reader_language(shipment.institution.name, shipment.institution.name_local),
                countries.name(shipment.institution.country),
                shipped_on.get(shipment.pk),
                shipment.get_status_display(),
                shipment.weight or "",
            ),
        )
        for shipment in rows
    ]
    return sorted(items, key=lambda item: (item.cells[2], item.label))


def _breakdown(period: Period) -> list[Breakdown]:
    rows = (
        shipments_shipped(period)
        .order_by()
        .values_list("institution__country")
        .annotate(n=Count("pk"))
    )
    return [breakdown_of(_("By country"), rows, label=countries.name, dimension="country")]


def register() -> None:
    figures.register_engagement("aid", _("aid"), institutions_shipped_to)
    figures.register(
        Figure(
            key="aid.shipments",
            section="aid",
            label=_("Aid shipments sent"),
            definition=_(
                "A shipment counts when it was recorded as shipped on a day within the period, "
                "whatever its state now (in customs, delivered, received)."
            ),
            count=lambda period: shipments_shipped(period).count(),
            list_items=_items,
            columns=(_("Partner"), _("Country"), _("Shipped on"), _("State now"), _("Weight (kg)")),
            breakdown=_breakdown,
        ),
    )
