"""Creating a recurring series, on the page and through the API, with the same answers: the
first session is the instant the person chose (also in a DST fold), and a first date that
is not one of the series' days is refused with a message naming the days."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _form(**overrides) -> dict:
    data = {
        "title": "Night shift handover",
        "date": "2027-11-07",
        "time": "01:30",
        "time_zone": "America/New_York",
        "fold": "",
        "duration_minutes": "30",
        "frequency": "WEEKLY;INTERVAL=1",
        "count": "3",
        "until": "",
    }
    data.update(overrides)
    return data


def _api(client, activity, **overrides):
    body = {
        "title": "Night shift handover",
        "date": "2027-11-07",
        "time": "01:30:00",
        "time_zone": "America/New_York",
        "duration_minutes": 30,
        "rrule": "FREQ=WEEKLY;COUNT=3",
    }
    body.update(overrides)
    return client.post(
        f"/api/v1/activities/{activity.pk}/series", body, content_type="application/json"
    )


def _starts(activity) -> list[str]:
    return [
        f"{start:%Y-%m-%d %H:%M}"
        for start in activity.sessions.filter(series__isnull=False)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    ]


# 01:30 on 7 November 2027 happens twice in New York: 05:30 UTC (EDT), then 06:30 UTC (EST).
SECOND_0130 = ["2027-11-07 06:30", "2027-11-14 06:30", "2027-11-21 06:30"]
FIRST_0130 = ["2027-11-07 05:30", "2027-11-14 06:30", "2027-11-21 06:30"]


@pytest.mark.parametrize(("fold", "expected"), [("1", SECOND_0130), ("0", FIRST_0130)])
def test_series_form_starts_at_the_chosen_one_of_two_instants(
    world, client, lecture, fold, expected
):
    """On the page, a series starting at a repeated 01:30 starts at the instant chosen."""
    client.force_login(world.office)
    response = client.post(reverse("events:series_add", args=[lecture.pk]), _form(fold=fold))
    assert response["Location"] == lecture.get_absolute_url()
    assert _starts(lecture) == expected


@pytest.mark.parametrize(("fold", "expected"), [(1, SECOND_0130), (0, FIRST_0130)])
def test_series_api_starts_at_the_chosen_one_of_two_instants(
    world, client, lecture, fold, expected
):
    """Through the API, the same series starts at the same instant as on the page."""
    client.force_login(world.office)
    response = _api(client, lecture, fold=fold)
    assert response.status_code == 201
    assert [s["starts_at"][:16].replace("T", " ") for s in response.json()] == expected
    assert _starts(lecture) == expected


def test_series_at_a_repeated_time_without_a_fold_is_refused_in_both(world, client, lecture):
    """Without saying which 01:30, neither the page nor the API creates anything."""
    client.force_login(world.office)
    page = _text(client.post(reverse("events:series_add", args=[lecture.pk]), _form()))
    assert "first at 01:30 (EDT), then at 01:30 (EST)" in page
    assert _api(client, lecture).status_code == 422
    assert lecture.series.count() == 0


WRONG_DAY = (
    "March 3, 2027 is a Wednesday, but this series meets on Monday and Thursday. "
    "Start it on one of those days: the first is Thursday, March 4, 2027."
)


def test_series_form_refuses_a_first_date_off_its_days(world, client, lecture):
    """A Wednesday start for a series on Mondays and Thursdays is refused on the page,
    naming the days and the first date that fits."""
    client.force_login(world.office)
    response = client.post(
        reverse("events:series_add", args=[lecture.pk]),
        _form(date="2027-03-03", time="16:00", weekdays=["MO", "TH"], count="4"),
    )
    assert response.status_code == 200
    assert WRONG_DAY in _text(response)
    assert lecture.series.count() == 0


def test_series_api_refuses_a_first_date_off_its_days(world, client, lecture):
    """The API refuses the same series with the same message."""
    client.force_login(world.office)
    response = _api(
        client, lecture, date="2027-03-03", time="16:00:00", rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == WRONG_DAY
    assert lecture.series.count() == 0


def test_series_on_its_days_starts_on_the_first_date(world, client, lecture):
    """A Monday start for Mondays and Thursdays is accepted: 4 sessions from that Monday."""
    client.force_login(world.office)
    response = _api(
        client, lecture, date="2027-03-01", time="16:00:00", rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4"
    )
    assert response.status_code == 201
    assert [s["local_start"][:16] for s in response.json()] == [
        "2027-03-01T16:00",
        "2027-03-04T16:00",
        "2027-03-08T16:00",
        "2027-03-11T16:00",
    ]
    assert datetime.fromisoformat(response.json()[0]["starts_at"]) == datetime(
        2027, 3, 1, 21, 0, tzinfo=UTC
    )


def test_series_api_refuses_a_first_date_off_a_monthly_rule(world, client, lecture):
    """A monthly series on the second Tuesday, started on a Wednesday, is refused with the
    date of its first real session."""
    client.force_login(world.office)
    response = _api(
        client, lecture, date="2027-03-03", time="16:00:00", rrule="FREQ=MONTHLY;BYDAY=2TU;COUNT=6"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "This series does not meet on its first date, March 3, 2027: its first session "
        "would be on Tuesday, March 9, 2027. Start it on that date."
    )
    assert lecture.series.count() == 0
