"""iCalendar (RFC 5545) feeds, built with the ``icalendar`` library.

- A single session is a VEVENT with its own UID.
- A series is one VEVENT with DTSTART;TZID and RRULE (UID = the series), plus one
  override VEVENT per moved or cancelled occurrence, found by RECURRENCE-ID; a cancelled
  occurrence stays in the feed with STATUS:CANCELLED so calendars remove it visibly.
- Every zone used gets its VTIMEZONE, so clients need no zone database of their own.
UIDs never change; SEQUENCE is the sum of the activity's and the item's change counters,
so it increases on every change of either.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from icalendar import Calendar, Event, vRecur

from amity.events.models import Activity, ActivityStatus, Series, Session

PRODID = "-//Amity//International collaboration//EN"


def _uid(value) -> str:
    return f"{value}@amity"


def _describe(activity: Activity, base_url: str) -> str:
    lines = [activity.description.strip()] if activity.description.strip() else []
    if activity.video_url:
        lines.append(f"{activity.get_video_provider_display() or 'Video'}: {activity.video_url}")
    if activity.dial_in:
        lines.append(activity.dial_in.strip())
    lines.append(base_url + activity.get_absolute_url())
    return "\n\n".join(lines)


def _common(event: Event, activity: Activity, base_url: str, stamp: datetime) -> None:
    event.add("dtstamp", stamp)
    event.add("description", _describe(activity, base_url))
    event.add("url", base_url + activity.get_absolute_url())
    event.add("categories", [activity.get_kind_display()])
    if activity.video_url:
        event.add("location", activity.video_url)
    if activity.status == ActivityStatus.CANCELLED:
        event.add("status", "CANCELLED")
    elif activity.status == ActivityStatus.PLANNED:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")


def _summary(activity: Activity, title: str) -> str:
    return f"{activity.title}: {title}" if title and title != activity.title else activity.title


def _session_event(session: Session, activity: Activity, base_url: str, stamp) -> Event:
    zone = ZoneInfo(session.time_zone)
    event = Event()
    event.add("uid", _uid(session.uid))
    event.add("summary", _summary(activity, session.title))
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("sequence", activity.sequence + session.sequence)
    _common(event, activity, base_url, stamp)
    if session.is_cancelled:
        event["status"] = "CANCELLED"
    return event


def _series_events(
    series: Series, occurrences: list[Session], activity: Activity, base_url: str, stamp
) -> list[Event]:
    zone = ZoneInfo(series.time_zone)
    master = Event()
    master.add("uid", _uid(series.uid))
    master.add("summary", _summary(activity, series.title))
    start = series.wall_start.replace(tzinfo=zone)
    master.add("dtstart", start)
    master.add("dtend", start + timedelta(minutes=series.duration_minutes))
    master.add("rrule", vRecur.from_ical(series.rrule))
    master.add("sequence", activity.sequence + series.sequence)
    _common(master, activity, base_url, stamp)
    events = [master]
    for session in occurrences:
        if not (session.is_cancelled or session.is_moved or session.sequence):
            continue
        override = Event()
        override.add("uid", _uid(series.uid))
        override.add("recurrence-id", session.recurrence_id.astimezone(zone))
        override.add("summary", _summary(activity, session.title or series.title))
        override.add("dtstart", session.starts_at.astimezone(zone))
        override.add("dtend", session.ends_at.astimezone(zone))
        override.add("sequence", activity.sequence + series.sequence + session.sequence)
        _common(override, activity, base_url, stamp)
        if session.is_cancelled:
            override["status"] = "CANCELLED"
        events.append(override)
    return events


def sessions_for_feed(activities) -> Iterable[Session]:
    return (
        Session.objects.filter(activity__in=activities)
        .select_related("activity", "series")
        .order_by("starts_at")
    )


def build_calendar(
    *, name: str, sessions: Iterable[Session], base_url: str, description: str = ""
) -> bytes:
    """A VCALENDAR of the given sessions: single sessions as themselves, occurrences of a
    series folded back into the series' RRULE with its exceptions."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    if description:
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)

    by_series: dict[int, list[Session]] = defaultdict(list)
    series_by_id: dict[int, Series] = {}
    for session in sessions:
        if session.series_id is None:
            calendar.add_component(_session_event(session, session.activity, base_url, stamp))
        else:
            by_series[session.series_id].append(session)
            series_by_id[session.series_id] = session.series
    for series_id, occurrences in by_series.items():
        series = series_by_id[series_id]
        for event in _series_events(series, occurrences, occurrences[0].activity, base_url, stamp):
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def build_session_calendar(*, session: Session, base_url: str) -> bytes:
    """One session on its own (a single download), under the session's own UID."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", session.display_title)
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    calendar.add_component(_session_event(session, session.activity, base_url, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
