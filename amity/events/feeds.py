"""iCalendar (RFC 5545) feeds, written as text.

- A single session is a VEVENT with its own UID.
- A series is one VEVENT with DTSTART;TZID and RRULE (UID = the series), plus one
  override VEVENT per moved or cancelled occurrence, found by RECURRENCE-ID; a cancelled
  occurrence stays in the feed with STATUS:CANCELLED so calendars remove it visibly.
- Every zone used gets its VTIMEZONE, so clients need no zone database of their own: the
  zone's current rule as yearly RRULEs, with the earlier transitions the feed's dates need.
UIDs never change; SEQUENCE is the sum of the activity's and the item's change counters,
so it increases on every change of either.

Every instant reaches every client exactly. A local time that happens twice (in a DST
fold) is never written with a TZID: RFC 5545 reads it as the first of the two, and
clients differ. A single session or an override with such a start or end is written in
UTC. An instance of a series that a client could place inexactly (its local time happens
twice or not at all, or it lasts across a change of offset, where clients add the length
on the wall clock) gets an override naming it by its UTC instant, with its exact start and
end. An instance the database does not hold is excluded by EXDATE, in the rule's own
local time; a stored occurrence the rule does not give is written as an event of its own.

Writing is done here rather than through ``icalendar``'s objects (about 1 ms an event).
Each event's text is kept in a bounded in-process cache keyed by its version: the id,
``updated_at`` and SEQUENCE of the session (of every occurrence, for a series), of its
activity and series, with the base URL and the language. A build first reads only these
versions; after a change it reads in full and writes only the events that changed
(``event_cache_info``). A process's first build reads everything at once.
"""

import hashlib
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db.models import Count, F, Field, Func, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language

from amity.core.clock import counter_bump, counter_value
from amity.events import timing
from amity.events.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Series,
    Session,
    SessionStatus,
    VideoProvider,
)

PRODID = "-//Amity//International collaboration//EN"
FEED_CACHE_SECONDS = 24 * 3600
EVENT_CACHE_SIZE = 20_000  # events; a feed of 10,000 sessions holds fewer


class ActivityRow(NamedTuple):
    pk: int
    title: str
    description: str
    kind: str
    status: str
    video_provider: str
    video_url: str
    dial_in: str
    sequence: int
    updated_at: datetime


class Join(NamedTuple):
    """A join link to write in place of the activity's own (a registrant's room or
    livestream): the platform's name, the link, the details (meeting ID, passcode)."""

    platform: str
    url: str
    details: str = ""


class SeriesRow(NamedTuple):
    pk: int
    uid: object
    title: str
    start_date: date
    start_time: object
    time_zone: str
    rrule: str
    duration_minutes: int
    sequence: int
    updated_at: datetime


class SessionRow(NamedTuple):
    pk: int
    uid: object
    activity_id: int
    series_id: int | None
    recurrence_id: datetime | None
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    status: str
    sequence: int
    updated_at: datetime


def _rows(model_fields: tuple[str, ...], row_type, objects) -> dict:
    return {o.pk: row_type(*(getattr(o, f) for f in model_fields)) for o in objects}


class _Stored(Func):
    """A column as the database stores it, without Django's conversion of each value in
    Python: a cold build of 1,001 events reads some 5,000 datetimes, and converting them
    (on SQLite: the driver parses the text, then Django checks it and makes it aware) took
    a third of the build. On SQLite a column comes as its text (a UUID as 32 hex digits:
    see ``_uid``); PostgreSQL's driver gives a datetime aware already."""

    template = "%(expressions)s"
    sqlite_template = "CAST(%(expressions)s AS TEXT)"

    def __init__(self, field: str):
        super().__init__(F(field), output_field=Field())

    def as_sqlite(self, compiler, connection, **extra_context):
        # Text: the sqlite3 module would otherwise parse the column by its declared type.
        template = self.sqlite_template
        return self.as_sql(compiler, connection, template=template, **extra_context)


class _Instant(_Stored):
    """A datetime column read as ``_Stored``, for ``datetime.fromisoformat``: on SQLite
    the instant in UTC as Django stores it there, with its offset added."""

    sqlite_template = "CAST(%(expressions)s AS TEXT) || '+00:00'"


# SessionRow's columns, each read through ``_Stored`` when its value needs converting.
_SESSION_COLUMNS = (
    "pk",
    _Stored("uid"),
    "activity_id",
    "series_id",
    _Instant("recurrence_id"),
    "title",
    _Instant("starts_at"),
    _Instant("ends_at"),
    "time_zone",
    "status",
    "sequence",
    _Instant("updated_at"),
)


def _session_rows(values: Iterable[tuple], versions: list | None = None) -> list[SessionRow]:
    """SessionRows of ``_SESSION_COLUMNS``: SQLite's instants parsed, in one pass (some
    5,000 of them in a cold build). Their versions go to ``versions`` if given."""
    parse = datetime.fromisoformat
    rows = []
    append = rows.append
    for pk, uid, activity, series, recurrence, title, start, end, zone, status, seq, at in values:
        if versions is not None:
            versions.append(_Version(pk, activity, series, at, seq))
        if start.__class__ is str:
            start, end, at = parse(start), parse(end), parse(at)
            if recurrence is not None:
                recurrence = parse(recurrence)
        append(
            SessionRow(
                pk, uid, activity, series, recurrence, title, start, end, zone, status, seq, at
            )
        )
    return rows


class _Version(NamedTuple):
    """What a session's cached text is keyed by: every change moves ``updated_at`` (and
    the services move ``sequence``); read in one process, so its clock cannot hide a
    change from the text it keeps (a change moves the value, forward or not). ``updated_at`` is
    as read by ``_Instant``, before parsing: it is only compared."""

    pk: int
    activity_id: int
    series_id: int | None
    updated_at: datetime
    sequence: int


@dataclass
class _Rows:
    sessions: dict[int, SessionRow]
    activities: dict[int, ActivityRow]
    series: dict[int, SeriesRow]
    occurrences: dict[int, list[SessionRow]]


def _rows_of(sessions: list[SessionRow], activities, series) -> _Rows:
    """``sessions`` in the order of (starts_at, pk), as the occurrences keep it."""
    occurrences: dict[int, list[SessionRow]] = defaultdict(list)
    for row in sessions:
        if row.series_id is not None:
            occurrences[row.series_id].append(row)
    return _Rows({row.pk: row for row in sessions}, activities, series, occurrences)


@dataclass
class _FeedData:
    """A feed's sessions: first only their versions (one cheap query), then the full rows
    of the sessions, activities and series whose text is not in the cache. In a process
    that has written no event yet, the sessions are read in full at once."""

    versions: list[_Version]
    activity_versions: dict[int, tuple]
    series_versions: dict[int, tuple]
    source: object  # a QuerySet of sessions, or the sessions themselves
    sessions: list[SessionRow] | None = None  # all of them, when read in full at once

    @classmethod
    def load(cls, sessions: Iterable[Session]) -> "_FeedData":
        if isinstance(sessions, QuerySet):
            sessions = sessions.order_by("starts_at", "pk")
            full = None
            if _events.empty():
                # No event written in this process yet (a new worker): all will be, so
                # the sessions are read in full at once rather than their versions first.
                versions = []
                full = _session_rows(sessions.values_list(*_SESSION_COLUMNS), versions)
            else:
                columns = ("pk", "activity_id", "series_id", _Instant("updated_at"), "sequence")
                versions = list(map(_Version._make, sessions.values_list(*columns)))
            activity_ids = {v.activity_id for v in versions}
            series_ids = {v.series_id for v in versions if v.series_id}
            fields = ("pk", "pk", _Stored("updated_at"), "sequence")
            activities = Activity.objects.filter(pk__in=activity_ids).values_list(*fields)
            series = Series.objects.filter(pk__in=series_ids).values_list(*fields)
            return cls(
                versions,
                {v[0]: v[1:] for v in activities},
                {v[0]: v[1:] for v in series},
                sessions,
                full,
            )
        objects = sorted(sessions, key=lambda s: (s.starts_at, s.pk))
        return cls(
            [_Version(*(getattr(s, f) for f in _Version._fields)) for s in objects],
            {
                s.activity.pk: (s.activity.pk, s.activity.updated_at, s.activity.sequence)
                for s in objects
            },
            {
                s.series.pk: (s.series.pk, s.series.updated_at, s.series.sequence)
                for s in objects
                if s.series_id
            },
            objects,
        )

    def rows(self, session_ids: set[int], series_ids: set[int]) -> _Rows:
        """The full rows of these sessions and of every occurrence of these series."""
        if not isinstance(self.source, QuerySet):
            objects = self.source
            return _rows_of(
                [SessionRow(*(getattr(s, f) for f in SessionRow._fields)) for s in objects],
                _rows(ActivityRow._fields, ActivityRow, {s.activity for s in objects}),
                _rows(SeriesRow._fields, SeriesRow, {s.series for s in objects if s.series_id}),
            )
        if self.sessions is not None:
            sessions = self.sessions
        else:
            if len(session_ids) > len(self.versions) // 2:
                # Most of the feed: read it whole rather than by thousands of ids.
                chosen = self.source
            else:
                chosen = Session.objects.filter(
                    Q(pk__in=session_ids) | Q(series_id__in=series_ids)
                ).order_by("starts_at", "pk")
            sessions = _session_rows(chosen.values_list(*_SESSION_COLUMNS))
        activity_ids = {row.activity_id for row in sessions}
        activities = Activity.objects.filter(pk__in=activity_ids)
        series = Series.objects.filter(pk__in=series_ids)
        return _rows_of(
            sessions,
            {v[0]: ActivityRow(*v) for v in activities.values_list(*ActivityRow._fields)},
            {v[0]: SeriesRow(*v) for v in series.values_list(*SeriesRow._fields)},
        )


# Writing content lines -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): escaped, line breaks as \\n, no control characters."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", value.replace("\n", "\\n"))


def _lines(lines: list[str]) -> str:
    """Content lines (``_line``), at once when all are short and ASCII, as most are."""
    text = "\r\n".join(lines)
    if text.isascii() and max(map(len, lines)) <= 75:
        return text + "\r\n"
    return "".join(map(_line, lines))


def _line(line: str) -> str:
    """One content line, folded at 75 octets without splitting a UTF-8 character."""
    if len(line) <= 75 and line.isascii():
        return line + "\r\n"
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    pieces, start, width = [], 0, 75
    while start < len(data):
        end = min(start + width, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(data[start:end].decode())
        start, width = end, 74
    return "\r\n ".join(pieces) + "\r\n"


def _local(wall: datetime) -> str:
    """A DATE-TIME's digits, without zone: 2027-11-07 01:30:00 as 20271107T013000 (a feed
    writes thousands: %-formatting is several times faster than strftime)."""
    return "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031 (the fastest of the three)
        wall.year,
        wall.month,
        wall.day,
        wall.hour,
        wall.minute,
        wall.second,
    )


def _utc(instant: datetime) -> str:
    # Most instants come from the database in UTC already.
    return _local(instant if instant.tzinfo is UTC else instant.astimezone(UTC)) + "Z"


@lru_cache(maxsize=8192)
def _quiet_days(zone: ZoneInfo, day: date) -> bool:
    """Whether ``zone``'s offset is the same from the day before ``day`` to the day after
    (local midnights): then no local time on ``day`` happens twice."""
    before = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    after = datetime.combine(day + timedelta(days=2), datetime.min.time(), tzinfo=zone)
    return before.utcoffset() == after.utcoffset()


def _ambiguous(local: datetime) -> bool:
    """``timing.is_ambiguous``, answered from a per-day cache on the many days without a
    change of offset."""
    return not _quiet_days(local.tzinfo, local.date()) and timing.is_ambiguous(local)


def _uid(value) -> str:
    """The UID of a UUID, or of the 32 hex digits SQLite stores for one (``_Stored``)."""
    if isinstance(value, str) and len(value) == 32:
        value = f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return f"{value}@amity"


def _summary(activity: ActivityRow, title: str) -> str:
    return f"{activity.title}: {title}" if title and title != activity.title else activity.title


# What an event's times need of each zone's VTIMEZONE: (zone, first instant, last instant).
Span = tuple[str, datetime, datetime]


def _zone_bounds(spans: Iterable[Span]) -> dict[str, list[datetime]]:
    """Each zone's first and last instant over all ``spans`` (the earliest of equals)."""
    bounds: dict[str, list[datetime]] = {}
    for zone, first, last in spans:
        bound = bounds.get(zone)
        if bound is None:
            bounds[zone] = [first, last]
            continue
        if first < bound[0]:
            bound[0] = first
        if last > bound[1]:
            bound[1] = last
    return bounds


_URL_PK = 918_273_645_546_372_819  # no activity has this id
# The longest zone name whose DTSTART;TZID=…:YYYYMMDDTHHMMSS line needs no folding.
_SHORT_TZID = 75 - len("DTSTART;TZID=:20270101T000000")

_EVENT_STATUS = {
    ActivityStatus.CANCELLED.value: "CANCELLED",
    ActivityStatus.PLANNED.value: "TENTATIVE",
}


class _Writer:
    """The text of the events of one feed build, in the language active while building."""

    def __init__(self, base_url: str, activities: dict[int, ActivityRow]):
        self.base_url = base_url
        self.activities = activities
        self.kinds = {value: str(label) for value, label in ActivityKind.choices}
        self.providers = {value: str(label) for value, label in VideoProvider.choices}
        self._shared: dict[int, str] = {}
        self._summaries: dict[tuple[int, str], tuple[str, str]] = {}
        # An activity's URL, reversed once for all (reversing costs 0.1 ms): any id in it
        # is written as this one.
        self._url = base_url + reverse("events:activity_detail", args=[_URL_PK])

    def shared(self, activity: ActivityRow) -> str:
        """The lines every event of one activity carries, written once per activity."""
        if activity.pk not in self._shared:
            url = self._url.replace(str(_URL_PK), str(activity.pk))
            parts = [activity.description.strip()] if activity.description.strip() else []
            if activity.video_url:
                provider = (
                    self.providers.get(activity.video_provider)
                    or activity.video_provider
                    or "Video"
                )
                parts.append(f"{provider}: {activity.video_url}")
            if activity.dial_in.strip():
                parts.append(activity.dial_in.strip())
            parts.append(url)
            description = "\n\n".join(parts)
            lines = [
                f"DESCRIPTION:{_text(description)}",
                f"URL:{url}",
                f"CATEGORIES:{_text(self.kinds.get(activity.kind, activity.kind))}",
            ]
            if activity.video_url:
                lines.append(f"LOCATION:{_text(activity.video_url)}")
            self._shared[activity.pk] = "".join(map(_line, lines))
        return self._shared[activity.pk]

    def summary(self, activity: ActivityRow, title: str) -> str:
        """The SUMMARY line, written once per activity and title (most sessions of an
        activity share it)."""
        return self._summary(activity, title)[0]

    def _summary(self, activity: ActivityRow, title: str) -> tuple[str, str]:
        """The SUMMARY line, and folded (``_line``)."""
        lines = self._summaries.get((activity.pk, title))
        if lines is None:
            line = f"SUMMARY:{_text(_summary(activity, title))}"
            lines = self._summaries[(activity.pk, title)] = (line, _line(line))
        return lines

    @staticmethod
    def status(activity: ActivityRow, session_status: str = "") -> str:
        if session_status == SessionStatus.CANCELLED:
            return "CANCELLED"
        return _EVENT_STATUS.get(activity.status, "CONFIRMED")

    def event(self, activity: ActivityRow, lines: list[str], status: str, stamp) -> str:
        return (
            f"BEGIN:VEVENT\r\n{_lines(lines)}DTSTAMP:{_utc(stamp)}\r\n"
            f"{self.shared(activity)}STATUS:{status}\r\nEND:VEVENT\r\n"
        )

    @staticmethod
    def span(session: SessionRow, zone: ZoneInfo, spans: list[Span]) -> list[str]:
        """DTSTART and DTEND in the session's zone, or both in UTC when either names a
        local time that happens twice."""
        start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        if _ambiguous(start) or _ambiguous(end):
            return [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
        spans.append((session.time_zone, session.starts_at, session.ends_at))
        tzid = f";TZID={session.time_zone}"
        return [f"DTSTART{tzid}:{_local(start)}", f"DTEND{tzid}:{_local(end)}"]

    def session(self, session: SessionRow, spans: list[Span]) -> str:
        activity = self.activities[session.activity_id]
        key = session.time_zone
        zone = ZoneInfo(key)
        start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        if len(key) <= _SHORT_TZID and not (_ambiguous(start) or _ambiguous(end)):
            # Most of a feed: written in one piece. Only SUMMARY can be long or non-ASCII
            # (folded once per title), and the shared lines (once per activity).
            spans.append((key, session.starts_at, session.ends_at))
            stamp = max(activity.updated_at, session.updated_at)
            return (
                f"BEGIN:VEVENT\r\nUID:{_uid(session.uid)}\r\n"
                f"{self._summary(activity, session.title)[1]}"
                f"DTSTART;TZID={key}:{_local(start)}\r\nDTEND;TZID={key}:{_local(end)}\r\n"
                f"SEQUENCE:{activity.sequence + session.sequence}\r\n"
                f"DTSTAMP:{_utc(stamp)}\r\n{self.shared(activity)}"
                f"STATUS:{self.status(activity, session.status)}\r\nEND:VEVENT\r\n"
            )
        lines = [
            f"UID:{_uid(session.uid)}",
            self.summary(activity, session.title),
            *self.span(session, ZoneInfo(session.time_zone), spans),
            f"SEQUENCE:{activity.sequence + session.sequence}",
        ]
        stamp = max(activity.updated_at, session.updated_at)
        return self.event(activity, lines, self.status(activity, session.status), stamp)

    def series(self, series: SeriesRow, occurrences: list[SessionRow], spans: list[Span]) -> str:
        """The master (DTSTART;TZID and RRULE, EXDATE for instances the database does not
        hold) and its overrides: one for each moved, cancelled or edited occurrence, and one
        for each instance a client could place inexactly (see the module's docstring). A
        stored occurrence the rule does not give is an event of its own."""
        activity = self.activities[occurrences[0].activity_id]
        key = series.time_zone
        zone = ZoneInfo(key)
        tzid = f";TZID={key}"
        length = timedelta(minutes=series.duration_minutes)
        start = datetime.combine(series.start_date, series.start_time)
        walls = timing.rule_walls(
            dtstart=start,
            zone=key,
            rrule=series.rrule,
            limit=max(10 * timing.MAX_OCCURRENCES, 2 * len(occurrences)),
        )
        stored = {o.recurrence_id: o for o in occurrences}
        exdates, inexact, instants = [], set(), []
        for wall in walls:
            instant = timing.rfc_instant(wall, zone)
            instants.append(instant)
            local = instant.astimezone(zone)
            if instant not in stored:
                exdates.append(wall)
            elif (
                local.replace(tzinfo=None) != wall
                or timing.is_ambiguous(local)
                or (instant + length).astimezone(zone).utcoffset() != local.utcoffset()
            ):
                inexact.add(instant)
        spans.append((key, min(instants), max(instants) + length))

        first = timing.rfc_instant(start, zone)
        if first in stored and first not in inexact:
            end = f"DTEND{tzid}:{_local(start + length)}"
        else:
            end = f"DURATION:PT{series.duration_minutes}M"
        stamps = [activity.updated_at, series.updated_at]
        lines = [
            f"UID:{_uid(series.uid)}",
            self.summary(activity, series.title),
            f"DTSTART{tzid}:{_local(start)}",
            end,
            f"RRULE:{series.rrule.removeprefix('RRULE:')}",
            *(f"EXDATE{tzid}:{_local(wall)}" for wall in exdates),
            f"SEQUENCE:{activity.sequence + series.sequence}",
        ]
        by_rule = set(instants)
        overrides, apart = [], []
        for session in occurrences:
            if session.recurrence_id not in by_rule:
                # Not where the rule puts an instance (e.g. the second of two equal local
                # times): a client cannot name it within the series.
                alone = session._replace(title=session.title or series.title)
                apart.append(self.session(alone, spans))
                continue
            if not (
                session.recurrence_id in inexact
                or session.status == SessionStatus.CANCELLED
                or session.starts_at != session.recurrence_id
                or session.sequence
            ):
                continue
            stamps.append(session.updated_at)
            recurrence_id = (
                f"RECURRENCE-ID:{_utc(session.recurrence_id)}"
                if session.recurrence_id in inexact
                else f"RECURRENCE-ID{tzid}:{_local(session.recurrence_id.astimezone(zone))}"
            )
            sequence = activity.sequence + series.sequence + session.sequence
            override = [
                f"UID:{_uid(series.uid)}",
                recurrence_id,
                self.summary(activity, session.title or series.title),
                *self.span(session, ZoneInfo(session.time_zone), spans),
                f"SEQUENCE:{sequence}",
            ]
            status = self.status(activity, session.status)
            stamp = max(activity.updated_at, series.updated_at, session.updated_at)
            overrides.append(self.event(activity, override, status, stamp))
        master = self.event(activity, lines, self.status(activity), max(stamps))
        return master + "".join(overrides) + "".join(apart)


# The cache of written events -------------------------------------------------------------


class EventCacheInfo(NamedTuple):
    hits: int
    misses: int
    size: int


class _EventCache:
    """Written events by their version (least recently used dropped first): the text and
    the zone spans it needs. Shared by the threads of one process."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def lookup(self, keys: list) -> dict:
        found = {}
        with self._lock:
            for key in keys:
                value = self._items.get(key)
                if value is not None:
                    self._items.move_to_end(key)
                    found[key] = value
            self.hits += len(found)
            self.misses += len(keys) - len(found)
        return found

    def store(self, items: dict) -> None:
        with self._lock:
            self._items.update(items)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def info(self) -> EventCacheInfo:
        return EventCacheInfo(self.hits, self.misses, len(self._items))

    def empty(self) -> bool:
        return not self._items


_events = _EventCache(EVENT_CACHE_SIZE)


def event_cache_clear() -> None:
    """Forget every written event (the next build writes them all, as a new process does)."""
    with _events._lock:
        _events._items.clear()


def event_cache_info() -> EventCacheInfo:
    """How often a feed build found an event already written, and how often it wrote one."""
    return _events.info()


# VTIMEZONE ---------------------------------------------------------------------------------


def _offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _observance(
    wall: datetime, before: timedelta, after: timedelta, name: str, dst: bool, rule: str = ""
) -> list[str]:
    kind = "DAYLIGHT" if dst else "STANDARD"
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{_local(wall)}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
        f"TZNAME:{_text(name)}",
        *([f"RRULE:{rule}"] if rule else []),
        f"END:{kind}",
    ]


@lru_cache(maxsize=256)
def _vtimezone(key: str, first: date, last: date) -> str:
    """The VTIMEZONE of ``key`` for instants from ``first`` to ``last``: the listed
    transitions in force then (and the one in force at ``first``) up to where the zone's
    current yearly rule begins, then that rule as RRULEs without end. A change the RRULE
    form cannot express is listed year by year instead, up to ``last``."""
    rules = timing.zone_rules(key)
    start = rules.rule_start() if rules.changes else len(rules.transitions)
    listed = rules.transitions[:start]
    begin = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    rule_begins = rules.transitions[start].at if start < len(rules.transitions) else None
    in_force = [t for t in listed if t.at <= begin][-1:]
    if rule_begins and begin >= rule_begins:
        in_force = []  # the yearly rule alone covers the first date
    wanted = in_force + [t for t in listed if begin < t.at <= end]
    if not wanted and not rules.changes:
        # No listed transition before the first date (or none at all): the fixed offset.
        wanted = listed[:1]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{key}"]
    for t in wanted:
        wall = (t.at + t.offset_before).replace(tzinfo=None)
        lines += _observance(wall, t.offset_before, t.offset_after, t.name, t.is_dst)
    if rules.changes and (start == len(rules.transitions) or rules.transitions[start].at <= end):
        from_year = (
            rules.transitions[start].at.year
            if start < len(rules.transitions)
            else (rules.transitions[-1].at.year + 1 if rules.transitions else first.year)
        )
        for change in rules.changes:
            before, after = change.offset_before, change.offset_after
            rule = change.rrule()
            if rule:
                lines += _observance(
                    change.wall(from_year), before, after, change.name, change.is_dst, rule
                )
                continue
            for year in range(max(from_year, first.year - 1), last.year + 2):
                lines += _observance(change.wall(year), before, after, change.name, change.is_dst)
    elif not wanted:
        wall = datetime(1970, 1, 1)
        lines += _observance(wall, rules.offset, rules.offset, rules.name, False)
    lines.append("END:VTIMEZONE")
    return "".join(_line(line) for line in lines)


_prepared_zones: dict[str, ZoneInfo] = {}


def prepare_zones() -> list[str]:
    """Read, once in this process, the zone data feed builds need: for every zone that a
    session or series is in (the most used first, up to what ``timing.zone_rules`` keeps),
    its ``ZoneInfo`` and its rules, read from tzdata as the first build would read them.
    The server calls this before its workers fork, so each inherits them instead of
    reading the files on its first request. Opens a database connection; changes no data
    and no feed. Returns the zones, most used first."""
    used = Counter()
    for model in (Session, Series):
        used.update(dict(model.objects.order_by().values_list("time_zone").annotate(n=Count("pk"))))
    zones = [key for key, _count in used.most_common(timing.zone_rules.cache_info().maxsize)]
    for key in zones:
        # A zone named in the data that this tzdata no longer has is left to the build.
        with suppress(ZoneInfoNotFoundError, ValueError):
            _prepared_zones[key] = ZoneInfo(key)  # held: ZoneInfo keeps only 8 unused
            timing.zone_rules(key)
    return zones


FEEDS_COUNTER = "events:feeds"


def feeds_changed(**_kwargs) -> None:
    """Move every feed's version (a receiver of the saves and deletions of what feeds
    show): a shared counter bumped in the change's own transaction, so the new version is
    seen exactly when the change is, on every server, whatever its clock says."""
    counter_bump(FEEDS_COUNTER)


def watch_changes() -> None:
    """Connect ``feeds_changed`` to every model a feed shows (called by the app's
    ``ready``)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from amity.events.models import Participation, SessionSpeaker

    for model in (Activity, Series, Session, SessionSpeaker, Participation):
        post_save.connect(feeds_changed, sender=model, dispatch_uid=f"feeds:{model.__name__}")
        post_delete.connect(feeds_changed, sender=model, dispatch_uid=f"feeds-:{model.__name__}")
    for field in Activity._meta.many_to_many:
        m2m_changed.connect(
            feeds_changed, sender=field.remote_field.through, dispatch_uid=f"feeds:{field.name}"
        )


def feed_version() -> str:
    """Changes whenever anything a feed shows changes, on every server at the same moment:
    every save or deletion of an activity, series, session, speaker or participant, and
    every ``update`` of the services (``amity.events.services._bump``), bumps the shared
    counter (``feeds_changed``); sessions created in bulk change the sessions' count. Not a
    time: a server whose clock is behind cannot write a change older than the version.
    Cheap next to building a feed."""
    activities = Activity.objects.count()
    sessions = Session.objects.count()
    parts = [activities, sessions, counter_value(FEEDS_COUNTER)]
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def _feed_cache_key(key: str) -> str:
    """The key in the cache of the feed ``key`` as it is now. The language is part of it:
    kinds are translated."""
    version = feed_version()
    digest = hashlib.sha1(
        f"{key}|{version}|{get_language()}".encode(), usedforsecurity=False
    ).hexdigest()
    return f"amity:feed:{digest}"


def body_etag(body: bytes) -> str:
    """The ETag of what is served: a hash of the body itself, so that two servers, or a
    cache that missed a change, never call an old body and a new one the same."""
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'


def cached_calendar(key: str, build) -> tuple[bytes, str]:
    """A feed from the cache while nothing it shows has changed; built (and kept) otherwise.
    Returns the body and its ETag."""
    body, etag, keep = calendar_to_send(key, build)
    if keep is not None:
        keep()
    return body, etag


def calendar_to_send(key: str, build) -> tuple[bytes, str, Callable[[], None] | None]:
    """As ``cached_calendar``, for a response: a feed just built is returned with ``keep``,
    which puts it in the cache, to be called once the response is sent. Keeping it costs
    about as much as a tenth of the build (the file cache pickles and compresses it), and
    the reader need not wait for that."""
    cache_key = _feed_cache_key(key)
    body = cache.get(cache_key)
    if body is not None:
        return body, body_etag(body), None
    body = build()
    return body, body_etag(body), lambda: cache.set(cache_key, body, timeout=FEED_CACHE_SECONDS)


def sessions_for_feed(activities) -> QuerySet:
    return (
        Session.objects.filter(activity__in=activities)
        .select_related("activity", "series")
        .order_by("starts_at")
    )


def _calendar(header: list[str], data: _FeedData, base_url: str, join: Join | None = None) -> bytes:
    """The VCALENDAR: the header's properties, the VTIMEZONEs the events need, the events.
    Each event's text comes from the cache while its version is unchanged; only the others
    are read in full and written."""
    language = get_language()
    keys = []
    by_series: dict[int, list[_Version]] = defaultdict(list)
    for v in data.versions:
        if v.series_id is None:
            activity = (*data.activity_versions[v.activity_id], join)
            keys.append(("session", v.pk, v.updated_at, v.sequence, activity, base_url, language))
        else:
            by_series[v.series_id].append(v)
    for series_id, occurrences in by_series.items():
        occurrence_versions = tuple((o.pk, o.updated_at, o.sequence) for o in occurrences)
        activity = (*data.activity_versions[occurrences[0].activity_id], join)
        series = data.series_versions[series_id]
        keys.append(
            ("series", series_id, series, activity, occurrence_versions, base_url, language)
        )
    found = _events.lookup(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        rows = data.rows(
            {key[1] for key in missing if key[0] == "session"},
            {key[1] for key in missing if key[0] == "series"},
        )
        activities = rows.activities
        if join is not None:
            activities = {
                pk: row._replace(
                    video_provider=join.platform, video_url=join.url, dial_in=join.details
                )
                for pk, row in activities.items()
            }
        writer = _Writer(base_url, activities)
        written = {}
        for key in missing:
            spans: list[Span] = []
            if key[0] == "session":
                text = writer.session(rows.sessions[key[1]], spans)
            else:
                text = writer.series(rows.series[key[1]], rows.occurrences[key[1]], spans)
            written[key] = (text, tuple(spans))
        _events.store(written)
        found.update(written)
    built = [found[key] for key in keys]
    bounds = _zone_bounds(span for _text, spans in built for span in spans)
    zones = [
        _vtimezone(zone, bounds[zone][0].date(), bounds[zone][1].date()) for zone in sorted(bounds)
    ]
    head = "".join(_line(line) for line in ["BEGIN:VCALENDAR", *header])
    events = "".join(text for text, _spans in built)
    return (head + "".join(zones) + events + "END:VCALENDAR\r\n").encode()


def build_calendar(
    *,
    name: str,
    sessions: Iterable[Session],
    base_url: str,
    description: str = "",
    join: Join | None = None,
) -> bytes:
    """A VCALENDAR of the given sessions: single sessions as themselves, occurrences of a
    series folded back into the series' RRULE with its exceptions. ``sessions`` is best a
    QuerySet (read as plain rows). ``join`` puts one person's own join link in place of
    the activity's (their room or livestream)."""
    header = [
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(str(name))}",
        f"NAME:{_text(str(name))}",
        *([f"X-WR-CALDESC:{_text(description)}"] if description else []),
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    return _calendar(header, _FeedData.load(sessions), base_url, join)


def build_session_calendar(*, session: Session, base_url: str) -> bytes:
    """One session on its own (a single download), under the session's own UID."""
    header = [
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(session.display_title)}",
    ]
    # Downloaded on its own, an occurrence is a single event under its own UID.
    alone = Session(
        **{f.attname: getattr(session, f.attname) for f in Session._meta.concrete_fields}
    )
    alone.activity = session.activity
    alone.series_id = None
    return _calendar(header, _FeedData.load([alone]), base_url)
