"""Fair times for a recurring call across continents: plan a weekly series so that the
inconvenient hours are shared instead of falling on one site every week.

Pure functions over plain frozen dataclasses: no web code, no database, no translation
(the strings of ``explain`` are plain English; the web layer translates its own).

The model
---------
- A *slot* is a UTC weekday and a UTC time of day on the problem's grid (every
  ``slot_step_minutes`` of each allowed weekday). In week ``w`` the slot's meeting starts
  on that weekday among the seven days from ``first_date + 7w``, at that UTC time.
- A site's cost for one meeting is the mean, over the meeting's minutes, of each minute's
  cost by the site's local hour (from the tz rules at that very instant, so a call that
  spans a DST change or crosses midnight into a weekend is costed minute by minute), plus
  a surcharge when that minute's local day is not a working day or is one of the site's
  unavailable dates; times the site's weight.
- A plan picks one slot per week. It minimises the largest cumulative cost of any site over
  the series, then the total cost of all sites.

Solvers
-------
Weeks that lie between the same DST changes (and hit no site's unavailable date) have the
same cost for every site and slot, so any of them may swap slots without changing a figure.
Both solvers therefore work on *week classes*: ``n[c, s]`` counts the weeks of class ``c``
held on slot ``s``. ``solve_exact`` solves that integer programme with HiGHS (through
``scipy.optimize.milp``), first for the largest site cost and then, with that fixed, for
the total; ``solve_fast`` solves its linear relaxation, rounds it and improves it by local
search, and reports its gap to the relaxation's bound. Within a class the weeks are then
handed to the chosen slots in an even rotation.
"""

import math
import re
import time as clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MINUTES_PER_DAY = 24 * 60
MAX_MEETING_MINUTES = 12 * 60
MAX_WEEKS = 520
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONDAY_TO_FRIDAY = frozenset(range(5))

EARLY_MORNING_BEFORE = time(7, 0)  # a local start before this is an early morning
EVENING_FROM = time(19, 0)  # a local start at or after this is an evening (or night)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_WEEKDAY = 3  # 1 January 1970 was a Thursday
_ONE_MINUTE = timedelta(minutes=1)
# No zone changes its UTC offset twice within six hours, so scanning at this step and
# bisecting each change finds every change to the minute.
_SCAN_MINUTES = 6 * 60
# Relative tolerance for "the same largest cost" when costs are sums of floats.
_TOLERANCE = 1e-9


# --- Inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostTable:
    """The cost of one minute of meeting by the site's local hour on a working day
    (``hourly[h]`` for the hour starting at h:00), and the extra cost of a minute whose
    local day is not a working day."""

    hourly: tuple[float, ...]
    non_working_extra: float = 3.0

    def __post_init__(self) -> None:
        hourly = tuple(float(value) for value in self.hourly)
        if len(hourly) != 24:
            raise ValueError("A cost table has one cost for each of the 24 hours.")
        if not all(math.isfinite(v) and v >= 0 for v in (*hourly, self.non_working_extra)):
            raise ValueError("Costs are finite and not negative.")
        object.__setattr__(self, "hourly", hourly)
        object.__setattr__(self, "non_working_extra", float(self.non_working_extra))

    def per_minute(self) -> FloatArray:
        """The working-day cost of each minute of the day, 00:00 to 23:59."""
        return np.repeat(np.array(self.hourly, dtype=np.float64), 60)


# 08–18: 0; 07–08 and 18–19: 1; 06–07 and 19–21: 2; 21–23: 4; 05–06 and 23–24: 6;
# 00–05: 10; and 3 more on a non-working day.
DEFAULT_COST_TABLE = CostTable(
    hourly=(10, 10, 10, 10, 10, 6, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 4, 4, 6),
    non_working_extra=3.0,
)


@dataclass(frozen=True)
class Site:
    """An institution or a person taking part in the call.

    ``working_days`` are local weekdays (Monday = 0); ``unavailable_dates`` are local dates
    (national holidays, say) that cost like a non-working day. ``cost_table`` replaces the
    default table for this site only. ``working_dates`` are local dates that are working
    days whatever their weekday (China's adjusted working Saturdays, say); an unavailable
    date still costs like a day off."""

    name: str
    zone: str
    weight: float = 1.0
    working_days: frozenset[int] = MONDAY_TO_FRIDAY
    unavailable_dates: frozenset[date] = frozenset()
    cost_table: CostTable | None = None
    working_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("A site needs a name.")
        _zone(self.zone)
        if not (math.isfinite(self.weight) and self.weight >= 0):
            raise ValueError(f"The weight of {self.name} must be a number not below 0.")
        working_days = frozenset(self.working_days)
        if not working_days <= set(range(7)):
            raise ValueError("Working days are weekday numbers from 0 (Monday) to 6 (Sunday).")
        object.__setattr__(self, "working_days", working_days)
        object.__setattr__(self, "unavailable_dates", frozenset(self.unavailable_dates))
        object.__setattr__(self, "working_dates", frozenset(self.working_dates))

    @property
    def costs(self) -> CostTable:
        return self.cost_table or DEFAULT_COST_TABLE


@dataclass(frozen=True, order=True)
class Slot:
    """A start time on the planning grid: a UTC weekday (Monday = 0) and minutes after
    00:00 UTC."""

    weekday: int
    minute: int

    @property
    def label(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.minute // 60:02d}:{self.minute % 60:02d} UTC"


@dataclass(frozen=True)
class Problem:
    """A weekly call series to plan.

    Week ``w`` is the seven UTC days from ``first_date + 7w``; the call may start on any
    ``allowed_weekdays`` (UTC weekdays, Monday = 0) of that week, at any multiple of
    ``slot_step_minutes`` after 00:00 UTC. ``hard_limits`` are local windows
    ``(start_hour, end_hour)`` that no minute of the call may touch at any site, e.g.
    ``(0, 5)`` for "never between 00:00 and 05:00"; a window may wrap past midnight, as
    ``(22, 6)``. ``max_distinct_slots`` caps how many different slots the series uses
    (None: no cap)."""

    sites: tuple[Site, ...]
    meeting_minutes: int
    first_date: date
    weeks: int
    allowed_weekdays: frozenset[int]
    slot_step_minutes: int = 30
    hard_limits: tuple[tuple[float, float], ...] = ()
    max_distinct_slots: int | None = None

    def __post_init__(self) -> None:
        sites = tuple(self.sites)
        if not sites:
            raise ValueError("A call needs at least one site.")
        if len({site.name for site in sites}) != len(sites):
            raise ValueError("Each site needs its own name.")
        if not 1 <= self.meeting_minutes <= MAX_MEETING_MINUTES:
            raise ValueError(f"A call lasts from 1 to {MAX_MEETING_MINUTES} minutes.")
        if not 1 <= self.weeks <= MAX_WEEKS:
            raise ValueError(f"A series has from 1 to {MAX_WEEKS} weeks.")
        weekdays = frozenset(self.allowed_weekdays)
        if not weekdays or not weekdays <= set(range(7)):
            raise ValueError("Allow at least one weekday, numbered from 0 (Monday) to 6.")
        step = self.slot_step_minutes
        if step < 1 or MINUTES_PER_DAY % step:
            raise ValueError("The slot step must divide the day, e.g. 15 or 30 minutes.")
        limits = tuple((float(start), float(end)) for start, end in self.hard_limits)
        for start, end in limits:
            if not (0 <= start <= 24 and 0 <= end <= 24) or start == end:
                raise ValueError("A hard limit is a window of local hours from 0 to 24.")
        if self.max_distinct_slots is not None and self.max_distinct_slots < 1:
            raise ValueError("A series uses at least one slot.")
        object.__setattr__(self, "sites", sites)
        object.__setattr__(self, "allowed_weekdays", weekdays)
        object.__setattr__(self, "hard_limits", limits)

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        """Every candidate start, in the order the days come within a week."""
        days = sorted(self.allowed_weekdays, key=self._day_offset)
        step = self.slot_step_minutes
        return tuple(Slot(day, minute) for day in days for minute in range(0, 1440, step))

    @cached_property
    def forbidden_minutes(self) -> BoolArray:
        """For each local minute of the day, whether a hard limit forbids it."""
        forbidden = np.zeros(MINUTES_PER_DAY, dtype=np.bool_)
        for start_hour, end_hour in self.hard_limits:
            start, end = round(start_hour * 60), round(end_hour * 60)
            if start < end:
                forbidden[start:end] = True
            else:
                forbidden[start:] = True
                forbidden[:end] = True
        forbidden.setflags(write=False)
        return forbidden

    def _day_offset(self, weekday: int) -> int:
        return (weekday - self.first_date.weekday()) % 7

    def day(self, week: int, weekday: int) -> date:
        """The UTC date of ``weekday`` in ``week``."""
        return self.first_date + timedelta(days=7 * week + self._day_offset(weekday))

    def start(self, week: int, slot: Slot) -> datetime:
        """The instant (aware, UTC) at which ``slot`` starts in ``week``."""
        day = self.day(week, slot.weekday)
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + slot.minute * _ONE_MINUTE


class NoFeasiblePlan(ValueError):
    """No plan keeps every site out of the hard limits (with at most the allowed number of
    distinct slots)."""

    def __init__(self, message: str, *, week: int | None = None):
        super().__init__(message)
        self.week = week


# --- Local time and cost ------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"Unknown time zone: {name!r}.") from error


def _epoch_minute(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError("Start times must be aware datetimes.")
    if instant.second or instant.microsecond:
        raise ValueError("Start times are whole minutes.")
    return (instant - _EPOCH) // _ONE_MINUTE


def _epoch_day(day: date) -> int:
    return (day - _EPOCH.date()).days


@lru_cache(maxsize=1024)
def _offset_steps(zone: str, first: int, last: int) -> tuple[IntArray, IntArray]:
    """The UTC offsets (minutes) of ``zone`` between epoch minutes ``first`` and ``last``:
    ``offsets[i]`` holds from ``changes[i - 1]`` (or before) up to ``changes[i]``."""
    tz = ZoneInfo(zone)

    def offset(minute: int) -> int:
        return datetime.fromtimestamp(minute * 60, tz).utcoffset() // _ONE_MINUTE

    changes: list[int] = []
    offsets = [offset(first)]
    probe = first
    while probe < last:
        ahead = min(probe + _SCAN_MINUTES, last)
        value = offset(ahead)
        if value != offsets[-1]:
            before, after = probe, ahead
            while after - before > 1:
                middle = (before + after) // 2
                if offset(middle) == offsets[-1]:
                    before = middle
                else:
                    after = middle
            changes.append(after)
            offsets.append(value)
        probe = ahead
    change_array = np.array(changes, dtype=np.int64)
    offset_array = np.array(offsets, dtype=np.int64)
    change_array.setflags(write=False)
    offset_array.setflags(write=False)
    return change_array, offset_array


def _local_minutes(zone: str, instants: IntArray) -> IntArray:
    """Local wall-clock minutes since 1970-01-01 00:00 (local) of UTC epoch minutes."""
    # Whole days at both ends, so that calls over the same series share the cached scan.
    first = int(instants.min()) // MINUTES_PER_DAY * MINUTES_PER_DAY
    last = -(-int(instants.max()) // MINUTES_PER_DAY) * MINUTES_PER_DAY
    changes, offsets = _offset_steps(zone, first, last)
    return instants + offsets[np.searchsorted(changes, instants, side="right")]


def _meetings(problem: Problem, site: Site, starts: IntArray) -> tuple[FloatArray, BoolArray]:
    """For a call starting at each UTC epoch minute in ``starts``: its cost for ``site``,
    and whether any of its minutes falls in a hard limit on the site's wall clock."""
    instants = starts[..., None] + np.arange(problem.meeting_minutes, dtype=np.int64)
    local_day, minute_of_day = np.divmod(_local_minutes(site.zone, instants), MINUTES_PER_DAY)
    working = np.zeros(7, dtype=np.bool_)
    working[list(site.working_days)] = True
    day_off = ~working[(local_day + _EPOCH_WEEKDAY) % 7]
    if site.working_dates:
        day_off &= ~np.isin(local_day, [_epoch_day(day) for day in site.working_dates])
    if site.unavailable_dates:
        unavailable = [_epoch_day(day) for day in site.unavailable_dates]
        day_off |= np.isin(local_day, unavailable)
    table = site.costs
    per_minute = table.per_minute()[minute_of_day] + table.non_working_extra * day_off
    costs = per_minute.mean(axis=-1) * site.weight
    breaches = problem.forbidden_minutes[minute_of_day].any(axis=-1)
    return costs, breaches


@dataclass(frozen=True, eq=False)
class CostMatrix:
    """``costs[site, week, slot]``: each site's cost of each candidate start;
    ``allowed[week, slot]``: the start keeps every site out of the hard limits."""

    problem: Problem
    costs: FloatArray
    allowed: BoolArray


def cost_matrix(problem: Problem) -> CostMatrix:
    """Every site's cost for every week and slot of ``problem``."""
    slots = problem.slots
    first_day = _epoch_day(problem.first_date)
    day_offsets = np.array([problem._day_offset(slot.weekday) for slot in slots])
    slot_minutes = np.array([slot.minute for slot in slots])
    weeks = np.arange(problem.weeks)
    starts = (first_day + 7 * weeks[:, None] + day_offsets[None, :]) * 1440 + slot_minutes
    costs = np.empty((len(problem.sites), problem.weeks, len(slots)))
    allowed = np.ones((problem.weeks, len(slots)), dtype=np.bool_)
    for index, site in enumerate(problem.sites):
        costs[index], breaches = _meetings(problem, site, starts.astype(np.int64))
        allowed &= ~breaches
    return CostMatrix(problem=problem, costs=costs, allowed=allowed)


# --- Plans and their figures ----------------------------------------------------------------


@dataclass(frozen=True)
class SolverReport:
    """How a plan was found. ``bound`` is a proven lower bound on the largest cumulative
    site cost of any plan; ``gap`` is ``(plan's largest cost − bound) / plan's largest
    cost`` (0 when both are 0). ``optimal`` says the plan is proven optimal: its largest
    cost is the least possible, and its total the least among plans with that largest
    cost."""

    method: Literal["exact", "fast"]
    optimal: bool
    bound: float
    gap: float
    seconds: float
    status: str
    week_classes: int

    @property
    def gap_percent(self) -> float:
        """The gap in per cent: 1.3 for a plan within 1.3 % of the bound."""
        return self.gap * 100


@dataclass(frozen=True)
class SiteReport:
    """One site's share of a plan: its cost each week, its local start each week (aware,
    in the site's zone), the cumulative cost, the worst week (None if every week costs 0)
    and the weeks whose local start differs from the week before."""

    site: Site
    costs: tuple[float, ...]
    local_starts: tuple[datetime, ...]
    total: float
    worst_week: int | None
    time_changes: tuple[int, ...]

    @property
    def cumulative(self) -> tuple[float, ...]:
        """The cumulative cost after each week, for the chart."""
        return tuple(float(value) for value in np.cumsum(self.costs))

    @property
    def early_mornings(self) -> int:
        return sum(local.time() < EARLY_MORNING_BEFORE for local in self.local_starts)

    @property
    def evenings(self) -> int:
        return sum(local.time() >= EVENING_FROM for local in self.local_starts)


@dataclass(frozen=True)
class Plan:
    """A start (aware, UTC) for each week, with its figures: the largest cumulative site
    cost, the total, the Gini coefficient of the sites' cumulative costs, and every
    ``(week, site name)`` whose local time breaks a hard limit (always empty for a
    solver's plan)."""

    label: str
    problem: Problem
    starts: tuple[datetime, ...]
    sites: tuple[SiteReport, ...]
    max_cost: float
    total_cost: float
    gini: float
    breaches: tuple[tuple[int, str], ...]
    solver: SolverReport | None = None

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(Slot(s.weekday(), s.hour * 60 + s.minute) for s in self.starts)

    @property
    def worst_sites(self) -> tuple[str, ...]:
        """The sites whose cumulative cost is the largest."""
        limit = self.max_cost - _TOLERANCE * max(1.0, self.max_cost)
        return tuple(report.site.name for report in self.sites if report.total >= limit)

    def site(self, name: str) -> SiteReport:
        for report in self.sites:
            if report.site.name == name:
                return report
        raise KeyError(name)


def gini(values: Iterable[float]) -> float:
    """The Gini coefficient: 0 when every value is equal, towards 1 when one carries all."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0 or array.sum() <= 0:
        return 0.0
    differences = np.abs(array[:, None] - array[None, :]).sum()
    return float(differences / (2 * array.size * array.sum()))


def _time_changes(local_starts: Sequence[datetime]) -> tuple[int, ...]:
    def wall(local: datetime) -> tuple[int, int, int]:
        return local.weekday(), local.hour, local.minute

    return tuple(
        week
        for week in range(1, len(local_starts))
        if wall(local_starts[week]) != wall(local_starts[week - 1])
    )


def evaluate(
    problem: Problem,
    starts: Sequence[datetime],
    *,
    label: str,
    solver: SolverReport | None = None,
) -> Plan:
    """The figures of a plan that starts the call at ``starts`` (one aware instant, on a
    whole minute, per week)."""
    if len(starts) != problem.weeks:
        raise ValueError(f"A plan has one start for each of the {problem.weeks} weeks.")
    minutes = np.array([_epoch_minute(start) for start in starts], dtype=np.int64)
    utc_starts = tuple(start.astimezone(UTC) for start in starts)
    reports = []
    breaches = []
    for site in problem.sites:
        costs, broken = _meetings(problem, site, minutes)
        tz = ZoneInfo(site.zone)
        local_starts = tuple(start.astimezone(tz) for start in utc_starts)
        breaches.extend((int(week), site.name) for week in np.flatnonzero(broken))
        worst = int(np.argmax(costs)) if costs.max() > 0 else None
        reports.append(
            SiteReport(
                site=site,
                costs=tuple(float(cost) for cost in costs),
                local_starts=local_starts,
                total=float(costs.sum()),
                worst_week=worst,
                time_changes=_time_changes(local_starts),
            )
        )
    totals = [report.total for report in reports]
    return Plan(
        label=label,
        problem=problem,
        starts=utc_starts,
        sites=tuple(reports),
        max_cost=max(totals),
        total_cost=float(sum(totals)),
        gini=gini(totals),
        breaches=tuple(sorted(breaches)),
        solver=solver,
    )


def time_changes(plan: Plan) -> dict[str, tuple[int, ...]]:
    """For each site, the weeks whose local start differs from the week before (to flag)."""
    return {report.site.name: report.time_changes for report in plan.sites}


# --- Fixed times, for comparison -------------------------------------------------------------


def fixed_slot_plan(problem: Problem, slot: Slot, *, label: str | None = None) -> Plan:
    """The same UTC slot every week."""
    starts = [problem.start(week, slot) for week in range(problem.weeks)]
    return evaluate(problem, starts, label=label or f"Every week at {slot.label}")


def best_fixed_slot(
    problem: Problem,
    *,
    minimise: Literal["total", "max"],
    matrix: CostMatrix | None = None,
) -> Plan | None:
    """The fixed weekly slot with the least total cost (then the least largest site cost),
    which is what a poll tool picks, or with the least largest site cost (then the least
    total). Only slots that keep every week out of the hard limits count; None if there
    is none."""
    matrix = matrix or cost_matrix(problem)
    usable = np.flatnonzero(matrix.allowed.all(axis=0))
    if usable.size == 0:
        return None
    site_totals = matrix.costs[:, :, usable].sum(axis=1)
    largest, totals = site_totals.max(axis=0), site_totals.sum(axis=0)
    keys = (largest, totals) if minimise == "total" else (totals, largest)
    slot = problem.slots[int(usable[np.lexsort(keys)[0]])]
    name = "least total cost" if minimise == "total" else "least cost for the worst-off site"
    return fixed_slot_plan(problem, slot, label=f"Fixed slot with the {name} ({slot.label})")


_WALL_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s+(\S+)\s*$")


def parse_wall_time(text: str) -> tuple[time, str]:
    """Read "HH:MM Zone/Name", e.g. "04:00 Asia/Shanghai"."""
    match = _WALL_TIME.match(text)
    if not match:
        raise ValueError(f"Write a time as HH:MM followed by a time zone, not {text!r}.")
    hour, minute, zone = int(match[1]), int(match[2]), match[3]
    if hour > 23 or minute > 59:
        raise ValueError(f"{match[1]}:{match[2]} is not a time of day.")
    _zone(zone)
    return time(hour, minute), zone


def wall_time_starts(problem: Problem, wall: time, zone: str) -> list[datetime]:
    """Each week, ``wall`` on ``zone``'s clock, on the local date that puts the start on
    the week's first allowed UTC weekday (04:00 in Shanghai is Wednesday 20:00 UTC for a
    Wednesday series). A time in a DST gap is read with the offset before the gap and a
    time in a fold as the first of its two instants, as RFC 5545 does."""
    tz = _zone(zone)
    weekday = problem.slots[0].weekday
    starts = []
    for week in range(problem.weeks):
        utc_day = problem.day(week, weekday)
        candidates = [
            datetime.combine(utc_day + timedelta(days=shift), wall, tzinfo=tz).astimezone(UTC)
            for shift in (-1, 0, 1)
        ]
        on_day = [start for start in candidates if start.date() == utc_day]
        starts.append(on_day[0] if on_day else candidates[1])
    return starts


def wall_time_plan(problem: Problem, text: str) -> Plan:
    """The plan that holds the call at a typed wall-clock time every week, e.g.
    "04:00 Asia/Shanghai"; its ``breaches`` list any week where it breaks a hard limit."""
    wall, zone = parse_wall_time(text)
    starts = wall_time_starts(problem, wall, zone)
    return evaluate(problem, starts, label=f"Every week at {wall:%H:%M} {zone}")


# --- Week classes and the class-count programme ----------------------------------------------


@dataclass(frozen=True, eq=False)
class _WeekClasses:
    """Weeks with identical costs and hard-limit breaches for every site and slot."""

    weeks: tuple[IntArray, ...]  # the weeks of each class, in order
    costs: FloatArray  # (site, class, slot)
    allowed: BoolArray  # (class, slot)

    @property
    def sizes(self) -> IntArray:
        return np.array([len(weeks) for weeks in self.weeks], dtype=np.int64)


def _week_classes(matrix: CostMatrix) -> _WeekClasses:
    members: dict[bytes, list[int]] = {}
    for week in range(matrix.problem.weeks):
        key = matrix.costs[:, week, :].tobytes() + matrix.allowed[week].tobytes()
        members.setdefault(key, []).append(week)
    firsts = [weeks[0] for weeks in members.values()]
    classes = _WeekClasses(
        weeks=tuple(np.array(weeks, dtype=np.int64) for weeks in members.values()),
        costs=matrix.costs[:, firsts, :],
        allowed=matrix.allowed[firsts],
    )
    for weeks, allowed in zip(classes.weeks, classes.allowed, strict=True):
        if not allowed.any():
            week = int(weeks[0])
            day = matrix.problem.day(week, matrix.problem.slots[0].weekday)
            raise NoFeasiblePlan(
                f"In week {week + 1} ({day:%d %B %Y}) every start time puts some site inside "
                "a hard limit.",
                week=week,
            )
    return classes


@dataclass(frozen=True)
class _Outcome:
    counts: IntArray | None  # (class, slot), None if the solver found no solution
    fractional: FloatArray | None
    value: float
    bound: float
    status: int
    message: str


_MAX_GRAIN_DENOMINATOR = 100_000


def _grain(costs: FloatArray) -> int | None:
    """The least D such that every cost times D is a whole number, if there is a small one.

    Costs are means of whole-minute costs times weights, so they usually are multiples of
    a simple fraction (a quarter for the default table and half-hour slots). Counting in
    that unit lets HiGHS round its bound on the largest site cost up to a whole unit, which
    turns minutes of branching into a fraction of a second."""
    denominator = 1
    for value in np.unique(costs):
        fraction = Fraction(float(value)).limit_denominator(_MAX_GRAIN_DENOMINATOR)
        denominator = math.lcm(denominator, fraction.denominator)
        if denominator > _MAX_GRAIN_DENOMINATOR:
            return None
    scaled = costs * denominator
    if np.abs(scaled - np.rint(scaled)).max(initial=0.0) > 1e-6:
        return None
    return denominator


class _Programme:
    """``n[c, s]``: weeks of class c on slot s (allowed pairs only); ``z``: the largest
    cumulative site cost; with a cap on distinct slots, ``y[s]``: slot s is used.

    Costs are counted in units of ``1 / grain`` when every cost is a whole number of such
    units; then ``z`` and both objectives are whole numbers too."""

    def __init__(
        self,
        classes: _WeekClasses,
        *,
        slot_mask: BoolArray | None = None,
        max_slots: int | None = None,
    ):
        allowed = classes.allowed if slot_mask is None else classes.allowed & slot_mask
        self.shape = allowed.shape
        self.pair_class, self.pair_slot = np.nonzero(allowed)
        pairs = self.pair_class.size
        self.pairs = pairs
        site_costs = classes.costs[:, self.pair_class, self.pair_slot]
        grain = _grain(site_costs)
        self.whole = grain is not None
        self.scale = float(grain or 1)
        self.site_costs = np.rint(site_costs * self.scale) if self.whole else site_costs
        sizes = classes.sizes
        self.capped = max_slots is not None
        used = np.unique(self.pair_slot) if self.capped else np.zeros(0, dtype=np.int64)
        width = pairs + 1 + used.size
        self.width = width
        columns = np.arange(pairs)
        constraints = [
            LinearConstraint(
                sparse.csr_array(
                    (np.ones(pairs), (self.pair_class, columns)), shape=(len(sizes), width)
                ),
                sizes,
                sizes,
            ),
            LinearConstraint(
                np.hstack(
                    [
                        self.site_costs,
                        -np.ones((self.site_costs.shape[0], 1)),
                        np.zeros((self.site_costs.shape[0], used.size)),
                    ]
                ),
                -np.inf,
                0.0,
            ),
        ]
        upper = np.concatenate([sizes[self.pair_class], [np.inf], np.ones(used.size)])
        if self.capped:
            y_column = pairs + 1 + np.searchsorted(used, self.pair_slot)
            link = sparse.csr_array(
                (
                    np.concatenate([np.ones(pairs), -sizes[self.pair_class].astype(float)]),
                    (np.concatenate([columns, columns]), np.concatenate([columns, y_column])),
                ),
                shape=(pairs, width),
            )
            constraints.append(LinearConstraint(link, -np.inf, 0.0))
            count = np.zeros((1, width))
            count[0, pairs + 1 :] = 1.0
            constraints.append(LinearConstraint(count, -np.inf, float(max_slots)))
        self.constraints = constraints
        self.upper = upper

    def solve(
        self,
        *,
        minimise: Literal["max", "total"],
        integral: bool,
        time_limit: float,
        cap: float = np.inf,
    ) -> _Outcome:
        """Minimise the largest site cost, or the total with every site at most ``cap``."""
        objective = np.zeros(self.width)
        if minimise == "max":
            objective[self.pairs] = 1.0
        else:
            objective[: self.pairs] = self.site_costs.sum(axis=0)
        upper = self.upper.copy()
        upper[self.pairs] = cap * self.scale
        if integral and self.whole and math.isfinite(cap):
            # Whole units: the cap keeps every plan within rounding of it, and no other.
            upper[self.pairs] = math.floor(cap * self.scale + 1e-6)
        integrality = np.zeros(self.width)
        if integral:
            integrality[: self.pairs] = 1
            integrality[self.pairs] = 1 if self.whole else 0
            integrality[self.pairs + 1 :] = 1
        result: OptimizeResult = milp(
            objective,
            integrality=integrality,
            bounds=Bounds(np.zeros(self.width), upper),
            constraints=self.constraints,
            options={"time_limit": max(time_limit, 0.05), "mip_rel_gap": 1e-9},
        )
        if result.x is None:
            return _Outcome(None, None, math.inf, 0.0, result.status, result.message)
        fractional = np.zeros(self.shape)
        fractional[self.pair_class, self.pair_slot] = result.x[: self.pairs]
        counts = np.rint(fractional).astype(np.int64) if integral else None
        bound = result.fun
        if integral and result.mip_dual_bound is not None:
            bound = result.mip_dual_bound
        if self.whole and minimise == "max":
            # Every plan's largest cost is a whole number of units, so the bound rounds up.
            bound = math.ceil(bound - 1e-6)
        return _Outcome(
            counts=counts,
            fractional=fractional,
            value=float(result.fun) / self.scale,
            bound=float(bound) / self.scale,
            status=result.status,
            message=result.message,
        )


def _site_totals(classes: _WeekClasses, counts: IntArray) -> FloatArray:
    return np.einsum("iqk,qk->i", classes.costs, counts)


def _key(totals: FloatArray) -> tuple[float, int, float]:
    """Compare plans: the largest site cost, then how many sites share it, then the total."""
    largest = float(totals.max())
    sharing = int((totals >= largest - _TOLERANCE * max(1.0, largest)).sum())
    return round(largest, 9), sharing, round(float(totals.sum()), 9)


def _round(classes: _WeekClasses, fractional: FloatArray, allowed: BoolArray) -> IntArray:
    """Round a fractional class-count solution: floors first, then each class's remaining
    weeks, one at a time, to whichever of its fractional slots keeps the largest site cost
    (then the total) lowest."""
    counts = np.where(allowed, np.floor(fractional + 1e-9), 0).astype(np.int64)
    totals = _site_totals(classes, counts)
    for c, size in enumerate(classes.sizes):
        candidates = list(np.flatnonzero(allowed[c] & (fractional[c] - counts[c] > 1e-9)))
        for _ in range(int(size - counts[c].sum())):
            options = np.array(candidates or list(np.flatnonzero(allowed[c])))
            trial = totals[:, None] + classes.costs[:, c, options]
            best = int(options[np.lexsort((trial.sum(axis=0), trial.max(axis=0)))[0]])
            counts[c, best] += 1
            totals += classes.costs[:, c, best]
            if best in candidates:
                candidates.remove(best)
    return counts


def _improve(
    classes: _WeekClasses, counts: IntArray, allowed: BoolArray, deadline: float
) -> IntArray:
    """Local search: move one week at a time to another slot of its class while that lowers
    the largest site cost, or the number of sites sharing it, or the total."""
    counts = counts.copy()
    totals = _site_totals(classes, counts)
    current = _key(totals)
    while clock.perf_counter() < deadline:
        move_class, source = np.nonzero(counts)
        move, target = np.nonzero(allowed[move_class])
        keep = target != source[move]
        move, target = move[keep], target[keep]
        if move.size == 0:
            break
        c, s = move_class[move], source[move]
        trial = totals[:, None] + classes.costs[:, c, target] - classes.costs[:, c, s]
        largest = trial.max(axis=0)
        sharing = (trial >= (largest - _TOLERANCE * np.maximum(1.0, largest))).sum(axis=0)
        total = trial.sum(axis=0)
        best = int(np.lexsort((total, sharing, np.round(largest, 9)))[0])
        candidate = (round(float(largest[best]), 9), int(sharing[best]), round(total[best], 9))
        if candidate >= current:
            break
        counts[c[best], s[best]] -= 1
        counts[c[best], target[best]] += 1
        totals = trial[:, best].copy()
        current = candidate
    return counts


_KICKS = 40  # perturbations in a row without a better plan before the fast solver stops
_KICK_MOVES = 3


def _kick(
    classes: _WeekClasses, counts: IntArray, allowed: BoolArray, deadline: float, bound: float
) -> IntArray:
    """Iterated local search: move a few random weeks of the best plan to random allowed
    slots, search locally again, and keep the result when it is better; stop after
    ``_KICKS`` perturbations in a row that do not help, at the bound, or at the deadline.
    Seeded, so the same problem always gets the same plan."""
    rng = np.random.default_rng(0)
    best, best_key = counts, _key(_site_totals(classes, counts))
    failures = 0
    while failures < _KICKS and clock.perf_counter() < deadline:
        if best_key[0] <= round(bound, 9):
            break
        trial = best.copy()
        for _ in range(_KICK_MOVES):
            c, s = np.nonzero(trial)
            pick = rng.integers(c.size)
            targets = np.flatnonzero(allowed[c[pick]])
            trial[c[pick], s[pick]] -= 1
            trial[c[pick], targets[rng.integers(targets.size)]] += 1
        trial = _improve(classes, trial, allowed, deadline)
        trial_key = _key(_site_totals(classes, trial))
        if trial_key < best_key:
            best, best_key, failures = trial, trial_key, 0
        else:
            failures += 1
    return best


_SLOT_CANDIDATES = 24


def _choose_slots(
    classes: _WeekClasses, fractional: FloatArray, max_slots: int, deadline: float
) -> BoolArray:
    """For the fast solver under a cap on distinct slots: which slots to use.

    The candidates are the slots the relaxation uses most, then the fixed slots with the
    least largest cost. The set grows one candidate at a time, taking the one that leaves
    the fewest weeks without an allowed slot and then gives the least relaxed largest cost;
    then one slot at a time is traded for another while that lowers it."""
    sizes = classes.sizes
    usage = fractional.sum(axis=0)
    fixed = np.einsum("iqk,q->ik", classes.costs, sizes).max(axis=0)
    anywhere = classes.allowed.any(axis=0)
    ranked = sorted(np.flatnonzero(anywhere), key=lambda slot: (-usage[slot], fixed[slot]))
    candidates = [int(slot) for slot in ranked[:_SLOT_CANDIDATES]]
    if not classes.allowed[:, candidates].any(axis=1).all():
        candidates = [int(slot) for slot in ranked]

    def score(chosen: list[int]) -> tuple[int, float]:
        mask = np.zeros(usage.size, dtype=np.bool_)
        mask[chosen] = True
        uncovered = int(sizes[~(classes.allowed & mask).any(axis=1)].sum())
        remaining = deadline - clock.perf_counter()
        if uncovered or remaining <= 0:
            return uncovered, math.inf
        programme = _Programme(classes, slot_mask=mask)
        return 0, programme.solve(minimise="max", integral=False, time_limit=remaining).value

    chosen: list[int] = []
    for _ in range(min(max_slots, len(candidates))):
        chosen.append(
            min((c for c in candidates if c not in chosen), key=lambda c: score([*chosen, c]))
        )
    current = score(chosen)
    improved = True
    while improved and clock.perf_counter() < deadline:
        improved = False
        for index in range(len(chosen)):
            for candidate in candidates:
                if candidate in chosen:
                    continue
                trial = [*chosen[:index], candidate, *chosen[index + 1 :]]
                trial_score = score(trial)
                if trial_score < current:
                    chosen, current, improved = trial, trial_score, True
    if current[0]:
        raise NoFeasiblePlan(
            f"No {max_slots} slots cover every week without breaking a hard limit."
        )
    mask = np.zeros(usage.size, dtype=np.bool_)
    mask[chosen] = True
    return mask


def _spread(classes: _WeekClasses, counts: IntArray, weeks: int) -> IntArray:
    """The slot of each week: within a class, the chosen slots take turns as evenly as
    their counts allow (smooth weighted round robin), earliest slot first on a tie."""
    slot_of_week = np.empty(weeks, dtype=np.int64)
    for class_weeks, class_counts in zip(classes.weeks, counts, strict=True):
        credit = np.zeros(class_counts.size, dtype=np.int64)
        for week in class_weeks:
            credit += class_counts
            slot = int(np.argmax(credit))
            credit[slot] -= len(class_weeks)
            slot_of_week[week] = slot
    return slot_of_week


def _plan(
    problem: Problem,
    classes: _WeekClasses,
    counts: IntArray,
    *,
    label: str,
    method: Literal["exact", "fast"],
    optimal: bool,
    status: str,
    bound: float,
    began: float,
) -> Plan:
    slot_of_week = _spread(classes, counts, problem.weeks)
    starts = [problem.start(week, problem.slots[s]) for week, s in enumerate(slot_of_week)]
    largest = float(_site_totals(classes, counts).max())
    bound = min(bound, largest)
    gap = (largest - bound) / largest if largest > 0 else 0.0
    solver = SolverReport(
        method=method,
        optimal=optimal,
        bound=bound,
        gap=max(gap, 0.0),
        seconds=clock.perf_counter() - began,
        status=status,
        week_classes=len(classes.weeks),
    )
    return evaluate(problem, starts, label=label, solver=solver)


# --- Solvers ---------------------------------------------------------------------------------


# The exact solver spends its time limit, counted from the start (building the costs
# included), in three parts after the costs: the fast plan first, which it must never do
# worse than (at most ``_FAST_SECONDS``, and at most half the time left); then the first
# stage (the largest site cost) with ``_FIRST_STAGE_SHARE`` of what is left; then the
# second (the total) with the rest, so that it always gets time even when the first runs
# to its limit.
_FAST_SECONDS = 1.5
_LP_SECONDS = 0.5
_FIRST_STAGE_SHARE = 0.8


def solve_exact(problem: Problem, *, time_limit: float = 10.0, label: str = "Amity plan") -> Plan:
    """The plan with the least largest cumulative site cost, then the least total, from
    the class-count integer programme (HiGHS), started from the fast solver's plan.

    ``time_limit`` (seconds) covers the whole solve, building the costs included: the fast
    plan takes at most ``_FAST_SECONDS`` (and half the time left), the first stage (largest
    cost, capped at the fast plan's) most of what is left and the second (the total) the
    rest. The plan returned is never worse than the fast plan, on the largest cost and
    then the total. When time runs out before both stages are proven, the best plan found
    comes back with ``solver.optimal`` False and the best proven bound.

    Raises NoFeasiblePlan when no plan keeps every site out of the hard limits."""
    began = clock.perf_counter()
    deadline = began + time_limit
    classes = _week_classes(cost_matrix(problem))
    try:
        # The fast plan gets its own time after the costs are built, as much as the fast
        # solver alone would have, so that a slow build does not leave it a worse plan.
        now = clock.perf_counter()
        fast_deadline = now + min(_FAST_SECONDS, (deadline - now) / 2)
        fast, fast_bound = _fast_counts(problem, classes, fast_deadline)
    except NoFeasiblePlan:
        # The relaxation proves there is no plan, or the fast solver found no set of slots
        # under the cap; the programme below tells the two apart.
        fast, fast_bound = None, 0.0
    programme = _Programme(classes, max_slots=problem.max_distinct_slots)
    cap = np.inf
    if fast is not None:
        cap = float(_site_totals(classes, fast).max())
        cap += _TOLERANCE * max(1.0, cap)
    first = programme.solve(
        minimise="max",
        integral=True,
        time_limit=(deadline - clock.perf_counter()) * _FIRST_STAGE_SHARE,
        cap=cap,
    )
    if fast is None and first.status == 2:
        raise NoFeasiblePlan(
            f"No {problem.max_distinct_slots} slots cover every week without breaking a hard limit."
        )
    if fast is None and first.counts is None:
        raise NoFeasiblePlan(f"No plan found in {time_limit:g} s: {first.message}")
    incumbent = _better(classes, first.counts, fast)
    largest = float(_site_totals(classes, incumbent).max())
    second = programme.solve(
        minimise="total",
        integral=True,
        time_limit=deadline - clock.perf_counter(),
        cap=largest + _TOLERANCE * max(1.0, largest),
    )
    counts = _better(classes, second.counts, incumbent)
    optimal = first.status == 0 and second.status == 0 and counts is second.counts
    messages = [first.message, second.message]
    if counts is fast:
        messages.append("the fast plan was the best found")
    return _plan(
        problem,
        classes,
        counts,
        label=label,
        method="exact",
        optimal=optimal,
        status="; ".join(messages),
        bound=max(first.bound, fast_bound),
        began=began,
    )


def _better(classes: _WeekClasses, *plans: IntArray | None) -> IntArray:
    """The plan with the least largest site cost, then the least total (the first on a
    tie, within rounding)."""

    def key(counts: IntArray) -> tuple[float, float]:
        totals = _site_totals(classes, counts)
        return round(float(totals.max()), 9), round(float(totals.sum()), 9)

    return min((counts for counts in plans if counts is not None), key=key)


def solve_fast(
    problem: Problem, *, time_limit: float = _FAST_SECONDS, label: str = "Amity plan (fast)"
) -> Plan:
    """A good plan quickly: the linear relaxation of the class-count programme (its value
    is the bound reported), rounded, then improved by moving single weeks between slots
    until nothing helps or ``time_limit`` (seconds, building the costs included) runs out.
    Under a cap on distinct slots, the relaxation is first narrowed to that many slots.

    Raises NoFeasiblePlan when no plan keeps every site out of the hard limits."""
    began = clock.perf_counter()
    classes = _week_classes(cost_matrix(problem))
    counts, bound = _fast_counts(problem, classes, began + time_limit)
    return _plan(
        problem,
        classes,
        counts,
        label=label,
        method="fast",
        optimal=False,
        status="relaxation, rounding and local search",
        bound=bound,
        began=began,
    )


def _fast_counts(
    problem: Problem, classes: _WeekClasses, deadline: float
) -> tuple[IntArray, float]:
    """The fast solver's class counts and its bound (the relaxation's value), by
    ``deadline`` (a ``perf_counter`` time) give or take one linear programme."""

    def remaining() -> float:
        # The linear programmes are small (classes × slots) but decide the bound and the
        # start: each gets at least ``_LP_SECONDS`` even when building the costs on a busy
        # machine used up the time.
        return max(deadline - clock.perf_counter(), _LP_SECONDS)

    relaxed = _Programme(classes, max_slots=problem.max_distinct_slots).solve(
        minimise="max", integral=False, time_limit=remaining()
    )
    if relaxed.fractional is None:
        raise NoFeasiblePlan(f"The relaxation has no solution: {relaxed.message}")
    allowed = classes.allowed
    slot_mask = None
    fractional = relaxed.fractional
    if problem.max_distinct_slots is not None:
        slot_mask = _choose_slots(classes, fractional, problem.max_distinct_slots, deadline)
        allowed = classes.allowed & slot_mask
    # The least total among fractional plans at the relaxation's largest cost rounds to a
    # plan with few fractional classes.
    narrowed = _Programme(classes, slot_mask=slot_mask)
    cap = narrowed.solve(minimise="max", integral=False, time_limit=remaining()).value
    flattest = narrowed.solve(
        minimise="total",
        integral=False,
        time_limit=remaining(),
        cap=cap + _TOLERANCE * max(1.0, cap),
    )
    if flattest.fractional is not None:
        fractional = flattest.fractional
    counts = _improve(classes, _round(classes, fractional, allowed), allowed, deadline)
    counts = _kick(classes, counts, allowed, deadline, bound=relaxed.bound)
    return counts, relaxed.bound


# --- Explanation ---------------------------------------------------------------------------


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _points(value: float) -> str:
    return f"{value:.1f}"


def explain(plan: Plan, baseline: Plan) -> list[str]:
    """A plain-language summary of ``plan`` against ``baseline`` (say, the same time every
    week), one sentence a line. An early morning is a local start before 07:00, an evening
    one at or after 19:00."""
    if [r.site.name for r in plan.sites] != [r.site.name for r in baseline.sites]:
        raise ValueError("Compare two plans for the same sites.")
    weeks = len(plan.starts)
    lines = [
        f"The most burdened site ({', '.join(plan.worst_sites)}) carries "
        f"{_points(plan.max_cost)} points over {weeks} weeks, against "
        f"{_points(baseline.max_cost)} ({', '.join(baseline.worst_sites)}) "
        f"with {baseline.label}.",
        f"All sites together carry {_points(plan.total_cost)} points against "
        f"{_points(baseline.total_cost)}; the Gini coefficient of the sites' costs is "
        f"{plan.gini:.2f} against {baseline.gini:.2f}.",
    ]
    for ours, theirs in zip(plan.sites, baseline.sites, strict=True):
        parts = []
        if ours.early_mornings or theirs.early_mornings:
            parts.append(
                f"{_count(ours.early_mornings, 'early morning')} instead of {theirs.early_mornings}"
            )
        if ours.evenings or theirs.evenings:
            parts.append(f"{_count(ours.evenings, 'evening')} instead of {theirs.evenings}")
        if parts:
            lines.append(f"{ours.site.name} takes {' and '.join(parts)}.")
    changed = sorted({week for report in plan.sites for week in report.time_changes})
    if changed:
        lines.append(
            f"The local time moves for at least one site in {_count(len(changed), 'week')} "
            f"of {weeks}; those weeks are flagged."
        )
    return lines
