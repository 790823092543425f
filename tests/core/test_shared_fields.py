"""A form whose declared fields are shared (amity.core.forms.fields_shared) behaves as
one whose fields are copied: each form has its own fields dict and errors, and text
fields still refuse control characters."""

from django import forms

from amity.core.forms import AmityForm, fields_shared
from amity.core.text import validate_one_line


@fields_shared
class _Sign(AmityForm):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False, widget=forms.Textarea)


def test_shared_fields_refuse_control_characters_as_copied_ones_do():
    """A NUL or a line break in a one-line field, a NUL in a multi-line one, is refused;
    line breaks in the multi-line field are kept."""
    bad = _Sign({"name": "Fu\nJunfen", "note": "a\x00b"})
    good = _Sign({"name": "Fu Junfen", "note": "line one\nline two"})

    assert set(bad.errors) == {"name", "note"}
    assert good.is_valid(), good.errors
    assert good.cleaned_data["note"] == "line one\nline two"


def test_forms_with_shared_fields_do_not_see_each_others_fields():
    """A field one form adds for itself (a question) is not in the next form; each
    validator is attached once, not once per form."""
    first = _Sign({"name": "A"})
    first.fields["extra"] = forms.CharField()
    second = _Sign({"name": "B"})
    for _ in range(3):
        _Sign({"name": "C"}).is_valid()

    assert "extra" not in second.fields
    assert second.is_valid()
    assert second.fields["name"].validators.count(validate_one_line) == 1
