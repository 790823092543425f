"""Every role × every registrations page, download, action and API endpoint: the page
itself (recognised by its own text), "not allowed" (403), "does not exist" (404) or the
login page. Registrants' names and addresses reach only those who manage the activity:
office staff, and the coordinator of the activity's department."""

from datetime import datetime

import pytest
from django.urls import reverse

from amity.accounts.models import ApiToken
from amity.accounts.services import api_token_create
from amity.events import services as event_services
from amity.events import timing
from amity.registrations import services
from amity.registrations.models import AttendanceImport, Registration
from tests.matrix import (
    FORBIDDEN,
    FORBIDDEN_TEXT,
    LOGIN,
    MISSING,
    OK,
    ROLES,
    assert_page,
    cells,
    only,
)
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db

ORGANISERS = ("office", "coordinator")
EMAIL = "zhang1@hospital.example.cn"


@pytest.fixture
def activities(webinar, world):
    """The public rehabilitation webinar with one registrant and one attendance report,
    and a cardiology lecture open to invited people only, with one registrant."""
    services.registration_create(activity=webinar, fields=registrant(1))
    AttendanceImport.objects.create(
        activity=webinar, source="zoom", filename="zoom-17-april.csv", rows=1
    )
    workshop = event_services.activity_create(
        fields={
            "title": "Cardiology Skills Lecture",
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "invited",
            "department": world.cardiology,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=workshop,
        starts_at=timing.resolve_local(datetime(2027, 5, 8, 9, 0), "Asia/Shanghai"),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(activity=workshop, fields={"capacity": None})
    services.registration_create(activity=workshop, fields=registrant(2))
    return {"webinar": webinar, "workshop": workshop}


def _url(name, which="webinar", *extra):
    def build(a):
        args = [a[which].pk]
        for item in extra:
            args.append(item(a) if callable(item) else item)
        return reverse(f"registrations:{name}", args=args)

    return build


def _report(a):
    return a["webinar"].attendance_imports.get().pk


# The invited lecture is cardiology's: its coordinator is not the rehabilitation one, and
# the cardiology staff member sees it (invited, their department) without managing it.
WORKSHOP = {"anonymous": LOGIN, "office": OK, "coordinator": MISSING, "staff": FORBIDDEN}
WORKSHOP["partner"] = MISSING

PAGES = [
    (
        "register",
        _url("register"),
        "Register for Paediatric Endocrinology Webinar",
        dict.fromkeys(ROLES, OK),
    ),
    ("registrants", _url("registrants"), EMAIL, only(*ORGANISERS)),
    ("export csv", _url("export", "webinar", "csv"), EMAIL, only(*ORGANISERS)),
    ("registration settings", _url("settings"), "Registration settings", only(*ORGANISERS)),
    ("message registrants", _url("announce"), "Message registrants", only(*ORGANISERS)),
    ("attendance", _url("attendance"), EMAIL, only(*ORGANISERS)),
    (
        "attendance report",
        _url("attendance_report", "webinar", _report),
        "zoom-17-april.csv",
        only(*ORGANISERS),
    ),
    ("invited workshop's registrants", _url("registrants", "workshop"), "zhang2@", WORKSHOP),
    (
        "invited workshop's export",
        _url("export", "workshop", "csv"),
        "zhang2@",
        WORKSHOP,
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_registrations_page_shows_each_role_what_it_may_see(
    activities, world, login, url, text, role, outcome
):
    """Each page answers each role with the page, 403, 404 or the login page."""
    client = login(world.user(role))
    target = url(activities)
    assert_page(client.get(target), url=target, text=text, outcome=outcome)


@pytest.mark.parametrize("role", ROLES)
def test_registrations_check_in_only_by_organisers(activities, world, login, role):
    """Checking a registrant in is an organiser's action: others change nothing."""
    person = Registration.objects.get(email=EMAIL)
    target = reverse("registrations:check_in", args=[activities["webinar"].pk, person.pk])

    response = login(world.user(role)).post(target, {"present": "1"})

    person.refresh_from_db()
    if role in ORGANISERS:
        assert response["Location"] == reverse(
            "registrations:attendance", args=[activities["webinar"].pk]
        )
        assert person.checked_in is True
    else:
        assert person.checked_in is False
        if role == "anonymous":
            assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
        else:
            assert response.status_code == 403
            assert FORBIDDEN_TEXT in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_registrations_issue_certificates_only_by_organisers(activities, world, login, role):
    """Only organisers reach the issuing of certificates; before the webinar has taken
    place they are told when it can be done."""
    target = reverse("registrations:issue_certificates", args=[activities["webinar"].pk])

    response = login(world.user(role)).post(target, follow=role in ORGANISERS)

    body = response.content.decode()
    if role in ORGANISERS:
        assert "Attendance and certificates" in body
        assert (
            "Certificates can be issued once the activity&#x27;s last session has ended "
            "(17 April 2027, 09:30, Asia/Shanghai)." in body
        )
    elif role == "anonymous":
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
    else:
        assert response.status_code == 403
        assert FORBIDDEN_TEXT in body


API = [
    (
        "registrants",
        lambda a: f"/api/v1/activities/{a['webinar'].pk}/registrations",
        lambda r: [item["email"] for item in r.json()["items"]] == [EMAIL],
        only(*ORGANISERS),
    ),
    (
        "export",
        lambda a: f"/api/v1/activities/{a['webinar'].pk}/registrations/export?format=csv",
        lambda r: EMAIL in r.content.decode("utf-8-sig"),
        only(*ORGANISERS),
    ),
    (
        "invited workshop's registrants",
        lambda a: f"/api/v1/activities/{a['workshop'].pk}/registrations",
        lambda r: [item["email"] for item in r.json()["items"]] == [registrant(2)["email"]],
        WORKSHOP,
    ),
]


def _api_cells():
    for name, url, check, outcomes in API:
        for role in ROLES:
            yield pytest.param(url, check, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_api_cells()))
def test_registrations_api_answers_each_role_with_what_it_may_see(
    activities, world, client, url, check, role, outcome
):
    """Callers authenticate with a bearer token, as scripts do."""
    headers = {}
    user = world.user(role)
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        headers["Authorization"] = f"Bearer {raw}"

    response = client.get(url(activities), headers=headers)

    if outcome == OK:
        assert response.status_code == 200
        assert check(response)
    elif outcome == LOGIN:
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
        assert response.json() == {"detail": "You do not have permission to do this."}
    elif outcome == MISSING:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == (0 if user is None else 1)
