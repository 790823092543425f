"""Search over title, summary, topics and file text, in English and Chinese, with every
word required, title hits first, and never beyond what the searcher may see."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
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


def _document(world, title: str, text: str):
    return services.document_create(
        fields={"title": title, "kind": "case", "scope": "internal"},
        owner=world.office,
        upload=text_file("case.txt", text),
    )


def test_query_terms_fold_apostrophes_into_the_word():
    """A possessive or an elided letter stays one word, with straight, curly or full-width
    apostrophes: "Kawasaki's" is "kawasaki", "children’s" is "children"."""
    assert query_terms("Kawasaki's disease") == ["kawasaki", "disease"]
    assert query_terms("kawasaki’s disease") == ["kawasaki", "disease"]
    assert query_terms("children's") == ["children"]
    assert query_terms("CHILDREN’S") == ["children"]
    assert query_terms("children＇s") == ["children"]
    assert query_terms("parents' guide") == ["parent", "guide"]
    assert query_terms("O’Brien") == ["obrien"]
    assert index_terms("Boston Children’s Hospital") == {"boston", "children", "hospital"}
    assert index_terms("'quoted' words") == {"quoted", "word"}


def test_search_finds_the_same_documents_with_or_without_an_apostrophe(world):
    """ "Kawasaki's disease" finds what "kawasaki disease" finds, and "children's" what
    "childrens" finds, whichever apostrophe the document or the query uses."""
    _document(world, "Kawasaki disease in infants", "Follow-up of coronary arteries.")
    _document(world, "Echo after Kawasaki’s disease", "Coronary aneurysm.")
    _document(world, "Children's heart clinic", "Weekly clinic.")
    _document(world, "Childrens ward handbook", "Ward rounds.")
    kawasaki = {"Kawasaki disease in infants", "Echo after Kawasaki’s disease"}
    children = {"Children's heart clinic", "Childrens ward handbook"}
    for query in ("Kawasaki's disease", "kawasaki’s disease", "kawasaki disease"):
        assert set(_titles(world.office, query)) == kawasaki, query
    for query in ("children's", "children’s", "childrens", "children"):
        assert set(_titles(world.office, query)) == children, query


def _index_as_built_before_apostrophes_were_folded(document) -> None:
    """The rows the earlier folding wrote: "children’s" cut into "children" and "s"."""
    DocumentTerm.objects.filter(document=document).delete()
    DocumentTerm.objects.bulk_create(
        [
            DocumentTerm(document=document, term=term, weight=weight)
            for term, weight in {"children": 8, "s": 8, "o": 1, "brien": 1, "clinic": 9}.items()
        ]
    )


def _terms(document) -> dict[str, int]:
    return dict(DocumentTerm.objects.filter(document=document).values_list("term", "weight"))


def test_rebuild_search_index_command_refolds_existing_indexes(world):
    """Indexes stored before apostrophes were folded are rebuilt by the command: "O'Brien"
    is found as "obrien" afterwards, and the stray "s" term is gone."""
    document = _document(world, "Children’s heart clinic", "Clinic of Dr. O'Brien.")
    _index_as_built_before_apostrophes_were_folded(document)
    assert _titles(world.office, "O'Brien") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue() == "Rebuilt the search index of 1 document.\n"
    assert _terms(document) == {
        "children": 8,
        "heart": 8,
        "clinic": 9,
        "dr": 1,
        "obrien": 1,
    }
    assert _titles(world.office, "O'Brien") == ["Children’s heart clinic"]


def test_rebuild_search_index_migration_refolds_existing_indexes(world):
    """The data migration that ships the new folding rebuilds every stored index."""
    document = _document(world, "Children’s heart clinic", "Clinic of Dr. O'Brien.")
    _index_as_built_before_apostrophes_were_folded(document)
    migration = importlib.import_module("amity.sharing.migrations.0002_rebuild_search_index")
    migration.rebuild_search_index(django_apps, None)
    assert _terms(document) == {"children": 8, "heart": 8, "clinic": 9, "dr": 1, "obrien": 1}
