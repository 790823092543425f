"""Wall-clock time in named zones, without web code: the rules every page, feed and
service of Amity follows.

- An instant is stored in UTC together with the IANA zone it was planned in.
- A local time is turned into an instant only when it exists exactly once in its zone:
  one inside a DST gap, or inside a DST fold, is refused with both possible readings.
- Recurrences (RFC 5545 RRULE) are expanded on the wall clock of the organiser's zone, so
  "every Wednesday 16:00 in New York" stays 16:00 there across DST, while other sites'
  local times move.
"""

import calendar
import functools
import importlib.resources
import re
import struct
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

MAX_OCCURRENCES = 520


class LocalTimeError(ValueError):
    """A wall-clock time that does not name exactly one instant in its zone."""

    def __init__(self, message: str, *, options: Sequence[datetime]):
        super().__init__(message)
        self.options = list(options)


class NonexistentLocalTime(LocalTimeError):
    pass


class AmbiguousLocalTime(LocalTimeError):
    pass


class TooManyOccurrences(ValueError):
    """A recurrence with more occurrences than Amity keeps as sessions."""


def _fmt(value: datetime) -> str:
    return f"{value:%H:%M} {value.tzname()} (UTC{_offset(value)})"


def _offset(value: datetime) -> str:
    minutes = int(value.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def resolve_local(wall: datetime, zone: str, *, fold: int | None = None) -> datetime:
    """The UTC instant of a naive wall-clock time in ``zone``.

    Raises NonexistentLocalTime inside a DST gap and AmbiguousLocalTime inside a fold
    (unless ``fold`` says which of the two is meant). Both carry the two candidate
    instants in ``options``, as aware datetimes in ``zone``."""
    if wall.tzinfo is not None:
        raise ValueError("resolve_local takes a naive wall-clock time")
    tz = ZoneInfo(zone)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall:
        # In a gap: fold=0 reads the time with the offset before the change, fold=1 after.
        earlier = second.astimezone(UTC).astimezone(tz)
        later = first.astimezone(UTC).astimezone(tz)
        raise NonexistentLocalTime(
            f"{wall:%H:%M} does not exist on {wall:%d %B %Y} in {zone}: the clocks jump "
            f"forward. Choose {earlier:%H:%M} or {later:%H:%M} instead.",
            options=[earlier, later],
        )
    if fold is not None:
        return (second if fold else first).astimezone(UTC)
    raise AmbiguousLocalTime(
        f"{wall:%H:%M} happens twice on {wall:%d %B %Y} in {zone}: first at {_fmt(first)}, "
        f"then at {_fmt(second)}. Choose one of the two.",
        options=[first, second],
    )


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a recurrence: its instant (UTC) and its wall time in the zone."""

    starts_at: datetime  # aware, UTC
    local: datetime  # aware, in the organiser's zone


def expand(
    *,
    dtstart: datetime,
    zone: str,
    rrule: str,
    limit: int = MAX_OCCURRENCES,
    fold: int | None = None,
) -> list[Occurrence]:
    """Expand an RRULE from a naive wall-clock start in ``zone``.

    Each occurrence keeps the start's wall-clock time in ``zone``. One that falls in a DST
    gap is read with the offset before the gap, as RFC 5545 (3.3.5) prescribes; one in a
    fold takes the first of the two instants, except the start itself, which takes the one
    ``fold`` names when given (the instant the organiser chose). Raises ValueError for a
    rule without an end (COUNT or UNTIL) or with more than ``limit`` occurrences."""
    if dtstart.tzinfo is not None:
        raise ValueError("expand takes a naive wall-clock start")
    rule_text = rrule.removeprefix("RRULE:")
    upper = rule_text.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise ValueError("A recurrence needs an end: a number of occurrences or a last date.")
    rule = rrulestr(_naive_until(rule_text, zone), dtstart=dtstart)
    tz = ZoneInfo(zone)
    occurrences = []
    for wall in rule:
        if len(occurrences) >= limit:
            raise TooManyOccurrences(f"A recurrence may have at most {limit} occurrences.")
        # fold=0 reads a time in a gap with the offset before the gap, and a time in a
        # fold as the first of its two instants: what RFC 5545 asks for.
        chosen = fold if fold is not None and wall == dtstart else 0
        starts_at = wall.replace(tzinfo=tz, fold=chosen).astimezone(UTC)
        occurrences.append(Occurrence(starts_at=starts_at, local=starts_at.astimezone(tz)))
    return occurrences


def rule_walls(*, dtstart: datetime, zone: str, rrule: str, limit: int) -> list[datetime]:
    """The naive wall-clock starts an RRULE gives from a naive ``dtstart`` in ``zone``, as
    a calendar client computes them before reading each in the zone (``rfc_instant``)."""
    rule = rrulestr(_naive_until(rrule.removeprefix("RRULE:"), zone), dtstart=dtstart)
    walls = []
    for wall in rule:
        if len(walls) >= limit:
            raise ValueError(f"A recurrence may have at most {limit} occurrences.")
        walls.append(wall)
    return walls


def rfc_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant RFC 5545 (3.3.5) reads a naive local time as: a time in a DST gap with
    the offset before the gap, a time in a fold as the first of its two instants."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def is_ambiguous(local: datetime) -> bool:
    """Whether an aware local time happens twice in its zone (inside a DST fold)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _naive_until(rule: str, zone: str) -> str:
    """dateutil wants UNTIL in the same form as DTSTART, and our DTSTART is naive wall time:
    a UTC ``UNTIL=…Z`` becomes that instant on the zone's wall clock, and a date-only
    UNTIL the end of that day."""
    parts = []
    for part in rule.split(";"):
        key, sep, value = part.partition("=")
        if key.upper() == "UNTIL" and value.upper().endswith("Z"):
            instant = datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            value = instant.astimezone(ZoneInfo(zone)).strftime("%Y%m%dT%H%M%S")
        elif key.upper() == "UNTIL" and len(value) == 8:
            value += "T235959"
        parts.append(f"{key}{sep}{value}")
    return ";".join(parts)


def normalize_rrule(rule: str, zone: str) -> str:
    """The rule as RFC 5545 wants it beside a DTSTART with TZID: upper case, no "RRULE:"
    prefix, and UNTIL as a UTC instant (a date-only UNTIL means the end of that day on the
    zone's wall clock)."""
    parts = []
    for part in rule.upper().removeprefix("RRULE:").split(";"):
        key, sep, value = part.partition("=")
        if key == "UNTIL" and not value.endswith("Z"):
            wall = (
                datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
                if len(value) == 8
                else datetime.strptime(value, "%Y%m%dT%H%M%S")
            )
            value = wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{key}{sep}{value}")
    return ";".join(parts)


@dataclass(frozen=True)
class LocalShift:
    """From ``since`` (a date in the site's zone), the site's local time of a recurring
    meeting is ``hours`` later (negative: earlier) than before."""

    since: date
    hours: float
    zone: str

    @property
    def later(self) -> bool:
        return self.hours > 0

    @property
    def abs_hours(self) -> float:
        return abs(self.hours)


def local_time_shifts(instants: Iterable[datetime], zone: str) -> list[LocalShift]:
    """Where the local time-of-day of successive instants changes in ``zone`` (DST at the
    site or at the organiser), in order."""
    tz = ZoneInfo(zone)
    shifts = []
    previous = None
    for instant in instants:
        local = instant.astimezone(tz)
        minutes = local.hour * 60 + local.minute
        if previous is not None and minutes != previous:
            delta = minutes - previous
            # A change across midnight is the short way round, not 23 hours.
            if delta > 12 * 60:
                delta -= 24 * 60
            elif delta < -12 * 60:
                delta += 24 * 60
            shifts.append(LocalShift(since=local.date(), hours=delta / 60, zone=zone))
        previous = minutes
    return shifts


def wall_clock(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def day_offset(local: datetime, reference: datetime) -> int:
    """How many calendar days ``local`` is after ``reference``'s date (−1, 0, +1…)."""
    return (local.date() - reference.date()).days


# The rules of a zone, as calendars need them -------------------------------------------
#
# A zone's file (TZif, RFC 8536: the same file ``zoneinfo`` reads) lists its past
# transitions and ends with a POSIX TZ string, the rule in force after the last listed one
# ("EST5EDT,M3.2.0,M11.1.0": second Sunday of March, first Sunday of November, 02:00). A
# calendar's VTIMEZONE is written from these: the listed transitions that a feed's dates
# need, then the yearly rule, which clients extend to any year (the listed ones stop in
# 2037 in files made for 32-bit readers).


@dataclass(frozen=True)
class Transition:
    """At ``at`` (UTC) the zone's offset changes from ``offset_before`` to ``offset_after``."""

    at: datetime
    offset_before: timedelta
    offset_after: timedelta
    name: str  # the abbreviation after the change ("EDT")
    is_dst: bool


_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts from Sunday


@dataclass(frozen=True)
class YearlyChange:
    """One of the two changes a POSIX rule makes every year: on weekday ``weekday`` (0 =
    Sunday) of week ``week`` (1-4, 5 = the last) of ``month``, at ``seconds`` after local
    midnight in the offset before the change (possibly below 0 or beyond 24 hours)."""

    month: int
    week: int
    weekday: int
    seconds: int
    offset_before: timedelta
    offset_after: timedelta
    name: str
    is_dst: bool

    def day(self, year: int) -> date:
        first = date(year, self.month, 1)
        # date.weekday(): Monday 0; POSIX: Sunday 0.
        day = first + timedelta(days=(self.weekday - (first.weekday() + 1)) % 7)
        day += timedelta(weeks=self.week - 1)
        while day.month != self.month:  # week 5 means the last one in the month
            day -= timedelta(weeks=1)
        return day

    def wall(self, year: int) -> datetime:
        """The naive local time (in the offset before) of the change in ``year``."""
        return datetime.combine(self.day(year), datetime.min.time()) + timedelta(
            seconds=self.seconds
        )

    def at(self, year: int) -> datetime:
        return (self.wall(year) - self.offset_before).replace(tzinfo=UTC)

    def rrule(self) -> str | None:
        """The change as an RFC 5545 yearly rule, or None when it is better listed (a
        change on the last weekday of a month, shifted to another day by its time)."""
        shift = self.seconds // 86400
        weekday = _WEEKDAYS[(self.weekday + shift) % 7]
        if shift == 0:
            nth = -1 if self.week == 5 else self.week
            return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={nth}{weekday}"
        if self.week == 5:
            # "The Saturday before the last Sunday" (BYMONTHDAY=-8,...,-2) is valid RFC 5545
            # but ical.js misplaces it: such a change is listed year by year instead.
            return None
        else:
            days = range(7 * (self.week - 1) + 1 + shift, 7 * self.week + 1 + shift)
            if days[0] < 1 or days[-1] > calendar.monthrange(2001, self.month)[1]:
                return None
        monthdays = ",".join(str(d) for d in days)
        return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={weekday};BYMONTHDAY={monthdays}"


@dataclass(frozen=True)
class ZoneRules:
    """A zone's listed transitions, and its rule from then on: ``changes`` (two yearly
    changes, or none for a zone without DST) with the fixed ``offset`` and ``name``
    otherwise."""

    key: str
    transitions: tuple[Transition, ...]
    offset: timedelta
    name: str
    changes: tuple[YearlyChange, ...]

    def rule_start(self) -> int:
        """The index of the first listed transition that the yearly rule also makes: from
        there on, the rule alone describes the zone (``len(transitions)`` when no listed
        transition is one of the rule's)."""
        start = len(self.transitions)
        for index in range(len(self.transitions) - 1, -1, -1):
            t = self.transitions[index]
            if not any(
                c.at(t.at.year) == t.at
                and c.offset_after == t.offset_after
                and c.offset_before == t.offset_before
                for c in self.changes
            ):
                break
            start = index
        return start


def _tzif(key: str) -> bytes:
    """The TZif file ``zoneinfo`` reads for ``key``: the first on its TZPATH, else the one
    in the ``tzdata`` package."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", key):
        raise zoneinfo.ZoneInfoNotFoundError(key)
    for root in zoneinfo.TZPATH:
        path = Path(root, key)
        if path.is_file():
            return path.read_bytes()
    *package, name = ["tzdata", "zoneinfo", *key.split("/")]
    return importlib.resources.files(".".join(package)).joinpath(name).read_bytes()


_POSIX_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_POSIX_TIME = r"[+-]?\d{1,3}(?::\d{2}){0,2}"
_POSIX = re.compile(
    rf"(?P<std>{_POSIX_NAME})(?P<stdoff>{_POSIX_TIME})"
    rf"(?:(?P<dst>{_POSIX_NAME})(?P<dstoff>{_POSIX_TIME})?"
    rf",M(?P<m1>\d+)\.(?P<w1>\d)\.(?P<d1>\d)(?:/(?P<t1>{_POSIX_TIME}))?"
    rf",M(?P<m2>\d+)\.(?P<w2>\d)\.(?P<d2>\d)(?:/(?P<t2>{_POSIX_TIME}))?)?"
)


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


@functools.lru_cache(maxsize=64)
def zone_rules(key: str) -> ZoneRules:
    """Read ``key``'s transitions and its POSIX rule from its TZif file (version 2 or later,
    64-bit part). Raises ValueError for a rule this module cannot express (Julian-day
    rules, which no zone of the current database uses)."""
    data = _tzif(key)
    if data[:4] != b"TZif" or data[4:5] < b"2":
        raise ValueError(f"{key}: not a TZif file of version 2 or later")

    def counts(at: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[at + 20 : at + 44])

    isut, isstd, leap, times, types, chars = counts(0)
    at = 44 + times * 5 + types * 6 + chars + leap * 8 + isstd + isut
    isut, isstd, leap, times, types, chars = counts(at)
    at += 44
    instants = struct.unpack(f">{times}q", data[at : at + times * 8])
    at += times * 8
    indexes = data[at : at + times]
    at += times
    kinds = [struct.unpack(">lBB", data[at + 6 * i : at + 6 * i + 6]) for i in range(types)]
    at += types * 6
    names = data[at : at + chars]
    at += chars + leap * 12 + isstd + isut
    footer = data[at:].strip(b"\n").decode()

    def name(index: int) -> str:
        return names[index : names.index(b"\0", index)].decode()

    transitions = []
    before = kinds[0]
    for instant, index in zip(instants, indexes, strict=True):
        after = kinds[index]
        if (after[0], after[1], name(after[2])) != (before[0], before[1], name(before[2])):
            transitions.append(
                Transition(
                    at=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=instant),
                    offset_before=timedelta(seconds=before[0]),
                    offset_after=timedelta(seconds=after[0]),
                    name=name(after[2]),
                    is_dst=bool(after[1]),
                )
            )
        before = after

    match = _POSIX.fullmatch(footer)
    if match is None:
        raise ValueError(f"{key}: cannot read its rule {footer!r}")
    std_name = match["std"].strip("<>")
    std = timedelta(seconds=-_seconds(match["stdoff"]))
    changes: tuple[YearlyChange, ...] = ()
    if match["dst"]:
        dst = (
            timedelta(seconds=-_seconds(match["dstoff"]))
            if match["dstoff"]
            else std + timedelta(hours=1)
        )
        dst_name = match["dst"].strip("<>")

        def change(n: str, before, after, after_name: str, is_dst: bool) -> YearlyChange:
            return YearlyChange(
                month=int(match[f"m{n}"]),
                week=int(match[f"w{n}"]),
                weekday=int(match[f"d{n}"]),
                seconds=_seconds(match[f"t{n}"]) if match[f"t{n}"] else 7200,
                offset_before=before,
                offset_after=after,
                name=after_name,
                is_dst=is_dst,
            )

        changes = (
            change("1", std, dst, dst_name, True),
            change("2", dst, std, std_name, False),
        )
    return ZoneRules(
        key=key, transitions=tuple(transitions), offset=std, name=std_name, changes=changes
    )
