"""The planner page and API on top of the planning module."""

import re
from datetime import date

import pytest
from django.urls import reverse

from amity.scheduling import planner

pytestmark = pytest.mark.django_db


def _form(activity_sites, **overrides):
    data = {
        "site-TOTAL_FORMS": str(len(activity_sites)),
        "site-INITIAL_FORMS": str(len(activity_sites)),
        "site-MIN_NUM_FORMS": "1",
        "site-MAX_NUM_FORMS": "60",
        "first_date": "2026-03-04",
        "weeks": "12",
        "weekday": "2",
        "meeting_minutes": "60",
        "slot_step": "30",
        "never_from": "",
        "never_until": "",
        "max_slots": "",
        "compare_with": "04:00 Asia/Shanghai",
        "action": "plan",
    }
    for i, (name, zone) in enumerate(activity_sites):
        data.update(
            {
                f"site-{i}-include": "on",
                f"site-{i}-name": name,
                f"site-{i}-zone": zone,
                f"site-{i}-weight": "1",
            }
        )
    data.update(overrides)
    return data


SITES = [
    ("Hangzhou", "Asia/Shanghai"),
    ("Loma Linda", "America/Los_Angeles"),
    ("London", "Europe/London"),
]


def _problem(**overrides):
    fields = {
        "sites": tuple(planner.Site(name=n, zone=z) for n, z in SITES),
        "meeting_minutes": 60,
        "first_date": date(2026, 3, 4),
        "weeks": 12,
        "allowed_weekdays": frozenset({2}),
    }
    fields.update(overrides)
    return planner.Problem(**fields)


def _text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_planner_page_offers_the_activitys_sites(world, client, cicu):
    client.force_login(world.office)
    html = client.get(reverse("scheduling:plan_call", args=[cicu.pk])).content.decode()
    names = re.findall(r'name="site-\d+-name"[^>]*value="([^"]*)"', html)
    assert sorted(names) == ["Hangzhou", "Loma Linda", "London"]


def test_plan_is_compared_with_fixed_times_using_the_planners_figures(world, client, cicu):
    client.force_login(world.office)
    response = client.post(reverse("scheduling:plan_call", args=[cicu.pk]), _form(SITES))
    text = _text(response)
    expected = planner.solve_exact(_problem())
    typed = planner.wall_time_plan(_problem(), "04:00 Asia/Shanghai")
    assert f"Amity's plan proven optimal {expected.max_cost:.1f}" in text
    assert f"Every week at 04:00 Asia/Shanghai 20:00 UTC {typed.max_cost:.1f}" in text
    assert "Same time every week, least total (what a poll picks)" in text
    hangzhou = expected.site("Hangzhou")
    assert (
        f"Hangzhou : {hangzhou.early_mornings} early mornings instead of 12" in text
        or f"Hangzhou : {hangzhou.early_mornings} early morning instead of 12" in text
    )
    assert "<svg" in response.content.decode()


def test_accepting_the_plan_adds_a_session_at_each_planned_instant(world, client, cicu):
    client.force_login(world.office)
    before = set(cicu.sessions.values_list("pk", flat=True))
    response = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]), _form(SITES, action="accept"), follow=True
    )
    assert "12 sessions were added at the planned times." in _text(response)
    added = cicu.sessions.exclude(pk__in=before).order_by("starts_at")
    assert [s.starts_at for s in added] == list(planner.solve_exact(_problem()).starts)
    assert {s.duration_minutes for s in added} == {60}


def test_hard_limits_that_leave_no_time_are_explained(world, client, cicu):
    client.force_login(world.office)
    response = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]),
        _form(SITES, never_from="0", never_until="24"),
    )
    assert "The window must not start and end at the same hour." not in _text(response)
    text = _text(
        client.post(
            reverse("scheduling:plan_call", args=[cicu.pk]),
            _form(SITES, never_from="6", never_until="5"),
        )
    )
    assert "No time keeps every site out of the hours you ruled out." in text
    assert cicu.sessions.count() == 6


def test_bad_compare_time_gets_a_clear_message(world, client, cicu):
    client.force_login(world.office)
    text = _text(
        client.post(
            reverse("scheduling:plan_call", args=[cicu.pk]),
            _form(SITES, compare_with="4am Beijing"),
        )
    )
    assert "Write a time and a time zone, e.g. 04:00 Asia/Shanghai." in text


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("office", 200), ("coordinator", 403), ("staff", 403), ("partner", 403)],
)
def test_only_those_who_manage_the_call_may_plan_it(world, login, cicu, role, status):
    client = login(world.user(role))
    response = client.get(reverse("scheduling:plan_call", args=[cicu.pk]))
    assert response.status_code == status
    if status == 200:
        assert "Plan the call times" in response.content.decode()


def test_api_plans_and_accepts_like_the_page(world, client, cicu):
    client.force_login(world.office)
    body = {
        "sites": [{"name": n, "zone": z} for n, z in SITES],
        "first_date": "2026-03-04",
        "weeks": 12,
        "compare_with": "04:00 Asia/Shanghai",
    }
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    data = client.post(url, body, content_type="application/json").json()
    expected = planner.solve_exact(_problem())
    assert data["plan"]["max_cost"] == pytest.approx(expected.max_cost)
    assert data["plan"]["optimal"] is True
    assert data["typed"]["label"] == "Every week at 04:00 Asia/Shanghai"
    assert data["sessions_created"] == 0
    assert cicu.sessions.count() == 6

    accepted = client.post(url, {**body, "accept": True}, content_type="application/json").json()
    assert accepted["sessions_created"] == 12
    assert cicu.sessions.count() == 18

    bad = client.post(
        url,
        {**body, "sites": [{"name": "Mars", "zone": "Mars/Olympus"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "Mars/Olympus" in bad.json()["detail"]
    assert cicu.sessions.count() == 18
