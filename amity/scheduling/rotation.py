"""The planner's second step: steady blocks, limits on nights, an even pace all year,
several calls planned together, re-planning as the year goes on, and how the plan fares
under other cost tables.

Pure functions over frozen dataclasses, like ``planner`` (whose costs, slots and hard
limits this module reuses): no web code, no database, plain English strings.

The model
---------
Unlike ``planner``, whose week classes forget the order of the weeks, the rules here
depend on it (a block, two nights running, the pace through the year), so the programme
has one 0/1 variable per held week and start: ``x[call, week, slot]``. Weeks already held
keep their start (a fixed variable: their costs and nights count), cancelled weeks have no
meeting, and a site that joins later costs nothing before its first week.

- Worst-off site: ``z ≥`` each site's cost over every call; minimised first.
- Nights: a meeting is a *night* for a site when any of its minutes falls, on the site's
  wall clock, in an hour whose cost is the highest of the site's table (00:00–05:00,
  cost 10, in the default table). At most K per site over all calls; with
  ``no_back_to_back``, never in two calendar weeks running. In a joint plan a site never
  has nights in two calls of the same calendar week (Monday to Sunday, by the UTC date of
  the call's day).
- Steady blocks: ``u[call, j, slot] ≥ x[j] − x[j − 1]`` marks the held week j where a run
  of the slot begins; a run lasts at least N held weeks (``x[j] ≥ u[j − N + 1] + … +
  u[j]``, the tight minimum-run form) and there are at most M changes (``Σ u`` after the
  first week).
- Even pace: the running cost ``C[i, k]`` of site i after calendar week k, against its even
  pace ``e[i, k] · C[i, last]`` (``e`` the share of the site's meetings held by then);
  ``|C − e · C_last| ≤ D``, D minimised second, with the worst-off cost allowed to rise by
  ``pace_slack``.
- Then the total over all sites is minimised, the earlier figures held.

Solvers (``plan_rotation``): a class-count programme, in which weeks with the same costs
are interchangeable because it forgets their order, gives a proven lower bound. Its plan
is the answer when no rule depends on order. Otherwise its counts are laid out week by
week under the rules (then the plan is proven optimal too). Otherwise ``exact`` solves the
week programme (HiGHS, through ``scipy.optimize.milp``) below the best plan found so far.
``fast`` keeps that plan: the best plan on runs cut in advance (with steady blocks), or any
plan keeping the rules, improved by iterated local search. Both report the gap to the
proven bound. The even pace is sought by local search within the allowed slack, then
(``exact``) by the week programme.
"""

import math
import time as clock
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from amity.scheduling import planner
from amity.scheduling.planner import (
    DEFAULT_COST_TABLE,
    CostTable,
    NoFeasiblePlan,
    Problem,
    Site,
    SolverReport,
)

DEFAULT_MIN_BLOCK_WEEKS = 4
FAST_SECONDS = 2.0
_TOLERANCE = 1e-9
_FAST_GAP = 0.01


class RulesInfeasible(NoFeasiblePlan):
    """The options cannot all be kept. ``code`` and ``params`` say why, for a page that
    words it in its own language:

    - ``"night_limit"``: site, limit, needed (nights it cannot avoid), weeks (1-based,
      ``(call, week)`` pairs);
    - ``"nights_running"``: site, first, second (the Mondays of two weeks running in
      which it cannot avoid a night);
    - ``"nights_same_week"``: site, week (the Monday of a week in which it cannot avoid a
      night in two calls);
    - ``"limits_together"``: needs, a tuple of (site, nights needed, limit), for limits
      that can each be kept alone but not all together;
    - ``"rules_together"``: rules, a tuple of "no back-to-back nights", "steady blocks",
      "no nights in two calls in one week"."""

    def __init__(self, message: str, *, code: str, **params: object):
        super().__init__(message)
        self.code = code
        self.params = params


# --- Cost tables for robustness ------------------------------------------------------------

# Hours away from the working day 08:00–18:00: 07 and 18 cost 1 … 23 costs 6, 00–02 cost 7.
LINEAR_COST_TABLE = CostTable(
    hourly=(7, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6),
    non_working_extra=3.0,
)
# The default table with nights twice as dear: 00–05 cost 20, 05–06 and 23–24 cost 10.
STRICT_NIGHT_COST_TABLE = CostTable(
    hourly=(20, 20, 20, 20, 20, 10, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 4, 4, 10),
    non_working_extra=3.0,
)
COST_TABLES: dict[str, CostTable] = {
    "default": DEFAULT_COST_TABLE,
    "linear": LINEAR_COST_TABLE,
    "strict night": STRICT_NIGHT_COST_TABLE,
}


def night_hours(table: CostTable) -> frozenset[int]:
    """The local hours whose cost is the table's night cost, its highest hourly cost
    (00:00–05:00, cost 10, in the default table). A meeting is a night for a site when any
    of its minutes falls in one of these hours on the site's wall clock."""
    highest = max(table.hourly)
    if highest <= 0:
        return frozenset()
    return frozenset(hour for hour, cost in enumerate(table.hourly) if cost == highest)


# --- Options and input -----------------------------------------------------------------------


@dataclass(frozen=True)
class Steadiness:
    """Steady times: each UTC start holds for runs of consecutive held weeks, at least
    ``min_block_weeks`` held weeks long, and the start changes at most ``max_changes``
    times over the series (either rule may be None). Weeks already held count towards the
    run they end; cancelled weeks are skipped."""

    min_block_weeks: int | None = DEFAULT_MIN_BLOCK_WEEKS
    max_changes: int | None = None

    def __post_init__(self) -> None:
        if self.min_block_weeks is not None and self.min_block_weeks < 1:
            raise ValueError("A block lasts at least one week.")
        if self.max_changes is not None and self.max_changes < 0:
            raise ValueError("The number of changes cannot be negative.")


@dataclass(frozen=True)
class NightLimits:
    """At most ``max_nights`` nights per site over the whole plan (all calls, held weeks
    included), ``per_site`` overriding it for named sites; with ``no_back_to_back``, never
    a night for the same site in two calendar weeks running."""

    max_nights: int | None = None
    per_site: tuple[tuple[str, int], ...] = ()
    no_back_to_back: bool = False

    def __post_init__(self) -> None:
        limits = [self.max_nights, *(k for _, k in self.per_site)]
        if any(k is not None and k < 0 for k in limits):
            raise ValueError("A night limit cannot be negative.")
        object.__setattr__(self, "per_site", tuple(self.per_site))

    def limit(self, site: str) -> int | None:
        return dict(self.per_site).get(site, self.max_nights)


@dataclass(frozen=True)
class Options:
    """What the plan must keep besides sharing the burden fairly. ``even_pace``: keep each
    site's running cost close to its even pace all year, letting the worst-off site's cost
    rise by at most ``pace_slack`` (a share: 0.05 is 5 %) above its optimum for it."""

    steadiness: Steadiness | None = None
    nights: NightLimits | None = None
    even_pace: bool = False
    pace_slack: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.pace_slack) and self.pace_slack >= 0):
            raise ValueError("The pace slack is a share not below 0.")


@dataclass(frozen=True)
class Series:
    """One weekly call. Site names identify the same people across the calls of a joint
    plan (a name must keep its zone). ``held``: weeks already held, ``(week, UTC start)``,
    never moved, their costs counted; ``cancelled``: weeks without a meeting; ``joined``:
    ``(site, first week)`` for a site that costs nothing before it joined."""

    problem: Problem
    name: str = ""
    held: tuple[tuple[int, datetime], ...] = ()
    cancelled: frozenset[int] = frozenset()
    joined: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        held = tuple(sorted((int(w), s.astimezone(UTC)) for w, s in self.held))
        cancelled = frozenset(self.cancelled)
        weeks = range(self.problem.weeks)
        if any(w not in weeks for w, _ in held) or not cancelled <= set(weeks):
            raise ValueError("Held and cancelled weeks lie within the series.")
        if len({w for w, _ in held}) != len(held) or cancelled & {w for w, _ in held}:
            raise ValueError("A week is held once, and a held week cannot be cancelled.")
        names = {site.name for site in self.problem.sites}
        if any(name not in names for name, _ in self.joined):
            raise ValueError("Only a site of the call can join it.")
        object.__setattr__(self, "held", held)
        object.__setattr__(self, "cancelled", cancelled)
        object.__setattr__(self, "joined", tuple(self.joined))

    def active_weeks(self) -> list[int]:
        return [w for w in range(self.problem.weeks) if w not in self.cancelled]


# --- Output ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLine:
    """One site in a plan: its total and nights over all calls (held weeks included) and,
    per call, its cost and local start each week (0 and None when cancelled or before it
    joined), its night weeks and the weeks whose local start differs from the previous
    held week's."""

    name: str
    zone: str
    total: float
    nights: int
    costs: tuple[tuple[float, ...], ...]
    night_weeks: tuple[tuple[int, ...], ...]
    local_starts: tuple[tuple[datetime | None, ...], ...]
    time_changes: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class RotationPlan:
    """The plan: a UTC start per call and week (None when cancelled), each site's line,
    the largest and total cost, the Gini coefficient of the sites' totals, the weeks where
    each call's UTC start changes, and the pace figures for the chart: for each site and
    calendar week (``pace_steps``, Mondays), its running cost minus its even pace, in
    points (``pace``), and the share of its final cost carried so far (``running_share``)."""

    label: str
    series: tuple[Series, ...]
    options: Options
    starts: tuple[tuple[datetime | None, ...], ...]
    sites: tuple[SiteLine, ...]
    max_cost: float
    total_cost: float
    gini: float
    slot_changes: tuple[tuple[int, ...], ...]
    pace_steps: tuple[date, ...]
    pace: tuple[tuple[float, ...], ...]
    running_share: tuple[tuple[float, ...], ...]
    solver: SolverReport | None = None

    @property
    def worst_sites(self) -> tuple[str, ...]:
        limit = self.max_cost - 1e-6 * max(1.0, self.max_cost)
        return tuple(line.name for line in self.sites if line.total >= limit)

    @property
    def largest_pace_gap(self) -> float:
        """The furthest any site's running cost strays from its even pace, in points."""
        return max((abs(v) for row in self.pace for v in row), default=0.0)

    @property
    def weekly_pace_gap(self) -> tuple[float, ...]:
        """Per calendar week, the largest distance of any site from its even pace."""
        if not self.pace:
            return ()
        return tuple(float(v) for v in np.abs(np.array(self.pace)).max(axis=0))

    def site(self, name: str) -> SiteLine:
        for line in self.sites:
            if line.name == name:
                return line
        raise KeyError(name)


# --- Building the programme ----------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _epoch_minutes(starts: Sequence[datetime]) -> np.ndarray:
    return np.array([planner._epoch_minute(s) for s in starts], dtype=np.int64)


def _site_figures(
    problem: Problem, site: Site, minutes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost, night and hard-limit breach of a call starting at each epoch minute."""
    costs, breaches = planner._meetings(problem, site, minutes)
    instants = minutes[:, None] + np.arange(problem.meeting_minutes, dtype=np.int64)
    local = planner._local_minutes(site.zone, instants)
    hours = (local % planner.MINUTES_PER_DAY) // 60
    night = np.zeros(24, dtype=np.bool_)
    night[list(night_hours(site.costs))] = True
    return costs, night[hours].any(axis=-1), breaches


@dataclass
class _Model:
    """Columns are candidate meetings: (call, week, slot index or −1 for an off-grid held
    start, start)."""

    series: tuple[Series, ...]
    names: list[str]
    zones: list[str]
    col_call: np.ndarray
    col_week: np.ndarray
    col_slot: np.ndarray
    col_start: np.ndarray  # epoch minutes
    col_fixed: np.ndarray  # held week
    cost: np.ndarray  # (site, column)
    night: np.ndarray  # (site, column) bool
    attends: np.ndarray  # (site, column) bool
    steps: list[date]
    col_step: np.ndarray
    week_cols: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    grain: float = 1.0


def _build(series: tuple[Series, ...]) -> _Model:
    names: list[str] = []
    zones: list[str] = []
    for call in series:
        for site in call.problem.sites:
            if site.name in names:
                if zones[names.index(site.name)] != site.zone:
                    raise ValueError(f"{site.name} has two time zones in these calls.")
            else:
                names.append(site.name)
                zones.append(site.zone)
    call_ids, weeks, slots, starts, fixed = [], [], [], [], []
    cost_rows, night_rows, attend_rows = [], [], []
    for p, call in enumerate(series):
        problem = call.problem
        held = dict(call.held)
        c_weeks, c_slots, c_starts, c_fixed = [], [], [], []
        for week in call.active_weeks():
            if week in held:
                start = held[week]
                index = next(
                    (i for i, s in enumerate(problem.slots) if problem.start(week, s) == start),
                    -1,
                )
                c_weeks.append(week)
                c_slots.append(index)
                c_starts.append(start)
                c_fixed.append(True)
            else:
                for i, s in enumerate(problem.slots):
                    c_weeks.append(week)
                    c_slots.append(i)
                    c_starts.append(problem.start(week, s))
                    c_fixed.append(False)
        minutes = _epoch_minutes(c_starts) if c_starts else np.zeros(0, dtype=np.int64)
        n = len(c_starts)
        cost = np.zeros((len(names), n))
        night = np.zeros((len(names), n), dtype=np.bool_)
        attends = np.zeros((len(names), n), dtype=np.bool_)
        breach = np.zeros(n, dtype=np.bool_)
        joined = dict(call.joined)
        week_array = np.array(c_weeks, dtype=np.int64)
        for site in problem.sites:
            if n == 0:
                break
            i = names.index(site.name)
            c, nt, br = _site_figures(problem, site, minutes)
            present = week_array >= joined.get(site.name, 0)
            cost[i] = np.where(present, c, 0.0)
            night[i] = nt & present
            attends[i] = present
            breach |= br & present
        keep = ~breach | np.array(c_fixed, dtype=np.bool_)
        call_ids.append(np.full(int(keep.sum()), p))
        weeks.append(week_array[keep])
        slots.append(np.array(c_slots, dtype=np.int64)[keep])
        starts.append(minutes[keep])
        fixed.append(np.array(c_fixed, dtype=np.bool_)[keep])
        cost_rows.append(cost[:, keep])
        night_rows.append(night[:, keep])
        attend_rows.append(attends[:, keep])
        for week in call.active_weeks():
            if week not in held and not np.any(week_array[keep] == week):
                day = problem.day(week, problem.slots[0].weekday)
                raise NoFeasiblePlan(
                    f"In week {week + 1} ({day:%d %B %Y}) of {_call_name(series, p)} every "
                    "start time puts some site inside a hard limit.",
                    week=week,
                )
    col_call = np.concatenate(call_ids).astype(np.int64)
    col_week = np.concatenate(weeks).astype(np.int64)
    col_start = np.concatenate(starts).astype(np.int64)
    days = [
        series[p].problem.day(int(w), series[p].problem.slots[0].weekday)
        for p, w in zip(col_call, col_week, strict=True)
    ]
    mondays = [_monday(d) for d in days]
    steps = sorted(set(mondays))
    step_index = {d: k for k, d in enumerate(steps)}
    model = _Model(
        series=series,
        names=names,
        zones=zones,
        col_call=col_call,
        col_week=col_week,
        col_slot=np.concatenate(slots).astype(np.int64),
        col_start=col_start,
        col_fixed=np.concatenate(fixed),
        cost=np.hstack(cost_rows),
        night=np.hstack(night_rows),
        attends=np.hstack(attend_rows),
        steps=steps,
        col_step=np.array([step_index[m] for m in mondays], dtype=np.int64),
    )
    for col, key in enumerate(zip(col_call.tolist(), col_week.tolist(), strict=True)):
        model.week_cols.setdefault(key, []).append(col)
    model.week_cols = {k: np.array(v, dtype=np.int64) for k, v in model.week_cols.items()}
    grain = planner._grain(model.cost)
    model.grain = float(grain) if grain is not None else 1.0
    return model


def _call_name(series: Sequence[Series], index: int) -> str:
    return series[index].name or f"call {index + 1}"


class _Rows:
    """Sparse rows lo ≤ A x ≤ hi, collected then stacked."""

    def __init__(self, width: int):
        self.width = width
        self.rows: list[int] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.row_index: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, cols, vals, lo: float, hi: float) -> int:
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=np.float64), cols.shape)
        r = len(self.lo)
        self.cols.append(cols)
        self.vals.append(vals)
        self.row_index.append(np.full(cols.size, r))
        self.lo.append(lo)
        self.hi.append(hi)
        return r

    def constraint(self) -> LinearConstraint:
        matrix = sparse.csr_array(
            (
                np.concatenate(self.vals),
                (np.concatenate(self.row_index), np.concatenate(self.cols)),
            ),
            shape=(len(self.lo), self.width),
        )
        return LinearConstraint(matrix, np.array(self.lo), np.array(self.hi))


@dataclass
class _Programme:
    model: _Model
    width: int
    z: int
    d: int | None
    excess: np.ndarray | None  # columns of night excess per site (soft limits)
    rows: _Rows
    lower: np.ndarray
    upper: np.ndarray
    integrality: np.ndarray
    site_rows: list[int]


def _limits(model: _Model, options: Options) -> list[int | None]:
    nights = options.nights
    return [nights.limit(name) if nights else None for name in model.names]


def _programme(model: _Model, options: Options, *, soft_nights: bool = False) -> _Programme:
    n = model.col_call.size
    scale = model.grain
    sites = len(model.names)
    # Variables: x (n), z, [u (per call, held week, slot)], [C (site, step), D], [excess].
    width = n + 1
    z = n
    lower = [np.zeros(n), [0.0]]
    upper = [np.ones(n), [np.inf]]
    integ = [np.ones(n), [1.0 if scale > 1 or _whole(model.cost) else 0.0]]
    extra_rows: list = []
    rows_builder: list = []

    fixed = model.col_fixed
    lower[0] = fixed.astype(float)

    # u variables for steady blocks.
    steady = options.steadiness
    u_index: dict[tuple[int, int, int], int] = {}
    if steady and (steady.min_block_weeks or steady.max_changes is not None):
        for p, call in enumerate(model.series):
            active = call.active_weeks()
            for j in range(len(active)):
                for s in range(len(call.problem.slots)):
                    u_index[(p, j, s)] = width
                    width += 1
        lower.append(np.zeros(len(u_index)))
        upper.append(np.ones(len(u_index)))
        integ.append(np.zeros(len(u_index)))

    pace_base = None
    d = None
    steps = len(model.steps)
    if options.even_pace:
        pace_base = width
        width += sites * steps
        d = width
        width += 1
        lower.append(np.zeros(sites * steps + 1))
        upper.append(np.full(sites * steps + 1, np.inf))
        integ.append(np.zeros(sites * steps + 1))

    excess = None
    if soft_nights:
        excess = np.arange(width, width + sites)
        width += sites
        lower.append(np.zeros(sites))
        upper.append(np.full(sites, np.inf))
        integ.append(np.ones(sites))
    del extra_rows, rows_builder

    rows = _Rows(width)
    # One meeting per active week.
    for cols in model.week_cols.values():
        rows.add(cols, 1.0, 1.0, 1.0)
    # Site costs below z.
    site_rows = []
    for i in range(sites):
        cols = np.flatnonzero(model.cost[i])
        site_rows.append(
            rows.add(
                np.concatenate([cols, [z]]),
                np.concatenate(
                    [
                        np.rint(model.cost[i, cols] * scale) if scale > 1 else model.cost[i, cols],
                        [-1.0],
                    ]
                ),
                -np.inf,
                0.0,
            )
        )
    # Nights.
    limits = _limits(model, options)
    nights = options.nights
    for i, limit in enumerate(limits):
        cols = np.flatnonzero(model.night[i])
        fixed_nights = int(model.night[i, fixed].sum())
        if limit is not None:
            if excess is not None:
                rows.add(
                    np.concatenate([cols, [excess[i]]]),
                    np.concatenate([np.ones(cols.size), [-1.0]]),
                    -np.inf,
                    float(limit),
                )
            else:
                rows.add(cols, 1.0, -np.inf, float(max(limit, fixed_nights)))
        by_step: dict[int, list[int]] = {}
        for col in cols:
            by_step.setdefault(int(model.col_step[col]), []).append(int(col))
        joint = len(model.series) > 1
        for k, members in by_step.items():
            step_fixed = int(fixed[members].sum())
            calls_here = {int(model.col_call[c]) for c in members}
            if joint and len(calls_here) > 1 and step_fixed < len(members):
                rows.add(members, 1.0, -np.inf, float(max(1, step_fixed)))
            running = (
                nights
                and nights.no_back_to_back
                and k + 1 in by_step
                and model.steps[k + 1] - model.steps[k] == timedelta(days=7)
            )
            if running:
                both = members + by_step[k + 1]
                both_fixed = int(fixed[both].sum())
                if both_fixed < len(both):
                    rows.add(both, 1.0, -np.inf, float(max(1, both_fixed)))
    # Steady blocks.
    if u_index:
        for p, call in enumerate(model.series):
            active = call.active_weeks()
            held = {w for w, _ in call.held}
            slots = len(call.problem.slots)
            position = {w: j for j, w in enumerate(active)}
            x_of: dict[tuple[int, int], int] = {}
            for col in np.flatnonzero(model.col_call == p):
                s = int(model.col_slot[col])
                if s >= 0:
                    x_of[(position[int(model.col_week[col])], s)] = int(col)
            count = len(active)
            block = min(steady.min_block_weeks or 1, count)
            change_cols = []
            for j, week in enumerate(active):
                for s in range(slots):
                    u = u_index[(p, j, s)]
                    here = x_of.get((j, s))
                    before = x_of.get((j - 1, s)) if j > 0 else None
                    # u ≥ x[j] − x[j − 1]
                    cols, vals = [u], [1.0]
                    if here is not None:
                        cols.append(here)
                        vals.append(-1.0)
                    if before is not None:
                        cols.append(before)
                        vals.append(1.0)
                    if here is not None:
                        rows.add(cols, vals, 0.0, np.inf)
                    if week in held:
                        continue
                    if j > 0:
                        change_cols.append(u)
                    if steady.min_block_weeks and block > 1:
                        if j > count - block:
                            # A run starting here could not last long enough.
                            lower_u = u
                            rows.add([lower_u], 1.0, -np.inf, 0.0)
                        starts = [
                            u_index[(p, jj, s)]
                            for jj in range(max(0, j - block + 1), j + 1)
                            if active[jj] not in held
                        ]
                        rows.add(
                            [*starts, here] if here is not None else starts,
                            [*([1.0] * len(starts)), -1.0] if here is not None else 1.0,
                            -np.inf,
                            0.0,
                        )
            if steady.max_changes is not None and change_cols:
                rows.add(change_cols, 1.0, -np.inf, float(steady.max_changes))
    # Even pace.
    if pace_base is not None:
        for i in range(sites):
            per_step = np.zeros(steps)
            for cols in model.week_cols.values():
                if model.attends[i, cols[0]]:
                    per_step[model.col_step[cols[0]]] += 1
            share = np.cumsum(per_step) / max(per_step.sum(), 1.0)
            last = pace_base + i * steps + steps - 1
            for k in range(steps):
                c_var = pace_base + i * steps + k
                cols = np.flatnonzero((model.col_step == k) & (model.cost[i] > 0))
                vals = model.cost[i, cols] * (scale if scale > 1 else 1.0)
                prev = [c_var - 1] if k else []
                rows.add(
                    [c_var, *prev, *cols],
                    [1.0, *([-1.0] * len(prev)), *(-vals)],
                    0.0,
                    0.0,
                )
                if k < steps - 1:
                    rows.add([c_var, last, d], [1.0, -share[k], -1.0], -np.inf, 0.0)
                    rows.add([c_var, last, d], [-1.0, share[k], -1.0], -np.inf, 0.0)
    return _Programme(
        model=model,
        width=width,
        z=z,
        d=d,
        excess=excess,
        rows=rows,
        lower=np.concatenate([np.asarray(a, dtype=float) for a in lower]),
        upper=np.concatenate([np.asarray(a, dtype=float) for a in upper]),
        integrality=np.concatenate([np.asarray(a, dtype=float) for a in integ]),
        site_rows=site_rows,
    )


def _whole(costs: np.ndarray) -> bool:
    return bool(np.abs(costs - np.rint(costs)).max(initial=0.0) < 1e-9)


@dataclass(frozen=True)
class _Stage:
    x: np.ndarray | None
    value: float
    bound: float
    status: int
    message: str


def _run(
    programme: _Programme,
    objective: np.ndarray,
    *,
    upper: np.ndarray,
    time_limit: float,
    gap: float,
    constraint: LinearConstraint,
) -> _Stage:
    result = milp(
        objective,
        integrality=programme.integrality,
        bounds=Bounds(programme.lower, upper),
        constraints=[constraint],
        options={"time_limit": max(time_limit, 0.05), "mip_rel_gap": gap},
    )
    bound = getattr(result, "mip_dual_bound", None)
    if result.x is None:
        return _Stage(
            None, math.inf, bound if bound is not None else -math.inf, result.status, result.message
        )
    return _Stage(
        result.x,
        float(result.fun),
        float(bound) if bound is not None else float(result.fun),
        result.status,
        result.message,
    )


# --- Solving -------------------------------------------------------------------------------


def _as_series(series: Series | Sequence[Series]) -> tuple[Series, ...]:
    calls = (series,) if isinstance(series, Series) else tuple(series)
    if not calls:
        raise ValueError("Plan at least one call.")
    return calls


def _diagnose_nights(model: _Model, options: Options) -> None:
    """Raise NoFeasiblePlan naming the site when a night rule cannot be kept whatever the
    other sites do: the weeks where every allowed start is a night for it."""
    nights = options.nights
    if nights is None:
        return
    for i, name in enumerate(model.names):
        forced: list[tuple[int, int, date]] = []
        for (p, week), cols in model.week_cols.items():
            if model.night[i, cols].all():
                forced.append((p, week, model.steps[int(model.col_step[cols[0]])]))
        limit = nights.limit(name)
        if limit is not None and len(forced) > limit:
            weeks = ", ".join(
                f"{w + 1}" if len(model.series) == 1 else f"{w + 1} ({_call_name(model.series, p)})"
                for p, w, _ in sorted(forced)[:8]
            )
            more = "…" if len(forced) > 8 else ""
            raise RulesInfeasible(
                f"{name} cannot avoid a night in {len(forced)} weeks (weeks {weeks}{more}: "
                f"every start time allowed then falls in its night hours), but its limit is "
                f"{limit}.",
                code="night_limit",
                site=name,
                limit=limit,
                needed=len(forced),
                weeks=tuple((p + 1, w + 1) for p, w, _ in sorted(forced)),
            )
        mondays = sorted({d for _, _, d in forced})
        if nights.no_back_to_back:
            for a, b in zip(mondays, mondays[1:], strict=False):
                if b - a == timedelta(days=7):
                    raise RulesInfeasible(
                        f"{name} cannot avoid a night in the weeks of {a:%d %B %Y} and "
                        f"{b:%d %B %Y}, two weeks running.",
                        code="nights_running",
                        site=name,
                        first=a,
                        second=b,
                    )
        if len(model.series) > 1 and len(mondays) < len(forced):
            per_week = Counter(d for _, _, d in forced)
            twice = min(d for d, count in per_week.items() if count > 1)
            raise RulesInfeasible(
                f"{name} cannot avoid a night in two calls in one week ({twice:%d %B %Y}).",
                code="nights_same_week",
                site=name,
                week=twice,
            )


def _explain_infeasible(model: _Model, options: Options, time_limit: float) -> NoFeasiblePlan:
    """When the rules together cannot be kept: relax the night limits and say which sites
    would need more nights than their limit."""
    if options.nights and any(k is not None for k in _limits(model, options)):
        soft = _programme(model, options, soft_nights=True)
        objective = np.zeros(soft.width)
        objective[soft.excess] = 1.0
        stage = _run(
            soft,
            objective,
            upper=soft.upper,
            time_limit=time_limit,
            gap=1e-9,
            constraint=soft.rows.constraint(),
        )
        if stage.x is not None:
            limits = _limits(model, options)
            needs = tuple(
                (name, limits[i] + round(stage.x[soft.excess[i]]), limits[i])
                for i, name in enumerate(model.names)
                if stage.x[soft.excess[i]] > 0.5
            )
            if needs:
                over = [f"{n} at least {k} nights against a limit of {lim}" for n, k, lim in needs]
                return RulesInfeasible(
                    "No plan keeps every night limit together with the other rules: one "
                    f"needs {'; '.join(over)}.",
                    code="limits_together",
                    needs=needs,
                )
    rules = []
    if options.nights and options.nights.no_back_to_back:
        rules.append("no back-to-back nights")
    if options.steadiness:
        rules.append("steady blocks")
    if len(model.series) > 1:
        rules.append("no nights in two calls in one week")
    return RulesInfeasible(
        "No plan keeps " + (" and ".join(rules) or "every rule") + " with the hard limits.",
        code="rules_together",
        rules=tuple(rules),
    )


@dataclass(frozen=True)
class _Classes:
    """Free weeks whose every start costs every site the same and is a night for the same
    sites: interchangeable when the order of the weeks does not matter."""

    members: tuple[tuple[tuple[int, int], ...], ...]  # (call, week) of each class
    cols: tuple[np.ndarray, ...]  # the columns of each class's first week
    sizes: np.ndarray


def _classes(model: _Model, *, runs: bool = False) -> _Classes:
    """Group the free weeks; with ``runs``, only consecutive weeks of one call group
    together (each class is then a run of weeks, so that rules on weeks running can be
    bounded within it)."""
    groups: dict[bytes, list[tuple[int, int]]] = {}
    firsts: dict[bytes, np.ndarray] = {}
    run = 0
    previous: tuple[bytes, int, int] | None = None
    for key, cols in model.week_cols.items():
        if model.col_fixed[cols[0]]:
            previous = None
            continue
        signature = (
            np.int64(key[0]).tobytes()
            + model.col_slot[cols].tobytes()
            + model.cost[:, cols].tobytes()
            + model.night[:, cols].tobytes()
        )
        if runs:
            if previous is None or previous != (signature, key[0], key[1] - 1):
                run += 1
            previous = (signature, key[0], key[1])
            signature += np.int64(run).tobytes()
        groups.setdefault(signature, []).append(key)
        firsts.setdefault(signature, cols)
    keys = list(groups)
    return _Classes(
        members=tuple(tuple(groups[k]) for k in keys),
        cols=tuple(firsts[k] for k in keys),
        sizes=np.array([len(groups[k]) for k in keys], dtype=np.int64),
    )


def _class_solve(
    model: _Model, classes: _Classes, options: Options, *, time_limit: float, gap: float
) -> tuple[np.ndarray | None, float, float, int, float]:
    """The class-count programme (the order of weeks forgotten, a relaxation of the
    week programme when order matters): the least worst-off cost, then the least total.
    Returns the counts per column of each class's first week, the proven bound on the
    worst-off cost (scaled), the value, the status, and the least total (scaled)."""
    began = clock.perf_counter()
    scale = model.grain
    fixed = model.col_fixed
    cols = np.concatenate(classes.cols) if classes.cols else np.zeros(0, dtype=np.int64)
    owner = (
        np.concatenate([np.full(len(c), k) for k, c in enumerate(classes.cols)])
        if classes.cols
        else np.zeros(0, dtype=np.int64)
    )
    n = cols.size
    width = n + 1
    rows = _Rows(width)
    for k, size in enumerate(classes.sizes):
        rows.add(np.flatnonzero(owner == k), 1.0, float(size), float(size))
    costs = np.rint(model.cost[:, cols] * scale) if scale > 1 else model.cost[:, cols]
    history = (model.cost[:, fixed].sum(axis=1)) * scale
    for i in range(len(model.names)):
        nz = np.flatnonzero(costs[i])
        rows.add(
            np.concatenate([nz, [n]]),
            np.concatenate([costs[i, nz], [-1.0]]),
            -np.inf,
            -float(history[i]),
        )
    for i, limit in enumerate(_limits(model, options)):
        if limit is None:
            continue
        nz = np.flatnonzero(model.night[i, cols])
        held_nights = int(model.night[i, fixed].sum())
        if nz.size:
            rows.add(nz, 1.0, -np.inf, float(max(limit - held_nights, 0)))
    if options.nights and options.nights.no_back_to_back:
        # Classes are runs of weeks: no two nights running allows a site at most half a
        # run's weeks (rounded up), and half of two adjacent runs together.
        groups = [np.flatnonzero(owner == k) for k in range(len(classes.sizes))]
        windows = [([k], int(classes.sizes[k])) for k in range(len(groups))]
        for k in range(len(groups) - 1):
            last = classes.members[k][-1]
            first = classes.members[k + 1][0]
            if last[0] == first[0] and first[1] == last[1] + 1:
                windows.append(([k, k + 1], int(classes.sizes[k] + classes.sizes[k + 1])))
        for i in range(len(model.names)):
            for members, size in windows:
                span = np.concatenate([groups[k] for k in members])
                nz = span[model.night[i, cols[span]]]
                if nz.size and size > 1:
                    rows.add(nz, 1.0, -np.inf, float(-(-size // 2)))
    upper = np.concatenate([classes.sizes[owner].astype(float), [np.inf]])
    whole = scale > 1 or _whole(model.cost)
    integrality = np.concatenate([np.ones(n), [1.0 if whole else 0.0]])
    constraint = rows.constraint()
    objective = np.zeros(width)
    objective[n] = 1.0
    first = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(width), upper),
        constraints=[constraint],
        options={"time_limit": max(time_limit * 0.85, 0.05), "mip_rel_gap": gap},
    )
    if first.x is None:
        return None, -math.inf, math.inf, first.status, math.inf
    bound = float(getattr(first, "mip_dual_bound", None) or first.fun)
    if whole:
        bound = math.ceil(bound - 1e-6)
    cap = first.fun
    upper[n] = math.floor(cap + 1e-6) if whole else cap * (1 + 1e-9) + 1e-9
    objective = np.concatenate([costs.sum(axis=0), [0.0]])
    second = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(width), upper),
        constraints=[constraint],
        options={
            "time_limit": max(time_limit - (clock.perf_counter() - began), 0.05),
            "mip_rel_gap": gap,
        },
    )
    x = second.x if second.x is not None else first.x
    status = max(first.status, second.status if second.x is not None else 1)
    counts = np.rint(x[:n]).astype(np.int64)
    total = float(second.fun) if second.x is not None else math.inf
    total_bound = float(getattr(second, "mip_dual_bound", None) or total)
    del total_bound
    return counts, bound, float(first.fun), status, total


def _spread_counts(model: _Model, classes: _Classes, counts: np.ndarray) -> np.ndarray:
    """Columns chosen when order does not matter: within a class the chosen starts take
    turns as evenly as their counts allow (smooth weighted round robin)."""
    chosen = model.col_fixed.copy()
    offset = 0
    for members, first_cols, size in zip(classes.members, classes.cols, classes.sizes, strict=True):
        mine = counts[offset : offset + len(first_cols)]
        offset += len(first_cols)
        credit = np.zeros(mine.size, dtype=np.int64)
        for key in sorted(members, key=lambda k: (k[0], k[1])):
            credit += mine
            pick = int(np.argmax(credit))
            credit[pick] -= int(size)
            slot = model.col_slot[first_cols[pick]]
            week_cols = model.week_cols[key]
            chosen[week_cols[model.col_slot[week_cols] == slot][0]] = True
    return chosen


def _chunkings(model: _Model, block: int) -> list[list[list[tuple[int, int]]]]:
    """Candidate ways to cut each call's free weeks into runs of at least ``block``
    weeks: even runs from every offset, and runs that start where some site's costs
    change (a DST change, a holiday). Each is a list of runs of (call, week)."""
    per_call: dict[int, list[tuple[int, int]]] = {}
    for key, cols in model.week_cols.items():
        if not model.col_fixed[cols[0]]:
            per_call.setdefault(key[0], []).append(key)

    def even(keys: list[tuple[int, int]], offset: int) -> list[list[tuple[int, int]]]:
        if len(keys) <= block:
            return [keys]
        cuts = [0, *range(offset or block, len(keys), block)]
        runs = [keys[a:b] for a, b in zip(cuts, [*cuts[1:], len(keys)], strict=True)]
        if len(runs) > 1 and len(runs[0]) < block:
            runs[1] = runs[0] + runs[1]
            runs.pop(0)
        if len(runs) > 1 and len(runs[-1]) < block:
            last = runs.pop()
            runs[-1] = runs[-1] + last
        return runs

    def by_costs(keys: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
        runs: list[list[tuple[int, int]]] = []
        previous = None
        for key in keys:
            signature = model.cost[:, model.week_cols[key]].tobytes()
            if runs and signature == previous:
                runs[-1].append(key)
            else:
                runs.append([key])
            previous = signature
        merged: list[list[tuple[int, int]]] = []
        for run in runs:
            if merged and len(merged[-1]) < block:
                merged[-1].extend(run)
            else:
                merged.append(run)
        if len(merged) > 1 and len(merged[-1]) < block:
            merged[-2].extend(merged.pop())
        pieces = []
        for run in merged:
            count = max(1, len(run) // block)
            size = len(run) / count
            pieces += [run[round(k * size) : round((k + 1) * size)] for k in range(count)]
        return pieces

    options = [[runs for keys in per_call.values() for runs in by_costs(keys)]]
    for offset in range(block):
        options.append([runs for keys in per_call.values() for runs in even(keys, offset)])
    return options


def _runs_plan(
    model: _Model, options: Options, runs: list[list[tuple[int, int]]], time_limit: float
) -> tuple[np.ndarray, float] | None:
    """The best plan holding one start through each run (a small programme: one 0/1
    variable per run and start), with the night rules; its chosen columns and its
    worst-off cost (scaled), or None if these runs admit no plan."""
    scale = model.grain
    sites = len(model.names)
    fixed = model.col_fixed
    pairs: list[tuple[int, int, np.ndarray]] = []  # (run, slot, columns)
    for r, run in enumerate(runs):
        by_slot: dict[int, list[int]] = {}
        for key in run:
            for col in model.week_cols[key]:
                by_slot.setdefault(int(model.col_slot[col]), []).append(int(col))
        for slot, cols in by_slot.items():
            if len(cols) == len(run):
                pairs.append((r, slot, np.array(cols, dtype=np.int64)))
    if not pairs:
        return None
    n = len(pairs)
    width = n + 1
    cost = np.array([model.cost[:, cols].sum(axis=1) for _, _, cols in pairs]).T
    cost = np.rint(cost * scale) if scale > 1 else cost
    upper = np.ones(width)
    upper[n] = np.inf
    nights = options.nights
    b2b = bool(nights and nights.no_back_to_back)
    rows = _Rows(width)
    owner = np.array([r for r, _, _ in pairs])
    for r in range(len(runs)):
        members = np.flatnonzero(owner == r)
        if members.size == 0:
            return None
        rows.add(members, 1.0, 1.0, 1.0)
    history = model.cost[:, fixed].sum(axis=1) * scale
    for i in range(sites):
        nz = np.flatnonzero(cost[i])
        rows.add(
            np.concatenate([nz, [n]]),
            np.concatenate([cost[i, nz], [-1.0]]),
            -np.inf,
            -float(history[i]),
        )
    limits = _limits(model, options)
    step_pairs: dict[tuple[int, int], list[int]] = {}
    for j, (_, _, cols) in enumerate(pairs):
        for i in range(sites):
            night_cols = cols[model.night[i, cols]]
            steps = model.col_step[night_cols]
            if b2b and np.any(np.diff(np.sort(steps)) <= 1):
                upper[j] = 0.0  # two nights running, or two in one week, inside the run
            for k in set(steps.tolist()):
                step_pairs.setdefault((i, k), []).append(j)
    for i, limit in enumerate(limits):
        if limit is None:
            continue
        counts = np.array([model.night[i, cols].sum() for _, _, cols in pairs], dtype=float)
        nz = np.flatnonzero(counts)
        if nz.size:
            held = int(model.night[i, fixed].sum())
            rows.add(nz, counts[nz], -np.inf, float(max(limit - held, 0)))
    fixed_steps = {}
    for col in np.flatnonzero(fixed):
        for i in np.flatnonzero(model.night[:, col]):
            key = (int(i), int(model.col_step[col]))
            fixed_steps[key] = fixed_steps.get(key, 0) + 1
    joint = len(model.series) > 1
    for (i, k), members in step_pairs.items():
        if joint:
            rows.add(members, 1.0, -np.inf, float(max(1 - fixed_steps.get((i, k), 0), 0)))
        if (
            b2b
            and model.steps[k + 1 : k + 2]
            and (model.steps[k + 1] - model.steps[k] == timedelta(days=7))
        ):
            others = step_pairs.get((i, k + 1), [])
            held = fixed_steps.get((i, k), 0) + fixed_steps.get((i, k + 1), 0)
            if others or held:
                rows.add(sorted(set(members + others)), 1.0, -np.inf, float(max(1 - held, 0)))
    constraint = rows.constraint()
    whole = scale > 1 or _whole(model.cost)
    integrality = np.ones(width)
    integrality[n] = 1.0 if whole else 0.0
    began = clock.perf_counter()
    objective = np.zeros(width)
    objective[n] = 1.0
    first = milp(
        objective,
        integrality=integrality,
        bounds=Bounds(np.zeros(width), upper),
        constraints=[constraint],
        options={"time_limit": max(time_limit * 0.6, 0.05), "mip_rel_gap": 1e-6},
    )
    if first.x is None:
        return None
    capped = upper.copy()
    capped[n] = math.floor(first.fun + 1e-6) if whole else first.fun * (1 + 1e-9) + 1e-9
    second = milp(
        np.concatenate([cost.sum(axis=0), [0.0]]),
        integrality=integrality,
        bounds=Bounds(np.zeros(width), capped),
        constraints=[constraint],
        options={
            "time_limit": max(time_limit - (clock.perf_counter() - began), 0.05),
            "mip_rel_gap": 1e-6,
        },
    )
    x = second.x if second.x is not None else first.x
    if second.x is None or second.status not in (0, 1):
        x = first.x
    chosen = fixed.copy()
    for r in range(len(runs)):
        members = np.flatnonzero(owner == r)
        chosen[pairs[int(members[np.argmax(x[members])])][2]] = True
    return chosen, float(model.cost[:, chosen].sum(axis=1).max() * scale)


def _best_runs_plan(
    model: _Model, options: Options, time_limit: float
) -> tuple[np.ndarray, float] | None:
    """The best of ``_runs_plan`` over the candidate cuttings into runs."""
    block = max(options.steadiness.min_block_weeks or 1, 1) if options.steadiness else 1
    began = clock.perf_counter()
    cuttings = _chunkings(model, block)
    best = None
    for index, runs in enumerate(cuttings):
        left = time_limit - (clock.perf_counter() - began)
        if left <= 0:
            break
        found = _runs_plan(model, options, runs, left / (len(cuttings) - index))
        if found is not None:
            totals = model.cost[:, found[0]].sum(axis=1)
            key = (round(float(totals.max()), 9), round(float(totals.sum()), 9))
            if best is None or key < best[0]:
                best = (key, found)
    return best[1] if best else None


def _rules_kept(model: _Model, options: Options, chosen: np.ndarray) -> bool:
    """Whether the chosen columns keep the night rules (limits, two running, two calls in
    one week)."""
    nights = options.nights
    joint = len(model.series) > 1
    if nights is None and not joint:
        return True
    steps = len(model.steps)
    per_step = np.zeros((len(model.names), steps), dtype=np.int64)
    cols = np.flatnonzero(chosen)
    np.add.at(per_step, (slice(None), model.col_step[cols]), model.night[:, cols].astype(np.int64))
    fixed_only = np.zeros_like(per_step)
    held = np.flatnonzero(model.col_fixed)
    np.add.at(
        fixed_only, (slice(None), model.col_step[held]), model.night[:, held].astype(np.int64)
    )
    if joint and np.any((per_step > 1) & (per_step > fixed_only)):
        return False
    if nights is None:
        return True
    for i, limit in enumerate(_limits(model, options)):
        held_nights = int(fixed_only[i].sum())
        if limit is not None and per_step[i].sum() > max(limit, held_nights):
            return False
    if nights.no_back_to_back and steps > 1:
        running = np.array(
            [b - a == timedelta(days=7) for a, b in zip(model.steps, model.steps[1:], strict=False)]
        )
        both = (per_step[:, :-1] > 0) & (per_step[:, 1:] > 0) & running
        held_both = (fixed_only[:, :-1] > 0) & (fixed_only[:, 1:] > 0)
        if np.any(both & ~held_both):
            return False
    return True


def _improve_runs(
    model: _Model, options: Options, chosen: np.ndarray, deadline: float
) -> np.ndarray:
    """Local search over runs: give a run another start, or move the boundary between two
    runs by one week, while that lowers the worst-off cost, then the number of sites
    sharing it, then the total, keeping every rule."""
    steady = options.steadiness
    block = max(steady.min_block_weeks or 1, 1) if steady else 1
    calls: dict[int, list[tuple[int, int]]] = {}
    for key, cols in model.week_cols.items():
        if not model.col_fixed[cols[0]]:
            calls.setdefault(key[0], []).append(key)
    col_of = {
        (key, int(model.col_slot[c])): int(c) for key, cols in model.week_cols.items() for c in cols
    }
    slot_now = {
        key: int(model.col_slot[c])
        for c in np.flatnonzero(chosen)
        for key in [(int(model.col_call[c]), int(model.col_week[c]))]
    }
    chosen = chosen.copy()

    def key_of(selection: np.ndarray) -> tuple[float, int, float]:
        return planner._key(model.cost[:, selection].sum(axis=1))

    current = key_of(chosen)
    improved = True
    while improved and clock.perf_counter() < deadline:
        improved = False
        better: list[tuple[tuple[float, int, float], np.ndarray]] = []
        for keys in calls.values():
            runs: list[list[tuple[int, int]]] = []
            for key in keys:
                if runs and slot_now[runs[-1][-1]] == slot_now[key]:
                    runs[-1].append(key)
                else:
                    runs.append([key])
            for r, run in enumerate(runs):
                old = [col_of[(k, slot_now[k])] for k in run]
                slots = {int(model.col_slot[c]) for c in model.week_cols[run[0]]}
                for s in slots:
                    if s == slot_now[run[0]] or any((k, s) not in col_of for k in run):
                        continue
                    trial = chosen.copy()
                    trial[old] = False
                    trial[[col_of[(k, s)] for k in run]] = True
                    candidate = key_of(trial)
                    if candidate < current:
                        better.append((candidate, trial))
                # Boundary moves: the last week of this run joins the next, or the first
                # week of the next joins this one.
                if r + 1 < len(runs):
                    nxt = runs[r + 1]
                    for give, taker in ((run[-1], nxt[0]), (nxt[0], run[-1])):
                        donor_len = len(run) if give == run[-1] else len(nxt)
                        if donor_len - 1 < block:
                            continue
                        target = slot_now[taker]
                        if (give, target) not in col_of:
                            continue
                        trial = chosen.copy()
                        trial[col_of[(give, slot_now[give])]] = False
                        trial[col_of[(give, target)]] = True
                        candidate = key_of(trial)
                        if candidate < current:
                            better.append((candidate, trial))
        # The best move by cost may break a night rule: take the best that keeps them.
        better.sort(key=lambda pair: pair[0])
        for candidate, trial in better:
            if clock.perf_counter() > deadline:
                break
            if _rules_kept(model, options, trial):
                chosen, current, improved = trial, candidate, True
                slot_now = {
                    (int(model.col_call[c]), int(model.col_week[c])): int(model.col_slot[c])
                    for c in np.flatnonzero(chosen)
                }
                break
    return chosen


def _kick_runs(model: _Model, options: Options, chosen: np.ndarray, deadline: float) -> np.ndarray:
    """Iterated local search over runs: give two random runs random starts, search
    locally again, keep the result when better; until ``deadline``. Seeded, so the same
    problem always gets the same plan."""
    rng = np.random.default_rng(0)
    best = _improve_runs(model, options, chosen, deadline)
    best_key = planner._key(model.cost[:, best].sum(axis=1))
    free = [key for key, cols in model.week_cols.items() if not model.col_fixed[cols[0]]]
    while clock.perf_counter() < deadline and free:
        trial = best.copy()
        for _ in range(2):
            key = free[int(rng.integers(len(free)))]
            week_cols = model.week_cols[key]
            now = week_cols[trial[week_cols]][0]
            slot = int(model.col_slot[week_cols[int(rng.integers(len(week_cols)))]])
            # The whole run of ``key`` moves to the new slot.
            p, _ = key
            same = [
                k
                for k in free
                if k[0] == p
                and trial[model.week_cols[k]].any()
                and int(model.col_slot[model.week_cols[k][trial[model.week_cols[k]]][0]])
                == int(model.col_slot[now])
            ]
            run = _run_of(same, key)
            targets = []
            for k in run:
                cols = model.week_cols[k]
                match = cols[model.col_slot[cols] == slot]
                if match.size == 0:
                    targets = []
                    break
                targets.append((cols[trial[cols]][0], match[0]))
            for old, new in targets:
                trial[old] = False
                trial[new] = True
        if not _rules_kept(model, options, trial):
            continue
        trial = _improve_runs(model, options, trial, deadline)
        trial_key = planner._key(model.cost[:, trial].sum(axis=1))
        if trial_key < best_key and _rules_kept(model, options, trial):
            best, best_key = trial, trial_key
    return best


def _run_of(keys: list[tuple[int, int]], key: tuple[int, int]) -> list[tuple[int, int]]:
    """The consecutive stretch of ``keys`` (sorted weeks of one call) around ``key``."""
    ordered = sorted(keys)
    index = ordered.index(key)
    first = last = index
    while first > 0 and ordered[first - 1][1] == ordered[first][1] - 1:
        first -= 1
    while last + 1 < len(ordered) and ordered[last + 1][1] == ordered[last][1] + 1:
        last += 1
    return ordered[first : last + 1]


def _greedy(
    model: _Model, options: Options, classes: _Classes, counts: np.ndarray
) -> np.ndarray | None:
    """A plan built week by week in calendar order: each week, among the starts that keep
    the night rules, one the class plan still has weeks for if any, else any; the least
    largest running cost first, then the least added cost. None when some week has no
    start keeping the rules (the caller falls back on a programme)."""
    wanted: dict[tuple[int, int], int] = {}
    class_of: dict[tuple[int, int], int] = {}
    offset = 0
    for c, (members, first_cols) in enumerate(zip(classes.members, classes.cols, strict=True)):
        for pick, col in enumerate(first_cols):
            wanted[(c, int(model.col_slot[col]))] = int(counts[offset + pick])
        offset += len(first_cols)
        for key in members:
            class_of[key] = c
    limits = np.array(
        [np.inf if k is None else k for k in _limits(model, options)], dtype=np.float64
    )
    b2b = bool(options.nights and options.nights.no_back_to_back)
    chosen = model.col_fixed.copy()
    totals = model.cost[:, chosen].sum(axis=1)
    nights = model.night[:, chosen].sum(axis=1).astype(np.float64)
    steps = len(model.steps)
    night_at = np.zeros((len(model.names), steps), dtype=np.bool_)
    for col in np.flatnonzero(chosen):
        night_at[:, model.col_step[col]] |= model.night[:, col]
    running = np.array(
        [
            False,
            *[
                b - a == timedelta(days=7)
                for a, b in zip(model.steps, model.steps[1:], strict=False)
            ],
        ]
    )
    free = sorted(
        (key for key, cols in model.week_cols.items() if not model.col_fixed[cols[0]]),
        key=lambda key: (int(model.col_step[model.week_cols[key][0]]), key),
    )
    joint = len(model.series) > 1
    for key in free:
        cols = model.week_cols[key]
        k = int(model.col_step[cols[0]])
        night = model.night[:, cols]  # (site, start)
        blocked = nights[:, None] + 1 > limits[:, None]
        if b2b:
            neighbours = np.zeros(len(model.names), dtype=np.bool_)
            if k > 0 and running[k]:
                neighbours |= night_at[:, k - 1]
            if k + 1 < steps and running[k + 1]:
                neighbours |= night_at[:, k + 1]
            blocked = blocked | neighbours[:, None]
        if joint:
            blocked = blocked | night_at[:, k][:, None]
        ok = ~(night & blocked).any(axis=0)
        if not ok.any():
            return None
        trial = totals[:, None] + model.cost[:, cols]
        c = class_of.get(key)
        left = np.array([wanted.get((c, int(model.col_slot[col])), 0) for col in cols])
        order = np.lexsort((model.cost[:, cols].sum(axis=0), trial.max(axis=0), left <= 0))
        j = next(j for j in order if ok[j])
        if left[j] > 0:
            wanted[(c, int(model.col_slot[cols[j]]))] -= 1
        pick = int(cols[j])
        chosen[pick] = True
        totals += model.cost[:, pick]
        nights += model.night[:, pick]
        night_at[:, k] |= model.night[:, pick]
    return chosen


def _ordered(calls: tuple[Series, ...], options: Options) -> bool:
    """Whether the order of the weeks matters to the rules."""
    steady = options.steadiness
    return bool(
        (steady and ((steady.min_block_weeks or 1) > 1 or steady.max_changes is not None))
        or options.even_pace
        or (options.nights and options.nights.no_back_to_back)
        or len(calls) > 1
    )


def _even_shares(model: _Model) -> np.ndarray:
    """Per site and calendar week, the share of the site's meetings held by then."""
    steps = len(model.steps)
    shares = np.zeros((len(model.names), steps))
    for i in range(len(model.names)):
        per_step = np.zeros(steps)
        for cols in model.week_cols.values():
            if model.attends[i, cols[0]]:
                per_step[model.col_step[cols[0]]] += 1
        shares[i] = np.cumsum(per_step) / max(per_step.sum(), 1.0)
    return shares


def _pace_of(model: _Model, chosen: np.ndarray, shares: np.ndarray) -> float:
    per_step = np.zeros(shares.shape)
    cols = np.flatnonzero(chosen)
    np.add.at(per_step, (slice(None), model.col_step[cols]), model.cost[:, cols])
    running = np.cumsum(per_step, axis=1)
    return float(np.abs(running - shares * running[:, -1:]).max(initial=0.0))


def _pace_search(
    model: _Model, options: Options, chosen: np.ndarray, cap: float, deadline: float
) -> np.ndarray:
    """Local search for an even pace: exchange the starts of two weeks (or, with steady
    blocks, of two runs) of one call, or give one week another start, while that lowers the
    largest pace gap and keeps the worst-off cost within ``cap`` and every rule. Seeded."""
    rng = np.random.default_rng(0)
    shares = _even_shares(model)
    steady = options.steadiness
    blocks = bool(steady and ((steady.min_block_weeks or 1) > 1 or steady.max_changes is not None))
    col_of = {
        (key, int(model.col_slot[c])): int(c) for key, cols in model.week_cols.items() for c in cols
    }
    free = [key for key, cols in model.week_cols.items() if not model.col_fixed[cols[0]]]
    chosen = chosen.copy()

    def slot_now(key: tuple[int, int]) -> int:
        cols = model.week_cols[key]
        return int(model.col_slot[cols[chosen[cols]][0]])

    def groups() -> list[list[tuple[int, int]]]:
        if not blocks:
            return [[key] for key in free]
        runs: list[list[tuple[int, int]]] = []
        for key in free:
            if runs and runs[-1][-1][0] == key[0] and slot_now(runs[-1][-1]) == slot_now(key):
                runs[-1].append(key)
            else:
                runs.append([key])
        return runs

    def moved(trial: np.ndarray, group: list[tuple[int, int]], slot: int) -> bool:
        for key in group:
            if (key, slot) not in col_of:
                return False
            cols = model.week_cols[key]
            trial[cols] = False
            trial[col_of[(key, slot)]] = True
        return True

    best = _pace_of(model, chosen, shares)
    best_total = float(model.cost[:, chosen].sum())
    failures = 0
    while clock.perf_counter() < deadline and failures < 1500 and best > 0:
        runs = groups()
        trial = chosen.copy()
        if rng.random() < 0.7 and len(runs) > 1:
            a, b = rng.choice(len(runs), size=2, replace=False)
            ga, gb = runs[int(a)], runs[int(b)]
            if ga[0][0] != gb[0][0]:
                failures += 1
                continue
            sa, sb = slot_now(ga[0]), slot_now(gb[0])
            if sa == sb or not (moved(trial, ga, sb) and moved(trial, gb, sa)):
                failures += 1
                continue
        else:
            group = runs[int(rng.integers(len(runs)))]
            cols = model.week_cols[group[0]]
            slot = int(model.col_slot[cols[int(rng.integers(len(cols)))]])
            if slot == slot_now(group[0]) or not moved(trial, group, slot):
                failures += 1
                continue
        totals = model.cost[:, trial].sum(axis=1)
        if totals.max() > cap + 1e-9:
            failures += 1
            continue
        value = _pace_of(model, trial, shares)
        key = (round(value, 9), round(float(totals.sum()), 9))
        if key < (round(best, 9), round(best_total, 9)) and _rules_kept(model, options, trial):
            chosen, best, best_total, failures = trial, value, float(totals.sum()), 0
        else:
            failures += 1
    return chosen


def plan_rotation(
    series: Series | Sequence[Series],
    options: Options = Options(),
    *,
    method: Literal["exact", "fast"] = "exact",
    time_limit: float | None = None,
    label: str = "Amity rotation",
) -> RotationPlan:
    """Plan one call or several together: the least cost for the worst-off site (all
    calls, held weeks included), then with ``even_pace`` the least largest pace gap (the
    worst-off cost may rise by ``pace_slack``), then the least total, keeping every option.

    First the class-count programme (weeks with the same costs are interchangeable when
    order is forgotten) gives the least worst-off cost and total without the rules that
    depend on order: a proven bound. When no rule depends on order, its plan is the
    answer; otherwise its counts are laid out week by week under those rules if possible
    (then they are optimal too). Otherwise, with steady blocks, the best plan on runs cut
    in advance, improved by local search over runs, is the incumbent; ``exact`` then asks
    the week programme for a better one (none proves it optimal); ``fast`` keeps it.
    Without blocks ``fast`` takes any plan keeping the rules and improves it by the same
    local search, and ``exact`` solves the week programme with the bound. The even pace
    is sought by local search, then (``exact``) by the week programme below it.

    ``time_limit`` (default 10 s exact, 2 s fast) covers the whole solve. The plan's
    ``solver`` says whether it is proven optimal and its gap to the proven bound. Raises
    RulesInfeasible (a NoFeasiblePlan saying which site and how many nights it cannot
    avoid, with a machine-readable ``code``) when the options cannot be kept, and
    NoFeasiblePlan (with ``week``) when a hard limit leaves a week without any start."""
    began = clock.perf_counter()
    calls = _as_series(series)
    if time_limit is None:
        time_limit = 10.0 if method == "exact" else FAST_SECONDS
    deadline = began + time_limit
    model = _build(calls)
    _diagnose_nights(model, options)
    gap = 1e-9 if method == "exact" else _FAST_GAP
    scale = model.grain
    n = model.col_call.size

    def remaining(share: float = 1.0) -> float:
        return max((deadline - clock.perf_counter()) * share, 0.1)

    def finish(chosen: np.ndarray, optimal: bool, bound: float) -> RotationPlan:
        return _finish(
            model, options, chosen, label, method, optimal, bound / scale, messages, began, calls
        )

    b2b = bool(options.nights and options.nights.no_back_to_back)
    classes = _classes(model, runs=b2b)
    counts, class_bound, class_value, class_status, _ = _class_solve(
        model,
        classes,
        options,
        time_limit=max(remaining(0.4 if method == "exact" else 0.3), min(1.0, time_limit / 2)),
        gap=1e-9,
    )
    if counts is None:
        if class_status == 2:
            raise _explain_infeasible(model, options, remaining())
        raise NoFeasiblePlan(f"No plan found in {time_limit:g} s.")
    messages = ["class-count programme " + ("proven" if class_status == 0 else "stopped early")]
    class_proven = class_status == 0
    if not _ordered(calls, options):
        chosen = _spread_counts(model, classes, counts)
        return finish(chosen, class_proven and method == "exact", class_bound)
    programme = _programme(model, options)
    constraint = programme.rows.constraint()
    whole = bool(programme.integrality[programme.z])
    lower = programme.lower.copy()
    lower[programme.z] = class_bound

    # Stage 1: the least worst-off cost.
    chosen, bound, optimal, total_settled = None, class_bound, False, False
    arranged = milp(
        np.zeros(programme.width),
        integrality=programme.integrality,
        bounds=Bounds(programme.lower, programme.upper),
        constraints=[constraint, _layout_rows(model, classes, counts, programme.width)],
        options={"time_limit": remaining(0.3 if method == "exact" else 0.15)},
    )
    if arranged.x is not None:
        messages.append("laid out week by week under every rule")
        chosen = arranged.x[:n] > 0.5
        optimal = class_proven and method == "exact"
        total_settled = class_proven  # the class plan's total is the least possible
    else:
        messages.append("the class plan cannot be laid out under every rule")
    steady = options.steadiness
    if chosen is None and steady and (steady.min_block_weeks or 1) > 1:
        found = _best_runs_plan(model, options, remaining(0.5 if method == "fast" else 0.3))
        if found is not None:
            chosen = _kick_runs(model, options, found[0], clock.perf_counter() + remaining(0.6))
            messages.append(
                f"runs cut in advance: {found[1] / scale:g}, after local search: "
                f"{model.cost[:, chosen].sum(axis=1).max():g}"
            )
    if chosen is None and method == "fast" and not (steady and steady.max_changes is not None):
        start = _greedy(model, options, classes, counts)
        if start is not None:
            chosen = _kick_runs(model, options, start, clock.perf_counter() + remaining(0.7))
            messages.append("built week by week, improved by local search")
    if chosen is None and method == "fast":
        feasible = milp(
            np.zeros(programme.width),
            integrality=programme.integrality,
            bounds=Bounds(lower, programme.upper),
            constraints=[constraint],
            options={"time_limit": remaining(0.5)},
        )
        if feasible.x is None:
            if feasible.status == 2:
                raise _explain_infeasible(model, options, remaining())
            raise NoFeasiblePlan(f"No plan found in {time_limit:g} s.")
        chosen = _kick_runs(
            model, options, feasible.x[:n] > 0.5, clock.perf_counter() + remaining(0.7)
        )
        messages.append("a plan keeping every rule, improved by local search")
    if method == "exact" and not optimal:
        upper = programme.upper.copy()
        if chosen is not None:
            incumbent = float(model.cost[:, chosen].sum(axis=1).max()) * scale
            incumbent = round(incumbent, 6)
            # Only a better plan is of interest: none proves the incumbent optimal.
            upper[programme.z] = incumbent - 1 if whole else incumbent * (1 - 1e-9) - 1e-9
        objective = np.zeros(programme.width)
        objective[programme.z] = 1.0
        first = milp(
            objective,
            integrality=programme.integrality,
            bounds=Bounds(lower, upper),
            constraints=[constraint],
            options={"time_limit": remaining(0.6), "mip_rel_gap": gap},
        )
        messages.append(f"week programme: {first.message}")
        if first.x is not None:
            chosen = first.x[:n] > 0.5
            bound = max(class_bound, float(getattr(first, "mip_dual_bound", None) or first.fun))
            optimal = first.status == 0
        elif first.status == 2 and chosen is not None:
            bound, optimal = incumbent, True
        elif first.status == 2:
            raise _explain_infeasible(model, options, remaining())
        elif chosen is None:
            raise NoFeasiblePlan(f"No plan found in {time_limit:g} s.")
        else:
            dual = getattr(first, "mip_dual_bound", None)
            if dual is not None and math.isfinite(dual):
                bound = max(bound, min(dual, incumbent))
    if whole:
        bound = math.ceil(bound - 1e-6)
    z_value = float(model.cost[:, chosen].sum(axis=1).max())
    upper = programme.upper.copy()
    if options.even_pace:
        # Stage 2: the least largest pace gap, the worst-off cost within the slack.
        cap = z_value * (1 + options.pace_slack)
        chosen = _pace_search(model, options, chosen, cap, clock.perf_counter() + remaining(0.5))
        shares = _even_shares(model)
        found = _pace_of(model, chosen, shares)
        messages.append(f"even pace by local search: {found:g}")
        upper[programme.z] = math.floor(cap * scale + 1e-6) if whole else cap * scale + 1e-6
        total_settled = False
        if method == "exact":
            objective = np.zeros(programme.width)
            objective[programme.d] = 1.0
            pace_upper = upper.copy()
            pace_upper[programme.d] = found * scale + 1e-6
            pace = milp(
                objective,
                integrality=programme.integrality,
                bounds=Bounds(lower, pace_upper),
                constraints=[constraint],
                options={"time_limit": remaining(0.6), "mip_rel_gap": gap},
            )
            messages.append(f"pace: {pace.message}")
            if pace.x is not None and _pace_of(model, pace.x[:n] > 0.5, shares) <= found + 1e-9:
                chosen = pace.x[:n] > 0.5
                found = _pace_of(model, chosen, shares)
            optimal = optimal and pace.status == 0
        upper[programme.d] = found * scale + 1e-6 * max(1.0, found * scale)
    else:
        cap = z_value
        upper[programme.z] = math.floor(cap * scale + 1e-6) if whole else cap * scale + 1e-6
    if method == "fast" or total_settled:
        return finish(chosen, optimal, bound)
    # Stage 3: the least total, the earlier figures held.
    objective = np.zeros(programme.width)
    objective[:n] = model.cost.sum(axis=0) * scale
    total = milp(
        objective,
        integrality=programme.integrality,
        bounds=Bounds(lower, upper),
        constraints=[constraint],
        options={"time_limit": remaining(), "mip_rel_gap": gap},
    )
    messages.append(f"total: {total.message}")
    if total.x is not None and objective[:n] @ total.x[:n] <= objective[:n] @ chosen + 1e-6:
        chosen = total.x[:n] > 0.5
        optimal = optimal and total.status == 0
    else:
        optimal = False
    return finish(chosen, optimal, bound)


def _layout_rows(
    model: _Model, classes: _Classes, counts: np.ndarray, width: int
) -> LinearConstraint:
    """Each class holds each start exactly as many weeks as the class plan says."""
    layout = _Rows(width)
    offset = 0
    for members, first_cols in zip(classes.members, classes.cols, strict=True):
        mine = counts[offset : offset + len(first_cols)]
        offset += len(first_cols)
        slot_cols: dict[int, list[int]] = {}
        for key in members:
            for col in model.week_cols[key]:
                slot_cols.setdefault(int(model.col_slot[col]), []).append(int(col))
        for pick, col0 in enumerate(first_cols):
            count = float(mine[pick])
            layout.add(slot_cols[int(model.col_slot[col0])], 1.0, count, count)
    return layout.constraint()


def _finish(model, options, chosen, label, method, optimal, bound, messages, began, calls):
    plan = _report(model, options, chosen, label=label, solver=None)
    bound_value = min(bound, plan.max_cost)
    gap_value = (plan.max_cost - bound_value) / plan.max_cost if plan.max_cost > 0 else 0.0
    solver = SolverReport(
        method=method,
        optimal=optimal,
        bound=bound_value,
        gap=max(gap_value, 0.0),
        seconds=clock.perf_counter() - began,
        status="; ".join(str(m) for m in messages),
        week_classes=len(_classes(model).members),
    )
    return replace(plan, solver=solver)


def _report(
    model: _Model, options: Options, chosen: np.ndarray, *, label: str, solver
) -> RotationPlan:
    calls = model.series
    starts: list[list[datetime | None]] = [[None] * c.problem.weeks for c in calls]
    slot_of: list[list[int | None]] = [[None] * c.problem.weeks for c in calls]
    for col in np.flatnonzero(chosen):
        p, w = int(model.col_call[col]), int(model.col_week[col])
        starts[p][w] = planner._EPOCH + timedelta(minutes=int(model.col_start[col]))
        slot_of[p][w] = int(model.col_slot[col])
    lines = []
    for i, name in enumerate(model.names):
        tz = ZoneInfo(model.zones[i])
        costs, night_weeks, locals_, changes = [], [], [], []
        for p, call in enumerate(calls):
            row = [0.0] * call.problem.weeks
            nights = []
            for col in np.flatnonzero(chosen & (model.col_call == p)):
                w = int(model.col_week[col])
                row[w] = float(model.cost[i, col])
                if model.night[i, col]:
                    nights.append(w)
            present = np.zeros(call.problem.weeks, dtype=np.bool_)
            for col in np.flatnonzero(chosen & (model.col_call == p) & model.attends[i]):
                present[int(model.col_week[col])] = True
            local = tuple(
                s.astimezone(tz) if s is not None and present[w] else None
                for w, s in enumerate(starts[p])
            )
            previous = None
            moved = []
            for w, value in enumerate(local):
                if value is None:
                    continue
                wall = (value.weekday(), value.hour, value.minute)
                if previous is not None and wall != previous:
                    moved.append(w)
                previous = wall
            costs.append(tuple(row))
            night_weeks.append(tuple(sorted(nights)))
            locals_.append(local)
            changes.append(tuple(moved))
        total = float(model.cost[i, chosen].sum())
        lines.append(
            SiteLine(
                name=name,
                zone=model.zones[i],
                total=total,
                nights=int(model.night[i, chosen].sum()),
                costs=tuple(costs),
                night_weeks=tuple(night_weeks),
                local_starts=tuple(locals_),
                time_changes=tuple(changes),
            )
        )
    slot_changes = []
    for p in range(len(calls)):
        previous, moved = None, []
        for w, _s in enumerate(slot_of[p]):
            if starts[p][w] is None:
                continue
            key = starts[p][w].time(), starts[p][w].weekday()
            if previous is not None and key != previous:
                moved.append(w)
            previous = key
        slot_changes.append(tuple(moved))
    steps = len(model.steps)
    pace, shares = [], []
    for i in range(len(model.names)):
        per_step = np.zeros(steps)
        attended = np.zeros(steps)
        np.add.at(per_step, model.col_step[chosen], model.cost[i, chosen])
        np.add.at(attended, model.col_step[chosen], model.attends[i, chosen].astype(float))
        running = np.cumsum(per_step)
        final = running[-1] if steps else 0.0
        even = final * np.cumsum(attended) / max(attended.sum(), 1.0)
        pace.append(tuple(float(v) for v in running - even))
        shares.append(tuple(float(v) for v in (running / final if final > 0 else running * 0)))
    totals = [line.total for line in lines]
    return RotationPlan(
        label=label,
        series=calls,
        options=options,
        starts=tuple(tuple(row) for row in starts),
        sites=tuple(lines),
        max_cost=max(totals),
        total_cost=float(sum(totals)),
        gini=planner.gini(totals),
        slot_changes=tuple(slot_changes),
        pace_steps=tuple(model.steps),
        pace=tuple(pace),
        running_share=tuple(shares),
        solver=solver,
    )


def evaluate_starts(
    series: Series | Sequence[Series],
    starts: Sequence[Sequence[datetime | None]],
    *,
    label: str,
    options: Options = Options(),
) -> RotationPlan:
    """The figures of given starts (per call, per week; None where cancelled), held weeks
    taking their held start: for baselines and for plans made elsewhere."""
    calls = _as_series(series)
    fixed_calls = []
    for call, row in zip(calls, starts, strict=True):
        if len(row) != call.problem.weeks:
            raise ValueError(f"A plan has one start for each of the {call.problem.weeks} weeks.")
        held = dict(call.held)
        for w, start in enumerate(row):
            if w not in held and w not in call.cancelled and start is not None:
                held[w] = start
        cancelled = {w for w, s in enumerate(row) if s is None and w not in held}
        fixed_calls.append(replace(call, held=tuple(held.items()), cancelled=frozenset(cancelled)))
    # Fixed starts are kept even where they break a hard limit: this only measures them.
    model = _build(tuple(fixed_calls))
    return _report(
        model, options, np.ones(model.col_call.size, dtype=np.bool_), label=label, solver=None
    )


# --- What each option costs -----------------------------------------------------------------


@dataclass(frozen=True)
class OptionPrice:
    """The worst-off site's cost and the total with all the options, and with one option
    dropped (``option`` "all options": with none)."""

    option: str
    max_with: float
    max_without: float
    total_with: float
    total_without: float
    worst_with: tuple[str, ...]
    worst_without: tuple[str, ...]

    @property
    def extra(self) -> float:
        """What the option adds to the worst-off site's cost."""
        return self.max_with - self.max_without


def _without(options: Options) -> dict[str, Options]:
    variants: dict[str, Options] = {}
    if options.steadiness:
        variants["steady blocks"] = replace(options, steadiness=None)
    nights = options.nights
    if nights and (nights.max_nights is not None or nights.per_site):
        variants["night limit"] = replace(
            options, nights=replace(nights, max_nights=None, per_site=())
        )
    if nights and nights.no_back_to_back:
        variants["no back-to-back nights"] = replace(
            options, nights=replace(nights, no_back_to_back=False)
        )
    if options.even_pace:
        variants["even pace"] = replace(options, even_pace=False, pace_slack=0.0)
    return variants


def price_options(
    series: Series | Sequence[Series],
    options: Options,
    *,
    method: Literal["exact", "fast"] = "exact",
    time_limit: float | None = None,
    plan: RotationPlan | None = None,
) -> tuple[OptionPrice, ...]:
    """What each option costs the worst-off site: the plan with every option against the
    plan with that one dropped, and ("all options") against the plan with none. Several
    solves, each with ``time_limit``; pass ``plan`` if the plan with every option is
    already made. A variant solved worse than the plan with every option (possible with
    the fast solver) reports the plan's own figures, since that plan keeps its rules too:
    an option never shows a negative price."""
    plan = plan or plan_rotation(series, options, method=method, time_limit=time_limit)
    variants = _without(options)
    if len(variants) > 1 or not variants:
        variants["all options"] = Options()
    prices = []
    for name, variant in variants.items():
        other = plan_rotation(series, variant, method=method, time_limit=time_limit)
        # Dropping an option only relaxes the rules, so the plan with every option is a
        # plan for the variant too: a heuristic variant never reports worse than it.
        if (round(other.max_cost, 9), round(other.total_cost, 9)) > (
            round(plan.max_cost, 9),
            round(plan.total_cost, 9),
        ):
            other = plan
        prices.append(
            OptionPrice(
                option=name,
                max_with=plan.max_cost,
                max_without=other.max_cost,
                total_with=plan.total_cost,
                total_without=other.total_cost,
                worst_with=plan.worst_sites,
                worst_without=other.worst_sites,
            )
        )
    return tuple(prices)


# --- Re-planning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekChange:
    """A week whose start changes: the UTC start before and after (None: no meeting), and
    each site whose local start changes, ``(site, before, after)`` on its wall clock."""

    call: int
    week: int
    before: datetime | None
    after: datetime | None
    sites: tuple[tuple[str, datetime | None, datetime | None], ...]


@dataclass(frozen=True)
class Replan:
    """The new plan, the weeks that change, and what the held weeks cost each site."""

    plan: RotationPlan
    changes: tuple[WeekChange, ...]
    history: dict[str, float]


def replan(
    series: Series,
    previous: Sequence[datetime | None],
    *,
    held_weeks: int,
    join: Sequence[Site] = (),
    join_week: int | None = None,
    leave: Sequence[str] = (),
    cancel: Iterable[int] = (),
    options: Options = Options(),
    method: Literal["exact", "fast"] = "exact",
    time_limit: float | None = None,
) -> Replan:
    """Re-plan the weeks still to come. Weeks before ``held_weeks`` keep their start in
    ``previous`` (held: never moved, their costs and nights count); sites in ``join``
    attend from ``join_week`` (default ``held_weeks``) and cost nothing before; sites
    named in ``leave`` drop out (their past costs no longer count); weeks in ``cancel``
    (all to come) lose their meeting."""
    problem = series.problem
    if len(previous) != problem.weeks:
        raise ValueError(f"A plan has one start for each of the {problem.weeks} weeks.")
    if not 0 <= held_weeks <= problem.weeks:
        raise ValueError("The held weeks lie within the series.")
    cancel = frozenset(cancel)
    if any(w < held_weeks for w in cancel):
        raise ValueError("A week already held cannot be cancelled.")
    names = {site.name for site in problem.sites}
    if unknown := [name for name in leave if name not in names]:
        raise ValueError(f"{', '.join(unknown)} is not a site of this call.")
    first = held_weeks if join_week is None else join_week
    sites = tuple(s for s in problem.sites if s.name not in set(leave)) + tuple(join)
    new_problem = replace(problem, sites=sites)
    held = tuple((w, previous[w]) for w in range(held_weeks) if previous[w] is not None)
    was_cancelled = {w for w in range(held_weeks) if previous[w] is None}
    new_series = replace(
        series,
        problem=new_problem,
        held=held,
        cancelled=frozenset(series.cancelled | cancel | was_cancelled),
        joined=tuple((name, w) for name, w in series.joined if name in {s.name for s in sites})
        + tuple((site.name, first) for site in join),
    )
    plan = plan_rotation(
        new_series, options, method=method, time_limit=time_limit, label="Re-planned rotation"
    )
    history = {line.name: float(sum(line.costs[0][:held_weeks])) for line in plan.sites}
    changes = []
    for w in range(held_weeks, problem.weeks):
        before, after = previous[w], plan.starts[0][w]
        if before == after:
            continue
        moved = []
        for site in sites:
            tz = ZoneInfo(site.zone)
            old = before.astimezone(tz) if before is not None and site.name in names else None
            new = after.astimezone(tz) if after is not None else None
            if old != new:
                moved.append((site.name, old, new))
        changes.append(WeekChange(call=0, week=w, before=before, after=after, sites=tuple(moved)))
    return Replan(plan=plan, changes=tuple(changes), history=history)


# --- Robustness -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRanking:
    """Under one cost table: each plan's worst-off cost and total, best first, and the
    chosen plan's rank (1 is best; plans with the same worst-off cost and total share a
    rank)."""

    table: str
    rows: tuple[tuple[str, float, float], ...]
    rank: int


def with_table(series: Series, table: CostTable) -> Series:
    """The call with every site costed by ``table``."""
    sites = tuple(replace(site, cost_table=table) for site in series.problem.sites)
    return replace(series, problem=replace(series.problem, sites=sites))


def rank_under_tables(
    series: Series,
    chosen: Sequence[datetime | None],
    baselines: Mapping[str, Sequence[datetime | None]],
    tables: Mapping[str, CostTable] = COST_TABLES,
    *,
    chosen_label: str = "Amity rotation",
) -> tuple[TableRanking, ...]:
    """Re-cost the chosen starts and each baseline's with every site's table replaced by
    each of ``tables``, and rank them by the worst-off site's cost, then the total."""
    rankings = []
    candidates = {chosen_label: chosen, **baselines}
    for table_name, table in tables.items():
        costed = with_table(series, table)
        rows = []
        for name, starts in candidates.items():
            plan = evaluate_starts(costed, [starts], label=name)
            rows.append((name, round(plan.max_cost, 9), round(plan.total_cost, 9)))
        rows.sort(key=lambda row: (row[1], row[2]))
        mine = next(row for row in rows if row[0] == chosen_label)
        rank = 1 + sum(1 for row in rows if (row[1], row[2]) < (mine[1], mine[2]))
        rankings.append(TableRanking(table=table_name, rows=tuple(rows), rank=rank))
    return tuple(rankings)


def baselines(series: Series, *, typed: str = "") -> dict[str, tuple[datetime | None, ...]]:
    """The usual comparisons for one call: the fixed slot a poll picks (least total), the
    fixed slot fairest to the worst-off site, the unsteady optimum of ``planner`` and, when
    given, a typed wall time ("04:00 Asia/Shanghai"). Cancelled weeks have no start."""
    problem = series.problem
    plans = [
        planner.best_fixed_slot(problem, minimise="total"),
        planner.best_fixed_slot(problem, minimise="max"),
        planner.solve_exact(problem, label="Unsteady optimum"),
    ]
    if typed:
        plans.append(planner.wall_time_plan(problem, typed))
    held = dict(series.held)
    result = {}
    for plan in plans:
        if plan is None:
            continue
        result[plan.label] = tuple(
            None if w in series.cancelled else held.get(w, start)
            for w, start in enumerate(plan.starts)
        )
    return result
