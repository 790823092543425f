"""Writing one letter for one person: placeholders, the name in the right order, the
salutation, which language(s), and the date as the recipient's locale writes it."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from amity.directory.models import Language
from amity.relations import letters, placeholders, selectors, services
from amity.relations.models import LetterTemplate
from tests.factories import InstitutionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_known_placeholders_are_filled_and_double_braces_stay_braces():
    text = "{salutation}, {name} of {partner} on {date} {{not a placeholder}}"
    values = {"salutation": "Dear Dr. Tan", "name": "Tan Wei Ling", "partner": "KKH", "date": "d"}
    assert placeholders.fill(text, values) == (
        "Dear Dr. Tan, Tan Wei Ling of KKH on d {not a placeholder}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Dear {parnter}",
            "Unknown placeholder {parnter}. The placeholders are {partner}, {salutation}, "
            "{name}, {date}.",
        ),
        (
            "{name.__class__} and {date:%Y}",
            "Unknown placeholder {name.__class__}, {date:%Y}. The placeholders are {partner}, "
            "{salutation}, {name}, {date}.",
        ),
        (
            "Dear {name",
            "A brace is not closed. Write {{ and }} for a brace that is not a placeholder.",
        ),
    ],
)
def test_unknown_placeholders_and_stray_braces_are_refused_by_name(text, message):
    with pytest.raises(ValidationError) as error:
        placeholders.validate(text)
    assert error.value.messages == [message]


def test_a_template_with_an_unknown_placeholder_is_not_saved(world):
    with pytest.raises(ValidationError) as error:
        services.template_save(
            template=None,
            fields={"name": "Thanks", "subject_en": "Thank you", "body_en": "Dear {title} {nme}"},
        )
    assert error.value.message_dict == {
        "body_en": [
            "Unknown placeholder {title}, {nme}. The placeholders are {partner}, {salutation}, "
            "{name}, {date}."
        ]
    }
    assert LetterTemplate.objects.count() == 0


def test_a_language_is_written_whole_or_not_at_all(world):
    with pytest.raises(ValidationError) as error:
        services.template_save(
            template=None, fields={"name": "Half", "subject_zh": "慰问信", "body_en": "Dear all"}
        )
    assert error.value.message_dict == {
        "body_zh": ["Write the letter for this subject."],
        "subject_en": ["Give this letter a subject."],
    }
    with pytest.raises(ValidationError) as error:
        services.template_save(template=None, fields={"name": "Empty"})
    assert error.value.messages == ["Write the letter in English, in Chinese, or in both."]


def test_names_are_written_in_the_persons_own_order(world, contacts):
    assert letters.name_in(contacts.rosenfeld, "en") == "Ron Rosenfeld"
    assert letters.name_in(contacts.tan, "en") == "Tan Wei Ling"
    assert letters.name_in(contacts.tan, "zh") == "陈伟玲"
    assert letters.name_in(contacts.rosenfeld, "zh") == "Ron Rosenfeld"


def test_salutations_use_title_and_family_name_or_the_chinese_name(world, contacts):
    assert letters.salutation(contacts.rosenfeld, "en") == "Dear Prof. Rosenfeld"
    assert letters.salutation(contacts.tan, "en") == "Dear Dr. Tan"
    assert letters.salutation(world.partner_contact.person, "en") == "Dear Emily Carter"
    assert letters.salutation(contacts.tan, "zh") == "尊敬的陈伟玲博士"
    assert letters.salutation(contacts.chan, "zh") == "尊敬的陈大文教授"
    assert letters.salutation(contacts.rosenfeld, "zh") == "尊敬的 Rosenfeld 教授"
    assert letters.salutation(world.partner_contact.person, "zh") == "尊敬的 Emily Carter"


def test_dates_are_written_as_the_letters_language_writes_them():
    assert letters.date_in(date(2020, 3, 20), "en") == "March 20, 2020"
    assert letters.date_in(date(2020, 3, 20), "zh") == "2020年3月20日"
    assert letters.date_in(date(2026, 11, 27), "en") == "November 27, 2026"  # not "Nov."
    assert letters.date_in(date(2026, 11, 27), "zh") == "2026年11月27日"


def test_language_follows_region_and_what_the_recipient_reads(world, contacts):
    both = ["zh", "en"]

    def choose(person, mode="auto", written=both):
        codes = {language.code for language in person.languages.all()}
        return letters.choose_language(
            person=person, language_codes=codes, mode=mode, written=written
        )

    assert choose(contacts.chan) == "zh"  # Hong Kong
    assert choose(contacts.tan) == "both"  # reads Chinese, works in Singapore
    assert choose(contacts.rosenfeld) == "en"
    assert choose(world.partner_contact.person) == "en"
    assert choose(contacts.rosenfeld, mode="both") == "both"
    assert choose(contacts.chan, mode="en") == "en"
    # A letter written in one language goes out in it to everyone.
    assert choose(contacts.chan, written=["en"]) == "en"
    assert choose(contacts.rosenfeld, written=["zh"]) == "zh"


def test_a_bilingual_letter_is_rendered_chinese_then_english(world, contacts, make_campaign):
    campaign = make_campaign()
    rendered = letters.render(
        texts=campaign, person=contacts.tan, language="both", letter_date=date(2020, 3, 20)
    )
    assert rendered.body_zh == (
        "尊敬的陈伟玲博士：\n\n我们牵挂着KK Women's and Children's Hospital的各位同事。"
        "\n\n杭州，2020年3月20日"
    )
    assert rendered.subject_en == "With you, Tan Wei Ling"
    assert rendered.body_en == (
        "Dear Dr. Tan,\n\nOur thoughts are with everyone at KK Women's and Children's Hospital."
        "\n\nHangzhou, March 20, 2020"
    )
    subject, body = letters.email_text(rendered)
    assert subject == "与您同在 / With you, Tan Wei Ling"
    assert body.index("尊敬的陈伟玲博士") < body.index("— — —") < body.index("Dear Dr. Tan")


def test_a_chinese_institution_name_is_used_in_chinese_letters(world, contacts, make_campaign):
    rendered = letters.render(
        texts=make_campaign(), person=contacts.chan, language="zh", letter_date=date(2020, 3, 20)
    )
    assert rendered.body_zh.startswith("尊敬的陈大文教授：\n\n我们牵挂着香港兒童醫院的各位同事。")
    assert rendered.body_en == ""


@pytest.fixture
def japan(world):
    return InstitutionFactory(
        name="National Center for Child Health and Development",
        short_name="NCCHD",
        country="JP",
        city="Tokyo",
        time_zone="Asia/Tokyo",
    )


def _japanese_doctor(institution, *codes: str, email: str):
    person = PersonFactory(
        family_name="Yamada",
        given_name="Taro",
        family_name_local="山田",
        given_name_local="太郎",
        name_order="family_first",
        title="Dr.",
        email=email,
        institution=institution,
        time_zone="Asia/Tokyo",
    )
    person.languages.set(
        [Language.objects.get_or_create(code=code, defaults={"name": code})[0] for code in codes]
    )
    return person


def _auto_language(person) -> str:
    return letters.choose_language(
        person=person,
        language_codes={language.code for language in person.languages.all()},
        mode="auto",
        written=["zh", "en"],
    )


def test_letter_language_follows_a_japanese_readers_languages_not_the_kanji_of_the_name(
    world, japan, make_campaign
):
    """A contact in Japan who reads Japanese and English (name in kanji, 山田太郎) gets the
    English letter, "Dear Dr. Yamada", with the name in its family-first order."""
    yamada = _japanese_doctor(japan, "ja", "en", email="yamada@ncchd.example.jp")
    assert _auto_language(yamada) == "en"
    rendered = letters.render(
        texts=make_campaign(), person=yamada, language="en", letter_date=date(2020, 3, 20)
    )
    assert rendered.body_zh == ""
    assert rendered.body_en == (
        "Dear Dr. Yamada,\n\nOur thoughts are with everyone at National Center for Child "
        "Health and Development.\n\nHangzhou, March 20, 2020"
    )
    assert rendered.subject_en == "With you, Yamada Taro"


def test_letter_in_chinese_goes_to_a_contact_in_japan_who_reads_chinese(
    world, japan, make_campaign
):
    """A contact in Japan whose languages include Chinese gets the Chinese letter first,
    addressed by the name in kanji."""
    yamada = _japanese_doctor(japan, "ja", "zh", email="yamada.zh@ncchd.example.jp")
    assert _auto_language(yamada) == "both"
    rendered = letters.render(
        texts=make_campaign(), person=yamada, language="both", letter_date=date(2020, 3, 20)
    )
    assert rendered.body_zh.startswith("尊敬的山田太郎博士：")
    assert rendered.body_en.startswith("Dear Dr. Yamada,")


def test_letter_preview_for_a_japanese_contact_is_in_english(world, japan, make_campaign):
    """A bilingual letter in "each recipient's language" is previewed in English only for a
    Japanese reader, never the Chinese-first letter."""
    yamada = _japanese_doctor(japan, "ja", email="yamada.ja@ncchd.example.jp")
    campaign = make_campaign()
    preview = selectors.preview_letter(campaign, yamada)
    assert preview.language == "en"
    assert [code for code, _subject, _body in preview.parts] == ["en"]
    assert preview.parts[0][2].startswith("Dear Dr. Yamada,")
