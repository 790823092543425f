from django import forms
from django.utils.translation import gettext_lazy as _

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Department, Institution, PartnershipStatus, Person
from amity.plans.models import ExchangePlan, PlanStatus


class PlanFilterForm(AmityForm):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *PlanStatus.choices]
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class PlanForm(AmityModelForm):
    class Meta:
        model = ExchangePlan
        fields = [
            "department",
            "title",
            "partner",
            "kind",
            "owner",
            "status",
            "target_start",
            "notes",
        ]
        widgets = {
            "target_start": IsoDateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, coordinated_department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Institution.objects.partners().order_by("name")
        self.fields["owner"].queryset = Person.objects.filter(
            institution__partnership_status=PartnershipStatus.HOME
        ).order_by("family_name", "given_name")
        if coordinated_department is not None:
            # A coordinator plans for their own department only.
            self.fields["department"].queryset = Department.objects.filter(
                pk=coordinated_department.pk
            )
            self.fields["department"].empty_label = None
            if not self.instance.pk:
                self.initial.setdefault("department", coordinated_department)
