"""Research tables as CSV and XLSX, and publications as citation files: what a reader
opens in Excel or a reference manager. UTF-8 with BOM, Chinese names intact, no formula
run from a cell, and only the rows the user may see."""

import csv
import io
import json
from datetime import date

import pytest
from django.http import Http404
from openpyxl import load_workbook

from amity.research import exports, services
from amity.research.enrolment import add_months

pytestmark = pytest.mark.django_db

FIRST = date(2025, 1, 1)


@pytest.fixture
def figures(research_world):
    w = research_world
    services.study_update(by=w.office, study=w.study, acronym='=HYPERLINK("x")')
    for site, counts in ((w.home_site, [10, 12]), (w.partner_site, [3, 4]), (w.domestic_site, [5])):
        for n, count in enumerate(counts):
            services.enrolment_enter(
                by=w.office, site=site, month=add_months(FIRST, n), count=count
            )
    services.approval_record(
        by=w.office,
        site=w.partner_site,
        committee="LLU Institutional Review Board",
        reference="IRB-5200101",
        approved_on=date(2024, 12, 1),
        expires_on=date(2099, 12, 1),
    )
    services.registry_id_add(
        by=w.office, study=w.study, registry="chictr", identifier="ChiCTR2000029308"
    )
    return w


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_studies_table_has_the_whole_study_for_the_office(figures):
    w = figures
    rows = _csv(exports.table_response("studies", "csv", user=w.office))
    header, *data = rows
    assert header[:5] == ["Acronym", "Title", "Title in Chinese", "Design", "Status"]
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in data}
    pedcov = by_title["Multicentre study of COVID-19 in children"]
    assert pedcov["Title in Chinese"] == "儿童新型冠状病毒肺炎多中心研究"
    assert pedcov["Registry identifiers"] == "ChiCTR2000029308"
    assert (pedcov["Sites"], pedcov["Enrolled"], pedcov["Target"]) == ("3", "34", "300")
    assert pedcov["Principal investigator"] == "Junfen Fu"


def test_a_cell_that_would_run_as_a_formula_is_neutralised(figures):
    w = figures
    rows = _csv(exports.table_response("studies", "csv", user=w.office))
    assert '\'=HYPERLINK("x")' in [row[0] for row in rows]
    book = load_workbook(
        io.BytesIO(exports.table_response("studies", "xlsx", user=w.office).content)
    )
    cells = [row[0] for row in book.active.iter_rows(values_only=True)]
    assert '\'=HYPERLINK("x")' in cells
    assert all(not str(c).startswith("=") for c in cells)


def test_partner_contact_gets_only_their_own_site_in_every_table(figures):
    w = figures
    sites = _csv(exports.table_response("sites", "csv", user=w.partner_contact))
    assert [row[1] for row in sites[1:]] == ["Loma Linda University"]
    site = dict(zip(sites[0], sites[1], strict=True))
    assert (site["Target"], site["Enrolled"]) == ("50", "7")
    assert (site["Approval reference"], site["Approval expires on"], site["Approval"]) == (
        "IRB-5200101",
        "2099-12-01",
        "Valid",
    )
    enrolment = _csv(exports.table_response("enrolment", "csv", user=w.partner_contact))
    assert [row[1:5] for row in enrolment[1:]] == [
        ["Loma Linda University", "2025-01", "3", "3"],
        ["Loma Linda University", "2025-02", "4", "7"],
    ]
    studies = _csv(exports.table_response("studies", "csv", user=w.partner_contact))
    assert [row[1] for row in studies[1:]] == ["Multicentre study of COVID-19 in children"]
    study = dict(zip(studies[0], studies[1], strict=True))
    # Their own site's figures, not the study's 34 of 300.
    assert (study["Sites"], study["Enrolled"], study["Target"]) == ("1", "7", "50")


def test_enrolment_table_has_running_totals_per_site(figures):
    w = figures
    rows = _csv(exports.table_response("enrolment", "csv", user=w.office, study=w.study))
    home = [row for row in rows[1:] if row[1] == w.home.name]
    assert [(row[2], row[3], row[4], row[5]) for row in home] == [
        ("2025-01", "10", "10", "150"),
        ("2025-02", "12", "22", "150"),
    ]
    assert len(rows) == 1 + 5


def test_xlsx_holds_the_same_rows_with_numbers_as_numbers(figures):
    w = figures
    response = exports.table_response("sites", "xlsx", user=w.office, study=w.study)
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Sites"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Institution"
    targets = {row[1]: row[8] for row in rows[1:]}
    assert targets == {
        w.home.name: 150,
        "Loma Linda University": 50,
        "Shanghai Children's Medical Center": 100,
    }


def test_chinese_titles_survive_in_xlsx(figures):
    w = figures
    sheet = load_workbook(
        io.BytesIO(exports.table_response("studies", "xlsx", user=w.office).content)
    ).active
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "儿童新型冠状病毒肺炎多中心研究" in titles


def test_anonymous_and_unknown_tables_export_nothing(figures):
    w = figures
    with pytest.raises(Http404):
        exports.table_response("studies", "csv", user=None)
    with pytest.raises(Http404):
        exports.table_response("people", "csv", user=w.office)
    with pytest.raises(Http404):
        exports.table_response("studies", "pdf", user=w.office)


def test_downloads_are_attachments_never_rendered(figures):
    w = figures
    response = exports.table_response("studies", "csv", user=w.office)
    assert response["Content-Disposition"].startswith('attachment; filename="research-studies-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension", "starts"),
    [
        ("bibtex", "application/x-bibtex; charset=utf-8", "bib", "@article{Fu2020Clinical,"),
        ("ris", "application/x-research-info-systems; charset=utf-8", "ris", "TY  - JOUR\r\n"),
        ("csl-json", "application/vnd.citationstyles.csl+json; charset=utf-8", "json", "["),
    ],
)
def test_publications_download_in_each_format(research_world, fmt, content_type, extension, starts):
    w = research_world
    services.publication_add(
        by=w.office,
        study=w.study,
        title="Clinical characteristics of children with COVID-19 in Zhejiang",
        authors="Fu JF; 舒强",
        journal="World J Pediatr",
        year=2020,
        doi="10.1007/s12519-020-00343-7",
    )
    response = exports.publications_response(w.study, fmt)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].endswith(f"PEDCOV-publications.{extension}")
    text = response.content.decode("utf-8")
    assert text.startswith(starts)
    assert "舒强" in text
    if fmt == "csl-json":
        assert json.loads(text)[0]["DOI"] == "10.1007/s12519-020-00343-7"


def test_an_unknown_citation_format_is_not_found(research_world):
    with pytest.raises(Http404):
        exports.publications_response(research_world.study, "endnote")
