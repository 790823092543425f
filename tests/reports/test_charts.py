"""One chart description drawn three ways (SVG for pages, ReportLab vector for the PDF, a PNG
for the DOCX) from the same primitives."""

import io
import re

import pytest
from django.utils import translation
from PIL import Image
from pypdf import PdfReader
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import String

from amity.core.figures import Period
from amity.reports import charts
from tests.reports.docs_fakes import fake_figures  # noqa: F401

BARS = charts.Chart("bar", "Activities by kind", ("Lecture", "Webinar", "学术讲座"), (4, 12, 3))
LINE = charts.Chart(
    "line", "Sessions held", ("2022", "2023", "2024", "2025", "2026"), (3, 8, 20, 15, 31)
)


def _texts(layout):
    return [s.text for s in layout.shapes if isinstance(s, charts.Text)]


def test_chart_svg_says_every_value_and_is_an_image():
    svg = str(charts.to_svg(BARS, chart_id="kinds"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg and 'aria-labelledby="kinds-title kinds-desc"' in svg
    assert '<desc id="kinds-desc">Lecture: 4; Webinar: 12; 学术讲座: 3.</desc>' in svg
    # Bars are as long as their values: Webinar's is three times Lecture's.
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths[1] == pytest.approx(3 * widths[0], rel=0.01)


def test_chart_pdf_drawing_holds_the_same_texts_as_the_svg():
    layout_texts = _texts(charts.layout(BARS))
    drawing = charts.to_drawing(BARS)
    strings = [node.text for node in drawing.contents[0].contents if isinstance(node, String)]
    assert strings == layout_texts
    for text in layout_texts:
        assert f">{text}</text>" in str(charts.to_svg(BARS))
    pdf = renderPDF.drawToString(drawing)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Webinar" in text and "学术讲座" in text


def test_chart_png_is_the_same_size_and_numbers_labels_it_cannot_draw(settings):
    settings.AMITY_PDF_CJK_FONT = ""
    layout = charts.layout(BARS)
    image = Image.open(io.BytesIO(charts.to_png(BARS, scale=2)))
    assert image.size == (round(layout.width * 2), round(layout.height * 2))
    assert not charts.raster_draws_labels(BARS)
    assert charts.raster_draws_labels(LINE)
    # The bars are drawn in the chart's colour.
    colours = {colour for _count, colour in image.getcolors(maxcolors=100_000)}
    assert (0x31, 0x82, 0xBD) in colours


def test_chart_line_scales_to_a_round_top_and_draws_each_year():
    layout = charts.layout(LINE)
    texts = _texts(layout)
    assert [t for t in texts if len(t) == 4 and t.startswith("20")] == [
        "2022",
        "2023",
        "2024",
        "2025",
        "2026",
    ]
    assert "40" in texts and "0" in texts  # ticks 0, 10, …, 40 above the peak of 31
    line = next(s for s in layout.shapes if isinstance(s, charts.Polyline))
    assert len(line.points) == 5


def test_chart_from_a_figure_by_year_and_by_breakdown(fake_figures):  # noqa: F811
    figure = fake_figures[1]
    by_year = charts.figure_by_year(figure, [2024, 2025, 2026])
    assert by_year.values == (0, 0, 7) and by_year.labels == ("2024", "2025", "2026")
    bars = charts.breakdown_chart(figure, Period.year(2026), dimension="kind")
    assert bars.rows == [("lecture", 4), ("webinar", 2), ("学术讲座", 1)]
    assert charts.breakdown_chart(figure, Period.year(2026), dimension="country") is None


def test_chart_month_labels_follow_the_language(fake_figures):  # noqa: F811
    with translation.override("zh-hans"):
        chart = charts.figure_by_month(fake_figures[1], 2026)
    assert chart.labels[0] == "1月" and len(chart.values) == 12
