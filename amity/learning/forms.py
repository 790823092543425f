from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Department, Institution, PartnershipStatus, Person
from amity.learning.models import Audience, CourseCompletion, ExternalCourse


class CourseFilterForm(AmityForm):
    q = forms.CharField(label=_("Search"), required=False)
    audience = forms.ChoiceField(
        label=_("Audience"), required=False, choices=[("", _("Everyone")), *Audience.choices]
    )
    department = forms.ModelChoiceField(
        label=_("Recommended by"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("All departments"),
    )
    provider = forms.ChoiceField(label=_("Provider"), required=False)

    def __init__(self, *args, departments, providers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["provider"].choices = [("", _("All providers"))] + [
            (name, name) for name in providers
        ]


class CourseForm(AmityModelForm):
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")

    class Meta:
        model = ExternalCourse
        fields = [
            "title",
            "title_local",
            "provider",
            "provider_institution",
            "url",
            "for_doctors",
            "for_nurses",
            "for_allied_health",
            "for_researchers",
            "languages",
            "description",
            "recommended_by",
            "recommended_by_person",
        ]
        widgets = {
            "languages": forms.SelectMultiple(attrs={"size": 6}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, coordinated_department: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_institution"].queryset = Institution.objects.order_by("name")
        self.fields["recommended_by_person"].queryset = (
            Person.objects.filter(institution__partnership_status=PartnershipStatus.HOME)
            .select_related("institution")
            .order_by("family_name", "given_name")
        )
        if coordinated_department is not None:
            # A coordinator adds and edits the courses their own department recommends.
            self.fields["recommended_by"].queryset = Department.objects.filter(
                pk=coordinated_department.pk
            )
            self.fields["recommended_by"].required = True
            self.fields["recommended_by"].empty_label = None


class CompletionForm(AmityModelForm):
    """ "I completed this": the date and an optional note; the course and the person come
    from the page and the login."""

    class Meta:
        model = CourseCompletion
        fields = ["completed_on", "note"]
        widgets = {"completed_on": IsoDateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("completed_on", timezone.localdate())
