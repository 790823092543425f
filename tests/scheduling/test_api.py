"""The planner's API accepts what the page accepts, bounds the work, and refuses to
accept a plan twice or in the past, with the page's messages."""

import pytest
from django.utils import timezone

from amity.scheduling.forms import default_first_date

pytestmark = pytest.mark.django_db

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Melbourne",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Europe/Rome",
    "Asia/Tokyo",
    "Africa/Nairobi",
    "Pacific/Auckland",
]


def _body(sites: int = 3, **overrides) -> dict:
    body = {
        "sites": [{"name": f"Site {n + 1}", "zone": ZONES[n % len(ZONES)]} for n in range(sites)],
        "first_date": default_first_date(timezone.localdate()).isoformat(),
        "weeks": 12,
    }
    body.update(overrides)
    return body


def _refusal(message: str) -> dict:
    """A 422 of the planner: the sentence, and the same sentence as the form's error."""
    return {"detail": message, "errors": {"__all__": [message]}}


@pytest.fixture
def post(world, client, cicu):
    client.force_login(world.office)
    url = f"/api/v1/activities/{cicu.pk}/call-plan"

    def _post(body: dict):
        return client.post(url, body, content_type="application/json")

    return _post


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slot_step_minutes": 1, "weeks": 104}, "Start times come every 15 or 30 minutes."),
        ({"slot_step_minutes": 60}, "Start times come every 15 or 30 minutes."),
        ({"weekdays": [1, 2]}, "Choose one day (in UTC) for the call."),
        (
            {"hard_limits": [[0, 5], [22, 24]]},
            "Give one window of whole local hours, e.g. 0 and 5.",
        ),
        ({"hard_limits": [[0.5, 5]]}, "Give one window of whole local hours, e.g. 0 and 5."),
        ({"max_distinct_slots": 11}, "Use at most 10 different times."),
    ],
)
def test_api_refuses_what_the_page_does_not_offer(post, cicu, overrides, message):
    """A slot step, weekdays, hard limits or a cap on distinct times that the form cannot
    express are refused with a readable 422, and nothing is planned or created."""
    response = post(_body(**overrides, accept=True))
    assert (response.status_code, response.json()) == (422, _refusal(message))
    assert cicu.sessions.count() == 6


def test_api_refuses_more_sites_than_the_page(post):
    """The page offers at most 60 sites; so does the API."""
    response = post(_body(sites=61))
    assert (response.status_code, response.json()) == (
        422,
        _refusal("Plan for at most 60 sites."),
    )


def test_api_refuses_a_series_too_large_to_plan(post):
    """Ten sites, 104 weeks, four-hour calls every 15 minutes: 24 million site-minutes to
    cost is refused with the page's message instead of running for a minute."""
    response = post(
        _body(sites=10, weeks=104, meeting_minutes=240, slot_step_minutes=15),
    )
    assert (response.status_code, response.json()) == (
        422,
        _refusal(
            "This series is too large to plan at once (10 sites, 104 weeks, 96 start "
            "times a week, 240 minutes): plan fewer sites or weeks, a shorter call or start "
            "times every 30 minutes."
        ),
    )


def test_api_accepting_the_same_plan_twice_adds_its_sessions_once(post, cicu):
    """The second accept of the same plan is a 422 that says so; the call keeps 12 new
    sessions, not 24."""
    first = post(_body(accept=True))
    assert first.json()["sessions_created"] == 12
    second = post(_body(accept=True))
    assert (second.status_code, second.json()) == (
        422,
        _refusal("This plan was accepted already: the call has a session at each of its 12 times."),
    )
    assert cicu.sessions.count() == 6 + 12


def test_api_refuses_to_accept_a_plan_in_the_past(post, cicu):
    """A plan whose first call is past is refused, naming its date; planning it is fine."""
    planned = post(_body(first_date="2026-03-04"))
    assert planned.json()["sessions_created"] == 0
    refused = post(_body(first_date="2026-03-04", accept=True))
    assert (refused.status_code, refused.json()) == (
        422,
        _refusal(
            "The plan's first call, on March 4, 2026, is already past: choose a later first week."
        ),
    )
    assert cicu.sessions.count() == 6
