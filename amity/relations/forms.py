from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.widgets import IsoDateInput
from amity.directory.models import Institution, InstitutionKind, PartnershipStatus, Person
from amity.relations.models import (
    Agreement,
    AgreementState,
    Campaign,
    IncomingLetter,
    LetterTemplate,
    RecipientList,
    Reply,
)
from amity.relations.uploads import check_upload

DATE = IsoDateInput()


def _partners():
    return Institution.objects.partners().order_by("name")


class FileField(forms.FileField):
    """A PDF or image, checked by content before the form is valid."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("PDF, PNG or JPEG."))
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial and hasattr(upload, "size"):
            check_upload(upload)
        return upload


class AgreementFilterForm(AmityForm):
    q = forms.CharField(label=_("Search"), required=False)
    institution = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("All partners"),
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AgreementState.choices]
    )
    expiring_before = forms.DateField(label=_("Expiring before"), required=False, widget=DATE)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class AgreementForm(AmityModelForm):
    upload = FileField(label=_("Signed copy"))

    class Meta:
        model = Agreement
        fields = [
            "title",
            "kind",
            "partners",
            "scope",
            "signed_on",
            "expires_on",
            "status",
            "notes",
        ]
        widgets = {
            "signed_on": DATE,
            "expires_on": DATE,
            "scope": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "partners": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = _partners()

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in {"partners", "upload"}}


def _text_widgets() -> dict:
    return {
        "body_en": forms.Textarea(attrs={"rows": 12, "lang": "en"}),
        "body_zh": forms.Textarea(attrs={"rows": 12, "lang": "zh"}),
        "subject_zh": forms.TextInput(attrs={"lang": "zh"}),
    }


class TemplateForm(AmityModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "subject_zh", "body_zh", "subject_en", "body_en"]
        widgets = _text_widgets()


class RecipientListForm(AmityModelForm):
    class Meta:
        model = RecipientList
        fields = ["name", "description", "people"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "people": forms.SelectMultiple(attrs={"size": 15}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = (
            Person.objects.exclude(institution__partnership_status=PartnershipStatus.HOME)
            .select_related("institution")
            .order_by("institution__name", "family_name", "given_name")
        )
        self.fields["people"].label_from_instance = lambda p: (
            f"{p.full_name} — {p.institution.display_short_name}"
        )


class CampaignForm(AmityModelForm):
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every country."),
    )
    partnership_statuses = forms.MultipleChoiceField(
        label=_("Partnership status"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[c for c in PartnershipStatus.choices if c[0] != PartnershipStatus.HOME],
        help_text=_("None ticked: every status."),
    )
    institution_kinds = forms.MultipleChoiceField(
        label=_("Kinds of institution"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=InstitutionKind.choices,
        help_text=_("None ticked: every kind."),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "letter_date",
            "language_mode",
            "delivery",
            "countries",
            "partnership_statuses",
            "institution_kinds",
            "recipient_list",
            "subject_zh",
            "body_zh",
            "subject_en",
            "body_en",
            "signature_zh",
            "signature_en",
        ]
        widgets = {
            "letter_date": DATE,
            **_text_widgets(),
            "signature_en": forms.Textarea(attrs={"rows": 3}),
            "signature_zh": forms.Textarea(attrs={"rows": 3, "lang": "zh"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(
            set(_partners().order_by().values_list("country", flat=True).distinct()),
            key=lambda code: str(countries.name(code)),
        )
        self.fields["countries"].choices = [(code, countries.name(code)) for code in codes]
        self.fields["recipient_list"].empty_label = _("No list: everyone the filters match")
        self.fields["recipient_list"].help_text = _(
            "Only the people on this list (and matching the filters)."
        )


class ReplyForm(AmityModelForm):
    upload = FileField(label=_("Scan of the reply"))

    class Meta:
        model = Reply
        fields = ["received_on", "summary"]
        widgets = {"received_on": DATE, "summary": forms.Textarea(attrs={"rows": 4})}


class IncomingLetterForm(AmityModelForm):
    upload = FileField(label=_("Scan of the letter"))

    class Meta:
        model = IncomingLetter
        fields = ["received_on", "sender", "sender_name", "subject", "summary"]
        widgets = {"received_on": DATE, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.institution = institution
        self.fields["sender"].queryset = institution.people.order_by("family_name", "given_name")
