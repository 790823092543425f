"""Writing one letter for one person: which language(s), how to address them, and the
placeholders filled in. No database writes here; ``services.campaign_send`` stores the
result.

Which language a recipient gets when the campaign says "each recipient's language":

- Chinese only, for people at institutions in mainland China, Hong Kong, Macao or Taiwan;
- Chinese then English, for people elsewhere who read Chinese (Mandarin or Cantonese
  among the languages of their directory entry) — e.g. a Chinese-speaking colleague in
  Singapore, whose colleagues read English;
- English for everyone else.

The script of a name says nothing of what its bearer reads: a Japanese name is written
in kanji (山田太郎), and a Japanese reader who does not read Chinese gets English
("Dear Dr. Yamada").

A letter written in only one language goes out in that language to everyone.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils import formats, translation

from amity.directory.models import Institution, Person
from amity.relations import placeholders
from amity.relations.models import Campaign, LanguageMode, LetterLanguage, LetterTexts

CHINESE_REGIONS = frozenset({"CN", "HK", "MO", "TW"})
CHINESE_LANGUAGES = frozenset({"zh", "yue"})
# The honorifics people carry in the directory, as a Chinese letter writes them after the
# name. Unknown titles are left out rather than guessed.
CHINESE_TITLES = {
    "prof": "教授",
    "professor": "教授",
    "assoc prof": "副教授",
    "associate professor": "副教授",
    "dr": "博士",
    "doctor": "博士",
    "mr": "先生",
    "mrs": "女士",
    "ms": "女士",
    "miss": "女士",
}
DJANGO_LANGUAGE = {"en": "en", "zh": "zh-hans"}


def is_chinese_text(text: str) -> bool:
    """True when ``text`` is written in Chinese characters (Han ideographs and CJK
    punctuation only, no kana or hangul), so a Chinese reader reads it as written."""
    letters = [ch for ch in text if not ch.isspace()]
    return bool(letters) and all(
        unicodedata.name(ch, "").startswith(
            ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "IDEOGRAPHIC", "MIDDLE DOT")
        )
        or unicodedata.category(ch).startswith("P")
        for ch in letters
    )


def reads_chinese(language_codes: set[str]) -> bool:
    """Whether someone with these directory languages reads Chinese."""
    return bool(language_codes & CHINESE_LANGUAGES)


def choose_language(
    *, person: Person, language_codes: set[str], mode: str, written: list[str]
) -> str:
    """The letter language for one recipient: "en", "zh" or "both" (see the module)."""
    if written == ["en"] or written == ["zh"]:
        return written[0]
    if mode != LanguageMode.AUTO:
        return mode
    if person.institution.country.code in CHINESE_REGIONS:
        return LetterLanguage.ZH
    if reads_chinese(language_codes):
        return LetterLanguage.BOTH
    return LetterLanguage.EN


def name_in(person: Person, language: str) -> str:
    """The name as a letter in ``language`` writes it: in Chinese characters when the
    person has them and the letter is Chinese, else the Latin-script name in the person's
    own order ("Fu Junfen", "Ron Rosenfeld")."""
    if language == "zh" and is_chinese_text(person.local_name):
        return person.local_name
    return person.full_name


def _title_key(title: str) -> str:
    return " ".join(title.lower().replace(".", " ").split())


def salutation(person: Person, language: str) -> str:
    """ "Dear Prof. Rosenfeld", "Dear Emily Carter"; "尊敬的傅君芬教授",
    "尊敬的 Rosenfeld 教授", "尊敬的 Emily Carter". Without punctuation: the letter adds
    its own comma or colon."""
    title = person.title.strip()
    if language == "zh":
        honorific = CHINESE_TITLES.get(_title_key(title), "")
        if is_chinese_text(person.local_name):
            return f"尊敬的{person.local_name}{honorific}"
        if honorific:
            return f"尊敬的 {person.family_name} {honorific}"
        return f"尊敬的 {person.full_name}"
    if title:
        return f"Dear {title} {person.family_name}"
    return f"Dear {person.full_name}"


def partner_name(institution: Institution, language: str) -> str:
    if language == "zh" and is_chinese_text(institution.name_local):
        return institution.name_local
    return institution.name


# A letter spells the month out ("November 27", not the locale's "Nov. 27"); Chinese
# uses the locale's own date format (2020年3月20日).
LETTER_DATE_FORMAT = {"en": "F j, Y", "zh": "DATE_FORMAT"}


def date_in(day: date, language: str) -> str:
    """The date as the recipient's locale writes it: "March 20, 2020", "2020年3月20日"."""
    with translation.override(DJANGO_LANGUAGE[language]):
        return formats.date_format(day, LETTER_DATE_FORMAT[language])


@dataclass(frozen=True)
class Rendered:
    language: str
    subject_en: str = ""
    body_en: str = ""
    subject_zh: str = ""
    body_zh: str = ""


def render(*, texts: LetterTexts, person: Person, language: str, letter_date: date) -> Rendered:
    """The letter for ``person`` in ``language`` ("en", "zh" or "both")."""
    parts = {}
    for code in ("zh", "en") if language == LetterLanguage.BOTH else (language,):
        values = {
            "partner": partner_name(person.institution, code),
            "salutation": salutation(person, code),
            "name": name_in(person, code),
            "date": date_in(letter_date, code),
        }
        parts[f"subject_{code}"] = placeholders.fill(getattr(texts, f"subject_{code}"), values)
        parts[f"body_{code}"] = placeholders.fill(getattr(texts, f"body_{code}"), values)
    return Rendered(language=language, **parts)


def letter_for(*, campaign: Campaign, person: Person) -> Rendered:
    """The letter ``person`` gets from ``campaign``: the language chosen for them and the
    text in it. The preview, sending and the demo's history all read it here, so what is
    previewed is what is sent."""
    language = choose_language(
        person=person,
        language_codes={language.code for language in person.languages.all()},
        mode=campaign.language_mode,
        written=campaign.languages,
    )
    return render(
        texts=campaign, person=person, language=language, letter_date=campaign.letter_date
    )


def email_text(rendered: Rendered) -> tuple[str, str]:
    """Subject and plain-text body of the email: Chinese first when both are written."""
    parts = [
        (subject, body)
        for subject, body in (
            (rendered.subject_zh, rendered.body_zh),
            (rendered.subject_en, rendered.body_en),
        )
        if body
    ]
    subject = " / ".join(subject for subject, _body in parts)
    body = "\n\n— — —\n\n".join(body.strip() for _subject, body in parts)
    return subject, body + "\n"
