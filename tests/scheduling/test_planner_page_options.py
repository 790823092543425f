"""The planner page and API with the options of the second step: holidays from the
calendar in the weekly table (English and Chinese names), steady times on by default, night
limits (and one that cannot be kept, which says why), what each option costs, the running
share chart, the ranking under the other cost tables, calls planned together, and
re-planning the weeks still to come of a call whose first sessions are held."""

import re
from datetime import UTC, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from amity.events.models import SessionStatus

pytestmark = pytest.mark.django_db

SITES = [
    ("Hangzhou", "Asia/Shanghai", "CN", ""),
    ("Loma Linda", "America/Los_Angeles", "US", "CA"),
    ("London", "Europe/London", "GB", "ENG"),
]


def _form(sites=SITES, **overrides) -> dict:
    data = {
        "site-TOTAL_FORMS": str(len(sites)),
        "site-INITIAL_FORMS": str(len(sites)),
        "site-MIN_NUM_FORMS": "1",
        "site-MAX_NUM_FORMS": "60",
        "first_date": "2027-02-02",
        "weeks": "4",
        "weekday": "1",
        "meeting_minutes": "60",
        "slot_step": "30",
        "never_from": "",
        "never_until": "",
        "max_slots": "",
        "compare_with": "",
        "holidays": "on",
        "steady": "on",
        "min_block_weeks": "2",
        "max_changes": "",
        "max_nights": "",
        "action": "plan",
    }
    for i, (name, zone, country, region) in enumerate(sites):
        data.update(
            {
                f"site-{i}-include": "on",
                f"site-{i}-name": name,
                f"site-{i}-zone": zone,
                f"site-{i}-weight": "1",
                f"site-{i}-country": country,
                f"site-{i}-subdivision": region,
                f"site-{i}-night_limit": "",
                f"site-{i}-add_dates": "",
                f"site-{i}-remove_dates": "",
            }
        )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</section>", start)]


def test_page_offers_every_option_with_steady_times_and_holidays_on(world, client, cicu):
    """Steady times and holidays are ticked by default, in blocks of at least 4 weeks;
    each site's country comes from its institution."""
    client.force_login(world.office)
    html = client.get(reverse("scheduling:plan_call", args=[cicu.pk])).content.decode()
    assert re.search(r'name="steady"[^>]*checked', html)
    assert re.search(r'name="holidays"[^>]*checked', html)
    assert not re.search(r'name="no_back_to_back"[^>]*checked', html)
    assert not re.search(r'name="even_pace"[^>]*checked', html)
    assert re.search(r'name="min_block_weeks" value="4"', html)
    text = _text(html[html.index('data-testid="options"') :])
    for label in (
        "Public holidays from each site's calendar",
        "Steady times",
        "Night meetings per site at most",
        "Never a night meeting two weeks running for the same site",
        "Fair at every point of the year",
    ):
        assert label in text
    countries = dict(
        re.findall(
            r'name="site-\d+-name"[^>]*value="([^"]+)".*?name="site-\d+-country"[^>]*value="(\w*)"',
            html,
            re.S,
        )
    )
    assert countries == {"Hangzhou": "CN", "Loma Linda": "US", "London": "GB"}


def test_spring_festival_shows_in_the_weekly_table_in_english(world, client, cicu):
    """Tuesday 9 and Wednesday 10 February 2027 are days off of the Spring Festival in
    China: a call on Tuesday in UTC falls on one of them in Hangzhou whatever its time, and
    the weekly table names it in Hangzhou's cell; the list under it names the dates."""
    client.force_login(world.office)
    html = client.post(reverse("scheduling:plan_call", args=[cicu.pk]), _form()).content.decode()
    weeks = _section(html, "weeks")
    holidays = re.findall(r'data-testid="holiday">([^<]+)<', weeks)
    assert "Chinese New Year (Spring Festival) (observed)" in holidays
    listed = _text(_section(html, "holidays"))
    assert "Feb. 9, 2027 Chinese New Year (Spring Festival) (observed)" in listed
    assert "Feb. 10, 2027 Chinese New Year (Spring Festival) (observed)" in listed
    assert "Public holidays come from each site's calendar" in _text(_section(html, "summary"))


def test_holidays_and_week_days_read_in_chinese(world, client, cicu):
    """In Chinese the holiday is the library's Chinese name, 春节, and the weekly table's
    day names are Chinese."""
    client.force_login(world.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.post(reverse("scheduling:plan_call", args=[cicu.pk]), _form()).content.decode()
    weeks = _section(html, "weeks")
    holidays = re.findall(r'data-testid="holiday">([^<]+)<', weeks)
    assert any("春节" in name for name in holidays), holidays
    assert re.search(r"星期[一二三四五六日] \d{2}:\d{2}", weeks)
    assert "Spring Festival" not in weeks


def test_a_night_limit_that_cannot_be_kept_says_which_site_and_why(world, client, cicu):
    """Hangzhou alone, never between 05:00 and 24:00 local: every start is a night, so a
    limit of 1 night in 4 weeks cannot be kept; the form says so and nothing is planned."""
    client.force_login(world.office)
    data = _form(
        sites=[SITES[0]],
        never_from="5",
        never_until="24",
        **{"site-0-night_limit": "1"},
    )
    html = client.post(reverse("scheduling:plan_call", args=[cicu.pk]), data).content.decode()
    errors = _text(html[html.index('data-testid="form-errors"') :])
    assert "These options cannot all be kept: Hangzhou cannot avoid a night in 4 weeks" in errors
    assert "but its limit is 1." in errors
    assert 'data-testid="comparison"' not in html


def test_options_show_what_they_cost_the_worst_off_site(world, client, cicu):
    """With steady times and a night limit, the page prices each: the worst-off site's
    cost with and without, and one sentence each."""
    client.force_login(world.office)
    html = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]),
        _form(max_nights="2", no_back_to_back="on", compare_with="04:00 Asia/Shanghai"),
    ).content.decode()
    prices = _section(html, "prices")
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td class="num">([\d.]+)</td><td class="num">([\d.]+)</td>',
        prices,
    )
    options = {name: (float(a), float(b)) for name, a, b in rows}
    assert {"Steady times", "Limits on nights", "No night meetings two weeks running"} <= set(
        options
    )
    for with_it, without in options.values():
        assert with_it >= without - 1e-9
    summary = _text(_section(html, "summary"))
    assert "Steady times: the time changes" in summary
    assert "Limits on nights: no site has more night meetings than its limit" in summary
    nights = re.findall(
        r'<th scope="row">([^<]+)</th><td class="num">[\d.]+</td><td class="num">(\d+)</td>',
        _section(html, "sites-figures") if 'data-testid="sites-figures"' in html else html,
    )
    assert nights and all(int(count) <= 2 for _, count in nights)


def test_robustness_ranks_the_plan_under_the_two_other_tables(world, client, cicu):
    client.force_login(world.office)
    html = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]),
        _form(compare_with="04:00 Asia/Shanghai"),
    ).content.decode()
    text = _text(_section(html, "robustness"))
    assert "A linear cost table (one point an hour away from office hours)" in text
    assert "A stricter night table (nights cost twice as much)" in text
    assert text.count("Every week at 04:00 Asia/Shanghai") == 3  # once under each table
    summary = _text(_section(html, "summary"))
    assert summary.count("With a linear cost table") == 1
    assert summary.count("With a stricter night table") == 1


def test_running_share_chart_draws_one_line_per_site(world, client, cicu):
    client.force_login(world.office)
    html = client.post(
        reverse("scheduling:plan_call", args=[cicu.pk]), _form(even_pace="on")
    ).content.decode()
    pace = _section(html, "pace")
    assert pace.count("<polyline") == 3
    assert re.search(r"Largest gap from an even share in any week: [\d.]+ points\.", _text(pace))
    assert "Fair at every point: no site runs more than" in _text(_section(html, "summary"))


@pytest.fixture
def held_call(world):
    """A weekly call of six Wednesdays at 16:00 in New York, the first three held."""
    from amity.events import services

    activity = services.activity_create(
        fields={
            "title": "Weekly case call",
            "kind": "call",
            "status": "confirmed",
            "visibility": "partners",
            "department": world.cardiology,
            "time_zone": "America/New_York",
        },
        partners=[world.partner, world.other_partner],
    )
    today = timezone.now().astimezone(UTC).date()
    first = today - timedelta(days=(today.weekday() - 2) % 7 + 14)  # three Wednesdays ago
    services.series_create(
        activity=activity,
        start_date=first,
        start_time=time(16, 0),
        time_zone="America/New_York",
        rrule="FREQ=WEEKLY;COUNT=6",
        duration_minutes=60,
    )
    return activity


def test_replan_keeps_the_held_weeks_and_moves_or_cancels_the_weeks_to_come(
    world, client, held_call
):
    """Re-planning keeps the sessions held, cancels week 6 as asked, and moves the weeks to
    come to the plan shown."""
    client.force_login(world.office)
    url = reverse("scheduling:plan_call", args=[held_call.pk])
    assert 'name="replan"' in client.get(url).content.decode()
    sessions = list(held_call.sessions.order_by("starts_at"))
    held = [s.starts_at for s in sessions if s.starts_at <= timezone.now()]
    data = _form(replan="on", cancel_weeks="6", min_block_weeks="1", holidays=None)
    html = client.post(url, data).content.decode()
    changes = _text(_section(html, "changes"))
    assert "cancelled" in changes
    shown = re.search(r'name="shown_plan" value="([^"]+)"', html)[1]
    client.post(url, {**data, "action": "accept", "shown_plan": shown})
    after = list(held_call.sessions.order_by("starts_at"))
    assert [s.starts_at for s in after if s.starts_at <= timezone.now()] == held
    assert after[-1].status == SessionStatus.CANCELLED
    assert sum(s.status == SessionStatus.CANCELLED for s in after) == 1


def test_two_calls_planned_together_show_two_tables(world, client, cicu, held_call):
    client.force_login(world.office)
    url = reverse("scheduling:plan_call", args=[cicu.pk])
    html = client.post(url, _form(together_with=str(held_call.pk))).content.decode()
    assert html.count('data-testid="weeks"') == 2
    assert "The 2 calls are planned together" in _text(_section(html, "summary"))


# --- API ---------------------------------------------------------------------------------


def _body(**overrides) -> dict:
    body = {
        "sites": [
            {"name": name, "zone": zone, "country": country, "subdivision": region}
            for name, zone, country, region in SITES
        ],
        "first_date": "2027-02-03",
        "weeks": 4,
        "min_block_weeks": 2,
    }
    body.update(overrides)
    return body


def test_api_plans_with_holidays_and_prices_the_options(world, client, cicu):
    client.force_login(world.office)
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    data = client.post(
        url,
        _body(max_nights=2, compare_with="04:00 Asia/Shanghai"),
        content_type="application/json",
    ).json()
    holidays = {(h["site"], h["date"]): h["name"] for h in data["holidays"]}
    assert holidays[("Hangzhou", "2027-02-10")] == "Chinese New Year (Spring Festival) (observed)"
    assert {p["option"] for p in data["prices"]} >= {"steady blocks", "night limit"}
    assert [r["table"] for r in data["rankings"]] == ["default", "linear", "strict night"]
    assert all(site["nights"] <= 2 for site in data["plan"]["sites"])
    assert len(data["pace"]) == 3 and len(data["pace_steps"]) == 4
    assert data["explanation"][0].startswith("The most burdened site")
    assert data["sessions_created"] == 0


def test_api_refuses_a_night_limit_that_cannot_be_kept_with_422(world, client, cicu):
    client.force_login(world.office)
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    body = _body(
        sites=[{"name": "Hangzhou", "zone": "Asia/Shanghai", "night_limit": 1}],
        hard_limits=[[5, 24]],
    )
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("These options cannot all be kept: Hangzhou cannot avoid a night")
    assert response.json()["errors"] == {"__all__": [detail]}
    assert cicu.sessions.count() == 6


def test_api_refuses_an_unknown_region_with_422(world, client, cicu):
    client.force_login(world.office)
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    body = _body(
        sites=[{"name": "Boston", "zone": "America/New_York", "country": "US", "subdivision": "XX"}]
    )
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "XX is not a subdivision of US known to the holiday calendar."
    )


def test_api_together_with_a_call_the_user_cannot_see_is_404(world, login, cicu):
    """A partner contact cannot plan; office staff naming a call id that does not exist
    get 404, not a plan."""
    client = login(world.office)
    url = f"/api/v1/activities/{cicu.pk}/call-plan"
    response = client.post(url, _body(together_with=[999999]), content_type="application/json")
    assert response.status_code == 404


def test_openapi_documents_the_options(client):
    schema = client.get("/api/v1/openapi.json").json()
    fields = schema["components"]["schemas"]["PlanIn"]["properties"]
    for name in (
        "holidays",
        "steady",
        "min_block_weeks",
        "max_nights",
        "no_back_to_back",
        "even_pace",
        "together_with",
        "replan",
        "cancel_weeks",
    ):
        assert name in fields
    site = schema["components"]["schemas"]["SiteIn"]["properties"]
    assert {"country", "subdivision", "night_limit", "add_dates", "remove_dates"} <= set(site)


def test_call_as_it_stands_counts_each_sites_nights_before_planning(world, client, cicu):
    """The call's six sessions at 16:00 in New York from 3 March 2027 are 05:00 in
    Hangzhou until the US changes its clocks on 14 March, then 04:00: four nights."""
    client.force_login(world.office)
    html = client.get(reverse("scheduling:plan_call", args=[cicu.pk])).content.decode()
    standing = _section(html, "standing")
    figures = dict(
        re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">[\d.]+</td><td class="num">(\d+)</td>',
            standing,
        )
    )
    assert figures == {"Hangzhou": "4", "Loma Linda": "0", "London": "0"}
    assert standing.count("☾") == 4


def test_api_replan_after_a_site_joins_keeps_the_held_weeks(world, client, held_call):
    """Tokyo joins after three held weeks: it has no meeting in them, the held starts do
    not move, and accepting moves only sessions to come."""
    client.force_login(world.office)
    url = f"/api/v1/activities/{held_call.pk}/call-plan"
    held = list(
        held_call.sessions.filter(starts_at__lte=timezone.now())
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    sites = [
        {"name": name, "zone": zone, "country": country}
        for name, zone, country, _ in SITES
        if name != "Hangzhou"
    ] + [{"name": "Tokyo", "zone": "Asia/Tokyo", "country": "JP", "joins": True}]
    body = _body(sites=sites, replan=True, min_block_weeks=1, accept=True)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    tokyo = next(site for site in data["plan"]["sites"] if site["name"] == "Tokyo")
    assert tokyo["local_starts"][: len(held)] == [None] * len(held)
    assert [week["week"] for week in data["changes"]] == sorted(
        week["week"] for week in data["changes"]
    )
    assert all(change["week"] > len(held) for change in data["changes"])
    assert data["sessions_moved"] == len(data["changes"])
    after = list(held_call.sessions.order_by("starts_at").values_list("starts_at", flat=True))
    assert after[: len(held)] == held
