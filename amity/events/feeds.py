"""iCalendar (RFC 5545) feeds, built with the ``icalendar`` library.

- A single session is a VEVENT with its own UID.
- A series is one VEVENT with DTSTART;TZID and RRULE (UID = the series), plus one
  override VEVENT per moved or cancelled occurrence, found by RECURRENCE-ID; a cancelled
  occurrence stays in the feed with STATUS:CANCELLED so calendars remove it visibly.
- Every zone used gets its VTIMEZONE, so clients need no zone database of their own.
UIDs never change; SEQUENCE is the sum of the activity's and the item's change counters,
so it increases on every change of either.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language
from icalendar import Calendar, Event, vCategory, vDDDTypes, vRecur, vText, vUri

from amity.events.models import Activity, ActivityStatus, Series, Session

PRODID = "-//Amity//International collaboration//EN"
FEED_CACHE_SECONDS = 24 * 3600


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


class _SharedProperties:
    """The properties every event of one activity carries, converted once per activity
    rather than once per session (a feed of 10,000 sessions has a few hundred
    activities)."""

    def __init__(self, base_url: str, stamp: datetime):
        self.base_url = base_url
        self.stamp = vDDDTypes(stamp)
        self._by_activity: dict[int, list[tuple[str, object]]] = {}

    def of(self, activity: Activity) -> list[tuple[str, object]]:
        if activity.pk not in self._by_activity:
            url = self.base_url + activity.get_absolute_url()
            status = {
                ActivityStatus.CANCELLED: "CANCELLED",
                ActivityStatus.PLANNED: "TENTATIVE",
            }.get(activity.status, "CONFIRMED")
            props = [
                ("DESCRIPTION", vText(_describe(activity, self.base_url))),
                ("URL", vUri(url)),
                ("CATEGORIES", vCategory([str(activity.get_kind_display())])),
                ("STATUS", vText(status)),
            ]
            if activity.video_url:
                props.append(("LOCATION", vText(activity.video_url)))
            self._by_activity[activity.pk] = props
        return self._by_activity[activity.pk]

    def apply(self, event: Event, activity: Activity) -> None:
        event["DTSTAMP"] = self.stamp
        for name, value in self.of(activity):
            event[name] = value


def _summary(activity: Activity, title: str) -> str:
    return f"{activity.title}: {title}" if title and title != activity.title else activity.title


def _session_event(session: Session, activity: Activity, shared: _SharedProperties) -> Event:
    zone = ZoneInfo(session.time_zone)
    event = Event()
    event.add("uid", _uid(session.uid))
    event.add("summary", _summary(activity, session.title))
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("sequence", activity.sequence + session.sequence)
    shared.apply(event, activity)
    if session.is_cancelled:
        event["status"] = "CANCELLED"
    return event


def _series_events(
    series: Series, occurrences: list[Session], activity: Activity, shared: _SharedProperties
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
    shared.apply(master, activity)
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
        shared.apply(override, activity)
        if session.is_cancelled:
            override["status"] = "CANCELLED"
        events.append(override)
    return events


def feed_version() -> str:
    """Changes whenever anything a feed shows changes: every write to an activity, a series
    or a session moves an ``updated_at``, and a deletion changes a count. Two aggregate
    queries, cheap next to building a feed."""
    activities = Activity.objects.aggregate(latest=Max("updated_at"), count=Count("pk"))
    sessions = Session.objects.aggregate(latest=Max("updated_at"), count=Count("pk"))
    series = Series.objects.aggregate(latest=Max("updated_at"))
    parts = [activities["latest"], activities["count"], sessions["latest"], sessions["count"]]
    parts.append(series["latest"])
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def cached_calendar(key: str, build) -> tuple[bytes, str]:
    """A feed from the cache while nothing it shows has changed; built (and kept) otherwise.
    Returns the body and its ETag. The language is part of the key: kinds are translated."""
    version = feed_version()
    etag = hashlib.sha1(
        f"{key}|{version}|{get_language()}".encode(), usedforsecurity=False
    ).hexdigest()
    cache_key = f"amity:feed:{etag}"
    body = cache.get(cache_key)
    if body is None:
        body = build()
        cache.set(cache_key, body, timeout=FEED_CACHE_SECONDS)
    return body, f'"{etag}"'


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
    shared = _SharedProperties(base_url, timezone.now().astimezone(UTC).replace(microsecond=0))

    by_series: dict[int, list[Session]] = defaultdict(list)
    series_by_id: dict[int, Series] = {}
    for session in sessions:
        if session.series_id is None:
            calendar.add_component(_session_event(session, session.activity, shared))
        else:
            by_series[session.series_id].append(session)
            series_by_id[session.series_id] = session.series
    for series_id, occurrences in by_series.items():
        series = series_by_id[series_id]
        for event in _series_events(series, occurrences, occurrences[0].activity, shared):
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
    shared = _SharedProperties(base_url, timezone.now().astimezone(UTC).replace(microsecond=0))
    calendar.add_component(_session_event(session, session.activity, shared))
    calendar.add_missing_timezones()
    return calendar.to_ical()
