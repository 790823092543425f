"""The placeholders a letter may contain, checked when a letter is saved and filled in
for each recipient.

``{partner}``, ``{salutation}``, ``{name}`` and ``{date}``; ``{{`` and ``}}`` write a
literal brace. Anything else in braces is refused with a message naming it, so a typo
such as ``{parnter}`` is caught before a letter goes to 300 people, and no attribute or
index lookups (``{name.__class__}``) can ever reach Python's formatting.
"""

import string
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KNOWN: dict[str, object] = {
    "partner": gettext_lazy("the recipient's institution"),
    "salutation": gettext_lazy("“Dear Prof. Rosenfeld” or “尊敬的傅君芬教授”"),
    "name": gettext_lazy("the recipient's name, in the right order"),
    "date": gettext_lazy("the date of the letter, in the letter's language"),
}


def known_list() -> str:
    return ", ".join("{" + name + "}" for name in KNOWN)


def fields(text: str) -> list[str]:
    """The placeholders in ``text``; raises ValidationError for unknown ones or unpaired
    braces."""
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError:
        raise ValidationError(
            _("A brace is not closed. Write {{ and }} for a brace that is not a placeholder."),
            code="unpaired_brace",
        ) from None
    found, unknown = [], []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in KNOWN or spec or conversion:
            shown = "{" + field + ("!" + conversion if conversion else "")
            shown += (":" + spec if spec else "") + "}"
            unknown.append(shown)
        else:
            found.append(field)
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(unknown)s. The placeholders are %(known)s.")
            % {"unknown": ", ".join(unknown), "known": known_list()},
            code="unknown_placeholder",
        )
    return found


def validate(text: str) -> None:
    fields(text)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced (checked first, so only the known simple
    names are ever looked up)."""
    fields(text)
    return (text or "").format_map({name: values.get(name, "") for name in KNOWN})
