"""Publications as BibTeX, RIS and CSL-JSON, read back with the readers reference tools use
(bibtexparser, rispy, citeproc-py): every field arrives, LaTeX specials are escaped,
Chinese names and titles survive in UTF-8."""

import json
from types import SimpleNamespace

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from amity.research.citations import parse_authors, to_bibtex, to_csl_json, to_ris


def pub(**fields):
    base = {
        "title": "",
        "authors": "",
        "journal": "",
        "year": 2020,
        "volume": "",
        "issue": "",
        "pages": "",
        "doi": "",
        "url": "",
    }
    return SimpleNamespace(**{**base, **fields})


CONSENSUS = pub(
    title="Diagnosis, treatment, and prevention of 2019 novel coronavirus infection in "
    "children: experts' consensus statement",
    authors="Chen ZM; Fu JF; Shu Q; van der Berg, Anna; et al.",
    journal="World J Pediatr",
    year=2020,
    volume="16",
    issue="3",
    pages="240–246",
    doi="10.1007/s12519-020-00345-5",
)
CHINESE = pub(
    title="儿童新型冠状病毒感染诊断、治疗和预防专家共识（第二版）SARS-CoV-2",
    authors="傅君芬; 舒强; 欧阳明",
    journal="中华儿科杂志",
    year=2020,
    volume="58",
    pages="e001",
)
SPECIALS = pub(
    title="Costs & 50% of $ cases_x #1 {braced} ~ \\ ^",
    authors="O'Neil K",
    journal="",
    year=2021,
    url="https://example.org/paper?a=1&b={2}",
)


def test_authors_are_split_into_family_and_given_names():
    names, more = parse_authors("Chen ZM; Fu Junfen; van der Berg, Anna; 傅君芬; 等")
    assert [(n.family, n.given, n.literal) for n in names] == [
        ("Chen", "Z. M.", ""),
        ("Fu", "Junfen", ""),
        ("van der Berg", "Anna", ""),
        ("", "", "傅君芬"),
    ]
    assert more is True


def _bibtex(text):
    library = bibtexparser.parse_string(
        text,
        append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts()],
    )
    assert library.failed_blocks == []
    return library.entries


def test_bibtex_reads_back_with_every_field():
    [entry] = _bibtex(to_bibtex([CONSENSUS]))
    assert entry.entry_type == "article"
    assert entry.key == "Chen2020Diagnosis"
    assert entry["title"] == CONSENSUS.title
    assert entry["journal"] == "World J Pediatr"
    assert (entry["year"], entry["volume"], entry["number"]) == ("2020", "16", "3")
    assert entry["pages"] == "240–246"  # "240--246" in the file: an en dash in LaTeX
    assert entry["doi"] == "10.1007/s12519-020-00345-5"
    authors = [(a.last, a.first, a.von) for a in entry["author"]]
    assert authors == [
        (["Chen"], ["Z.", "M."], []),
        (["Fu"], ["J.", "F."], []),
        (["Shu"], ["Q."], []),
        (["Berg"], ["Anna"], ["van", "der"]),
        (["others"], [], []),
    ]


def test_bibtex_keeps_chinese_names_whole_and_titles_in_utf8():
    text = to_bibtex([CHINESE])
    assert "author = {{傅君芬} and {舒强} and {欧阳明}}" in text
    [entry] = _bibtex(text)
    assert [a.last for a in entry["author"]] == [["傅君芬"], ["舒强"], ["欧阳明"]]
    assert [a.first for a in entry["author"]] == [[], [], []]
    assert entry["title"] == CHINESE.title
    assert entry["journal"] == "中华儿科杂志"
    assert entry["pages"] == "e001"
    # Words with inner capitals keep their case in any style (braced).
    assert "（第二版）SARS-CoV-2}}," in text


def test_bibtex_escapes_the_latex_specials():
    text = to_bibtex([SPECIALS])
    raw = bibtexparser.parse_string(text).entries[0]
    assert raw.entry_type == "misc"
    assert raw["title"] == (
        r"Costs \& 50\% of \$ cases\_x \#1 \{braced\} \textasciitilde{} "
        r"\textbackslash{} \textasciicircum{}"
    )
    # The url is a verbatim field: not escaped, braces percent-encoded.
    assert raw["url"] == "https://example.org/paper?a=1&b=%7B2%7D"
    [decoded] = _bibtex(text)
    assert decoded["title"].startswith("Costs & 50% of $ cases_x #1 {braced} ~ \\")


def test_bibtex_keys_are_unique_and_ascii():
    entries = bibtexparser.parse_string(to_bibtex([CONSENSUS, CONSENSUS, CHINESE])).entries
    keys = [e.key for e in entries]
    assert keys == ["Chen2020Diagnosis", "Chen2020Diagnosisa", "ref2020Sarscov2"]
    assert all(key.isascii() for key in keys)


def test_ris_reads_back_with_every_field():
    text = to_ris([CONSENSUS, CHINESE])
    assert text.startswith("TY  - JOUR\r\n")
    assert text.count("ER  - ") == 2
    first, second = rispy.loads(text)
    assert first["type_of_reference"] == "JOUR"
    assert first["authors"] == ["Chen, Z. M.", "Fu, J. F.", "Shu, Q.", "van der Berg, Anna"]
    assert first["title"] == CONSENSUS.title
    assert first["secondary_title"] == "World J Pediatr"
    assert (first["year"], first["volume"], first["number"]) == ("2020", "16", "3")
    assert (first["start_page"], first["end_page"]) == ("240", "246")
    assert first["doi"] == "10.1007/s12519-020-00345-5"
    assert second["authors"] == ["傅君芬", "舒强", "欧阳明"]
    assert second["title"] == CHINESE.title
    assert second["secondary_title"] == "中华儿科杂志"
    assert second["start_page"] == "e001"
    assert "end_page" not in second


def test_ris_keeps_every_value_on_one_line():
    text = to_ris([pub(title="A title\nwith a break", authors="Li X", journal="J")])
    [entry] = rispy.loads(text)
    assert entry["title"] == "A title with a break"


def test_csl_json_renders_with_citeproc():
    items = json.loads(to_csl_json([CONSENSUS, CHINESE]))
    assert items[0]["type"] == "article-journal"
    assert items[0]["issued"] == {"date-parts": [[2020]]}
    assert items[0]["author"][0] == {"family": "Chen", "given": "Z. M."}
    assert items[1]["author"] == [{"literal": "傅君芬"}, {"literal": "舒强"}, {"literal": "欧阳明"}]
    assert items[0]["DOI"] == "10.1007/s12519-020-00345-5"
    assert items[0]["page"] == "240-246"

    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert any(
        line.startswith("Chen, Z.M. et al. (2020)") and "World J Pediatr, 16(3)" in line
        for line in rendered
    )
    assert any(line.startswith("傅君芬, 舒强 and 欧阳明 (2020)") for line in rendered)


def test_csl_json_is_utf8_not_escaped():
    text = to_csl_json([CHINESE])
    assert "傅君芬" in text
    assert "\\u" not in text


@pytest.mark.parametrize("writer", [to_bibtex, to_ris, to_csl_json])
def test_no_publications_make_an_empty_but_valid_file(writer):
    text = writer([])
    if writer is to_csl_json:
        assert json.loads(text) == []
    else:
        assert text.strip() == ""
