"""Every role × every activity page and endpoint."""

import pytest
from django.urls import reverse

from tests.matrix import (
    FORBIDDEN,
    HOME_STAFF,
    LOGIN,
    MISSING,
    OK,
    ROLES,
    assert_page,
    cells,
    everyone,
    only,
)

pytestmark = pytest.mark.django_db


def _public(outcome=OK):
    return dict.fromkeys(ROLES, outcome)


PAGES = [
    ("agenda", lambda w, a: reverse("events:agenda"), "Activities", everyone()),
    ("month", lambda w, a: reverse("events:month"), "Month", everyone()),
    ("week", lambda w, a: reverse("events:week"), "Week of", everyone()),
    ("public agenda", lambda w, a: reverse("events:public_agenda"), "Public lectures", _public()),
    (
        "public lecture",
        lambda w, a: a["lecture"].get_absolute_url(),
        "Remote International Classroom",
        _public(),
    ),
    # Partner visibility: Loma Linda is a partner of the call; its contact sees it.
    (
        "partner call",
        lambda w, a: a["cicu"].get_absolute_url(),
        "CICU Response weekly call",
        {**everyone(), "anonymous": LOGIN},
    ),
    (
        "staff-only activity",
        lambda w, a: a["internal"].get_absolute_url(),
        "Journal club",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "invited-only activity",
        lambda w, a: a["invited"].get_absolute_url(),
        "Board meeting",
        only("office", "staff", otherwise=MISSING),
    ),
    (
        "new activity",
        lambda w, a: reverse("events:activity_create"),
        "New activity",
        only("office", "coordinator"),
    ),
    (
        "edit the call",
        lambda w, a: reverse("events:activity_edit", args=[a["cicu"].pk]),
        "Edit CICU",
        only("office"),
    ),
    (
        "edit own department's lecture",
        lambda w, a: reverse("events:activity_edit", args=[a["lecture"].pk]),
        "Edit Remote International Classroom",
        only("office", "coordinator"),
    ),
    (
        "add a session",
        lambda w, a: reverse("events:session_add", args=[a["cicu"].pk]),
        "Add a session",
        only("office"),
    ),
    (
        "add a series",
        lambda w, a: reverse("events:series_add", args=[a["lecture"].pk]),
        "Add a recurring series",
        only("office", "coordinator"),
    ),
    (
        "move a session",
        lambda w, a: reverse("events:session_move", args=[a["cicu"].sessions.first().pk]),
        "Move a session",
        only("office"),
    ),
    (
        "my calendar link",
        lambda w, a: reverse("events:my_calendar"),
        "My calendar link",
        everyone(),
    ),
    (
        "people taking part",
        lambda w, a: reverse("events:participants", args=[a["lecture"].pk]),
        "People taking part",
        only("office", "coordinator"),
    ),
    (
        "add material",
        lambda w, a: reverse("events:material_add", args=[a["cicu"].pk]),
        "Add material",
        only("office"),
    ),
    (
        "session details",
        lambda w, a: reverse("events:session_edit", args=[a["lecture"].sessions.get().pk]),
        "Edit session",
        only("office", "coordinator"),
    ),
    (
        "attendance",
        lambda w, a: reverse("events:attendance", args=[a["cicu"].sessions.first().pk]),
        "Attendance",
        only("office"),
    ),
]


@pytest.fixture
def activities(world, cicu, lecture):
    from amity.events import services
    from amity.events.models import ParticipantRole

    internal = services.activity_create(
        fields={
            "title": "Journal club",
            "kind": "lecture",
            "visibility": "staff",
            "department": world.cardiology,
            "time_zone": "Asia/Shanghai",
        }
    )
    invited = services.activity_create(
        fields={
            "title": "Board meeting",
            "kind": "call",
            "visibility": "invited",
            "department": world.cardiology,
            "time_zone": "Asia/Shanghai",
        }
    )
    services.participant_add(
        activity=invited, person=world.staff.person, role=ParticipantRole.PARTICIPANT
    )
    return {"cicu": cicu, "lecture": lecture, "internal": internal, "invited": invited}


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_activity_page_shows_each_role_what_it_may_see(
    world, activities, login, url, text, role, outcome
):
    client = login(world.user(role))
    target = url(world, activities)
    response = client.get(target)
    if outcome == FORBIDDEN:
        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.content.decode()
    else:
        assert_page(response, url=target, text=text, outcome=outcome)


API = [
    (
        "activities",
        lambda a: "/api/v1/activities",
        lambda a, data, role: (
            {i["title"] for i in data["items"]}
            == {
                "anonymous": None,
                "office": {
                    "CICU Response weekly call",
                    "Remote International Classroom",
                    "Journal club",
                    "Board meeting",
                },
                "coordinator": {
                    "CICU Response weekly call",
                    "Remote International Classroom",
                    "Journal club",
                },
                "staff": {
                    "CICU Response weekly call",
                    "Remote International Classroom",
                    "Journal club",
                    "Board meeting",
                },
                "partner": {"CICU Response weekly call", "Remote International Classroom"},
            }[role]
        ),
        everyone(),
    ),
    (
        "the call",
        lambda a: f"/api/v1/activities/{a['cicu'].pk}",
        lambda a, data, role: data["calendar_url"].endswith(
            f"/calendar/activity/{a['cicu'].uid}.ics"
        ),
        everyone(),
    ),
    (
        "staff-only activity",
        lambda a: f"/api/v1/activities/{a['internal'].pk}",
        lambda a, data, role: data["visibility"] == "staff",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "sessions of the call",
        lambda a: f"/api/v1/activities/{a['cicu'].pk}/sessions",
        lambda a, data, role: [s["local_start"][11:16] for s in data] == ["16:00"] * 6,
        everyone(),
    ),
]


def _api_cells():
    for name, url, check, outcomes in API:
        for role in ROLES:
            yield pytest.param(url, check, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_api_cells()))
def test_activity_api_answers_each_role(world, activities, login, url, check, role, outcome):
    client = login(world.user(role))
    response = client.get(url(activities))
    if outcome == OK:
        assert response.status_code == 200
        assert check(activities, response.json(), role)
    elif outcome == LOGIN:
        assert response.status_code == 401
    elif outcome == MISSING:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


WRITES = [
    (
        "create activity",
        "post",
        lambda w, a: "/api/v1/activities",
        lambda w, a: {"title": "New call", "kind": "call", "department": "rehabilitation"},
        {"anonymous": 401, "office": 201, "coordinator": 201, "staff": 403, "partner": 403},
    ),
    (
        "edit the call",
        "patch",
        lambda w, a: f"/api/v1/activities/{a['cicu'].pk}",
        lambda w, a: {"title": "Renamed"},
        {"anonymous": 401, "office": 200, "coordinator": 403, "staff": 403, "partner": 403},
    ),
    (
        "cancel a session",
        "patch",
        lambda w, a: f"/api/v1/sessions/{a['lecture'].sessions.get().pk}",
        lambda w, a: {"status": "cancelled"},
        {"anonymous": 401, "office": 200, "coordinator": 200, "staff": 403, "partner": 403},
    ),
    (
        "add a session in a DST gap",
        "post",
        lambda w, a: f"/api/v1/activities/{a['lecture'].pk}/sessions",
        lambda w, a: {"date": "2027-03-14", "time": "02:30", "time_zone": "America/New_York"},
        {"anonymous": 401, "office": 422, "coordinator": 422, "staff": 403, "partner": 403},
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "role", "status"),
    [
        pytest.param(m, u, b, role, statuses[role], id=f"{name}-{role}")
        for name, m, u, b, statuses in WRITES
        for role in ROLES
    ],
)
def test_activity_api_writes_follow_the_same_rules(
    world, activities, login, method, url, body, role, status
):
    from amity.events.models import Activity, Session

    client = login(world.user(role))
    before = (
        Activity.objects.count(),
        list(Session.objects.values_list("status", flat=True)),
        Activity.objects.get(pk=activities["cicu"].pk).title,
    )
    response = getattr(client, method)(
        url(world, activities), body(world, activities), content_type="application/json"
    )
    assert response.status_code == status
    after = (
        Activity.objects.count(),
        list(Session.objects.values_list("status", flat=True)),
        Activity.objects.get(pk=activities["cicu"].pk).title,
    )
    if status >= 400:
        assert after == before  # nothing half-written
        if status == 422:
            assert "Choose 01:30 or 03:30" in response.json()["detail"]
    else:
        assert after != before
