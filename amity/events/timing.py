"""Wall-clock time in named zones, without web code: the rules every page, feed and
service of Amity follows.

- An instant is stored in UTC together with the IANA zone it was planned in.
- A local time is turned into an instant only when it exists exactly once in its zone:
  one inside a DST gap, or inside a DST fold, is refused with both possible readings.
- Recurrences (RFC 5545 RRULE) are expanded on the wall clock of the organiser's zone, so
  "every Wednesday 16:00 in New York" stays 16:00 there across DST, while other sites'
  local times move.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
    *, dtstart: datetime, zone: str, rrule: str, limit: int = MAX_OCCURRENCES
) -> list[Occurrence]:
    """Expand an RRULE from a naive wall-clock start in ``zone``.

    Each occurrence keeps the start's wall-clock time in ``zone``. One that falls in a DST
    gap is read with the offset before the gap, as RFC 5545 (3.3.5) prescribes; one in a
    fold takes the first of the two instants. Raises ValueError for a rule without an end
    (COUNT or UNTIL) or with more than ``limit`` occurrences."""
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
            raise ValueError(f"A recurrence may have at most {limit} occurrences.")
        # fold=0 reads a time in a gap with the offset before the gap, and a time in a
        # fold as the first of its two instants: what RFC 5545 asks for.
        starts_at = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        occurrences.append(Occurrence(starts_at=starts_at, local=starts_at.astimezone(tz)))
    return occurrences


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
