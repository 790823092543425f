"""Form helpers shared by every app."""


def formset_rows(formset, *, drop: frozenset[str] = frozenset()) -> list[dict]:
    """The rows a valid formset keeps, as plain field values for a service: deleted and
    empty rows left out, and without the formset's bookkeeping fields."""
    bookkeeping = {"id", "DELETE", formset.fk.name if hasattr(formset, "fk") else ""} | drop
    return [
        {k: v for k, v in form.cleaned_data.items() if k not in bookkeeping}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
