"""The working languages offered in the directory, ISO 639-1 codes with English names.

The names are marked with gettext_noop so that the catalogue carries them; ``Language``
translates them when shown.
"""

from django.utils.translation import gettext_noop

WORKING_LANGUAGES: list[tuple[str, str]] = [
    ("ar", gettext_noop("Arabic")),
    ("de", gettext_noop("German")),
    ("en", gettext_noop("English")),
    ("es", gettext_noop("Spanish")),
    ("fr", gettext_noop("French")),
    ("he", gettext_noop("Hebrew")),
    ("hi", gettext_noop("Hindi")),
    ("id", gettext_noop("Indonesian")),
    ("it", gettext_noop("Italian")),
    ("ja", gettext_noop("Japanese")),
    ("ko", gettext_noop("Korean")),
    ("ms", gettext_noop("Malay")),
    ("nl", gettext_noop("Dutch")),
    ("pl", gettext_noop("Polish")),
    ("pt", gettext_noop("Portuguese")),
    ("ru", gettext_noop("Russian")),
    ("sv", gettext_noop("Swedish")),
    ("th", gettext_noop("Thai")),
    ("tr", gettext_noop("Turkish")),
    ("vi", gettext_noop("Vietnamese")),
    ("yue", gettext_noop("Cantonese")),
    ("zh", gettext_noop("Chinese (Mandarin)")),
]
