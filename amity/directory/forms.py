from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import (
    Department,
    Experience,
    Institution,
    InstitutionKind,
    Language,
    Membership,
    PartnershipStatus,
    Person,
)


class InstitutionFilterForm(AmityForm):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *InstitutionKind.choices]
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    status = forms.ChoiceField(
        label=_("Partnership"),
        required=False,
        choices=[("", _("Any status")), *PartnershipStatus.choices],
    )

    def __init__(self, *args, country_codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries"))] + sorted(
            ((code, countries.name(code)) for code in country_codes), key=lambda c: c[1]
        )


class PersonFilterForm(AmityForm):
    q = forms.CharField(label=_("Search"), required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All institutions"),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    language = forms.ModelChoiceField(
        label=_("Language"),
        queryset=Language.objects.all(),
        required=False,
        empty_label=_("Any language"),
        to_field_name="code",
    )
    abroad = forms.BooleanField(label=_("Has studied or worked abroad"), required=False)

    def __init__(self, *args, institutions, departments, country_codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["department"].queryset = departments
        self.fields["country"].choices = [("", _("All countries"))] + sorted(
            ((code, countries.name(code)) for code in country_codes), key=lambda c: c[1]
        )


class InstitutionForm(AmityModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Institution
        fields = [
            "name",
            "name_local",
            "short_name",
            "kind",
            "country",
            "city",
            "time_zone",
            "website",
            "partnership_status",
            "partner_since",
            "notes",
        ]
        widgets = {
            "partner_since": IsoDateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class DepartmentForm(AmityModelForm):
    class Meta:
        model = Department
        fields = ["name", "name_local", "slug", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PersonForm(AmityModelForm):
    class Meta:
        model = Person
        fields = [
            "title",
            "given_name",
            "family_name",
            "given_name_local",
            "family_name_local",
            "name_order",
            "position",
            "email",
            "phone",
            "institution",
            "department",
            "time_zone",
            "languages",
            "bio",
        ]
        widgets = {
            "languages": forms.CheckboxSelectMultiple,
            "bio": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, coordinated_department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.order_by("name")
        if coordinated_department is not None:
            # A coordinator adds and edits the people of their own department only.
            home = Institution.objects.filter(partnership_status=PartnershipStatus.HOME)
            self.fields["institution"].queryset = home
            self.fields["department"].queryset = Department.objects.filter(
                pk=coordinated_department.pk
            )
            self.fields["department"].required = True
            self.fields["department"].empty_label = None
            if not self.instance.pk:
                self.initial.setdefault("institution", home.first())
                self.initial.setdefault("department", coordinated_department)


class ExperienceForm(AmityModelForm):
    class Meta:
        model = Experience
        fields = [
            "kind",
            "institution",
            "place",
            "country",
            "start_year",
            "end_year",
            "description",
        ]


class MembershipForm(AmityModelForm):
    class Meta:
        model = Membership
        fields = ["society", "role", "since", "until"]
        widgets = {
            "since": IsoDateInput(),
            "until": IsoDateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["society"].queryset = Institution.objects.societies()


ExperienceFormSet = forms.inlineformset_factory(
    Person, Experience, form=ExperienceForm, extra=1, can_delete=True
)
MembershipFormSet = forms.inlineformset_factory(
    Person, Membership, form=MembershipForm, extra=1, can_delete=True
)
