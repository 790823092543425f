"""The annual report: one year's figures, charts, tables and the office's short texts, as a
bilingual document (DOCX to edit, PDF to hand over).

``build_report(year)`` computes everything once per language through ``amity.core.figures``
(each figure's number is counted once and shared by both languages; labels, breakdowns and
names are read in each language). ``report_docx`` and ``report_pdf`` write the same content:
the document holds the report twice, first in the language it was asked in, then in the
other, each part complete (headings, texts, tables, charts, definitions).

Each section's text is the office's (``AnnualNarrative``) when stored, else a sentence made
from the section's figures (``prefill``); ``narratives_save`` stores what the office edited.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amity.core import figures
from amity.core.pdf import font_for, has_cjk, pdf_fonts
from amity.reports import charts, maps
from amity.reports.models import AnnualNarrative

SUMMARY = "summary"
LANGUAGES = ("en", "zh-hans")
YEARS_IN_LINES = 5
TOP_COUNTRIES = 15
SUMMARY_TITLE = gettext_lazy("Summary")


def other_language(language: str) -> str:
    return "en" if language.startswith("zh") else "zh-hans"


def section_keys() -> list[str]:
    """The summary, then every section that has figures, in the registry's order."""
    keys = [SUMMARY]
    for key in figures.SECTIONS:
        if figures.registered(key):
            keys.append(key)
    return keys


def section_title(key: str) -> str:
    if key == SUMMARY:
        return str(SUMMARY_TITLE)
    return str(figures.SECTIONS.get(key, key))


class _Values:
    """Each figure's number for a period counted once, whatever the language."""

    def __init__(self):
        self._known: dict[tuple[str, figures.Period], figures.Number] = {}

    def __call__(self, figure: figures.Figure, period: figures.Period):
        key = (figure.key, period)
        if key not in self._known:
            self._known[key] = figure.value(period)
        return self._known[key]


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    definition: str
    unit: str
    value: figures.Number
    previous: figures.Number


@dataclass
class ReportSection:
    key: str
    title: str
    text: str
    edited: bool
    rows: list[FigureRow] = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)


@dataclass
class ReportPart:
    """The whole report in one language."""

    language: str
    year: int
    title: str
    subtitle: str
    sections: list[ReportSection]
    definitions_title: str
    definitions: list[tuple[str, str]]


def _fmt(value) -> str:
    return charts.format_number(value)


def prefill(key: str, year: int, rows: list[FigureRow]) -> str:
    """A sentence made from the section's figures, in the active language."""
    if not rows:
        return _("No figures were recorded for %(year)s.") % {"year": year}
    facts = [
        _("%(label)s %(value)s (%(previous)s in %(last_year)s)")
        % {
            "label": row.label,
            "value": _fmt(row.value),
            "previous": _fmt(row.previous),
            "last_year": year - 1,
        }
        for row in rows
    ]
    return _("In %(year)s: %(facts)s.") % {"year": year, "facts": _("; ").join(facts)}


def _rows(section: str, year: int, values: _Values) -> list[FigureRow]:
    period = figures.Period.year(year)
    last = figures.Period.year(year - 1)
    chosen = (
        [fs[0] for key in figures.SECTIONS if (fs := figures.registered(key))]
        if section == SUMMARY
        else figures.registered(section)
    )
    return [
        FigureRow(
            key=f.key,
            label=str(f.label),
            definition=str(f.definition),
            unit=str(f.unit_label),
            value=values(f, period),
            previous=values(f, last),
        )
        for f in chosen
    ]


def _line_chart(figure: figures.Figure, year: int, values: _Values) -> charts.Chart:
    years = list(range(year - YEARS_IN_LINES + 1, year + 1))
    return charts.Chart(
        "line",
        _("%(figure)s, %(first)s–%(last)s")
        % {"figure": figure.label, "first": years[0], "last": year},
        tuple(str(y) for y in years),
        tuple(float(values(figure, figures.Period.year(y))) for y in years),
    )


def _section(key: str, year: int, values: _Values, stored: dict, breakdowns: dict) -> ReportSection:
    language = translation.get_language() or "en"
    rows = _rows(key, year, values)
    narrative = stored.get(key)
    text = ""
    if narrative is not None:
        text = narrative.text_zh if language.startswith("zh") else narrative.text_en
    section = ReportSection(
        key=key,
        title=section_title(key),
        text=text or prefill(key, year, rows),
        edited=bool(text),
        rows=rows,
    )
    header = [_("Figure"), str(year), str(year - 1)]
    section.tables.append(
        (
            _("Figures"),
            header,
            [[r.label, _fmt(r.value), _fmt(r.previous)] for r in rows],
        )
    )
    if key == SUMMARY:
        return section
    in_section = figures.registered(key)
    if in_section:
        section.charts.append(_line_chart(in_section[0], year, values))
    for figure in in_section:
        for breakdown in breakdowns[figure.key]:
            dimension = getattr(breakdown, "dimension", "")
            if dimension == "country":
                continue  # the countries table below holds them, with every measure
            if not breakdown.rows:
                continue
            title = f"{figure.label} — {breakdown.title}"
            if dimension == "kind" or (not dimension and len(section.charts) < 3):
                ordered = sorted(breakdown.rows, key=lambda r: -float(r[1]))[:10]
                section.charts.append(
                    charts.Chart(
                        "bar",
                        title,
                        tuple(str(label) for label, _v in ordered),
                        tuple(float(v) for _l, v in ordered),
                    )
                )
            section.tables.append(
                (
                    title,
                    [breakdown.title, str(year)],
                    [[str(lb), _fmt(v)] for lb, v in breakdown.rows[:20]],
                )
            )
    return section


def _countries_section(year: int, breakdowns: dict) -> ReportSection | None:
    measures, per_figure = maps.country_figures(figures.Period.year(year), known=breakdowns)
    if not measures:
        return None
    codes = {code for per in per_figure.values() for code in per}
    first = measures[0].key
    ordered = sorted(codes, key=lambda c: (-per_figure[first].get(c, 0), maps.country_name(c)))
    rows = [
        [maps.country_name(code)] + [_fmt(per_figure[m.key].get(code, 0)) for m in measures]
        for code in ordered[:TOP_COUNTRIES]
    ]
    section = ReportSection(
        key="countries",
        title=_("Countries"),
        text=_("The %(count)s countries with the most exchange in %(year)s (of %(total)s).")
        % {"count": len(rows), "year": year, "total": len(codes)},
        edited=False,
    )
    section.tables.append((_("Countries"), [_("Country")] + [m.label for m in measures], rows))
    if rows:
        section.charts.append(
            charts.Chart(
                "bar",
                _("%(measure)s by country") % {"measure": measures[0].label},
                tuple(r[0] for r in rows[:10]),
                tuple(float(per_figure[first].get(c, 0)) for c in ordered[:10]),
            )
        )
    return section


def build_part(year: int, values: _Values, stored: dict) -> ReportPart:
    """The report in the active language."""
    # Each figure's breakdowns of the year, counted once for the sections and the countries
    # (in this language: their labels are).
    period = figures.Period.year(year)
    breakdowns = {f.key: f.breakdowns(period) for f in figures.registered()}
    sections = [_section(key, year, values, stored, breakdowns) for key in section_keys()]
    countries = _countries_section(year, breakdowns)
    if countries is not None:
        sections.insert(1, countries)
    return ReportPart(
        language=translation.get_language() or "en",
        year=year,
        title=_("International exchange: annual report %(year)s") % {"year": year},
        subtitle=_(
            "Breadth and depth of the hospital's international exchange, %(start)s to %(end)s"
        )
        % {
            "start": figures.Period.year(year).dates_label().split("–")[0].strip(),
            "end": figures.Period.year(year).dates_label().split("–")[-1].strip(),
        },
        sections=sections,
        definitions_title=_("How each figure is counted"),
        definitions=[(str(f.label), str(f.definition)) for f in figures.registered()],
    )


def stored_narratives(year: int) -> dict[str, AnnualNarrative]:
    return {n.section: n for n in AnnualNarrative.objects.filter(year=year)}


def build_report(year: int, *, first_language: str = "en") -> list[ReportPart]:
    """The report in both languages, ``first_language`` first."""
    values = _Values()
    stored = stored_narratives(year)
    parts = []
    for language in (first_language, other_language(first_language)):
        with translation.override(language):
            parts.append(build_part(year, values, stored))
    return parts


def narrative_texts(year: int) -> list[dict]:
    """Per section: its key, title (active language) and both texts, stored or prefilled,
    for the page where the office edits them."""
    values = _Values()
    stored = stored_narratives(year)
    result = []
    for key in section_keys():
        texts = {}
        for language in LANGUAGES:
            with translation.override(language):
                texts[language] = prefill(key, year, _rows(key, year, values))
        narrative = stored.get(key)
        result.append(
            {
                "key": key,
                "title": section_title(key),
                "text_en": narrative.text_en if narrative and narrative.text_en else texts["en"],
                "text_zh": (
                    narrative.text_zh if narrative and narrative.text_zh else texts["zh-hans"]
                ),
                "edited": narrative is not None,
                "updated_at": narrative.updated_at if narrative else None,
            }
        )
    return result


def narratives_save(*, year: int, texts: dict[str, tuple[str, str]], user) -> int:
    """Store the office's texts for ``year`` ({section: (english, chinese)}), all or none.
    A section whose two texts are both empty goes back to the prefilled sentence (its row is
    deleted). Returns how many sections are stored afterwards. Unknown sections are refused
    (ValueError) before anything is written."""
    known = set(section_keys())
    unknown = set(texts) - known
    if unknown:
        raise ValueError(_("Unknown section: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        for section, (english, chinese) in texts.items():
            english, chinese = english.strip(), chinese.strip()
            if not english and not chinese:
                AnnualNarrative.objects.filter(year=year, section=section).delete()
                continue
            AnnualNarrative.objects.update_or_create(
                year=year,
                section=section,
                defaults={"text_en": english, "text_zh": chinese, "updated_by": user},
            )
        return AnnualNarrative.objects.filter(year=year).count()


def default_year(today: dt.date | None = None) -> int:
    """The year a report is usually asked for: last year until the end of January."""
    today = today or dt.date.today()
    return today.year - 1 if today.month == 1 else today.year


# --- DOCX --------------------------------------------------------------------------------

SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def _docx_picture(document, chart: charts.Chart, width):
    """The chart as a picture: the PNG (every Word) plus the same drawing as SVG (Office's
    SVG extension, read by Word 2016+ and LibreOffice), which shows Chinese in Word's fonts."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    shape = document.add_picture(io.BytesIO(charts.to_png(chart)), width=width)
    svg = str(charts.to_svg(chart, chart_id="chart")).encode("utf-8")
    package = document.part.package
    number = sum(1 for p in package.iter_parts() if str(p.partname).endswith(".svg")) + 1
    part = Part(PackURI(f"/word/media/chart{number}.svg"), "image/svg+xml", svg, package)
    rel_id = document.part.relate_to(part, RT.IMAGE)
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    ext_list = parse_xml(
        f'<a:extLst xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        f'<a:ext uri="{SVG_BLIP_URI}"><asvg:svgBlip xmlns:asvg="{SVG_NS}" '
        f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        f'r:embed="{rel_id}"/></a:ext></a:extLst>'
    )
    blip.append(ext_list)
    # Alternative text: what the chart shows, value by value.
    doc_pr = shape._inline.find(qn("wp:docPr"))
    if doc_pr is not None:
        doc_pr.set("descr", f"{chart.title}: {charts.describe(chart)}")
    return shape


def _docx_table(document, header: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text
    return table


def report_docx(parts: list[ReportPart]) -> bytes:
    """The report as a Word document (python-docx): each part with its headings, texts,
    tables and charts."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    # East Asian text in a Song face Word and LibreOffice have or substitute.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "SimSun")
    width = Cm(15.5)
    for index, part in enumerate(parts):
        with translation.override(part.language):
            if index:
                document.add_page_break()
            document.add_heading(part.title, level=0)
            document.add_paragraph(part.subtitle)
            for section in part.sections:
                document.add_heading(section.title, level=1)
                for paragraph in section.text.split("\n\n"):
                    if paragraph.strip():
                        document.add_paragraph(paragraph.strip())
                for chart in section.charts:
                    _docx_picture(document, chart, width)
                    if not charts.raster_draws_labels(chart):
                        document.add_paragraph(
                            _("Numbers in the chart: %(keys)s")
                            % {
                                "keys": _("; ").join(
                                    f"{n} {label}" for n, label in enumerate(chart.labels, 1)
                                )
                            }
                        )
                for title, header, rows in section.tables:
                    if not rows:
                        continue
                    document.add_heading(title, level=2)
                    _docx_table(document, header, rows)
            document.add_heading(part.definitions_title, level=1)
            for label, definition in part.definitions:
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(definition)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF --------------------------------------------------------------------------------


def _pdf_styles(language: str):
    from reportlab.lib.styles import ParagraphStyle

    fonts = pdf_fonts()
    chinese = language.startswith("zh")
    body_font = fonts.cjk if chinese else fonts.latin
    bold_font = fonts.cjk if chinese else fonts.latin_bold
    wrap = "CJK" if chinese else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=10, leading=15, wordWrap=wrap)
    return {
        "body": body,
        "title": ParagraphStyle(
            "title", parent=body, fontName=bold_font, fontSize=18, leading=24, spaceAfter=6
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontName=bold_font,
            fontSize=14,
            leading=20,
            spaceBefore=12,
            spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName=bold_font,
            fontSize=11,
            leading=16,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=12),
    }


def _para(text: str, style):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    if has_cjk(text) and style.fontName != pdf_fonts().cjk:
        style = ParagraphStyle(
            style.name + "-cjk", parent=style, fontName=font_for(text), wordWrap="CJK"
        )
    return Paragraph(xml_escape(text).replace("\n", "<br/>"), style)


def report_pdf(parts: list[ReportPart]) -> bytes:
    """The report as a PDF (ReportLab): the charts as vector drawings, Chinese in the fonts
    of ``amity.core.pdf``."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=" / ".join(part.title for part in parts),
    )
    story: list = []
    for index, part in enumerate(parts):
        with translation.override(part.language):
            styles = _pdf_styles(part.language)
            if index:
                story.append(PageBreak())
            story.append(_para(part.title, styles["title"]))
            story.append(_para(part.subtitle, styles["body"]))
            for section in part.sections:
                # The heading stays with its text and first chart (no heading alone at the
                # foot of a page).
                head = [_para(section.title, styles["h1"])]
                for paragraph in section.text.split("\n\n"):
                    if paragraph.strip():
                        head.extend([_para(paragraph.strip(), styles["body"]), Spacer(1, 4)])
                if section.charts:
                    head.extend([Spacer(1, 6), charts.to_drawing(section.charts[0], scale=0.74)])
                story.append(KeepTogether(head))
                for chart in section.charts[1:]:
                    story.append(KeepTogether([Spacer(1, 6), charts.to_drawing(chart, scale=0.74)]))
                for title, header, rows in section.tables:
                    if not rows:
                        continue
                    story.append(_para(title, styles["h2"]))
                    data = [[_para(str(h), styles["cell"]) for h in header]] + [
                        [_para(str(c), styles["cell"]) for c in row] for row in rows
                    ]
                    first = doc.width * (0.55 if len(header) > 2 else 0.7)
                    rest = (doc.width - first) / max(len(header) - 1, 1)
                    table = Table(
                        data, colWidths=[first] + [rest] * (len(header) - 1), repeatRows=1
                    )
                    table.setStyle(
                        TableStyle(
                            [
                                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa9ae")),
                                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7eef0")),
                                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ]
                        )
                    )
                    story.append(table)
            story.append(_para(part.definitions_title, styles["h1"]))
            for label, definition in part.definitions:
                story.append(_para(f"{label}: {definition}", styles["body"]))
    doc.build(story)
    return buffer.getvalue()
