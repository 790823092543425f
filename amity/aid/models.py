"""Aid to partners: a catalogue of supplies, gifts pledged and received in lots, a stock
ledger, partners' requests, allocations from stock, shipments and their receipt.

Stock is a ledger. Every change of what is available is a ``Movement`` row (a gift or a
purchase received, a correction, units allocated to a request or released from it); a
lot's available quantity is the sum of its movements. ``Lot.available`` caches that sum
for pages and is written in the same transaction as each movement; it is never trusted
over the ledger (``services.ledger_differences`` and the ``aid_check_ledger`` command
compare them, and allocation recounts from the ledger under the lock).

Allocated units are promised to one request line from one lot. They leave the shelf
when their shipment is marked shipped; the partner then confirms what arrived, line by
line. Quantities are whole units everywhere; packs ("box of 50") are only a way to show
and enter them.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amity.core.bilingual import BilingualName, in_reader_language
from amity.directory.models import Department, Institution, Person

HS_CODE = RegexValidator(
    r"^\d{4}(\.?\d{2}){1,3}$",
    _("Enter an HS code of 6 to 10 digits, such as 6307.90 or 6210.10.10."),
)


class Unit(models.TextChoices):
    PIECE = "piece", pgettext_lazy("unit of supplies", "piece")
    PAIR = "pair", pgettext_lazy("unit of supplies", "pair")
    SET = "set", pgettext_lazy("unit of supplies", "set")


# The measure word Chinese counts each unit with when an item names none.
UNIT_MEASURE_WORDS = {Unit.PIECE: "个", Unit.PAIR: "副", Unit.SET: "套"}


class Item(BilingualName, models.Model):
    """One kind of supply in the catalogue: what customs and the shelf need to know."""

    name = models.CharField(_("name in English"), max_length=200)
    name_local = models.CharField(_("name in Chinese"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    pack_size = models.PositiveIntegerField(
        _("units per pack"), default=1, validators=[MinValueValidator(1)]
    )
    pack_name = models.CharField(
        _("pack"), max_length=40, blank=True, help_text=_("For example: box, carton, bag.")
    )
    pack_name_local = models.CharField(
        _("pack in Chinese"), max_length=20, blank=True, help_text=_("For example: 盒, 箱, 袋.")
    )
    measure_word = models.CharField(
        _("Chinese measure word"),
        max_length=2,
        blank=True,
        help_text=_(
            "How Chinese counts one unit: 只 for masks, 件 for protective clothing, 副 for "
            "gloves. Left empty, the unit's usual word is used."
        ),
    )
    standard = models.CharField(
        _("standard met"),
        max_length=200,
        blank=True,
        help_text=_("For example: GB 19083-2010, EN 14683 Type IIR, NIOSH N95."),
    )
    hs_code = models.CharField(
        _("HS code"), max_length=13, validators=[HS_CODE], help_text=_("Used on export papers.")
    )
    unit_value = models.DecimalField(
        _("declared value per unit"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the currency of the papers; for customs only — a donation is not sold."),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [models.UniqueConstraint(fields=["name"], name="aid_item_unique_name")]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("aid:item_detail", args=[self.pk])

    @property
    def display_pack_name(self) -> str:
        return in_reader_language(self.pack_name, self.pack_name_local)

    @property
    def measure(self) -> str:
        """The Chinese measure word one unit is counted with."""
        return self.measure_word or UNIT_MEASURE_WORDS[self.unit]

    def count_in_chinese(self, quantity: int) -> str:
        """ "医用外科口罩6,200只": the Chinese name, the figure, the measure word."""
        return f"{self.name_local or self.name}{quantity:,}{self.measure}"

    def packs(self, quantity: int) -> tuple[int, int]:
        """``quantity`` units as (whole packs, units left over)."""
        return divmod(quantity, self.pack_size)


# --- gifts in ----------------------------------------------------------------------------


class DonorKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    DEPARTMENT = "department", _("Department")
    OUTSIDE = "outside", _("Outside donor")


class Pledge(models.Model):
    """A promise of supplies by a staff member, a department or an outside donor; it is
    received in one or more lots."""

    donor_kind = models.CharField(_("donor"), max_length=12, choices=DonorKind.choices)
    donor_person = models.ForeignKey(
        Person,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aid_pledges",
    )
    donor_department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aid_pledges",
    )
    donor_name = models.CharField(_("outside donor"), max_length=200, blank=True)
    donor_email = models.EmailField(_("donor's email"), blank=True)
    pledged_on = models.DateField(_("pledged on"), default=date.today)
    note = models.TextField(_("note"), blank=True)
    thanked_letter = models.ForeignKey(
        "relations.Letter",
        verbose_name=_("thank-you letter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pledged_on", "-pk"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [
            models.CheckConstraint(
                name="aid_pledge_one_donor",
                condition=(
                    Q(
                        donor_kind="staff",
                        donor_person__isnull=False,
                        donor_department__isnull=True,
                    )
                    | Q(
                        donor_kind="department",
                        donor_person__isnull=True,
                        donor_department__isnull=False,
                    )
                    | (
                        Q(
                            donor_kind="outside",
                            donor_person__isnull=True,
                            donor_department__isnull=True,
                        )
                        & ~Q(donor_name="")
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        return self.donor_display

    def get_absolute_url(self) -> str:
        return reverse("aid:pledge_detail", args=[self.pk])

    @property
    def donor_display(self) -> str:
        if self.donor_kind == DonorKind.STAFF and self.donor_person_id:
            person = self.donor_person
            return in_reader_language(person.full_name, person.local_name)
        if self.donor_kind == DonorKind.DEPARTMENT and self.donor_department_id:
            return str(self.donor_department)
        return self.donor_name

    def clean(self) -> None:
        errors = {}
        if self.donor_kind == DonorKind.STAFF and not self.donor_person_id:
            errors["donor_person"] = _("Choose the staff member who gives.")
        if self.donor_kind == DonorKind.DEPARTMENT and not self.donor_department_id:
            errors["donor_department"] = _("Choose the department that gives.")
        if self.donor_kind == DonorKind.OUTSIDE and not self.donor_name.strip():
            errors["donor_name"] = _("Enter the donor's name.")
        if errors:
            raise ValidationError(errors)
        # Only the donor of the chosen kind is kept.
        if self.donor_kind != DonorKind.STAFF:
            self.donor_person = None
        if self.donor_kind != DonorKind.DEPARTMENT:
            self.donor_department = None
        if self.donor_kind != DonorKind.OUTSIDE:
            self.donor_name = ""


class PledgeLine(models.Model):
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("quantity pledged"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["pledge", "item"], name="aid_pledge_line_unique_item"),
            models.CheckConstraint(name="aid_pledge_line_positive", condition=Q(quantity__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"


# --- stock ---------------------------------------------------------------------------------


class Lot(models.Model):
    """Units of one item received together: from a pledge, a purchase or a correction.
    ``available`` caches the sum of the lot's movements (see the module's docstring)."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT)
    lot_number = models.CharField(_("lot number"), max_length=100, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    location = models.CharField(_("where stored"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"), default=date.today)
    pledge = models.ForeignKey(
        Pledge,
        verbose_name=_("pledge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
    )
    available = models.IntegerField(_("available"), default=0)

    class Meta:
        ordering = ["item__name", "expires_on", "pk"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [models.Index(fields=["item", "expires_on"], name="aid_lot_item_expiry")]

    def __str__(self) -> str:
        return f"{self.item} · {self.lot_number or '—'}"

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today


class MovementKind(models.TextChoices):
    GIFT = "gift", _("Gift received")
    PURCHASE = "purchase", _("Purchase received")
    CORRECTION = "correction", _("Stock correction")
    ALLOCATION = "allocation", _("Allocated to a request")
    RELEASE = "release", _("Released from a request")


class Movement(models.Model):
    """One change of a lot's available quantity: positive in, negative out."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    allocation = models.ForeignKey(
        "Allocation", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        indexes = [models.Index(fields=["item", "lot"], name="aid_movement_item_lot")]
        constraints = [
            models.CheckConstraint(name="aid_movement_not_zero", condition=~Q(quantity=0))
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} · {self.lot}"


# --- requests from partners --------------------------------------------------------------


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    CRITICAL = "critical", _("Critical")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PARTLY = "partly", _("Partly approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AidRequest(models.Model):
    """A partner's need, recorded by its contact in their portal or by office staff."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="aid_requests",
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    delivery_address = models.TextField(_("delivery address"))
    consignee = models.CharField(_("consignee"), max_length=200)
    consignee_phone = models.CharField(_("consignee's phone"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # When the need was recorded: now, or the day a past campaign's request came in.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("request for aid")
        verbose_name_plural = _("requests for aid")

    def __str__(self) -> str:
        return _("Request %(number)s") % {"number": self.reference}

    def get_absolute_url(self) -> str:
        return reverse("aid:request_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"R-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.SUBMITTED


class RequestLine(models.Model):
    request = models.ForeignKey(AidRequest, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(
        _("quantity requested"), validators=[MinValueValidator(1)]
    )
    approved = models.PositiveIntegerField(_("quantity approved"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "item"], name="aid_request_line_unique"),
            models.CheckConstraint(name="aid_request_line_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="aid_request_line_approved_within",
                condition=Q(approved__isnull=True) | Q(approved__lte=models.F("quantity")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"


# --- shipments -----------------------------------------------------------------------------


class ShipmentStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    SHIPPED = "shipped", _("Shipped")
    CUSTOMS = "customs", _("In customs")
    DELIVERED = "delivered", _("Delivered")
    RECEIVED = "received", _("Received")


SHIPMENT_ORDER = [s.value for s in ShipmentStatus]


class Shipment(models.Model):
    """Allocations of one or more requests of one partner, packed and sent together."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    requests = models.ManyToManyField(AidRequest, related_name="shipments", blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    currency = models.CharField(_("currency of the declared value"), max_length=3, default="CNY")
    status = models.CharField(
        _("status"), max_length=10, choices=ShipmentStatus.choices, default=ShipmentStatus.PREPARED
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [models.Index(fields=["status"], name="aid_shipment_status")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("aid:shipment_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"S-{self.pk:05d}"


class ShipmentEvent(models.Model):
    """One step of a shipment's status history, with the day it happened."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=10, choices=ShipmentStatus.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.on.isoformat()}"


class Parcel(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    length_cm = models.PositiveIntegerField(_("length (cm)"), validators=[MinValueValidator(1)])
    width_cm = models.PositiveIntegerField(_("width (cm)"), validators=[MinValueValidator(1)])
    height_cm = models.PositiveIntegerField(_("height (cm)"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg, {self.length_cm}×{self.width_cm}×{self.height_cm} cm"


class Allocation(models.Model):
    """Units of one lot promised to one request line; a line of a shipment once packed,
    and what the partner confirmed receiving of it."""

    line = models.ForeignKey(RequestLine, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="allocations")
    # The lot's item, kept here (it never changes) so that totals per item read one table.
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    released = models.BooleanField(default=False)
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    received = models.PositiveIntegerField(_("quantity received"), null=True, blank=True)
    damaged = models.PositiveIntegerField(_("of which damaged"), default=0)
    receipt_note = models.CharField(_("note on receipt"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # Covers "units sent per item": the shipments' allocations, read from the index.
            models.Index(fields=["shipment", "item", "quantity"], name="aid_allocation_sent")
        ]
        constraints = [
            models.CheckConstraint(name="aid_allocation_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="aid_allocation_damaged_within_received",
                condition=Q(received__isnull=True, damaged=0)
                | Q(damaged__lte=models.F("received")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.lot}"

    @property
    def shortfall(self) -> int:
        """Units sent that did not arrive (None-safe: 0 before the receipt)."""
        if self.received is None:
            return 0
        return max(self.quantity - self.received, 0)
