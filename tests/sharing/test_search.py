"""Search over title, summary, topics and file text, in English and Chinese, with every
word required, title hits first, and never beyond what the searcher may see."""

import pytest
from django.urls import reverse

from amity.sharing import selectors, services
from amity.sharing.models import DocumentTerm
from amity.sharing.search import index_terms, query_terms
from tests.sharing.conftest import docx_file, pdf_file, text_file

pytestmark = pytest.mark.django_db


def _titles(user, q: str, **filters) -> list[str]:
    found = selectors.document_list(user=user, filters=selectors.DocumentFilters(q=q, **filters))
    return [document.display_title for document in found]


def test_query_terms_cut_chinese_into_bigrams_and_english_into_words():
    assert query_terms("儿童 心脏") == ["儿童", "心脏"]
    assert query_terms("儿童心脏重症") == ["儿童", "童心", "心脏", "脏重", "重症"]
    assert query_terms("心") == ["心"]
    assert query_terms("Guidelines for the Cardiac ICU") == ["guideline", "cardiac", "icu"]
    assert query_terms("ＣＯＶＩＤ－１９ 新冠") == ["covid", "19", "新冠"]
    assert query_terms("the and of !!!") == []
    assert index_terms("儿童心脏") == {"儿", "童", "心", "脏", "儿童", "童心", "心脏"}
    assert index_terms("Bambino Gesù protocols") == {"bambino", "gesu", "protocol"}


def test_chinese_words_find_a_document_whose_summary_holds_them_together(world, library):
    """儿童 心脏 finds the document whose Chinese summary says 儿童心脏重症监护."""
    assert _titles(world.office, "儿童 心脏") == [library.covid.display_title]
    assert _titles(world.office, "儿童心脏重症") == [library.covid.display_title]
    assert _titles(world.office, "儿童心脏外科") == []


def test_english_words_inside_an_uploaded_pdf_are_found(world, library):
    """ "cardiac" appears only in the PDF's text of the COVID-19 document; the Cardiac
    ICU topic of two other documents matches too."""
    assert "cardiac" in library.covid.current_version.text
    assert set(_titles(world.office, "cardiac")) == {
        library.covid.display_title,
        library.gosh.display_title,
        library.internal.display_title,
    }
    assert _titles(world.office, "congenital monitored") == [library.covid.display_title]


def test_chinese_inside_a_word_file_is_found(world):
    services.document_create(
        fields={"title": "Echo handbook", "kind": "guideline", "scope": "internal"},
        owner=world.office,
        upload=docx_file("echo.docx", "第一天行床旁心脏超声检查。"),
    )
    assert _titles(world.office, "心脏超声") == ["Echo handbook"]
    assert _titles(world.office, "超") == ["Echo handbook"]


def test_every_word_is_required(world, library):
    assert _titles(world.office, "ECMO drill") == [library.internal.display_title]
    assert _titles(world.office, "ECMO covid") == []
    assert _titles(world.office, "演练 核查") == [library.internal.display_title]
    assert _titles(world.office, "演练 新冠") == []


def test_topics_are_searched_in_both_languages(world, library):
    assert _titles(world.office, "新冠肺炎") == [library.covid.display_title]
    assert set(_titles(world.office, "心脏重症监护")) == {
        library.covid.display_title,
        library.gosh.display_title,
        library.internal.display_title,
    }


def test_title_hits_rank_above_text_hits(world):
    in_text = services.document_create(
        fields={"title": "Nursing handbook", "kind": "other", "scope": "internal"},
        owner=world.office,
        upload=pdf_file("handbook.pdf", "A short note on sepsis."),
    )
    in_title = services.document_create(
        fields={"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=text_file("bundle.txt", "Antibiotics within an hour."),
    )
    in_summary = services.document_create(
        fields={
            "title": "Emergency department manual",
            "summary": "Includes sepsis recognition.",
            "kind": "other",
            "scope": "internal",
        },
        owner=world.office,
        upload=text_file("ed.txt", "Triage."),
    )
    found = list(
        selectors.document_list(user=world.office, filters=selectors.DocumentFilters(q="sepsis"))
    )
    assert [(d.display_title, d.score) for d in found] == [
        (in_title.display_title, 8),
        (in_summary.display_title, 2),
        (in_text.display_title, 1),
    ]


def test_plurals_and_case_do_not_matter(world, library):
    assert _titles(world.office, "GUIDELINES") == [library.guideline.display_title]
    assert _titles(world.office, "protocols great ormond") == [library.gosh.display_title]


def test_a_query_without_words_finds_nothing(world, library):
    assert _titles(world.office, "the of") == []
    assert _titles(world.office, "？！") == []


def test_a_partners_search_never_returns_what_they_may_not_see(world, library):
    partner = world.partner_contact
    # Every document matches "protocol OR checklist …": query each one by a word of its own.
    assert _titles(world.office, "Great Ormond") == [library.gosh.display_title]
    assert _titles(partner, "Great Ormond") == []
    assert _titles(partner, "ECMO") == []
    assert _titles(partner, "演练") == []
    assert set(_titles(partner, "cardiac")) == {library.covid.display_title}
    assert _titles(partner, "speech rehabilitation") == [library.guideline.display_title]
    gosh = library.gosh_user
    assert _titles(gosh, "speech rehabilitation") == []
    assert _titles(gosh, "Great Ormond") == [library.gosh.display_title]


def test_the_index_follows_changes_to_the_document(world, library):
    document = library.guideline

    def score(q):
        found = selectors.document_list(user=world.office, filters=selectors.DocumentFilters(q=q))
        return {d.display_title: d.score for d in found}

    assert score("speech") == {document.display_title: 8 + 1}  # title and file text
    services.document_update(
        document=document,
        fields={"title": "Home language therapy guideline", "title_local": "居家语言治疗指导"},
    )
    assert score("speech") == {document.display_title: 1}  # the file text only
    assert _titles(world.office, "language therapy") == [document.display_title]
    assert _titles(world.office, "语言治疗") == [document.display_title]
    services.document_update(document=document, fields={}, tags=[library.covid_tag])
    assert document.display_title in _titles(world.office, "新冠肺炎")


def test_the_index_reads_the_current_version_only(world, library):
    document = library.guideline
    assert _titles(world.office, "twice") == [document.display_title]
    services.version_add(
        document=document,
        uploaded_by=world.coordinator,
        note="Rewritten for video sessions.",
        upload=text_file("v2.txt", "Weekly video session with the therapist."),
    )
    assert _titles(world.office, "twice") == []
    assert _titles(world.office, "weekly video") == [document.display_title]
    assert DocumentTerm.objects.filter(document=document, term="twice").count() == 0


def test_search_combines_with_the_filters(world, library):
    # Equal scores (a topic hit each): the most recently updated first.
    assert _titles(world.office, "cardiac", kind="protocol") == [
        library.internal.display_title,
        library.gosh.display_title,
    ]
    assert _titles(world.office, "cardiac", tag="covid-19") == [library.covid.display_title]
    assert _titles(world.office, "cardiac", language="zh") == [
        library.internal.display_title,  # topic: 4
        library.covid.display_title,  # file text: 1
    ]


def test_the_list_page_searches_and_says_how_many_match(world, login, library):
    client = login(world.partner_contact)
    response = client.get(reverse("sharing:document_list"), {"q": "儿童 心脏"})
    body = response.content.decode()
    assert "1 document matches “儿童 心脏”" in body
    assert [d.display_title for d in response.context["page"]] == [library.covid.display_title]
    response = client.get(reverse("sharing:document_list"), {"q": "ECMO"})
    assert "0 documents match “ECMO”" in response.content.decode()
    assert "No document matches this search." in response.content.decode()
