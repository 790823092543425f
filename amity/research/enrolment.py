"""Enrolment against target: running totals, the completion date the recent pace
projects, and the chart of cumulative enrolment per site — a pure module (no models, no
queries), like ``amity.scheduling.planner``; the pages and the API hand it plain numbers.

The model, once: enrolment is a count per site per calendar month, keyed by the month's
first day. A month with nothing entered counts as 0 (the series are filled from the first
month to the last). The *recent rate* is the mean count per month over the last
``months`` (6) months up to ``as_of`` (the last month with a count, unless the caller
says otherwise — pass the last finished month to count a site's silence as zero); a
series younger than that is averaged over the months it has. The *projected completion*
is the day the remaining count is reached at that rate, counted from the end of the
``as_of`` month: whole months, then the fraction of the next month in days, rounded up.
No rate (nothing enrolled lately) gives no date; a target already reached gives the last
day of the month it was reached in.

Worked example: 10 a month from January to June (60), target 100, as of June: rate 10,
40 remaining = 4 months after 30 June → 31 October.

The chart is SVG drawn here, on the server (no chart library, no script), with the same
look as the call planner's (``amity.scheduling.chart``): one coloured line of the running
total per site, its target as a dashed line of the same colour, month ticks, a legend
with each site's total and target, and a ``<title>``/``<desc>`` that a screen reader
reads. Styling is by presentation attributes and the stylesheet's ``.chart`` classes —
no ``style`` attribute, so a strict Content-Security-Policy (no 'unsafe-inline') holds.
"""

from __future__ import annotations

import calendar
import contextlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import formats, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from amity.scheduling.chart import PALETTE

RECENT_MONTHS = 6

Counts = Mapping[date, int] | Iterable[tuple[date, int]]


# --- months --------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """First days of the months from ``first``'s to ``last``'s, both included."""
    first, last = month_start(first), month_start(last)
    span = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(first, n) for n in range(span + 1)]


def _pairs(counts: Counts) -> dict[date, int]:
    items = counts.items() if isinstance(counts, Mapping) else counts
    found: dict[date, int] = {}
    for month, count in items:
        key = month_start(month)
        found[key] = found.get(key, 0) + int(count or 0)
    return found


def monthly(
    counts: Counts, *, start: date | None = None, end: date | None = None
) -> list[tuple[date, int]]:
    """(month, count) for every month from ``start`` (default: the first month with a
    count) to ``end`` (default: the last), 0 where nothing was entered."""
    found = _pairs(counts)
    if not found and (start is None or end is None):
        return []
    first = month_start(start) if start else min(found)
    last = month_start(end) if end else max(found)
    return [(month, found.get(month, 0)) for month in months_between(first, last)]


def cumulative(
    counts: Counts, *, start: date | None = None, end: date | None = None
) -> list[tuple[date, int]]:
    """(month, running total) for every month, as ``monthly``."""
    total, out = 0, []
    for month, count in monthly(counts, start=start, end=end):
        total += count
        out.append((month, total))
    return out


def recent_rate(counts: Counts, *, months: int = RECENT_MONTHS, as_of: date | None = None) -> float:
    """Mean count per month over the last ``months`` months up to ``as_of`` (the last
    month with a count by default), or over the months since the first count when fewer."""
    found = _pairs(counts)
    if not found:
        return 0.0
    last = month_start(as_of) if as_of else max(found)
    first = max(min(found), add_months(last, 1 - months))
    if first > last:
        return 0.0
    window = months_between(first, last)
    return sum(found.get(month, 0) for month in window) / len(window)


def projected_completion(
    counts: Counts,
    target: int | None,
    *,
    months: int = RECENT_MONTHS,
    as_of: date | None = None,
) -> date | None:
    """The day ``target`` is reached at the recent rate; None without a target or a
    rate. A target already reached: the last day of the month it was reached in."""
    if not target or target <= 0:
        return None
    found = _pairs(counts)
    last = month_start(as_of) if as_of else (max(found) if found else None)
    for month, total in cumulative(found, end=last) if found else []:
        if total >= target:
            return _month_end(month)
    rate = recent_rate(found, months=months, as_of=as_of)
    if rate <= 0 or last is None:
        return None
    enrolled = sum(count for month, count in found.items() if month <= last)
    needed = (target - enrolled) / rate
    whole = math.floor(needed + 1e-9)
    month = add_months(last, 1 + whole)
    fraction = needed - whole
    if fraction <= 1e-9:
        return month - timedelta(days=1)
    days = math.ceil(fraction * calendar.monthrange(month.year, month.month)[1] - 1e-9)
    return month + timedelta(days=days - 1)


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


# --- the chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSeries:
    """One site's line: its name as the reader reads it, counts per month, target."""

    name: str
    counts: Mapping[date, int] = field(default_factory=dict)
    target: int | None = None


def _nice_step(peak: float, ticks: int = 4) -> int:
    raw = max(peak / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw and (factor * power) == int(factor * power):
            return int(factor * power)
    return int(10 * power)


def _text_width(text: str, size: float) -> float:
    """Rough width of ``text`` at ``size`` px: CJK characters are square, Latin ones
    about half as wide."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def _fit(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _attrs(**values) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in values.items()
    )


def enrolment_chart_svg(
    sites: Sequence[SiteSeries],
    *,
    lang: str | None = None,
    as_of: date | None = None,
    chart_id: str = "enrolment-chart",
    width: int = 720,
    plot_height: int = 260,
) -> SafeString:
    """The SVG (a safe string, to put in a page as it is) of cumulative enrolment per
    site against its target, labelled in ``lang`` (default: the active language).

    ``as_of`` extends the months to that month (e.g. this month), so a site that has
    stopped entering shows as flat; ``chart_id`` prefixes the ids of the title and
    description (unique per page)."""
    with translation.override(lang) if lang else contextlib.nullcontext():
        return _chart(sites, as_of=as_of, chart_id=chart_id, width=width, plot_h=plot_height)


def _chart(sites, *, as_of, chart_id, width, plot_h) -> SafeString:
    left, right, top, axis = 52, 16, 14, 30
    plot_w = width - left - right
    all_months = [m for s in sites for m in _pairs(s.counts)]
    end = max([*all_months, month_start(as_of)] if as_of else all_months, default=None)
    start = min(all_months, default=end)
    months = months_between(start, end) if start else []
    lines = [cumulative(s.counts, start=start, end=end) if months else [] for s in sites]
    totals = [line[-1][1] if line else 0 for line in lines]
    peak = max([*totals, *(s.target or 0 for s in sites), 1])
    step = _nice_step(peak)
    top_value = step * math.ceil(peak / step)

    def x(index: int) -> float:
        return left + plot_w * (index + 1) / max(len(months), 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - value / top_value)

    bottom = top + plot_h
    legend_cols = max(1, width // 360)
    legend_rows = math.ceil((len(sites) + 1) / legend_cols)
    height = bottom + axis + 8 + legend_rows * 20 + 6

    title = _("Cumulative enrolment against target per site")
    described = []
    for series, total in zip(sites, totals, strict=True):
        if series.target:
            described.append(
                _("%(site)s: %(count)s enrolled of a target of %(target)s.")
                % {"site": series.name, "count": total, "target": series.target}
            )
        else:
            described.append(
                _("%(site)s: %(count)s enrolled, no target set.")
                % {"site": series.name, "count": total}
            )
    if months:
        period = _("From %(first)s to %(last)s.") % {
            "first": formats.date_format(months[0], "YEAR_MONTH_FORMAT"),
            "last": formats.date_format(months[-1], "YEAR_MONTH_FORMAT"),
        }
        desc = " ".join([period, *described])
    else:
        desc = _("No enrolment has been entered yet.")

    out = [
        "<svg "
        + _attrs(
            xmlns="http://www.w3.org/2000/svg",
            class_="chart enrolment-chart",
            viewBox=f"0 0 {width} {height}",
            role="img",
            aria_labelledby=f"{chart_id}-title {chart_id}-desc",
            id=chart_id,
        )
        + ">",
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    # Grid and value ticks.
    for value in range(0, top_value + 1, step):
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'class="grid" stroke="#d9e1e3"/>'
            f'<text x="{left - 6}" y="{y(value):.1f}" class="tick" text-anchor="end" '
            f'dominant-baseline="middle" font-size="11" fill="#4a5a61">'
            f"{escape(formats.number_format(value, use_l10n=True, force_grouping=True))}</text>"
        )
    # Month ticks: at most about six labels.
    every = max(1, math.ceil(len(months) / 6))
    for index in range(len(months) - 1, -1, -every):
        # The last label ends at the plot's edge rather than running off the chart.
        anchor = "end" if index == len(months) - 1 else "middle"
        out.append(
            f'<text x="{x(index):.1f}" y="{bottom + 18}" class="tick" text-anchor="{anchor}" '
            f'font-size="11" fill="#4a5a61">'
            f"{escape(formats.date_format(months[index], 'YEAR_MONTH_FORMAT'))}</text>"
        )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{bottom}" y2="{bottom}" '
        f'class="axis" stroke="#4a5a61"/>'
    )
    if not months:
        out.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" class="label" '
            f'text-anchor="middle" font-size="13" fill="#4a5a61">{escape(desc)}</text>'
        )
    # One line per site, its target dashed in the same colour.
    for index, (series, line) in enumerate(zip(sites, lines, strict=True)):
        color = PALETTE[index % len(PALETTE)]
        out.append(f'<g class="site" data-site="{index}">')
        if series.target:
            out.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y(series.target):.1f}" '
                f'y2="{y(series.target):.1f}" class="target" stroke="{color}" '
                f'stroke-width="1.5" stroke-dasharray="6 4"/>'
            )
        if line:
            points = " ".join(f"{x(i):.1f},{y(total):.1f}" for i, (_m, total) in enumerate(line))
            out.append(
                f'<polyline points="{left},{y(0):.1f} {points}" class="enrolled" fill="none" '
                f'stroke="{color}" stroke-width="2" stroke-linejoin="round"/>'
            )
        out.append("</g>")
    # Legend: the dashed line's meaning, then a swatch, name and figures per site.
    col_w = width / legend_cols
    entries = [(_("target (dashed)"), "#4a5a61", True, "")]
    for index, (series, total) in enumerate(zip(sites, totals, strict=True)):
        figures = f"{total} / {series.target}" if series.target else f"{total}"
        name = _fit(series.name, col_w - 40 - _text_width(figures, 12) - 8, 12)
        tooltip = series.name if name != series.name else ""
        entries.append((f"{name} {figures}", PALETTE[index % len(PALETTE)], False, tooltip))
    out.append('<g class="legend">')
    legend_top = bottom + axis + 8
    for n, (label, color, dashed, tooltip) in enumerate(entries):
        ex = n % legend_cols * col_w
        ey = legend_top + n // legend_cols * 20 + 10
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<line x1="{ex + 4:.1f}" x2="{ex + 28:.1f}" y1="{ey}" y2="{ey}" stroke="{color}" '
            f'stroke-width="{1.5 if dashed else 3}"{dash}/>'
            f'<text x="{ex + 34:.1f}" y="{ey}" dominant-baseline="middle" font-size="12" '
            f'fill="#18252b">{escape(label)}'
            + (f"<title>{escape(tooltip)}</title>" if tooltip else "")
            + "</text>"
        )
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped
