"""The annual report: texts prefilled from the figures and edited by the office per year and
section, exported as a bilingual DOCX and PDF that read back (Chinese included)."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from amity.core import figures
from amity.reports import annual
from amity.reports.models import AnnualNarrative
from tests.reports.docs_fakes import fake_figures  # noqa: F401

pytestmark = pytest.mark.django_db

CHINESE = "本年度我院与十五家海外机构开展了线上交流。"


def _docx_text(content: bytes) -> tuple[str, list[list[str]]]:
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = [[cell.text for cell in row.cells] for t in document.tables for row in t.rows]
    return text, tables


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_annual_prefill_states_each_figure_against_the_year_before(fake_figures):  # noqa: F811
    texts = {s["key"]: s for s in annual.narrative_texts(2026)}
    assert list(texts) == ["summary", "breadth", "depth"]
    assert texts["breadth"]["text_en"] == "In 2026: Institutions engaged 15 (3 in 2025)."
    assert texts["summary"]["text_en"] == (
        "In 2026: Institutions engaged 15 (3 in 2025); Activities held 7 (0 in 2025)."
    )
    assert not texts["breadth"]["edited"]


def test_annual_texts_are_saved_per_year_and_section_and_reset_when_emptied(world, fake_figures):  # noqa: F811
    stored = annual.narratives_save(
        year=2026, texts={"breadth": ("We grew.", CHINESE)}, user=world.office
    )
    assert stored == 1
    narrative = AnnualNarrative.objects.get(year=2026, section="breadth")
    assert (narrative.text_en, narrative.text_zh, narrative.updated_by) == (
        "We grew.",
        CHINESE,
        world.office,
    )
    texts = {s["key"]: s for s in annual.narrative_texts(2026)}
    assert texts["breadth"]["text_zh"] == CHINESE and texts["breadth"]["edited"]
    assert annual.narratives_save(year=2026, texts={"breadth": (" ", "")}, user=world.office) == 0
    with pytest.raises(ValueError, match="Unknown section: nonsense"):
        annual.narratives_save(year=2026, texts={"nonsense": ("a", "b")}, user=world.office)


def test_annual_docx_reads_back_in_both_languages_with_tables_and_charts(world, fake_figures):  # noqa: F811
    annual.narratives_save(year=2026, texts={"breadth": ("We grew.", CHINESE)}, user=world.office)
    content = annual.report_docx(annual.build_report(2026))
    text, tables = _docx_text(content)
    assert "International exchange: annual report 2026" in text
    assert "We grew." in text and CHINESE in text
    assert text.index("We grew.") < text.index(CHINESE)  # English part first, then Chinese
    assert "In 2026: Activities held 7 (0 in 2025)." in text
    assert ["Institutions engaged", "15", "3"] in tables
    assert ["United States of America", "6"] in tables
    assert ["美国", "6"] in tables  # the Chinese part names countries in Chinese
    assert ["lecture", "4"] in tables
    assert "Institutions engaged: An institution counts as engaged when it took part." in text
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        names = package.namelist()
        svgs = [n for n in names if n.endswith(".svg")]
        body = package.read("word/document.xml").decode()
        # Each picture is a PNG with the same drawing as SVG beside it (Office's extension).
        pictures = len(Document(io.BytesIO(content)).inline_shapes)
        assert pictures >= 4 and body.count("svgBlip") == pictures == len(svgs)
        assert any("Activities held" in package.read(n).decode() for n in svgs)


def test_annual_pdf_reads_back_in_both_languages(world, fake_figures):  # noqa: F811
    annual.narratives_save(year=2026, texts={"breadth": ("We grew.", CHINESE)}, user=world.office)
    text = _pdf_text(annual.report_pdf(annual.build_report(2026, first_language="zh-hans")))
    assert CHINESE in text and "We grew." in text
    assert text.index(CHINESE) < text.index("We grew.")  # asked in Chinese: Chinese first
    assert "Institutions engaged" in text and "美国" in text


def test_annual_page_lets_the_office_edit_the_texts(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    url = reverse("reports:annual_year", args=[2026])
    html = client.get(url).content.decode()
    assert 'name="breadth-en"' in html and "In 2026: Institutions engaged 15 (3 in 2025)." in html
    response = client.post(url, {"breadth-en": "We grew.", "breadth-zh": CHINESE})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert CHINESE in html and "Edited by the office" in html
    response = client.post(url, {"breadth-en": "x" * 5001, "breadth-zh": ""})
    assert response.status_code == 422
    assert "A text may hold at most 5,000 characters." in response.content.decode()
    assert AnnualNarrative.objects.get(section="breadth").text_en == "We grew."


def test_annual_exports_download_as_docx_and_pdf(client, world, fake_figures):  # noqa: F811
    client.force_login(world.office)
    docx = client.get(reverse("reports:annual_docx", args=[2026]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert docx["Content-Disposition"] == 'attachment; filename="amity-annual-report-2026.docx"'
    assert "Institutions engaged" in _docx_text(docx.content)[0] or _docx_text(docx.content)[1]
    pdf = client.get(reverse("reports:annual_pdf", args=[2026]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "annual report 2026" in _pdf_text(pdf.content)


def test_annual_report_permissions(client, world, fake_figures):  # noqa: F811
    url = reverse("reports:annual_year", args=[2026])
    for user in (world.partner_contact, world.staff, world.coordinator):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("reports:annual_pdf", args=[2026])).status_code == 403
    # A leader with the permission reads and exports, but does not edit the texts.
    world.staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_reports")
    )
    leader = type(world.staff).objects.get(pk=world.staff.pk)
    client.force_login(leader)
    html = client.get(url).content.decode()
    assert 'name="breadth-en"' not in html and "In 2026: Institutions engaged 15" in html
    assert client.post(url, {"breadth-en": "x"}).status_code == 403
    assert client.get(reverse("reports:annual_docx", args=[2026])).status_code == 200
    client.force_login(world.partner_contact)
    world.partner_contact.user_permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_reports")
    )
    assert client.get(reverse("reports:annual_docx", args=[2026])).status_code == 403


def test_annual_report_on_the_domains_figures(world):
    """With the real registry the report builds and its figures table holds each figure."""
    parts = annual.build_report(2026)
    text, tables = _docx_text(annual.report_docx(parts))
    labels = {row[0] for row in tables}
    for figure in figures.registered("breadth"):
        assert str(figure.label) in labels
    assert "annual report 2026" in _pdf_text(annual.report_pdf(parts))
