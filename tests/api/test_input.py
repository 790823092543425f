"""Bad input to the JSON API is refused with a 422 that a person can read: a sentence in
``detail`` and the messages by field in ``errors``; nothing is stored."""

import json

import pytest

from amity.events.models import Activity

HUGE = 10**20


@pytest.fixture
def office(world, client):
    client.raise_request_exception = False
    client.force_login(world.office)
    return client


def _send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_session_create_refuses_a_time_with_a_zone(office, cicu):
    """The time is a wall-clock time in ``time_zone``: a time that carries its own zone
    is refused, and no session is added."""
    before = cicu.sessions.count()
    response = _send(
        office,
        "post",
        f"/api/v1/activities/{cicu.pk}/sessions",
        {"date": "2027-05-05", "time": "10:00:00Z", "time_zone": "America/New_York"},
    )
    message = "Give the time without a zone: the zone is time_zone."
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"time: {message}", "errors": {"time": [message]}},
    )
    assert cicu.sessions.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/institutions",
        "/api/v1/people",
        "/api/v1/activities",
        "/api/v1/agreements",
        "/api/v1/letters",
        "/api/v1/documents",
    ],
)
def test_list_refuses_a_page_beyond_the_database_range(office, url):
    """A page number no database can reach is refused with the largest page allowed."""
    response = office.get(url, {"page": HUGE})
    message = "Input should be less than or equal to 2147483647"
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"page: {message}", "errors": {"page": [message]}},
    )


def test_registrants_list_refuses_a_page_beyond_the_database_range(office, lecture):
    """The registrants list pages the same way as every other list."""
    response = office.get(f"/api/v1/activities/{lecture.pk}/registrations", {"page": HUGE})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "page": ["Input should be less than or equal to 2147483647"]
    }


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/people", "institution"),
        ("/api/v1/agreements", "institution"),
        ("/api/v1/letters", "institution"),
        ("/api/v1/activities", "partner"),
    ],
)
def test_list_refuses_an_id_beyond_the_database_range(office, url, name):
    """An id filter larger than any id is refused, naming the filter."""
    response = office.get(url, {name: HUGE})
    message = "Input should be less than or equal to 9223372036854775807"
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"{name}: {message}", "errors": {name: [message]}},
    )


def test_activity_create_refuses_a_partner_id_beyond_the_database_range(office):
    """A partner id no database holds is refused before it reaches the database."""
    response = _send(
        office, "post", "/api/v1/activities", {"title": "Call", "kind": "call", "partners": [HUGE]}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "partners.0": ["Input should be less than or equal to 9223372036854775807"]
    }
    assert not Activity.objects.filter(title="Call").exists()


@pytest.mark.parametrize("name", ["title", "recording_url", "status", "duration_minutes"])
def test_session_patch_refuses_null(office, cicu, name):
    """A field sent as null in a PATCH is refused (leave it out to keep it); the
    session keeps its title."""
    session = cicu.sessions.order_by("starts_at").first()
    response = _send(office, "patch", f"/api/v1/sessions/{session.pk}", {name: None})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [name]
    session.refresh_from_db()
    assert session.title == ""


def test_activity_patch_refuses_null(office, cicu):
    """An activity's title sent as null is refused, and the title stays."""
    response = _send(office, "patch", f"/api/v1/activities/{cicu.pk}", {"title": None})
    assert response.status_code == 422
    assert response.json()["errors"] == {"title": ["Input should be a valid string"]}
    cicu.refresh_from_db()
    assert cicu.title == "CICU Response weekly call"


def test_activity_create_refuses_unknown_department_partner_and_language(office, world):
    """What the form would refuse the API refuses too: each unknown reference is named,
    and no activity is created."""
    response = _send(
        office,
        "post",
        "/api/v1/activities",
        {
            "title": "Call",
            "kind": "call",
            "department": "no-such-department",
            "partners": [world.partner.pk, 999999],
            "languages": ["en", "xx"],
        },
    )
    assert (response.status_code, response.json()) == (
        422,
        {
            "detail": "department: There is no department “no-such-department”.; "
            "partners: Not a partner institution: 999999.; "
            "languages: Unknown language code: xx.",
            "errors": {
                "department": ["There is no department “no-such-department”."],
                "partners": ["Not a partner institution: 999999."],
                "languages": ["Unknown language code: xx."],
            },
        },
    )
    assert not Activity.objects.filter(title="Call").exists()


def test_session_patch_refuses_an_unknown_field(office, cicu):
    """A field the API does not know is refused by name instead of ignored."""
    session = cicu.sessions.order_by("starts_at").first()
    response = _send(office, "patch", f"/api/v1/sessions/{session.pk}", {"titel": "Typo"})
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "titel: Unknown field.", "errors": {"titel": ["Unknown field."]}},
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Call\x00", "Remove the control character U+0000: it cannot be stored."),
        ("Call\r\nBcc: x@example.org", "Enter this on one line, without line breaks."),
    ],
)
def test_activity_patch_refuses_control_characters_in_a_one_line_field(office, cicu, text, message):
    """A NUL or a line break in a title is refused with a message, and the title stays."""
    response = _send(office, "patch", f"/api/v1/activities/{cicu.pk}", {"title": text})
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"title: {message}", "errors": {"title": [message]}},
    )
    cicu.refresh_from_db()
    assert cicu.title == "CICU Response weekly call"


def test_activity_patch_keeps_line_breaks_in_a_description_but_not_a_nul(office, cicu):
    """A description is multi-line text: line breaks and tabs are kept, a NUL is not."""
    url = f"/api/v1/activities/{cicu.pk}"
    response = _send(office, "patch", url, {"description": "Agenda:\r\n\t1. Cases"})
    assert response.json()["description"] == "Agenda:\r\n\t1. Cases"
    refused = _send(office, "patch", url, {"description": "Agenda\x00"})
    assert refused.json()["errors"] == {
        "description": ["Remove the control character U+0000: it cannot be stored."]
    }
    cicu.refresh_from_db()
    assert cicu.description == "Agenda:\r\n\t1. Cases"


def test_filters_refuse_a_nul(office):
    """A NUL in a search is refused (PostgreSQL cannot even compare with it)."""
    response = office.get("/api/v1/documents", {"q": "kawasaki\x00"})
    assert response.json() == {
        "detail": "q: Remove the control character U+0000: it cannot be stored.",
        "errors": {"q": ["Remove the control character U+0000: it cannot be stored."]},
    }
