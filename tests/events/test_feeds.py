"""Feeds are parsed back with icalendar and expanded with recurring-ical-events; the
instants must be the ones the database (and so the pages) hold."""

import json
import logging
import shutil
import subprocess
import warnings
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject
from django.core.cache import cache

from amity.events import feeds, services, timing
from amity.events.models import Activity, Series, Session

pytestmark = pytest.mark.django_db


def _parse(response) -> icalendar.Calendar:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _expanded(calendar) -> list:
    return recurring_ical_events.of(calendar, skip_bad_series=False).between(
        date(2020, 1, 1), date(2030, 1, 1)
    )


def _instants(events) -> list[datetime]:
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events)


def test_series_feed_expands_to_the_same_instants_as_the_sessions(world, client, cicu):
    client.force_login(world.office)
    calendar = _parse(client.get(cicu.get_feed_url()))
    masters = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert len(masters) == 1
    assert masters[0]["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6"
    assert masters[0]["DTSTART"].params["TZID"] == "America/New_York"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert calendar["X-WR-CALNAME"] == "CICU Response weekly call"
    expected = list(cicu.sessions.values_list("starts_at", flat=True).order_by("starts_at"))
    assert _instants(_expanded(calendar)) == expected
    # 16:00 in New York both before and after the US change on 14 March 2027.
    assert [e["DTSTART"].dt.strftime("%H:%M") for e in _expanded(calendar)] == ["16:00"] * 6
    assert [i.strftime("%H:%M") for i in expected] == ["21:00"] * 2 + ["20:00"] * 4


def test_moved_and_cancelled_occurrences_become_overrides(world, client, cicu):
    sessions = list(cicu.sessions.order_by("starts_at"))
    services.session_cancel(session=sessions[2])
    moved_to = datetime(2027, 3, 25, 14, 0, tzinfo=UTC)
    services.session_move(session=sessions[3], starts_at=moved_to)
    client.force_login(world.office)
    calendar = _parse(client.get(cicu.get_feed_url()))

    events = _expanded(calendar)
    by_start = {e["DTSTART"].dt.astimezone(UTC): e for e in events}
    cancelled = by_start[sessions[2].starts_at]
    assert cancelled["STATUS"] == "CANCELLED"
    assert moved_to in by_start
    assert sessions[3].recurrence_id not in by_start
    overrides = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert {e["RECURRENCE-ID"].dt.astimezone(UTC) for e in overrides} == {
        sessions[2].recurrence_id,
        sessions[3].recurrence_id,
    }
    assert len({e["UID"] for e in calendar.walk("VEVENT")}) == 1


def test_uid_stays_and_sequence_grows_on_every_change(world, client, cicu):
    client.force_login(world.office)
    before = _parse(client.get(cicu.get_feed_url())).walk("VEVENT")[0]
    services.activity_update(activity=cicu, fields={"title": "CICU weekly call (renamed)"})
    after = _parse(client.get(cicu.get_feed_url())).walk("VEVENT")[0]
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert str(after["SUMMARY"]) == "CICU weekly call (renamed)"


def test_single_session_feed_is_one_event_in_its_zone(world, client, lecture):
    session = lecture.sessions.get()
    calendar = _parse(client.get(session.get_feed_url()))
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].dt == datetime(2027, 4, 17, 0, 0, tzinfo=UTC)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].dt - event["DTSTART"].dt == session.ends_at - session.starts_at
    assert event["UID"] == f"{session.uid}@amity"


def test_public_feed_lists_only_public_activities(world, client, cicu, lecture):
    calendar = _parse(client.get("/calendar/public.ics"))
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {
        "Remote International Classroom"
    }


def test_non_public_activity_feed_is_not_found_without_login(client, cicu):
    assert client.get(cicu.get_feed_url()).status_code == 404


def test_personal_feed_holds_what_the_person_takes_part_in_until_revoked(
    world, client, cicu, lecture
):
    token = services.calendar_token_renew(user=world.staff)
    url = f"/calendar/personal/{token.key}.ics"
    calendar = _parse(client.get(url))
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"CICU Response weekly call"}
    assert len(_expanded(calendar)) == 6

    services.calendar_token_renew(user=world.staff)
    assert client.get(url).status_code == 404


def test_department_feed_is_public_only_unless_a_personal_key_is_given(world, client, cicu):
    assert _parse(client.get("/calendar/department/cardiology.ics")).walk("VEVENT") == []
    token = services.calendar_token_renew(user=world.staff)
    calendar = _parse(client.get(f"/calendar/department/cardiology.ics?key={token.key}"))
    assert {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")} == {"CICU Response weekly call"}


def test_cancelled_single_session_is_published_as_cancelled(world, client, lecture):
    session = lecture.sessions.get()
    services.session_cancel(session=session)
    (event,) = _parse(client.get("/calendar/public.ics")).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert Session.objects.get(pk=session.pk).is_cancelled


def test_feed_is_served_from_cache_until_something_changes(
    world, client, lecture, django_assert_max_num_queries
):
    first = client.get("/calendar/public.ics")
    etag = first["ETag"]
    with django_assert_max_num_queries(4):  # the version check only, no feed building
        again = client.get("/calendar/public.ics")
    assert again.content == first.content
    assert client.get("/calendar/public.ics", headers={"If-None-Match": etag}).status_code == 304

    services.activity_update(activity=lecture, fields={"title": "Renamed lecture"})
    changed = client.get("/calendar/public.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Renamed lecture" in changed.content.decode()


def test_cancelling_one_session_changes_the_cached_feed(world, client, lecture):
    before = _parse(client.get("/calendar/public.ics")).walk("VEVENT")[0]
    assert before["STATUS"] == "CONFIRMED"
    services.session_cancel(session=lecture.sessions.get())
    after = _parse(client.get("/calendar/public.ics")).walk("VEVENT")[0]
    assert after["STATUS"] == "CANCELLED"


# Readers of the feed: every one must see exactly the instants the database holds. -------

READ_UNTIL = date(2041, 1, 1)
JS_READER = Path(__file__).resolve().parent.parent / "js"


def _database_instants(activity) -> list[tuple[datetime, datetime, str]]:
    return sorted(
        (s.starts_at, s.ends_at, "CANCELLED" if s.is_cancelled else "CONFIRMED")
        for s in activity.sessions.all()
    )


def _read_icalendar(body: bytes) -> list[tuple[datetime, datetime, str]]:
    """icalendar parses, recurring-ical-events expands (RRULE, RDATE, EXDATE, overrides)."""
    calendar = icalendar.Calendar.from_ical(body)
    assert [(c.name, c.errors) for c in calendar.walk() if c.errors] == []
    events = recurring_ical_events.of(calendar, skip_bad_series=False).between(
        date(2020, 1, 1), READ_UNTIL
    )
    return sorted(
        (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC), str(e["STATUS"]))
        for e in events
    )


def _read_vobject(body: bytes) -> list[tuple[datetime, datetime, str]]:
    """vobject parses and expands the recurrence set (RRULE, RDATE, EXDATE); overrides are
    matched to their instance by RECURRENCE-ID, as a client using vobject does."""
    calendar = vobject.readOne(body.decode())
    events = calendar.vevent_list
    overrides = {
        (e.uid.value, e.recurrence_id.value.astimezone(UTC)): e
        for e in events
        if hasattr(e, "recurrence_id")
    }

    def row(event, start=None):
        begin = event.dtstart.value.astimezone(UTC)
        length = (
            event.dtend.value.astimezone(UTC) - begin
            if hasattr(event, "dtend")
            else event.duration.value
        )
        start = begin if start is None else start
        return (start, start + length, event.status.value)

    found = []
    for event in events:
        if hasattr(event, "recurrence_id"):
            continue
        if not hasattr(event, "rrule"):
            found.append(row(event))
            continue
        for instance in event.getrruleset(addRDate=True):
            instant = instance.astimezone(UTC)
            override = overrides.pop((event.uid.value, instant), None)
            found.append(row(override) if override else row(event, instant))
    assert overrides == {}, "overrides that match no instance"
    return sorted(found)


def _read_icaljs(body: bytes) -> list[tuple[datetime, datetime, str]]:
    """ical.js (tests/js/read_ics.mjs) parses and expands; anything on stderr fails."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the ical.js reader of the feeds cannot run")
    if not (JS_READER / "node_modules" / "ical.js").exists():
        # python3 dev.py test installs it; running pytest directly may come first.
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_READER, check=True, timeout=300
        )
    result = subprocess.run(
        [node, str(JS_READER / "read_ics.mjs"), READ_UNTIL.isoformat()],
        input=body,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr.decode()) == (0, "")

    def instant(text: str) -> datetime:
        return datetime.fromisoformat(text).astimezone(UTC)

    return sorted(
        (instant(o["start"]), instant(o["end"]), o["status"]) for o in json.loads(result.stdout)
    )


@pytest.fixture
def night_call(world):
    """A public weekly call on Sundays at 01:30 in New York, 60 minutes, from 31 October
    2027 for 21 weeks: it crosses the change back on 7 November 2027 (01:30 happens twice:
    the occurrence is the first 01:30, and ends at the second) and the change forward on
    12 March 2028 (01:30–02:30 lasts one hour and ends at 03:30 EDT). Around it: two
    30-minute sessions at the first and at the second 01:30 of 7 November, the occurrence
    of 7 November moved to the second 01:30, the one of 21 November cancelled, the one of
    5 December moved to the Monday, and a session in July 2040 (after the 2037 end of
    32-bit zone tables)."""
    zone = "America/New_York"
    activity = services.activity_create(
        fields={
            "title": "Night shift handover",
            "kind": "call",
            "status": "confirmed",
            "visibility": "public",
            "time_zone": zone,
        }
    )
    series = services.series_create(
        activity=activity,
        start_date=date(2027, 10, 31),
        start_time=time(1, 30),
        time_zone=zone,
        rrule="FREQ=WEEKLY;COUNT=21",
        duration_minutes=60,
    )
    fold_night = datetime(2027, 11, 7, 1, 30)
    for fold in (0, 1):
        services.session_create(
            activity=activity,
            starts_at=timing.resolve_local(fold_night, zone, fold=fold),
            duration_minutes=30,
            time_zone=zone,
            title=f"Handover {fold + 1}",
        )
    services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2040, 7, 10, 10, 0), zone),
        duration_minutes=45,
        time_zone=zone,
    )
    occurrences = {s.starts_at.astimezone(activity.zone).date(): s for s in series.sessions.all()}
    services.session_move(
        session=occurrences[date(2027, 11, 7)],
        starts_at=timing.resolve_local(fold_night, zone, fold=1),
    )
    services.session_cancel(session=occurrences[date(2027, 11, 21)])
    services.session_move(
        session=occurrences[date(2027, 12, 5)],
        starts_at=occurrences[date(2027, 12, 5)].starts_at + timedelta(days=1),
    )
    return activity


def test_feed_fold_and_dst_instants_reach_icalendar_exactly(world, client, night_call):
    """icalendar with recurring-ical-events reads every session of a series crossing both
    DST changes, the sessions at both 01:30s of the fold, the moved and the cancelled
    occurrence and a session in 2040 at exactly the database's UTC instants, without a
    warning."""
    body = client.get("/calendar/public.ics").content
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = _read_icalendar(body)
    assert [str(w.message) for w in caught] == []
    assert found == _database_instants(night_call)
    assert len(found) == 24


def test_feed_fold_and_dst_instants_reach_vobject_exactly(world, client, night_call, caplog):
    """vobject reads the same feed at exactly the database's instants, without a warning."""
    body = client.get("/calendar/public.ics").content
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        found = _read_vobject(body)
    assert [str(w.message) for w in caught] + caplog.messages == []
    assert found == _database_instants(night_call)


def test_feed_fold_and_dst_instants_reach_icaljs_exactly(world, client, night_call):
    """ical.js (a JavaScript client) reads the same feed at exactly the database's
    instants, and says nothing on stderr."""
    body = client.get("/calendar/public.ics").content
    assert _read_icaljs(body) == _database_instants(night_call)


def test_feed_writes_no_ambiguous_local_time(world, client, night_call):
    """No DTSTART, DTEND, RECURRENCE-ID, RDATE or EXDATE with a TZID names a local time
    that happens twice: such times are written in UTC (a client reading a repeated time
    as the first one, as RFC 5545 says, or as the second, gets the same instant)."""
    calendar = icalendar.Calendar.from_ical(client.get("/calendar/public.ics").content)
    ambiguous = []
    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE"):
            for prop in event.get(name, []) if name == "RDATE" else [event.get(name)]:
                values = prop.dts if hasattr(prop, "dts") else [prop] if prop else []
                for value in values:
                    dt = value.dt
                    if dt.tzinfo is not None and dt.utcoffset() != dt.astimezone(UTC).utcoffset():
                        local = dt.replace(tzinfo=None)
                        first = local.replace(tzinfo=dt.tzinfo, fold=0).utcoffset()
                        second = local.replace(tzinfo=dt.tzinfo, fold=1).utcoffset()
                        if first != second:
                            ambiguous.append(f"{name}:{local}")
    assert ambiguous == []
    # The session at the first 01:30 of 7 November, in UTC: 01:30 EDT to 01:00 EST.
    handover = next(e for e in calendar.walk("VEVENT") if e["SUMMARY"].endswith("Handover 1"))
    assert handover["DTSTART"].to_ical() == b"20271107T053000Z"
    assert handover["DTEND"].to_ical() == b"20271107T060000Z"


def test_feed_vtimezone_is_written_as_yearly_rules(world, client, night_call, lecture):
    """Each zone's VTIMEZONE gives its current DST rule as a yearly RRULE (New York: second
    Sunday of March, first Sunday of November, at 02:00) that clients extend to any year,
    never as lists of dates; Shanghai, without DST, is one fixed offset."""
    text = client.get("/calendar/public.ics").content.decode()
    calendar = icalendar.Calendar.from_ical(text)
    zones = {str(z["TZID"]): z for z in calendar.walk("VTIMEZONE")}
    assert sorted(zones) == ["America/New_York", "Asia/Shanghai"]
    rules = {
        (c.name, c["RRULE"].to_ical().decode(), c["DTSTART"].to_ical().decode()[-6:])
        for c in zones["America/New_York"].subcomponents
        if "RRULE" in c
    }
    assert rules == {
        ("DAYLIGHT", "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3", "020000"),
        ("STANDARD", "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11", "020000"),
    }
    assert all("RDATE" not in c and "RRULE" not in c for c in zones["Asia/Shanghai"].subcomponents)
    assert [str(c["TZOFFSETTO"].to_ical()) for c in zones["Asia/Shanghai"].subcomponents] == [
        "+0800"
    ]
    assert not any(line.startswith("RDATE") and "," in line for line in text.splitlines())
    # icalendar's own reading of the zone gives 2040's summer offset (EDT).
    summer = next(e for e in calendar.walk("VEVENT") if e["DTSTART"].dt.year == 2040)
    assert summer["DTSTART"].dt.astimezone(UTC) == datetime(2040, 7, 10, 14, 0, tzinfo=UTC)


def test_feed_rebuild_after_one_change_reserialises_only_that_event(world, client, night_call):
    """Each event's text is kept, keyed by what it shows: after one session is renamed,
    building the feed again writes that one event anew and reuses every other one."""
    client.get("/calendar/public.ics")
    session = night_call.sessions.get(title="Handover 2")
    services.session_update(session=session, fields={"title": "Handover (second 01:30)"})
    before = feeds.event_cache_info()
    body = client.get("/calendar/public.ics").content
    after = feeds.event_cache_info()
    assert after.misses - before.misses == 1
    assert after.hits - before.hits == 3  # the series, the other fold session, 2040
    assert b"SUMMARY:Night shift handover: Handover (second 01:30)" in body


def test_feed_series_starting_at_the_second_of_two_equal_times_reaches_every_reader(world, client):
    """A weekly series whose first session is the second 01:30 of 7 November 2027 in New
    York (chosen with fold=1): RFC 5545 would read its DTSTART as the first 01:30, so every
    reader (icalendar, vobject, ical.js) must still see exactly the stored instants."""
    zone = "America/New_York"
    activity = services.activity_create(
        fields={
            "title": "Night audit",
            "kind": "call",
            "status": "confirmed",
            "visibility": "public",
            "time_zone": zone,
        }
    )
    services.series_create(
        activity=activity,
        start_date=date(2027, 11, 7),
        start_time=time(1, 30),
        time_zone=zone,
        rrule="FREQ=WEEKLY;COUNT=3",
        duration_minutes=30,
        fold=1,
    )
    expected = _database_instants(activity)
    assert expected[0][0] == datetime(2027, 11, 7, 6, 30, tzinfo=UTC)
    body = client.get("/calendar/public.ics").content
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _read_icalendar(body) == expected
        assert _read_vobject(body) == expected
    assert [str(w.message) for w in caught] == []
    assert _read_icaljs(body) == expected


def test_feed_text_is_the_same_read_at_once_in_parts_or_from_the_cache(
    world, night_call, cicu, lecture
):
    """A process's first build (nothing written yet: the sessions are read in full at
    once), a build in a process that has written other events (their versions first, then
    the rows of those not written), and a build from the cache write the same bytes for a
    series across both DST changes with its overrides, sessions at both 01:30s of the
    fold, one in 2040, a series with a video link and a one-off lecture in Shanghai; the
    events written by either way of reading are found again by the other."""
    activities = Activity.objects.filter(pk__in=[night_call.pk, cicu.pk, lecture.pk])

    def build(base_url: str) -> tuple[bytes, int, int]:
        before = feeds.event_cache_info()
        body = feeds.build_calendar(
            name="Feed", sessions=feeds.sessions_for_feed(activities), base_url=base_url
        )
        after = feeds.event_cache_info()
        return body, after.misses - before.misses, after.hits - before.hits

    # One written event per single session and per series (its master and overrides).
    keys = Session.objects.filter(activity__in=activities, series=None).count()
    keys += Series.objects.filter(activity__in=activities).count()
    feeds.event_cache_clear()
    at_once, written, reused = build("https://amity.example")
    assert (written, reused) == (keys, 0)
    assert at_once.startswith(b"BEGIN:VCALENDAR\r\n")
    assert at_once.endswith(b"END:VCALENDAR\r\n")
    assert build("https://amity.example") == (at_once, 0, keys)
    feeds.event_cache_clear()
    build("https://elsewhere.example")  # other events written: versions are read first
    assert build("https://amity.example") == (at_once, keys, 0)
    assert build("https://amity.example") == (at_once, 0, keys)


def _forget_zones_and_feeds() -> None:
    """This process as a new server finds it: no zone read, no event written, no feed."""
    for cached in (timing.zone_rules, feeds._vtimezone, feeds._quiet_days):
        cached.cache_clear()
    feeds._prepared_zones.clear()
    feeds.event_cache_clear()
    cache.clear()


def test_prepared_zones_are_the_ones_sessions_use_and_change_no_feed(world, client, cicu, lecture):
    """``prepare_zones`` (what the server runs before its workers fork) reads the zones
    that sessions and series are in, most used first, once: the feeds built afterwards
    read no zone again and are byte for byte the ones built without it, in both
    languages."""
    client.force_login(world.office)
    requests = [
        (url, language)
        for url in ("/calendar/public.ics", cicu.get_feed_url())
        for language in ("en", "zh-hans")
    ]

    def feeds_now() -> list[bytes]:
        return [
            client.get(url, headers={"Accept-Language": language}).content
            for url, language in requests
        ]

    _forget_zones_and_feeds()
    unprepared = feeds_now()
    _forget_zones_and_feeds()

    # New York: the series and its six sessions; Shanghai: the lecture's one session.
    assert feeds.prepare_zones() == ["America/New_York", "Asia/Shanghai"]
    read = timing.zone_rules.cache_info()
    assert read.currsize == 2
    assert feeds_now() == unprepared
    assert timing.zone_rules.cache_info().misses == read.misses
    assert b"TZID:America/New_York" in unprepared[2]
    assert unprepared[3] != unprepared[2]  # the kind of activity is translated


def test_a_feed_just_built_is_kept_once_its_response_is_closed(world, lecture, rf, monkeypatch):
    """The reader gets a feed before it is put in the cache (pickling and compressing it
    costs about a tenth of the build): the cache holds it only once the server has sent
    and closed the response, and the next request is served from it."""
    from amity.events import views

    kept = []
    real_set = feeds.cache.set
    monkeypatch.setattr(feeds.cache, "set", lambda *a, **k: kept.append(a[0]) or real_set(*a, **k))
    request = rf.get("/calendar/public.ics")
    request.user = world.office
    response = views.public_feed(request)

    assert b"BEGIN:VCALENDAR" in response.content
    assert kept == []
    response.close()
    assert len(kept) == 1 and kept[0].startswith("amity:feed:")
    assert feeds.cache.get(kept[0]) == response.content
