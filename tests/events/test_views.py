import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from amity.events.models import Activity, Session

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_activity_page_shows_viewer_time_with_organisers_beside_it(world, client, cicu):
    client.force_login(world.office)
    client.cookies["amity_tz"] = "Asia/Shanghai"
    text = _text(client.get(cicu.get_absolute_url()))
    # Wednesday 16:00 in New York is Thursday 05:00 in Hangzhou before 14 March, 04:00 after.
    assert "Thu 4 Mar 2027, 05:00–06:00 Shanghai · Wed 3 Mar, 16:00–17:00 New York" in text
    assert "Thu 18 Mar 2027, 04:00–05:00 Shanghai · Wed 17 Mar, 16:00–17:00 New York" in text

    client.cookies["amity_tz"] = "America/New_York"
    text = _text(client.get(cicu.get_absolute_url()))
    assert "Wed 17 Mar 2027, 16:00–17:00 New York" in text
    assert "· Wed 17 Mar, 16:00" not in text  # the organiser's zone is the viewer's: said once


def test_site_table_says_when_each_sites_local_time_moves(world, client, cicu):
    client.force_login(world.office)
    client.cookies["amity_tz"] = "Asia/Shanghai"
    text = _text(client.get(cicu.get_absolute_url()))
    assert "from 18 March, 1 h earlier in Hangzhou" in text
    assert "from 17 March, 1 h earlier in London" in text
    assert "from 31 March, 1 h later in London" in text
    assert "Loma Linda America/Los_Angeles Wed 13:00" in text


def _session_form(**overrides):
    data = {
        "title": "",
        "date": "2027-03-14",
        "time": "02:30",
        "time_zone": "America/New_York",
        "fold": "",
        "duration_minutes": "60",
    }
    data.update(overrides)
    return data


def test_session_in_a_dst_gap_is_refused_naming_both_options(world, client, cicu):
    client.force_login(world.office)
    url = reverse("events:session_add", args=[cicu.pk])
    text = _text(client.post(url, _session_form()))
    assert (
        "This time does not exist on March 14, 2027 in America/New_York: the clocks jump "
        "forward. Choose 01:30 (EST) or 03:30 (EDT)."
    ) in text
    assert cicu.sessions.count() == 6


def test_session_in_a_dst_fold_needs_the_fold_chosen(world, client, cicu):
    client.force_login(world.office)
    url = reverse("events:session_add", args=[cicu.pk])
    text = _text(client.post(url, _session_form(date="2026-11-01", time="01:30")))
    assert "first at 01:30 (EDT), then at 01:30 (EST)" in text
    response = client.post(url, _session_form(date="2026-11-01", time="01:30", fold="1"))
    assert response["Location"] == cicu.get_absolute_url()
    added = cicu.sessions.filter(series__isnull=True).get()
    assert added.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_series_form_creates_every_occurrence(world, client, lecture):
    client.force_login(world.office)
    response = client.post(
        reverse("events:series_add", args=[lecture.pk]),
        {
            "title": "Weekly",
            "date": "2027-03-05",
            "time": "08:00",
            "time_zone": "Asia/Shanghai",
            "fold": "",
            "duration_minutes": "90",
            "frequency": "WEEKLY;INTERVAL=1",
            "weekdays": ["FR"],
            "count": "",
            "until": "2027-04-02",
        },
        follow=True,
    )
    assert "5 sessions were added." in _text(response)
    series = lecture.series.get()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR;UNTIL=20270402T155959Z"
    assert series.sessions.count() == 5


def test_series_form_wants_exactly_one_end(world, client, lecture):
    client.force_login(world.office)
    text = _text(
        client.post(
            reverse("events:series_add", args=[lecture.pk]),
            {
                "date": "2027-03-05",
                "time": "08:00",
                "time_zone": "Asia/Shanghai",
                "duration_minutes": "90",
                "frequency": "WEEKLY;INTERVAL=1",
            },
        )
    )
    assert "Give either the number of sessions or the last date, not both." in text
    assert lecture.series.count() == 0


def test_moving_one_occurrence_leaves_the_others(world, client, cicu):
    client.force_login(world.office)
    session = cicu.sessions.order_by("starts_at")[1]
    response = client.post(
        reverse("events:session_move", args=[session.pk]),
        {
            "date": "2027-03-11",
            "time": "09:00",
            "time_zone": "America/New_York",
            "fold": "",
            "duration_minutes": "45",
        },
    )
    assert response["Location"] == cicu.get_absolute_url()
    session.refresh_from_db()
    assert session.starts_at == datetime(2027, 3, 11, 14, 0, tzinfo=UTC)
    assert session.duration_minutes == 45
    assert session.sequence == 1
    assert session.recurrence_id == datetime(2027, 3, 10, 21, 0, tzinfo=UTC)
    assert cicu.sessions.filter(sequence=0).count() == 5


def test_cancel_and_restore_a_session(world, client, cicu):
    client.force_login(world.coordinator)  # Rehabilitation: not this call's department
    session = cicu.sessions.first()
    assert client.post(reverse("events:session_cancel", args=[session.pk])).status_code == 403
    client.force_login(world.office)
    client.post(reverse("events:session_cancel", args=[session.pk]), {"confirm": "1"})
    assert Session.objects.get(pk=session.pk).is_cancelled
    client.post(reverse("events:session_cancel", args=[session.pk]), {"restore": "1"})
    assert not Session.objects.get(pk=session.pk).is_cancelled


def test_agenda_filters_by_kind_department_and_partner(world, client, cicu, lecture, settings):
    client.force_login(world.office)
    url = reverse("events:agenda")

    def titles(**params):
        page = client.get(url, params).context["page"]
        return sorted({s.activity.title for s in page})

    assert titles() == ["CICU Response weekly call", "Remote International Classroom"]
    assert titles(kind="call") == ["CICU Response weekly call"]
    assert titles(department=world.rehab.pk) == ["Remote International Classroom"]
    assert titles(partner=world.other_partner.pk) == ["CICU Response weekly call"]


def test_month_grid_places_sessions_on_the_viewers_day(world, client, cicu):
    client.force_login(world.office)
    client.cookies["amity_tz"] = "Asia/Shanghai"
    weeks = client.get(reverse("events:month"), {"month": "2027-03"}).context["weeks"]
    days = {d.date.isoformat(): len(d.sessions) for week in weeks for d in week if d.sessions}
    assert days == {
        "2027-03-04": 1,
        "2027-03-11": 1,
        "2027-03-18": 1,
        "2027-03-25": 1,
        "2027-04-01": 1,
    }
    client.cookies["amity_tz"] = "America/New_York"
    weeks = client.get(reverse("events:month"), {"month": "2027-03"}).context["weeks"]
    days = {d.date.isoformat() for week in weeks for d in week if d.sessions}
    assert days == {"2027-03-03", "2027-03-10", "2027-03-17", "2027-03-24", "2027-03-31"}


def test_public_page_lists_only_public_activities_to_anyone(client, cicu, lecture):
    text = _text(client.get(reverse("events:public_agenda")))
    assert "Remote International Classroom" in text
    assert "CICU" not in text
    assert (
        "webcal://testserver/calendar/public.ics"
        in client.get(reverse("events:public_agenda")).content.decode()
    )


def test_time_zone_choice_is_remembered_in_a_cookie(client):
    response = client.post(
        reverse("core:set_time_zone"), {"time_zone": "America/Sao_Paulo", "next": "/public/"}
    )
    assert response["Location"] == "/public/"
    assert response.cookies["amity_tz"].value == "America/Sao_Paulo"
    bad = client.post(
        reverse("core:set_time_zone"), {"time_zone": "Mars/Base", "next": "https://evil.example/"}
    )
    assert bad["Location"] == "/"
    assert "amity_tz" not in bad.cookies


def test_coordinator_creates_activities_only_for_their_department(world, client):
    client.force_login(world.coordinator)
    data = {
        "title": "Speech classroom",
        "kind": "classroom",
        "status": "planned",
        "visibility": "partners",
        "department": world.cardiology.slug,
        "time_zone": "Asia/Shanghai",
    }
    text = _text(client.post(reverse("events:activity_create"), data))
    assert "Select a valid choice." in text
    data["department"] = world.rehab.slug
    response = client.post(reverse("events:activity_create"), data)
    created = Activity.objects.get(title="Speech classroom")
    assert response["Location"] == created.get_absolute_url()
    assert created.department == world.rehab
