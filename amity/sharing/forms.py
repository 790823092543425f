from django import forms
from django.utils.translation import gettext, gettext_lazy

from amity.core.forms import AmityForm, AmityModelForm
from amity.core.uploads import allowed_types_text
from amity.core.widgets import IsoDateInput
from amity.directory.models import Institution
from amity.sharing.models import Document, DocumentKind, Scope

LANGUAGES = [("", gettext_lazy("Any language")), ("en", "English"), ("zh", "中文")]


class DocumentFilterForm(AmityForm):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tag = forms.ChoiceField(label=gettext_lazy("Topic"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *DocumentKind.choices],
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=LANGUAGES)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", gettext_lazy("All topics"))] + [
            (tag.slug, str(tag)) for tag in topics
        ]


class DocumentForm(AmityModelForm):
    new_tags = forms.CharField(
        label=gettext_lazy("New topics"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Separated by commas; each as English / 中文, e.g. “Neonatology / 新生儿”."
        ),
    )

    class Meta:
        model = Document
        fields = [
            "title",
            "title_local",
            "summary",
            "summary_local",
            "kind",
            "department",
            "tags",
            "scope",
            "partners",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "summary_local": forms.Textarea(attrs={"rows": 4, "lang": "zh"}),
            "title_local": forms.TextInput(attrs={"lang": "zh"}),
            "tags": forms.CheckboxSelectMultiple,
            "scope": forms.RadioSelect,
            "partners": forms.SelectMultiple(attrs={"size": 10}),
        }
        help_texts = {
            "title": gettext_lazy("Give the title in English, in Chinese, or in both."),
            "partners": gettext_lazy(
                "Only when shared with chosen partner institutions. Their contacts can read "
                "and download the document; no other partner can."
            ),
        }

    field_order = [*Meta.fields[:7], "new_tags", "scope", "partners"]

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["partners"].queryset = Institution.objects.partners().order_by("name")
        self.fields["tags"].queryset = self.fields["tags"].queryset.order_by("name")
        self.fields["scope"].choices = Scope.choices


class NewDocumentForm(DocumentForm):
    file = forms.FileField(label=gettext_lazy("File"), required=False)
    link = forms.URLField(
        label=gettext_lazy("Or, for a recording, its link"),
        required=False,
        assume_scheme="https",
        max_length=500,
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help(max_mb)


class VersionForm(AmityForm):
    file = forms.FileField(label=gettext_lazy("File"), required=False)
    link = forms.URLField(
        label=gettext_lazy("Or, for a recording, its link"),
        required=False,
        assume_scheme="https",
        max_length=500,
    )
    note = forms.CharField(
        label=gettext_lazy("What changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say what changed in this version.")},
        help_text=gettext_lazy("Shown in the history, e.g. “Updated doses for infants”."),
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help(max_mb)


def _file_help(max_mb: int) -> str:
    return gettext("%(types)s, at most %(mb)s MB. The type is checked by the content.") % {
        "types": allowed_types_text(),
        "mb": max_mb,
    }


class DownloadFilterForm(AmityForm):
    document = forms.IntegerField(widget=forms.HiddenInput, required=False)
    institution = forms.ModelChoiceField(
        label=gettext_lazy("Institution"),
        queryset=Institution.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All institutions"),
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=IsoDateInput())
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=IsoDateInput())
