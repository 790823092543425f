"""Form helpers shared by every app."""

from django import forms
from django.utils.translation import gettext_noop

from amity.core.text import validate_multi_line, validate_one_line

# Django ends every form label with gettext(":"); marked here so that the catalogue keeps
# the Chinese full-width "：" for it.
LABEL_SUFFIX = gettext_noop(":")


def formset_rows(formset, *, drop: frozenset[str] = frozenset()) -> list[dict]:
    """The rows a valid formset keeps, as plain field values for a service: deleted and
    empty rows left out, and without the formset's bookkeeping fields."""
    bookkeeping = {"id", "DELETE", formset.fk.name if hasattr(formset, "fk") else ""} | drop
    return [
        {k: v for k, v in form.cleaned_data.items() if k not in bookkeeping}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class _RefusesControlCharacters:
    """Every text field refuses control characters (amity.core.text): one-line fields
    any, multi-line fields (a Textarea) all but tabs and line breaks. The validators are
    attached when the form is cleaned, so a widget set in a form's ``__init__`` counts."""

    def full_clean(self):
        for field in self.fields.values():
            _refuse_control_characters(field)
        super().full_clean()


def _refuse_control_characters(field: forms.Field) -> None:
    if isinstance(field, forms.CharField) and not any(
        v in (validate_one_line, validate_multi_line) for v in field.validators
    ):
        multi_line = isinstance(field.widget, forms.Textarea)
        field.validators.append(validate_multi_line if multi_line else validate_one_line)


class _SharedFields(dict):
    # Django deep-copies a form's declared fields for each form it makes; these are
    # never changed once declared, so each form gets a new dict of the same fields.
    def __deepcopy__(self, memo):
        return dict(self)


def fields_shared(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """Class decorator for a form on a hot path (public registration): its declared
    fields are shared by every form made from it rather than deep-copied for each (the
    copy was about 7 % of a registration's CPU time). Only for a form whose code never changes a
    declared field or its widget after declaration (fields added in ``__init__`` are
    the form's own); the control-character validators are attached here, once."""
    for field in form_class.base_fields.values():
        _refuse_control_characters(field)
    form_class.base_fields = _SharedFields(form_class.base_fields)
    return form_class


class AmityForm(_RefusesControlCharacters, forms.Form):
    """The base of every form in Amity."""


class AmityModelForm(_RefusesControlCharacters, forms.ModelForm):
    """The base of every model form in Amity."""


class SubmittedChoiceField(forms.ModelChoiceField):
    """Shows the model's choices but hands the submitted value on as it came, unchecked:
    the service resolves it, so that a page and the API refuse an unknown one with the
    same message."""

    def to_python(self, value):
        return None if value in self.empty_values else str(value)


class SubmittedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """:class:`SubmittedChoiceField` for several values: a list of the submitted strings."""

    def clean(self, value):
        values = [str(v) for v in value or ()]
        if self.required and not values:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return values
