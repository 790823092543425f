"""Forms of the catalogue, stock and pledges. Quantities may be entered in units or in
packs; the forms hand the services whole units (``counted_units``)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amity.aid.models import DonorKind, Item, MovementKind, Pledge
from amity.aid.services import Receipt
from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Department, PartnershipStatus, Person

DATE = IsoDateInput()
UNITS, PACKS = "units", "packs"
COUNTED_IN = [
    (UNITS, pgettext_lazy("a quantity counted in", "units")),
    (PACKS, pgettext_lazy("a quantity counted in", "packs")),
]
PLEDGE_ROWS = 6


def counted_units(quantity: int, counted_in: str, item: Item) -> int:
    """A quantity entered in units or in packs of ``item``, as whole units."""
    return quantity * item.pack_size if counted_in == PACKS else quantity


def _items():
    return Item.objects.filter(active=True).order_by("name")


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Item) -> str:
        return obj.display_name


class ItemForm(AmityModelForm):
    class Meta:
        model = Item
        fields = [
            "name",
            "name_local",
            "unit",
            "measure_word",
            "pack_size",
            "pack_name",
            "pack_name_local",
            "standard",
            "hs_code",
            "unit_value",
            "active",
        ]
        widgets = {
            field: forms.TextInput(attrs={"lang": "zh"})
            for field in ("name_local", "pack_name_local", "measure_word")
        }


class MovementFilterForm(AmityForm):
    item = ItemChoiceField(
        label=_("Item"),
        queryset=Item.objects.order_by("name"),
        required=False,
        empty_label=_("All items"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *MovementKind.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("Until"), required=False, widget=DATE)


class _QuantityFields(forms.Form):
    """A quantity of whole units or packs, and which one it is."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    counted_in = forms.ChoiceField(
        label=_("Counted in"), choices=COUNTED_IN, initial=UNITS, widget=forms.RadioSelect
    )


class _LotFields(forms.Form):
    lot_number = forms.CharField(label=_("Lot number"), max_length=100, required=False)
    expires_on = forms.DateField(label=_("Expiry date"), required=False, widget=DATE)
    location = forms.CharField(label=_("Where stored"), max_length=200, required=False)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DATE)

    def receipt(self) -> Receipt:
        data = self.cleaned_data
        item = data["item"]
        return Receipt(
            item=item,
            quantity=counted_units(data["quantity"], data["counted_in"], item),
            lot_number=data["lot_number"].strip(),
            expires_on=data["expires_on"],
            location=data["location"].strip(),
            received_on=data["received_on"],
        )


class PurchaseForm(AmityForm, _QuantityFields, _LotFields):
    item = ItemChoiceField(label=_("Item"), queryset=_items())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("What was bought, from whom, and why."),
    )
    field_order = ["item", "quantity", "counted_in", "lot_number", "expires_on", "location"]


class PledgeReceiveForm(AmityForm, _QuantityFields, _LotFields):
    """A lot of a pledge: the item is one of those the pledge lists."""

    item = ItemChoiceField(label=_("Item"), queryset=Item.objects.none())
    field_order = ["item", "quantity", "counted_in", "lot_number", "expires_on", "location"]

    def __init__(self, *args, pledge: Pledge, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(pledgeline__pledge=pledge).order_by(
            "name"
        )


class LotCorrectForm(AmityForm):
    quantity = forms.IntegerField(
        label=_("Units to add or remove"),
        help_text=_("A negative number for units found missing or spoiled, such as -20."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError(_("Enter a whole number of units other than 0."))
        return quantity


class PledgeForm(AmityModelForm):
    """A pledge and, when new, what it promises: rows of item and quantity (blank rows
    are left out). A donor who is not office staff records only their own pledge: the
    donor is fixed to them (``own_person``)."""

    class Meta:
        model = Pledge
        fields = [
            "donor_kind",
            "donor_person",
            "donor_department",
            "donor_name",
            "donor_email",
            "pledged_on",
            "note",
        ]
        widgets = {
            "pledged_on": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
            "donor_kind": forms.RadioSelect,
        }

    def __init__(self, *args, own_person: Person | None, fixed_donor: bool, with_lines: bool, **kw):
        super().__init__(*args, **kw)
        self.fixed_donor = fixed_donor
        self.own_person = own_person
        self.with_lines = with_lines
        self.fields["donor_person"].queryset = (
            Person.objects.filter(institution__partnership_status=PartnershipStatus.HOME)
            .select_related("institution")
            .order_by("family_name", "given_name")
        )
        self.fields["donor_department"].queryset = Department.objects.order_by("name")
        if "donor_kind" in self.fields:
            self.fields["donor_kind"].choices = DonorKind.choices
        if fixed_donor:
            for name in ("donor_kind", "donor_person", "donor_department", "donor_name"):
                del self.fields[name]
        self.line_names = []
        if with_lines:
            for i in range(PLEDGE_ROWS):
                self.fields[f"item_{i}"] = ItemChoiceField(
                    label=_("Item"), queryset=_items(), required=False
                )
                self.fields[f"quantity_{i}"] = forms.IntegerField(
                    label=_("Quantity"), min_value=1, required=False
                )
                self.fields[f"counted_in_{i}"] = forms.ChoiceField(
                    label=_("Counted in"), choices=COUNTED_IN, initial=UNITS, required=False
                )
                self.line_names.append((f"item_{i}", f"quantity_{i}", f"counted_in_{i}"))

    def visible_fields(self):
        """The pledge's own fields; the rows are laid out by the template (``rows``)."""
        return [f for f in super().visible_fields() if f.name not in self._row_field_names()]

    def _row_field_names(self) -> set[str]:
        return {name for names in self.line_names for name in names}

    def rows(self):
        return [tuple(self[name] for name in names) for names in self.line_names]

    def clean(self):
        data = super().clean()
        if self.fixed_donor:
            if self.own_person is None:
                raise forms.ValidationError(
                    _("Your login is not linked to an entry in the directory; ask the office.")
                )
            data["donor_kind"] = DonorKind.STAFF
            data["donor_person"] = self.own_person
            data["donor_department"] = None
            data["donor_name"] = ""
        seen: dict[int, str] = {}
        lines = []
        for item_name, quantity_name, counted_name in self.line_names:
            item, quantity = data.get(item_name), data.get(quantity_name)
            if item_name in self.errors or quantity_name in self.errors:
                continue
            if item is None and quantity is None:
                continue
            if item is None:
                self.add_error(item_name, _("Choose the item."))
            elif quantity is None:
                self.add_error(quantity_name, _("Enter the quantity."))
            elif item.pk in seen:
                self.add_error(
                    item_name,
                    _("%(item)s is listed twice.") % {"item": item.display_name},
                )
            else:
                seen[item.pk] = item_name
                counted = data.get(counted_name) or UNITS
                lines.append((item, counted_units(quantity, counted, item)))
        if self.with_lines and not lines and not self.errors:
            self.add_error(None, _("Add at least one item."))
        self.lines = lines
        return data

    def service_fields(self) -> dict:
        names = [
            "donor_kind",
            "donor_person",
            "donor_department",
            "donor_name",
            "donor_email",
            "pledged_on",
            "note",
        ]
        return {name: self.cleaned_data.get(name) for name in names}

    def _post_clean(self):
        # The service validates the pledge (with its donor) as a whole; the form's own
        # model validation would see the donor fields the staff form leaves out.
        pass
