"""The planner's charts, drawn as SVG on the server (no chart library, no CDN): the
cumulative cost per site over the weeks, and the running share week by week (how far each
site's running cost is ahead of or behind its even pace).

Both take a plan of ``planner`` (one call) or of ``rotation`` (one or more calls; a site's
cost in a week is its cost over all of them)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

PALETTE = [
    "#0b5c6b",
    "#c2571a",
    "#5b2d91",
    "#1f7a3f",
    "#b3261e",
    "#2647a0",
    "#8a5a00",
    "#3d7d8a",
    "#a0407a",
    "#4a5a61",
]


@dataclass(frozen=True)
class Line:
    name: str
    color: str
    points: str
    total: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: int
    lines: list[Line]
    y_ticks: list[tuple[float, float]]  # (y position, value)
    x_ticks: list[tuple[float, int]]  # (x position, week number)


def _site_series(plan) -> list[tuple[str, list[float], float]]:
    """(name, cumulative cost after each week, total) for each site of either kind of
    plan."""
    found = []
    for report in plan.sites:
        if hasattr(report, "cumulative"):  # planner.SiteReport
            found.append((report.site.name, list(report.cumulative), report.total))
        else:  # rotation.SiteLine: costs per call, per week
            weekly = np.sum(np.array(report.costs, dtype=np.float64), axis=0)
            found.append((report.name, [float(v) for v in np.cumsum(weekly)], report.total))
    return found


def cumulative_chart(plan, *, width: int = 720, height: int = 300) -> Chart:
    """The cumulative cost of each site, week by week."""
    left, right, top, bottom = 48, 120, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    series = _site_series(plan)
    weeks = len(series[0][1])
    peak = max(plan.max_cost, 1e-9)

    def x(week: int) -> float:
        return left + plot_w * (week + 1) / weeks

    def y(value: float) -> float:
        return top + plot_h * (1 - value / peak)

    lines = []
    for index, (name, cumulative, total) in enumerate(sorted(series, key=lambda r: -r[2])):
        points = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in enumerate(cumulative))
        lines.append(
            Line(
                name=name,
                color=PALETTE[index % len(PALETTE)],
                points=f"{left},{y(0):.1f} " + points,
                total=total,
                label_y=y(cumulative[-1]),
            )
        )
    step = max(1, weeks // 8)
    return Chart(
        width=width,
        height=height,
        left=left,
        bottom=height - bottom,
        lines=_spaced(lines),
        y_ticks=[(y(peak * f), peak * f) for f in (0, 0.25, 0.5, 0.75, 1)],
        x_ticks=[(x(w - 1), w) for w in range(step, weeks + 1, step)],
    )


def _spaced(lines: list[Line]) -> list[Line]:
    """Labels at the right end must not sit on top of each other."""
    spaced, last = [], -1e9
    for line in sorted(lines, key=lambda item: item.label_y):
        label_y = max(line.label_y, last + 13)
        spaced.append(Line(line.name, line.color, line.points, line.total, label_y))
        last = label_y
    return sorted(spaced, key=lambda item: -item.total)


@dataclass(frozen=True)
class PaceChart(Chart):
    zero_y: float = 0.0
    rows: tuple = ()  # (site, color, largest gap) for the table under the chart


def pace_chart(plan, *, width: int = 720, height: int = 260) -> PaceChart:
    """Each site's running cost minus its even pace, week by week (``plan.pace`` of a
    rotation plan): above the middle line a site is ahead of its fair share so far, below
    it behind. The label at the right end is the site's largest gap over the year."""
    left, right, top, bottom = 48, 120, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    steps: Sequence[date] = plan.pace_steps
    count = max(len(steps), 1)
    names = [line.name for line in plan.sites]
    reach = max((abs(v) for row in plan.pace for v in row), default=0.0) or 1.0

    def x(step: int) -> float:
        return left + plot_w * (step + 1) / count

    def y(value: float) -> float:
        return top + plot_h * (0.5 - value / (2 * reach))

    lines, rows = [], []
    for index, (name, pace) in enumerate(zip(names, plan.pace, strict=True)):
        color = PALETTE[index % len(PALETTE)]
        largest = max((abs(v) for v in pace), default=0.0)
        points = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in enumerate(pace))
        lines.append(
            Line(
                name=name,
                color=color,
                points=f"{left},{y(0):.1f} " + points,
                total=largest,
                label_y=y(pace[-1]) if pace else y(0),
            )
        )
        rows.append((name, color, largest))
    step = max(1, count // 8)
    return PaceChart(
        width=width,
        height=height,
        left=left,
        bottom=height - bottom,
        lines=_spaced(lines),
        y_ticks=[(y(reach * f), reach * f) for f in (-1, -0.5, 0, 0.5, 1)],
        x_ticks=[(x(s - 1), s) for s in range(step, count + 1, step)],
        zero_y=y(0),
        rows=tuple(sorted(rows, key=lambda row: -row[2])),
    )
