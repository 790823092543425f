"""One session's attendance merged across its ways in: the meeting room (a Zoom or Tencent
Meeting report) and any livestreams (a viewer export read as a generic table).

The model, once:

- Each report read for a session records, per person, the time it shows them
  (``presence``): the intervals of its rows that have join and leave times (``s``, epoch
  seconds, overlaps within the report already merged), the minutes of those rows as the
  report gives them (``t``), and the minutes of rows without times (``l``).
- A person is keyed the same way in every report: ``r<id>`` when the row matched a
  registrant, else ``e:<email>``, ``p:<phone digits>``, ``n:<normalised name>``. Someone in
  the room and on the stream is one person when both rows match the same registrant (or
  carry the same email or phone).
- Their merged minutes for the session: the union of all their intervals, on every
  platform, counted once — but not more than those rows' own minutes (an overview row's
  first-join-to-last-leave interval includes breaks) — plus the minutes without times.
  Minutes without times cannot be checked for overlap, so when there are any, the total
  is capped at the session's length, or at the longest single report's figure when that
  is more: no platform's own figure is ever reduced, and no one attends a 90-minute
  session for 150 minutes because they had the stream open beside the room.
- For each session, the latest report of each way in counts (same session, way in,
  service and platform name: a report read again replaces the earlier one).
  A registrant's minutes are the sum over sessions (``registrations.minutes_attended``),
  which the certificate rule reads as before.
- Figures per session: people in the room, the room's peak concurrent count (from the
  intervals: one person on two devices counts once), stream viewers, unique attendees
  over all ways in.

The first part is pure (no database); ``session_figures`` and ``merged_minutes`` read the
activity's reports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from amity.registrations.attendance import AttendanceRow, normalise_name
from amity.registrations.models import Registration

ROOM = "room"
STREAM = "stream"

Span = tuple[float, float]


# ----- one report: who, and when --------------------------------------------------------


def person_key(row: AttendanceRow, registrant: Any = None) -> str:
    """The key a row's person has in every report of the session."""
    if registrant is not None:
        return f"r{registrant}"
    if row.email:
        return f"e:{row.email}"
    if row.phone:
        return f"p:{row.phone}"
    return f"n:{normalise_name(row.name)}"


def _union(spans: Iterable[Span]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def presence(rows: Iterable[AttendanceRow]) -> dict[str, Any]:
    """What one report shows of one person (see the module's docstring)."""
    spans: list[Span] = []
    timed = loose = 0.0
    for row in rows:
        if row.joined_at and row.left_at:
            spans.append((row.joined_at.timestamp(), row.left_at.timestamp()))
            timed += row.minutes
        else:
            loose += row.minutes
    entry: dict[str, Any] = {}
    if spans:
        entry["s"] = _union(spans)
        entry["t"] = round(timed, 2)
    if loose:
        entry["l"] = round(loose, 2)
    return entry


def report_people(
    rows_by_registrant: Mapping[Any, list[AttendanceRow]],
    unmatched: Iterable[AttendanceRow],
) -> dict[str, dict[str, Any]]:
    """Every person of one report, keyed (``person_key``), with their presence; the
    unmatched ones keep the name the report gives them (``n``)."""
    people: dict[str, dict[str, Any]] = {}
    for pk, rows in rows_by_registrant.items():
        people[person_key(rows[0], pk)] = presence(rows)
    groups: dict[str, list[AttendanceRow]] = defaultdict(list)
    for row in unmatched:
        groups[person_key(row)].append(row)
    for key, rows in groups.items():
        people[key] = {**presence(rows), "n": rows[0].name}
    return people


def _spans_minutes(spans: Iterable[Iterable[float]]) -> float:
    return sum(end - start for start, end in spans) / 60


def _report_total(entry: Mapping[str, Any]) -> float:
    spans = entry.get("s") or []
    covered = min(_spans_minutes(spans), entry.get("t", 0.0)) if spans else 0.0
    return covered + entry.get("l", 0.0)


# ----- several reports: one figure per person ------------------------------------------


def merge_person(entries: Iterable[Mapping[str, Any]], session_minutes: float | None) -> float:
    """A person's minutes in one session from their entries in several reports."""
    entries = list(entries)
    spans = [tuple(span) for entry in entries for span in entry.get("s") or []]
    timed = sum(entry.get("t", 0.0) for entry in entries if entry.get("s"))
    loose = sum(entry.get("l", 0.0) for entry in entries)
    covered = min(_spans_minutes(_union(spans)), timed) if spans else 0.0
    total = covered + loose
    if loose and session_minutes:
        longest = max(_report_total(entry) for entry in entries)
        total = min(total, max(session_minutes, longest))
    return round(total, 2)


def merge_people(
    reports: Iterable[Mapping[str, Mapping[str, Any]]], session_minutes: float | None = None
) -> dict[str, float]:
    """Each person's merged minutes for one session, from the ``people`` of its reports."""
    entries: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for people in reports:
        for key, entry in people.items():
            entries[key].append(entry)
    return {key: merge_person(found, session_minutes) for key, found in entries.items()}


def peak_concurrent(reports: Iterable[Mapping[str, Mapping[str, Any]]]) -> int | None:
    """The most people present at once, from the intervals (a person's own overlapping
    connections, also in two reports, count once); None when no report has times."""
    by_person: dict[str, list[Span]] = defaultdict(list)
    for people in reports:
        for key, entry in people.items():
            by_person[key].extend(tuple(span) for span in entry.get("s") or [])
    events: list[tuple[float, int]] = []
    for spans in by_person.values():
        for start, end in _union(spans):
            events.append((start, 1))
            events.append((end, -1))
    if not events:
        return None
    # At the same instant a leave comes before a join: a hand-over is not two at once.
    events.sort()
    present = peak = 0
    for _moment, change in events:
        present += change
        peak = max(peak, present)
    return peak


@dataclass
class SessionFigures:
    """The counts of one session (or of reports for the whole activity: ``session`` None)."""

    session: Any
    room_people: int = 0
    room_peak: int | None = None
    stream_viewers: int = 0
    unique: int = 0
    # (label, way in, people) for each report that counts.
    platforms: list[tuple[str, str, int]] = field(default_factory=list)
    minutes: dict[str, float] = field(default_factory=dict)


def figures(
    session: Any, reports: Iterable[tuple[str, str, Mapping[str, Mapping[str, Any]]]]
) -> SessionFigures:
    """The figures of one session from its reports, each (label, way in, people)."""
    reports = list(reports)
    length = None
    if session is not None and getattr(session, "starts_at", None) and session.ends_at:
        length = (session.ends_at - session.starts_at).total_seconds() / 60
    rooms = [people for _label, way, people in reports if way == ROOM]
    streams = [people for _label, way, people in reports if way == STREAM]
    merged = merge_people((people for _l, _w, people in reports), length)
    return SessionFigures(
        session=session,
        room_people=len({key for people in rooms for key in people}),
        room_peak=peak_concurrent(rooms),
        stream_viewers=len({key for people in streams for key in people}),
        unique=len(merged),
        platforms=[(label, way, len(people)) for label, way, people in reports],
        minutes=merged,
    )


# ----- the activity's reports --------------------------------------------------------------


def _people_of(record) -> dict[str, dict[str, Any]]:
    """A report's people; a report read before merging existed has only minutes per
    registrant, which count as minutes without times."""
    if record.people:
        return record.people
    return {f"r{pk}": {"l": float(minutes)} for pk, minutes in record.minutes.items()}


def counting_reports(activity) -> dict[Any, list]:
    """For each session (None: the whole activity), the reports that count: the latest of
    each way in (session, way in, service, platform name)."""
    latest: dict[tuple, Any] = {}
    records = (
        activity.attendance_imports.select_related("session")
        .defer("report")
        .order_by("created_at", "pk")
    )
    for record in records:
        way = (record.session_id, record.platform, record.source, record.platform_name.casefold())
        latest[way] = record
    by_session: dict[Any, list] = defaultdict(list)
    for record in latest.values():
        by_session[record.session_id].append(record)
    return by_session


def _label(record) -> str:
    if record.platform_name:
        return record.platform_name
    return record.source_label if record.platform == ROOM else str(record.get_platform_display())


def session_figures(activity) -> list[SessionFigures]:
    """The figures of each session that has reports, in the order of the sessions (the
    whole activity's reports last)."""
    result = []
    for records in counting_reports(activity).values():
        session = records[0].session
        result.append(figures(session, [(_label(r), r.platform, _people_of(r)) for r in records]))
    result.sort(key=lambda f: (f.session is None, f.session.starts_at if f.session else 0))
    return result


def merged_minutes(activity) -> dict[int, int]:
    """Each registrant's minutes over the activity: per session merged across its ways
    in, rounded to whole minutes, then added up."""
    totals: dict[int, int] = defaultdict(int)
    for item in session_figures(activity):
        for key, minutes in item.minutes.items():
            if key.startswith("r"):
                totals[int(key[1:])] += int(minutes + 0.5)
    return dict(totals)


def attendance_table(activity) -> list[list]:
    """The organiser's export: first the figures of each session (per way in and merged),
    then one line per person and session: who, minutes in the room, on the streams, and
    merged. Registrants are named as in the list of registrants (an erased one as
    "(erased)"); people who matched no registrant as the report names them."""
    sessions = []
    registrant_keys: set[int] = set()
    reports = counting_reports(activity)
    for item in session_figures(activity):
        records = reports[item.session.pk if item.session else None]
        ways: dict[str, dict[str, float]] = {ROOM: defaultdict(float), STREAM: defaultdict(float)}
        names: dict[str, str] = {}
        for record in records:
            for key, entry in _people_of(record).items():
                ways[record.platform][key] += _report_total(entry)
                names.setdefault(key, entry.get("n", ""))
        sessions.append((item, ways, names))
        registrant_keys.update(int(k[1:]) for k in item.minutes if k.startswith("r"))
    people = {
        r.pk: r
        for r in Registration.objects.filter(activity=activity, pk__in=registrant_keys).only(
            "pk", "family_name", "given_name", "name_local", "email", "erased_at"
        )
    }
    out: list[list] = [
        [
            _("Session"),
            _("People in the room"),
            _("Room peak (at once)"),
            _("Livestream viewers"),
            _("Unique attendees"),
        ]
    ]
    for item, _ways, _names in sessions:
        out.append(
            [
                _session_label(item.session),
                item.room_people,
                item.room_peak if item.room_peak is not None else "",
                item.stream_viewers,
                item.unique,
            ]
        )
    out.append([])
    out.append(
        [
            _("Session"),
            _("Name"),
            _("Email"),
            _("Registrant"),
            _("Minutes in the room"),
            _("Minutes on the livestream"),
            _("Minutes merged"),
        ]
    )
    for item, ways, names in sessions:
        for key in sorted(item.minutes):
            registrant = people.get(int(key[1:])) if key.startswith("r") else None
            if registrant is not None:
                name, email, known = registrant.display_name, registrant.email, _("yes")
            else:
                name = names.get(key) or key.partition(":")[2]
                email = key[2:] if key.startswith("e:") else ""
                known = ""
            out.append(
                [
                    _session_label(item.session),
                    name,
                    email,
                    known,
                    round(ways[ROOM].get(key, 0.0)),
                    round(ways[STREAM].get(key, 0.0)),
                    int(item.minutes[key] + 0.5),
                ]
            )
    return out


def _session_label(session) -> str:
    if session is None:
        return str(_("The whole activity"))
    local = session.starts_at.astimezone(ZoneInfo(str(session.time_zone)))
    return f"{local:%Y-%m-%d %H:%M} ({session.time_zone})"
