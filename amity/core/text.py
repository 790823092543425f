"""Which characters typed text may hold. Control characters reach pages, calendar feeds
and email headers from any field that keeps them (and PostgreSQL refuses a NUL outright),
so every form and every API schema checks text with :func:`text_problem`."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Characters that end a line somewhere: in email headers, calendar lines or Python.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# What a multi-line text (a textarea) may hold besides printable characters.
MULTI_LINE_ALLOWED = frozenset("\t\n\r")


# What each kind of text may not hold: control characters (Unicode category Cc, which is
# exactly U+0000–U+001F and U+007F–U+009F) and, on one line, the line breaks above. One
# regular expression scans the text in C: this check runs on every field of every form and
# API call, the public registration burst included.
_ONE_LINE_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` may not be stored, in the user's language, or None when it may.

    One-line text holds no control character; multi-line text may also hold tabs and line
    breaks, but no other control character (NUL included)."""
    found = (_MULTI_LINE_REFUSED if multiline else _ONE_LINE_REFUSED).search(value)
    if found is None:
        return None
    character = found.group()
    if not multiline and character in LINE_BREAKS:
        return _("Enter this on one line, without line breaks.")
    return _("Remove the control character U+%(code)04X: it cannot be stored.") % {
        "code": ord(character)
    }


def validate_one_line(value: str) -> None:
    """Django validator for a one-line text field."""
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(problem, code="control_character")


def validate_multi_line(value: str) -> None:
    """Django validator for a multi-line text field (a textarea)."""
    if isinstance(value, str) and (problem := text_problem(value, multiline=True)):
        raise ValidationError(problem, code="control_character")
