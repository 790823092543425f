"""The figures in the JSON API: the same registry, numbers and permission as the pages."""

import pytest
from django.test import Client

from amity.core import figures
from tests.reports.test_dashboard import exchanges, leader  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _get(user, url, params=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client.get(f"/api/v1/{url}", params or {})


def test_the_figures_of_a_quarter_against_the_one_before(world, exchanges):  # noqa: F811
    response = _get(world.office, "reports/figures", {"year": 2026, "quarter": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {
        "kind": "quarter",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "label": "2026 Q1",
    }
    assert body["previous"]["label"] == "2025 Q4"
    by_key = {figure["key"]: figure for figure in body["figures"]}
    assert list(by_key) == [f.key for f in _ordered()]
    sessions = by_key["events.sessions_held"]
    assert (sessions["value"], sessions["previous"], sessions["difference"]) == (3, 1, 2)
    assert sessions["definition"].startswith("A session counts as held")
    assert by_key["events.hours"]["value"] == 4.5
    (by_country, _by_profession) = by_key["registrations.registrants"]["breakdowns"]
    assert by_country["dimension"] == "country"
    assert by_country["rows"][0] == {"label": "United States of America", "key": "US", "value": 2}


def _ordered():
    from amity.reports.dashboard import ordered_figures

    return ordered_figures()


def test_one_figure_with_its_items_whose_number_equals_the_figure(world, exchanges):  # noqa: F811
    body = _get(
        world.office, "reports/figures/events.activities", {"year": 2026, "quarter": 1}
    ).json()
    assert body["figure"]["value"] == body["count"] == len(body["items"]) == 2
    assert body["columns"] == ["Kind", "Organising department", "Sessions held"]
    forum = next(i for i in body["items"] if i["label"] == "Paediatric rehabilitation forum")
    assert forum["cells"] == ["Forum or conference", "", 1]
    assert forum["url"].startswith("http://testserver/")
    page = _get(
        world.office,
        "reports/figures/events.activities",
        {"year": 2026, "quarter": 1, "page": 2, "page_size": 1},
    ).json()
    assert page["count"] == 2 and len(page["items"]) == 1 and page["page"] == 2


def test_a_leader_may_read_the_figures(world, leader):  # noqa: F811
    assert _get(leader, "reports/figures").status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "staff", "partner"])
def test_others_are_refused(world, role):
    user = world.user(role)
    for url in ("reports/figures", "reports/figures/events.sessions_held"):
        response = _get(user, url)
        assert response.status_code == 403
        assert response.json()["detail"] == "You do not have permission to do this."


def test_anonymous_callers_are_unauthorised(world):
    assert _get(None, "reports/figures").status_code == 401


def test_an_unknown_figure_is_not_found(world):
    response = _get(world.office, "reports/figures/events.nothing")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": 2026, "quarter": 5}, "A quarter is 1, 2, 3 or 4."),
        ({"start": "2026-03-01", "end": "2026-01-01"}, "The end date comes before the start date."),
        ({"start": "2026-03-01"}, "Give both a start and an end date."),
        ({"quarter": 2}, "Give the year of the quarter."),
        ({"start": "1000-01-01", "end": "1000-02-01"}, "Give dates between 1900 and 2999."),
    ],
)
def test_a_period_that_is_not_one_is_a_422(world, params, message):
    response = _get(world.office, "reports/figures", params)
    assert response.status_code == 422
    assert response.json() == {"detail": f"period: {message}", "errors": {"period": [message]}}


def test_the_figures_are_in_the_openapi_document(world):
    paths = _get(world.office, "openapi.json").json()["paths"]
    assert set(paths["/api/v1/reports/figures"]) == {"get"}
    assert set(paths["/api/v1/reports/figures/{key}"]) == {"get"}
    assert len(figures.registered()) >= 19
