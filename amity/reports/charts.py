"""Charts of the reports, described once and drawn the same way everywhere.

A ``Chart`` says *what* to show (horizontal bars per category, or a line over months or
years); ``layout`` turns it into a handful of primitives (rectangles, lines, a polyline,
dots, texts) in one coordinate space, top-left origin. Three small painters draw the same
primitives:

- ``to_svg``: an SVG element for the pages (``role="img"``, a title and a description that
  says every value, so a screen reader reads the chart);
- ``to_drawing``: a ReportLab ``Drawing`` for the PDF, vector, its texts in the fonts of
  ``amity.core.pdf`` (Chinese in the configured TrueType font or STSong-Light);
- ``to_png``: a raster for the DOCX, drawn with Pillow. Word documents take pictures, and
  no raster painter can draw Chinese without a font that holds its glyphs: the CJK TrueType
  file of ``AMITY_PDF_CJK_FONT`` is used when configured; without one, a label Pillow
  cannot draw is replaced by its number ("1", "2", …) and the DOCX puts the same figures in
  a table right under the picture, where Word draws the Chinese with its own fonts. The
  DOCX also carries ``to_svg``'s drawing (as Office's SVG picture extension), which Word
  2016 and later and LibreOffice show instead of the raster, Chinese included.

Nothing here queries the database: ``figure_chart_by_year``/``breakdown_chart`` read
figures through ``amity.core.figures`` and return a Chart.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from amity.core import figures
from amity.core.bilingual import reads_chinese
from amity.core.pdf import configured_cjk_font, font_for, has_cjk

INK = "#18252b"
INK_SOFT = "#4a5a61"
GRID = "#d9e1e3"
BAR = "#3182bd"
LINE = "#08519c"
WIDTH = 640


@dataclass(frozen=True)
class Chart:
    """What a chart shows. ``kind`` "bar": one horizontal bar per label; "line": the values
    over ``labels`` read as successive months or years."""

    kind: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    unit: str = ""

    def __post_init__(self):
        if self.kind not in ("bar", "line"):
            raise ValueError(f"Unknown chart kind {self.kind!r}.")
        if len(self.labels) != len(self.values):
            raise ValueError("A chart needs one value per label.")

    @property
    def rows(self) -> list[tuple[str, float]]:
        return list(zip(self.labels, self.values, strict=True))


# --- Primitives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = 12
    anchor: str = "start"  # start | middle | end
    fill: str = INK
    bold: bool = False
    # The label's number, drawn instead where a raster painter has no glyphs for it.
    key: str = ""


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    shapes: list = field(default_factory=list)


def text_width(text: str, size: float) -> float:
    """Rough width of ``text``: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def fit(text: str, width: float, size: float) -> str:
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def format_number(value) -> str:
    if isinstance(value, (float, Decimal)) and value != int(value):
        return number_format(round(float(value), 1), decimal_pos=1, use_l10n=True)
    return number_format(int(value), use_l10n=True, force_grouping=True)


def nice_step(peak: float, ticks: int = 4) -> float:
    raw = max(peak / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def layout(chart: Chart, *, width: int = WIDTH) -> Layout:
    """The chart as primitives: the single geometry every painter draws."""
    return _bars(chart, width) if chart.kind == "bar" else _line(chart, width)


def _bars(chart: Chart, width: int) -> Layout:
    shapes: list = []
    top = 34
    row_h = 26
    label_w = min(220, max([text_width(label, 12) for label in chart.labels] + [60]) + 10)
    value_w = max([text_width(format_number(v), 12) for v in chart.values] + [20]) + 12
    plot_x = 8 + label_w
    plot_w = width - plot_x - value_w - 8
    peak = max([float(v) for v in chart.values] + [1])
    height = top + max(len(chart.values), 1) * row_h + 12
    shapes.append(Text(8, 20, chart.title, size=14, bold=True))
    if not chart.values:
        shapes.append(Text(8, top + 18, _("Nothing to show in this period."), fill=INK_SOFT))
    for n, (label, value) in enumerate(chart.rows):
        y = top + n * row_h
        shapes.append(
            Text(
                plot_x - 8,
                y + 17,
                fit(label, label_w - 8, 12),
                anchor="end",
                key=str(n + 1),
            )
        )
        bar_w = plot_w * float(value) / peak
        shapes.append(Rect(plot_x, y + 4, max(bar_w, 1 if value else 0), row_h - 8, BAR))
        shapes.append(Text(plot_x + bar_w + 6, y + 17, format_number(value), fill=INK_SOFT))
    shapes.append(Line(plot_x, top, plot_x, height - 12, INK_SOFT))
    return Layout(width, height, shapes)


def _line(chart: Chart, width: int) -> Layout:
    shapes: list = []
    left, right, top, plot_h = 56, 20, 40, 200
    plot_w = width - left - right
    bottom = top + plot_h
    height = bottom + 34
    peak = max([float(v) for v in chart.values] + [1])
    step = nice_step(peak)
    top_value = step * math.ceil(peak / step)
    shapes.append(Text(8, 20, chart.title, size=14, bold=True))

    def x(i: int) -> float:
        n = len(chart.values)
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - float(v) / top_value)

    tick = 0.0
    while tick <= top_value + 1e-9:
        shapes.append(Line(left, y(tick), width - right, y(tick), GRID))
        shapes.append(
            Text(left - 6, y(tick) + 4, format_number(tick), size=11, anchor="end", fill=INK_SOFT)
        )
        tick += step
    shapes.append(Line(left, bottom, width - right, bottom, INK_SOFT))
    every = max(1, math.ceil(len(chart.labels) / 8))
    for i, label in enumerate(chart.labels):
        if i % every == 0 or i == len(chart.labels) - 1:
            anchor = "end" if i == len(chart.labels) - 1 and i else "middle"
            shapes.append(
                Text(x(i), bottom + 18, label, size=11, anchor=anchor, fill=INK_SOFT, key="")
            )
    points = tuple((x(i), y(v)) for i, v in enumerate(chart.values))
    if len(points) > 1:
        shapes.append(Polyline(points, LINE))
    for px, py in points:
        shapes.append(Dot(px, py, 3, LINE))
    return Layout(width, height, shapes)


def describe(chart: Chart) -> str:
    """Every value in words, for screen readers and the documents' alternative text."""
    if not chart.values:
        return _("Nothing to show in this period.")
    parts = [
        _("%(label)s: %(value)s") % {"label": label, "value": format_number(value)}
        for label, value in chart.rows
    ]
    return _("; ").join(parts) + _(".")


# --- Painters -----------------------------------------------------------------------------


def _svg_text(shape: Text) -> str:
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text x="{shape.x:.1f}" y="{shape.y:.1f}" font-size="{shape.size:g}" '
        f'text-anchor="{shape.anchor}" fill="{shape.fill}"{weight}>{escape(shape.text)}</text>'
    )


def to_svg(chart: Chart, *, chart_id: str = "chart", width: int = WIDTH) -> SafeString:
    """The chart as an SVG element (a safe string to put in a page as it is)."""
    drawn = layout(chart, width=width)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart report-chart" '
        f'id="{escape(chart_id)}" viewBox="0 0 {drawn.width:g} {drawn.height:g}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="sans-serif">',
        f'<title id="{escape(chart_id)}-title">{escape(chart.title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(describe(chart))}</desc>',
    ]
    for shape in drawn.shapes:
        if isinstance(shape, Rect):
            out.append(
                f'<rect x="{shape.x:.1f}" y="{shape.y:.1f}" width="{shape.w:.1f}" '
                f'height="{shape.h:.1f}" fill="{shape.fill}"/>'
            )
        elif isinstance(shape, Line):
            out.append(
                f'<line x1="{shape.x1:.1f}" y1="{shape.y1:.1f}" x2="{shape.x2:.1f}" '
                f'y2="{shape.y2:.1f}" stroke="{shape.stroke}" stroke-width="{shape.width:g}"/>'
            )
        elif isinstance(shape, Polyline):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.stroke}" '
                f'stroke-width="{shape.width:g}" stroke-linejoin="round"/>'
            )
        elif isinstance(shape, Dot):
            out.append(
                f'<circle cx="{shape.x:.1f}" cy="{shape.y:.1f}" r="{shape.r:g}" '
                f'fill="{shape.fill}"/>'
            )
        elif isinstance(shape, Text):
            out.append(_svg_text(shape))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def to_drawing(chart: Chart, *, width: int = WIDTH, scale: float = 0.72):
    """The chart as a ReportLab Drawing (vector, for the PDF), ``scale`` points per unit."""
    from reportlab.graphics.shapes import Circle, Drawing, Group, PolyLine, String
    from reportlab.graphics.shapes import Line as RLLine
    from reportlab.graphics.shapes import Rect as RLRect
    from reportlab.lib.colors import HexColor

    drawn = layout(chart, width=width)
    h = drawn.height
    group = Group()
    for shape in drawn.shapes:
        if isinstance(shape, Rect):
            group.add(
                RLRect(
                    shape.x,
                    h - shape.y - shape.h,
                    shape.w,
                    shape.h,
                    fillColor=HexColor(shape.fill),
                    strokeColor=None,
                )
            )
        elif isinstance(shape, Line):
            group.add(
                RLLine(
                    shape.x1,
                    h - shape.y1,
                    shape.x2,
                    h - shape.y2,
                    strokeColor=HexColor(shape.stroke),
                    strokeWidth=shape.width,
                )
            )
        elif isinstance(shape, Polyline):
            flat = [c for x, y in shape.points for c in (x, h - y)]
            group.add(PolyLine(flat, strokeColor=HexColor(shape.stroke), strokeWidth=shape.width))
        elif isinstance(shape, Dot):
            group.add(
                Circle(
                    shape.x, h - shape.y, shape.r, fillColor=HexColor(shape.fill), strokeColor=None
                )
            )
        elif isinstance(shape, Text):
            group.add(
                String(
                    shape.x,
                    h - shape.y,
                    shape.text,
                    fontName=font_for(shape.text, bold=shape.bold),
                    fontSize=shape.size,
                    fillColor=HexColor(shape.fill),
                    textAnchor=shape.anchor,
                )
            )
    group.scale(scale, scale)
    drawing = Drawing(drawn.width * scale, drawn.height * scale)
    drawing.add(group)
    return drawing


def _raster_fonts(size: float, bold: bool):
    """Pillow's font for ``size`` px and whether it draws Chinese (loaded once per size)."""
    return _raster_font(configured_cjk_font(), round(size))


@cache
def _raster_font(cjk_path: str, size: int):
    from PIL import ImageFont

    if cjk_path:
        return ImageFont.truetype(cjk_path, size=size, index=0), True
    return ImageFont.load_default(size=size), False


def to_png(chart: Chart, *, width: int = WIDTH, scale: float = 2.0) -> bytes:
    """The chart as a PNG drawn with Pillow (for the DOCX). Labels Pillow has no glyphs for
    (Chinese without a configured CJK TrueType font) are drawn as their numbers."""
    from PIL import Image, ImageDraw

    drawn = layout(chart, width=width)
    image = Image.new("RGB", (round(drawn.width * scale), round(drawn.height * scale)), "white")
    draw = ImageDraw.Draw(image)

    def s(v: float) -> float:
        return v * scale

    for shape in drawn.shapes:
        if isinstance(shape, Rect):
            if shape.w > 0:
                draw.rectangle(
                    [s(shape.x), s(shape.y), s(shape.x + shape.w), s(shape.y + shape.h)],
                    fill=shape.fill,
                )
        elif isinstance(shape, Line):
            draw.line(
                [s(shape.x1), s(shape.y1), s(shape.x2), s(shape.y2)],
                fill=shape.stroke,
                width=max(1, round(shape.width * scale)),
            )
        elif isinstance(shape, Polyline):
            draw.line(
                [(s(x), s(y)) for x, y in shape.points],
                fill=shape.stroke,
                width=round(shape.width * scale),
                joint="curve",
            )
        elif isinstance(shape, Dot):
            r = s(shape.r)
            draw.ellipse(
                [s(shape.x) - r, s(shape.y) - r, s(shape.x) + r, s(shape.y) + r], shape.fill
            )
        elif isinstance(shape, Text):
            font, has_glyphs = _raster_fonts(s(shape.size), shape.bold)
            text = shape.text
            if has_cjk(text) and not has_glyphs:
                text = shape.key or ""
            if not text:
                continue
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
            draw.text((s(shape.x), s(shape.y)), text, fill=shape.fill, font=font, anchor=anchor)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def raster_draws_labels(chart: Chart) -> bool:
    """True when ``to_png`` writes every label (else some are drawn as their numbers)."""
    return bool(configured_cjk_font()) or not any(has_cjk(label) for label in chart.labels)


# --- Charts from figures ------------------------------------------------------------------


def figure_by_year(figure: figures.Figure, years: Sequence[int], *, title: str = "") -> Chart:
    """A line of ``figure`` over whole years."""
    values = tuple(float(figure.value(figures.Period.year(y))) for y in years)
    return Chart(
        "line",
        title or str(figure.label),
        tuple(str(y) for y in years),
        values,
        unit=str(figure.unit_label),
    )


def figure_by_month(figure: figures.Figure, year: int, *, title: str = "") -> Chart:
    """A line of ``figure`` over the months of ``year``."""
    values = []
    for month in range(1, 13):
        last = calendar.monthrange(year, month)[1]
        period = figures.Period.dates(dt.date(year, month, 1), dt.date(year, month, last))
        values.append(float(figure.value(period)))
    labels = tuple(f"{m}月" if reads_chinese() else str(m) for m in range(1, 13))
    return Chart("line", title or str(figure.label), labels, tuple(values))


def breakdown_chart(
    figure: figures.Figure, period: figures.Period, *, dimension: str, limit: int = 10
) -> Chart | None:
    """Bars of the figure's breakdown of ``dimension`` ("kind", "country", …), largest
    first, at most ``limit`` bars; None when the figure has no such breakdown."""
    for breakdown in figure.breakdowns(period):
        if getattr(breakdown, "dimension", "") == dimension:
            rows = sorted(breakdown.rows, key=lambda r: -float(r[1]))[:limit]
            return Chart(
                "bar",
                f"{figure.label} — {breakdown.title}",
                tuple(str(label) for label, _v in rows),
                tuple(float(v) for _l, v in rows),
            )
    return None
