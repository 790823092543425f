"""Forms for partners' requests, their approval, shipments, parcels and receipts. They
parse what a page sends; the services decide what may be written."""

from django import forms
from django.utils.translation import gettext_lazy as _

from amity.aid.models import (
    AidRequest,
    Item,
    Parcel,
    RequestStatus,
    Shipment,
    ShipmentStatus,
    Urgency,
)
from amity.aid.services import LineReceipt
from amity.aid.templatetags.aid import measure_word, pack_label
from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Institution


def _partners():
    return Institution.objects.partners().order_by("name")


class RequestFilterForm(AmityForm):
    institution = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All partners"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *RequestStatus.choices]
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any urgency")), *Urgency.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = _partners()


class RequestForm(AmityModelForm):
    """A request's own fields; on a new request also one quantity per item in use, and
    the partner when office staff record it."""

    institution = forms.ModelChoiceField(label=_("Partner"), queryset=Institution.objects.none())

    class Meta:
        model = AidRequest
        fields = [
            "urgency",
            "needed_by",
            "delivery_address",
            "consignee",
            "consignee_phone",
            "note",
        ]
        widgets = {
            "needed_by": IsoDateInput(),
            "delivery_address": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, choose_partner: bool, with_lines: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_partner:
            self.fields["institution"].queryset = _partners()
            self.order_fields(["institution"])
        else:
            del self.fields["institution"]
        self.items = list(Item.objects.filter(active=True).order_by("name")) if with_lines else []
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                # "Surgical mask (units)"; in Chinese with the item's own measure word,
                # 医用外科口罩（只）, since 件 is wrong for masks and gloves.
                label=_("%(item)s (%(units)s)")
                % {"item": item.display_name, "units": measure_word(item) or _("units")},
                required=False,
                min_value=0,
                help_text=pack_label(item),
            )

    def item_fields(self):
        return [self[f"item_{item.pk}"] for item in self.items]

    def other_fields(self):
        names = {f"item_{item.pk}" for item in self.items}
        return [field for field in self.visible_fields() if field.name not in names]

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def lines(self) -> list[tuple[Item, int]]:
        """The items asked for, in whole units (empty and 0 left out)."""
        return [
            (item, self.cleaned_data[f"item_{item.pk}"])
            for item in self.items
            if self.cleaned_data.get(f"item_{item.pk}")
        ]


class ApproveForm(AmityForm):
    """Per line the units to approve (0 refuses the line), prefilled with what can be
    given: the lesser of what was asked and what is in stock."""

    note = forms.CharField(
        label=_("Decision note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the partner with the decision."),
    )

    def __init__(self, *args, lines, available: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.item.display_name,
                min_value=0,
                max_value=line.quantity,
                initial=min(line.quantity, max(available.get(line.item_id, 0), 0)),
            )
        self.order_fields([f"line_{line.pk}" for line in lines] + ["note"])

    def rows(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def approved(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}


class ReleaseForm(AmityForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ShipmentFilterForm(AmityForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ShipmentStatus.choices]
    )


class PartnerChoiceForm(AmityForm):
    """The first step of preparing a shipment: only partners with approved units waiting
    to be packed are offered."""

    institution = forms.ModelChoiceField(
        label=_("Partner"), queryset=Institution.objects.none(), empty_label=_("Choose a partner")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = (
            _partners()
            .filter(
                aid_requests__lines__allocations__shipment__isnull=True,
                aid_requests__lines__allocations__released=False,
            )
            .distinct()
        )


class AllocationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, allocation):
        lot = allocation.lot
        return _("%(reference)s: %(quantity)s × %(item)s, lot %(lot)s") % {
            "reference": allocation.line.request.reference,
            "quantity": allocation.quantity,
            "item": allocation.line.item.display_name,
            "lot": lot.lot_number or "—",
        }


class ShipmentCreateForm(AmityModelForm):
    allocations = AllocationChoiceField(
        label=_("What to pack"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Units approved for this partner and not yet packed."),
    )

    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number", "currency", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, allocations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocations"].queryset = allocations
        self.order_fields(["allocations"])

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ShipmentForm(AmityModelForm):
    class Meta:
        model = Shipment
        fields = ["carrier", "tracking_number", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class ParcelForm(AmityModelForm):
    class Meta:
        model = Parcel
        fields = ["weight_kg", "length_cm", "width_cm", "height_cm"]


class AdvanceForm(AmityForm):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (ShipmentStatus.SHIPPED.value, ShipmentStatus.SHIPPED.label),
            (ShipmentStatus.CUSTOMS.value, ShipmentStatus.CUSTOMS.label),
            (ShipmentStatus.DELIVERED.value, ShipmentStatus.DELIVERED.label),
        ],
    )
    on = forms.DateField(label=_("Date"), widget=IsoDateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReceiptForm(AmityForm):
    """Every line of a shipment: units received, of which damaged, and a note on any
    shortfall or damage (the service insists on it)."""

    def __init__(self, *args, allocations, **kwargs):
        super().__init__(*args, **kwargs)
        self.allocations = allocations
        for allocation in allocations:
            item = allocation.line.item.display_name
            self.fields[f"received_{allocation.pk}"] = forms.IntegerField(
                label=_("%(item)s received") % {"item": item},
                min_value=0,
                max_value=allocation.quantity,
                initial=allocation.quantity,
            )
            self.fields[f"damaged_{allocation.pk}"] = forms.IntegerField(
                label=_("%(item)s damaged") % {"item": item}, min_value=0, initial=0
            )
            self.fields[f"note_{allocation.pk}"] = forms.CharField(
                label=_("Note on %(item)s") % {"item": item}, max_length=300, required=False
            )

    def rows(self):
        return [
            (a, self[f"received_{a.pk}"], self[f"damaged_{a.pk}"], self[f"note_{a.pk}"])
            for a in self.allocations
        ]

    def line_receipts(self):
        return [
            LineReceipt(
                allocation_id=a.pk,
                received=self.cleaned_data[f"received_{a.pk}"],
                damaged=self.cleaned_data[f"damaged_{a.pk}"],
                note=self.cleaned_data[f"note_{a.pk}"],
            )
            for a in self.allocations
        ]
