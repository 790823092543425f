"""The chart of cumulative cost per site over the weeks, drawn as SVG on the server (no
chart library, no CDN)."""

from dataclasses import dataclass

from amity.scheduling.planner import Plan

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


def cumulative_chart(plan: Plan, *, width: int = 720, height: int = 300) -> Chart:
    left, right, top, bottom = 48, 120, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    weeks = len(plan.starts)
    peak = max(plan.max_cost, 1e-9)

    def x(week: int) -> float:
        return left + plot_w * (week + 1) / weeks

    def y(value: float) -> float:
        return top + plot_h * (1 - value / peak)

    lines = []
    for index, report in enumerate(sorted(plan.sites, key=lambda r: -r.total)):
        cumulative = report.cumulative
        points = " ".join(f"{x(w):.1f},{y(v):.1f}" for w, v in enumerate(cumulative))
        lines.append(
            Line(
                name=report.site.name,
                color=PALETTE[index % len(PALETTE)],
                points=f"{left},{y(0):.1f} " + points,
                total=report.total,
                label_y=y(cumulative[-1]),
            )
        )
    # Labels at the right end must not sit on top of each other.
    spaced, last = [], -1e9
    for line in sorted(lines, key=lambda item: item.label_y):
        label_y = max(line.label_y, last + 13)
        spaced.append(Line(line.name, line.color, line.points, line.total, label_y))
        last = label_y
    step = max(1, weeks // 8)
    return Chart(
        width=width,
        height=height,
        left=left,
        bottom=height - bottom,
        lines=sorted(spaced, key=lambda item: -item.total),
        y_ticks=[(y(peak * f), peak * f) for f in (0, 0.25, 0.5, 0.75, 1)],
        x_ticks=[(x(w - 1), w) for w in range(step, weeks + 1, step)],
    )
