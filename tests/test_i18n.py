"""English and Simplified Chinese: the switcher works, and the catalogue is complete.

The compiled catalogue (.mo) is committed, so a fresh machine needs no gettext tools; these
tests read both files with Babel and fail when they disagree or a string is missing."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.template import engines
from django.template.base import Lexer, TokenType
from django.urls import reverse

import amity

PACKAGE = Path(amity.__file__).parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po():
    with open(CATALOGUE / "django.po", "rb") as f:
        return read_po(f)


def _translations(catalog) -> dict[tuple[str | None, str], str]:
    result = {}
    for message in catalog:
        if not message.id:
            continue
        # The same text may be translated differently in two contexts (", " → "、" or "，").
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        result[key] = message.string if isinstance(message.string, str) else message.string[0]
    return result


def test_every_catalogue_entry_is_translated_and_not_fuzzy():
    untranslated = [m.id for m in _po() if m.id and (not m.string or not all(m.string) or m.fuzzy)]
    assert untranslated == []


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "django.mo", "rb") as f:
        compiled = _translations(read_mo(f))
    assert compiled == _translations(_po())


def _placeholders(text: str) -> tuple[set[str], int]:
    """The named placeholders (a translation may use one twice: "12箱，每箱50" names the
    pack twice) and the number of positional ones (each must appear once)."""
    return set(re.findall(r"%\(\w+\)s", text)), text.count("%s")


def test_placeholders_survive_translation():
    broken = [
        m.id
        for m in _po()
        if m.id and isinstance(m.id, str) and _placeholders(m.id) != _placeholders(m.string)
    ]
    assert broken == []


def _template_msgids():
    for path in (PACKAGE / "templates").rglob("*.html"):
        for token in Lexer(path.read_text()).tokenize():
            if token.token_type == TokenType.BLOCK:
                match = re.match(r'(?:translate|trans) "([^"]+)"', token.contents)
                if match:
                    yield path.relative_to(PACKAGE), match.group(1)
                match = re.match(r"(?:translate|trans) '([^']+)'", token.contents)
                if match:
                    yield path.relative_to(PACKAGE), match.group(1)


def _python_msgids():
    call = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)+)"\s*[,)]""")
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for msgid in call.findall(path.read_text()):
            yield path.relative_to(PACKAGE), msgid.replace('\\"', '"')


def test_every_marked_string_is_in_the_catalogue():
    """Catches a string marked for translation after the catalogue was last updated
    (run ``amity manage makemessages -l zh_Hans`` in amity/ and translate)."""
    known = {msgid for _context, msgid in _translations(_po())}
    missing = sorted(
        {(str(p), s) for p, s in [*_template_msgids(), *_python_msgids()] if s not in known}
    )
    assert missing == []


@pytest.mark.django_db
def test_language_switcher_turns_the_interface_chinese(world, client):
    client.force_login(world.office)
    response = client.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": reverse("directory:institution_list")},
        follow=True,
    )
    body = response.content.decode()
    assert '<html lang="zh-hans"' in body
    assert "<h1>机构</h1>" in body
    assert "英国" in body  # country names come translated from django-countries
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert '<html lang="en"' in response.content.decode()


def test_templates_compile():
    engine = engines["django"]
    for path in (PACKAGE / "templates").rglob("*.html"):
        engine.from_string(path.read_text())
