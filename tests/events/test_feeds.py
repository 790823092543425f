"""Feeds are parsed back with icalendar and expanded with recurring-ical-events; the
instants must be the ones the database (and so the pages) hold."""

from datetime import UTC, date, datetime

import icalendar
import pytest
import recurring_ical_events

from amity.events import services
from amity.events.models import Session

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
