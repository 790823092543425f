"""Forms of the research pages. They parse and check what a person typed and say plainly
what is wrong; the services check the same rules again (registry identifiers and DOIs
through ``amity.research.identifiers``), so the API refuses exactly what a page refuses.

No field asks for anything about a patient: studies are described by counts and
documents only, and the note fields say so in their help text.
"""

import re
from datetime import date

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Institution, InstitutionKind, Person
from amity.research import identifiers
from amity.research.models import (
    EthicsApproval,
    Publication,
    RegistryId,
    Site,
    Study,
    StudyMember,
)

DATE = IsoDateInput()
MONTHS_SHOWN = 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(today: date, count: int = MONTHS_SHOWN) -> list[date]:
    """The first days of the last ``count`` months up to this one, newest first."""
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def month_label(month: date) -> str:
    """“November 2026” / “2026年11月”."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        institution = obj.institution.display_short_name if obj.institution_id else ""
        return f"{obj.full_name} · {institution}" if institution else obj.full_name


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} ({obj.name_local})" if obj.name_local else obj.name


def _people():
    return Person.objects.select_related("institution").order_by("family_name", "given_name")


def _institutions():
    return Institution.objects.exclude(kind=InstitutionKind.SOCIETY).order_by("name")


class StudyForm(AmityModelForm):
    """A study's description. Its status moves on the study page; its team, registry
    identifiers, sites and documents are added there."""

    lead_institution = InstitutionChoiceField(label=_("Lead institution"), queryset=_institutions())
    principal_investigator = PersonChoiceField(
        label=_("Principal investigator"), queryset=_people()
    )

    class Meta:
        model = Study
        fields = [
            "title",
            "title_local",
            "acronym",
            "design",
            "lead_institution",
            "principal_investigator",
            "target_enrolment",
            "start_on",
            "end_on",
            "summary",
            "summary_local",
            "topics",
        ]
        widgets = {
            "title_local": forms.TextInput(attrs={"lang": "zh"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "summary_local": forms.Textarea(attrs={"rows": 4, "lang": "zh"}),
            "start_on": DATE,
            "end_on": DATE,
            "topics": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "summary": _(
                "What the study asks and how, as on its registry page. Never details of a patient."
            ),
            "target_enrolment": _("How many participants the whole study plans to enrol."),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_on"), data.get("end_on")
        if start and end and end < start:
            self.add_error("end_on", _("The end cannot be before the start."))
        return data


class StudyStatusForm(AmityForm):
    status = forms.ChoiceField(label=_("Status"), choices=Study._meta.get_field("status").choices)


class MemberForm(AmityForm):
    person = PersonChoiceField(label=_("Person"), queryset=_people())
    role = forms.ChoiceField(
        label=_("Role in the study"), choices=StudyMember._meta.get_field("role").choices
    )


class RegistryIdForm(AmityForm):
    registry = forms.ChoiceField(
        label=_("Registry"), choices=RegistryId._meta.get_field("registry").choices
    )
    identifier = forms.CharField(
        label=_("Identifier"),
        max_length=120,
        help_text=_(
            "As the registry shows it, such as NCT04280705 or ChiCTR2000029308; "
            "a pasted registry address is read too."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("registry") and data.get("identifier"):
            try:
                data["identifier"] = identifiers.validate_registry_id(
                    data["registry"], data["identifier"]
                )
            except forms.ValidationError as error:
                self.add_error("identifier", error)
        return data


class SiteForm(AmityModelForm):
    """A participating institution; the institution is chosen once, when the site is
    added."""

    institution = InstitutionChoiceField(label=_("Institution"), queryset=_institutions())
    site_pi = PersonChoiceField(
        label=_("Site principal investigator"), queryset=_people(), required=False
    )
    coordinator = PersonChoiceField(
        label=_("Site coordinator"),
        queryset=_people(),
        required=False,
        help_text=_("Enters the site's monthly enrolment counts."),
    )

    class Meta:
        model = Site
        fields = ["institution", "status", "site_pi", "coordinator", "target", "joined_on"]
        widgets = {"joined_on": DATE}
        help_texts = {"target": _("How many participants this site plans to enrol.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["institution"]


class AgreementLinkForm(AmityForm):
    agreement = forms.ModelChoiceField(label=_("Agreement"), queryset=None)

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].label_from_instance = lambda a: (
            f"{a.title} · {a.get_kind_display()}"
        )


class ApprovalForm(AmityModelForm):
    """An ethics committee's approval of a site's participation."""

    document = forms.ModelChoiceField(
        label=_("Approved document"),
        queryset=None,
        required=False,
        help_text=_("The approval letter or approved protocol, from the shared documents."),
    )

    class Meta:
        model = EthicsApproval
        fields = ["committee", "reference", "approved_on", "expires_on", "document"]
        widgets = {"approved_on": DATE, "expires_on": DATE}

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = lambda d: d.display_title

    def clean(self):
        data = super().clean()
        approved, expires = data.get("approved_on"), data.get("expires_on")
        if approved and approved > timezone.localdate():
            self.add_error("approved_on", _("An approval cannot be dated in the future."))
        if approved and expires and expires <= approved:
            self.add_error("expires_on", _("The approval must expire after the day it was given."))
        return data


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month as ``2026-11`` (what ``<input type="month">`` sends), read as its first day."""

    widget = MonthInput
    _pattern = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = self._pattern.match(value)
        if not match or not 1 <= int(match[2]) <= 12:
            raise forms.ValidationError(
                _("Enter a month as year and month, such as 2026-11."), code="invalid"
            )
        return date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value


COUNT_ERRORS = {
    "min_value": _("Enter a count of 0 or more."),
    "invalid": _("Enter a whole number of participants, such as 12."),
}


def _count_field(label: str, initial: int | None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        required=False,
        initial=initial,
        error_messages=COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )


class EnrolmentForm(AmityForm):
    """A site's enrolment: how many participants were enrolled in each month, one number
    a month (never who). The last twelve months are shown; an earlier month is added with
    the month field below them. A month left empty is not changed."""

    other_month = MonthField(
        label=_("Another month"),
        required=False,
        help_text=_("An earlier month, as year and month, such as 2025-06."),
    )
    other_count = _count_field(_("Enrolled in that month"), None)

    def __init__(self, *args, counts: dict[date, int], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.counts = counts
        self.months = months_back(today)
        for month in self.months:
            self.fields[self.field_name(month)] = _count_field(
                month_label(month), counts.get(month)
            )
        # The grid first, then the extra month.
        self.order_fields([self.field_name(m) for m in self.months])

    @staticmethod
    def field_name(month: date) -> str:
        return f"m{month:%Y_%m}"

    def grid(self):
        """(month, bound field, count stored) for each of the last twelve months."""
        return [(m, self[self.field_name(m)], self.counts.get(m)) for m in self.months]

    def clean(self):
        data = super().clean()
        other_month, other_count = data.get("other_month"), data.get("other_count")
        if other_month and other_month > month_start(self.today):
            self.add_error("other_month", _("That month has not begun yet: enter it once it has."))
        elif other_month and other_count is None and "other_count" not in self.errors:
            self.add_error("other_count", _("Enter how many were enrolled in that month."))
        elif other_count is not None and not other_month and "other_month" not in self.errors:
            self.add_error("other_month", _("Choose the month this count belongs to."))
        return data

    def changes(self) -> list[tuple[date, int]]:
        """(month, count) for every month whose count was entered or changed."""
        data = self.cleaned_data
        changed = [
            (month, data[self.field_name(month)])
            for month in self.months
            if data.get(self.field_name(month)) is not None
            and data[self.field_name(month)] != self.counts.get(month)
        ]
        if data.get("other_month") and data.get("other_count") is not None:
            changed.append((data["other_month"], data["other_count"]))
        return changed


class PublicationForm(AmityModelForm):
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Publication
        fields = ["title", "authors", "journal", "year", "volume", "issue", "pages", "doi", "url"]
        help_texts = {
            "authors": _("Surname and initials, separated by semicolons: Li H; Smith JA."),
            "doi": _("Such as 10.1016/S0140-6736(20)30183-5; a doi.org address is read too."),
        }

    def clean_doi(self):
        doi = self.cleaned_data.get("doi") or ""
        return identifiers.validate_doi(doi) if doi.strip() else ""

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not 1900 <= year <= timezone.localdate().year + 1:
            raise forms.ValidationError(
                _("Enter the year of publication, such as %(year)s.")
                % {"year": timezone.localdate().year}
            )
        return year


class ActivityLinkForm(AmityForm):
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None)

    def __init__(self, *args, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        self.fields["activity"].label_from_instance = lambda a: a.display_title


class DocumentLinkForm(AmityForm):
    document = forms.ModelChoiceField(
        label=_("Document"),
        queryset=None,
        help_text=_(
            "A protocol, a consent form template or another shared document; "
            "its versions and sharing stay as set in Documents."
        ),
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents
        self.fields["document"].label_from_instance = lambda d: d.display_title
