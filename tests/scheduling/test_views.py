"""The planner page and API on top of the planning module."""

import dataclasses
import re
from datetime import date, datetime, timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from amity.scheduling import planner
from amity.scheduling.forms import default_first_date

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
    first = _next_wednesday()
    response = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]),
        _form(SITES, action="accept", first_date=first.isoformat()),
        follow=True,
    )
    assert "12 sessions were added at the planned times." in _text(response)
    added = cicu.sessions.exclude(pk__in=before).order_by("starts_at")
    expected = planner.solve_exact(_problem(first_date=first))
    assert [s.starts_at for s in added] == list(expected.starts)
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
        "steady": False,  # the page's form above leaves it off too
    }
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    data = client.post(url, body, content_type="application/json").json()
    expected = planner.solve_exact(_problem())
    assert data["plan"]["max_cost"] == pytest.approx(expected.max_cost)
    assert data["plan"]["optimal"] is True
    assert data["typed"]["label"] == "Every week at 04:00 Asia/Shanghai"
    assert data["sessions_created"] == 0
    assert cicu.sessions.count() == 6

    future = {**body, "first_date": _next_wednesday().isoformat(), "accept": True}
    accepted = client.post(url, future, content_type="application/json").json()
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


THIRTEEN_SITES = [
    ("Hangzhou", "Asia/Shanghai"),
    ("Boston", "America/New_York"),
    ("Los Angeles", "America/Los_Angeles"),
    ("London", "Europe/London"),
    ("Rome", "Europe/Rome"),
    ("Melbourne", "Australia/Melbourne"),
    ("Singapore", "Asia/Singapore"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Kolkata", "Asia/Kolkata"),
    ("Auckland", "Pacific/Auckland"),
    ("Nairobi", "Africa/Nairobi"),
    ("Honolulu", "Pacific/Honolulu"),
    ("Tokyo", "Asia/Tokyo"),
]


def test_unproven_plan_shows_its_gap_as_a_percentage(world, client, cicu):
    """Beyond a dozen sites the fast plan comes back unproven: its distance from the best
    possible reads as a percentage with one decimal, not as a fraction of one."""
    client.force_login(world.office)
    text = _text(
        client.post(reverse("scheduling:plan_call", args=[cicu.pk]), _form(THIRTEEN_SITES))
    )
    gap = re.search(r"within (\d+\.\d) % of the best possible", text)
    assert gap is not None and float(gap[1]) > 0.1
    assert "best bound" not in text


def test_planner_refuses_a_series_too_large_to_plan(world, client, cicu):
    """Ten sites over 104 weeks with four-hour calls every 15 minutes would cost 24 million
    site-minutes: the page refuses it with the same message as the API, before any work."""
    client.force_login(world.office)
    sites = THIRTEEN_SITES[:10]
    data = _form(sites, weeks="104", meeting_minutes="240", slot_step="15")
    text = _text(client.post(reverse("scheduling:plan_call", args=[cicu.pk]), data))
    assert (
        "This series is too large to plan at once (10 sites, 104 weeks, 96 start times a "
        "week, 240 minutes): plan fewer sites or weeks, a shorter call or start times every "
        "30 minutes." in text
    )


def test_planner_refuses_more_sites_than_it_offers(world, client, cicu):
    """The page offers at most 60 site rows; a 61st posted row is refused, not planned."""
    client.force_login(world.office)
    sites = [(f"Site {n}", "Asia/Shanghai") for n in range(61)]
    text = _text(client.post(reverse("scheduling:plan_call", args=[cicu.pk]), _form(sites)))
    assert "Plan for at most 60 sites." in text
    assert "Compared" not in text


def _next_wednesday() -> date:
    return default_first_date(timezone.localdate())


def test_accepting_the_same_plan_twice_adds_its_sessions_once(world, client, cicu):
    """A second accept of the same plan is refused with a message and adds nothing."""
    client.force_login(world.office)
    url = reverse("scheduling:plan_call", args=[cicu.pk])
    data = _form(SITES, action="accept", first_date=_next_wednesday().isoformat())
    first = _text(client.post(url, data, follow=True))
    assert "12 sessions were added at the planned times." in first
    second = _text(client.post(url, data, follow=True))
    assert (
        "This plan was accepted already: the call has a session at each of its 12 times." in second
    )
    assert cicu.sessions.count() == 6 + 12


def test_accepting_a_plan_whose_first_week_is_past_is_refused(world, client, cicu):
    """A plan starting on 4 March 2026 (past) is refused, naming the date; nothing is
    added."""
    client.force_login(world.office)
    text = _text(
        client.post(
            reverse("scheduling:plan_call", args=[cicu.pk]),
            _form(SITES, action="accept", first_date="2026-03-04"),
            follow=True,
        )
    )
    assert (
        "The plan&#x27;s first call, on March 4, 2026, is already past: choose a later first week."
        in text
    )
    assert cicu.sessions.count() == 6


def test_every_site_field_has_a_label_naming_the_site(world, client, cicu):
    """Each input of a site row is labelled with the field and the site it belongs to."""
    client.force_login(world.office)
    html = client.get(reverse("scheduling:plan_call", args=[cicu.pk])).content.decode()
    labels = dict(re.findall(r'<label for="(id_site-\d+-\w+)"[^>]*>([^<]*)</label>', html))
    index = int(re.search(r'name="site-(\d+)-name"[^>]*value="Hangzhou"', html)[1])
    assert labels[f"id_site-{index}-include"] == "Include Hangzhou"
    assert labels[f"id_site-{index}-name"] == f"Name of site {index + 1}"
    assert labels[f"id_site-{index}-zone"] == "Time zone of Hangzhou"
    assert labels[f"id_site-{index}-weight"] == "Weight of Hangzhou"
    inputs = re.findall(r'<input[^>]*id="(id_site-\d+-\w+)"', html)
    assert inputs and all(name in labels for name in inputs)


def _shown_plan(html: str) -> str:
    return re.search(r'name="shown_plan" value="([^"]+)"', html).group(1)


def test_accept_adds_the_times_the_page_showed_even_if_planning_again_differs(
    world, client, cicu, monkeypatch
):
    """The solver may find another plan of equal cost when run again (the fast solver under
    load): Accept adds the sessions at the times the office looked at, not at new ones."""
    from amity.scheduling import options

    client.force_login(world.office)
    url = reverse("scheduling:plan_call", args=[cicu.pk])
    data = _form(SITES, first_date=_next_wednesday().isoformat())
    shown_page = client.post(url, data).content.decode()
    shown = _shown_plan(shown_page)
    shown_starts = [
        datetime.fromisoformat(start)
        for start in signing.loads(shown, salt="amity.scheduling.shown-plan")["starts"]
    ]
    real_plan = options.plan

    def plan_an_hour_later(request):
        outcome = real_plan(request)
        later = tuple(start + timedelta(hours=1) for start in outcome.starts)
        outcome.plan = dataclasses.replace(outcome.plan, starts=(later,))
        return outcome

    monkeypatch.setattr(options, "plan", plan_an_hour_later)
    before = set(cicu.sessions.values_list("pk", flat=True))
    client.post(url, {**data, "action": "accept", "shown_plan": shown})

    added = sorted(cicu.sessions.exclude(pk__in=before).values_list("starts_at", flat=True))
    assert added == sorted(shown_starts)
    assert len(added) == 12


def test_accept_after_the_form_changed_shows_the_new_plan_and_adds_nothing(world, client, cicu):
    """Changing the first week after planning, then pressing Accept, does not add a plan
    nobody looked at: the page asks to look at the new one."""
    client.force_login(world.office)
    url = reverse("scheduling:plan_call", args=[cicu.pk])
    first = _next_wednesday()
    data = _form(SITES, first_date=first.isoformat())
    shown = _shown_plan(client.post(url, data).content.decode())
    changed = {**data, "first_date": (first + timedelta(days=7)).isoformat()}

    text = _text(client.post(url, {**changed, "action": "accept", "shown_plan": shown}))

    assert "it differs from the one shown: look at it below, then accept it." in text
    assert cicu.sessions.count() == 6
