"""Every role × every page and API endpoint of the foundation: what each one sees.

Each cell names the outcome a person would notice: the page itself (recognised by its
own text), "not allowed" (403), "does not exist" (404), or the login page.
"""

import pytest
from django.urls import reverse

from amity.accounts.models import ApiToken
from tests.matrix import (
    FORBIDDEN,
    LOGIN,
    MISSING,
    OK,
    ROLES,
    assert_page,
    cells,
    everyone,
    only,
)

# (page name, how to build its URL from the world, the text the page shows, outcomes)
PAGES = [
    ("home", lambda w: reverse("home:home"), "Welcome", everyone()),
    (
        "institution list",
        lambda w: reverse("directory:institution_list"),
        "Loma Linda University",
        everyone(),
    ),
    ("own partner institution", lambda w: w.partner.get_absolute_url(), "Loma Linda", everyone()),
    (
        "another partner institution",
        lambda w: w.other_partner.get_absolute_url(),
        "Great Ormond Street Hospital",
        only("office", "coordinator", "staff", partner=MISSING),
    ),
    (
        "home institution",
        lambda w: w.home.get_absolute_url(),
        "浙江大学医学院附属儿童医院",
        only("office", "coordinator", "staff", partner=MISSING),
    ),
    (
        "add institution",
        lambda w: reverse("directory:institution_create"),
        "Add institution",
        only("office"),
    ),
    (
        "edit own partner institution",
        lambda w: reverse("directory:institution_edit", args=[w.partner.pk]),
        "Edit Loma Linda",
        only("office"),
    ),
    (
        "department list",
        lambda w: reverse("directory:department_list"),
        "Rehabilitation",
        only("office", "coordinator", "staff"),
    ),
    (
        "department page",
        lambda w: w.rehab.get_absolute_url(),
        "康复科",
        only("office", "coordinator", "staff"),
    ),
    (
        "add department",
        lambda w: reverse("directory:department_create"),
        "Add department",
        only("office"),
    ),
    (
        "edit department",
        lambda w: reverse("directory:department_edit", args=[w.rehab.pk]),
        "Edit Rehabilitation",
        only("office"),
    ),
    ("people list", lambda w: reverse("directory:person_list"), "Emily Carter", everyone()),
    (
        "a colleague's profile",
        lambda w: w.rehab_colleague.get_absolute_url(),
        "Zhao",
        only("office", "coordinator", "staff", partner=MISSING),
    ),
    (
        "a partner contact's profile",
        lambda w: w.partner_contact.person.get_absolute_url(),
        "Emily Carter",
        everyone(),
    ),
    (
        "add person",
        lambda w: reverse("directory:person_create"),
        "Add person",
        only("office", "coordinator"),
    ),
    (
        "edit someone of the coordinator's department",
        lambda w: reverse("directory:person_edit", args=[w.rehab_colleague.pk]),
        "Edit",
        only("office", "coordinator", partner=MISSING),
    ),
    (
        "edit someone of another department",
        lambda w: reverse("directory:person_edit", args=[w.cardiology_colleague.pk]),
        "Edit",
        only("office", partner=MISSING),
    ),
    (
        "edit a partner contact",
        lambda w: reverse("directory:person_edit", args=[w.other_partner_contact.pk]),
        "Edit",
        only("office", partner=MISSING),
    ),
    ("API tokens", lambda w: reverse("accounts:api_tokens"), "Your tokens", everyone()),
    ("sign-in security", lambda w: reverse("accounts:security"), "Two-step login", everyone()),
    ("locked logins", lambda w: reverse("accounts:lockouts"), "Locked logins", only("office")),
    (
        "change password",
        lambda w: reverse("accounts:password_change"),
        "Change password",
        everyone(),
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_page_shows_each_role_what_it_may_see(world, login, url, text, role, outcome):
    client = login(world.user(role))
    target = url(world)
    assert_page(client.get(target), url=target, text=text, outcome=outcome)


@pytest.mark.parametrize("role", ROLES)
def test_my_profile_leads_each_person_to_their_own_page(world, login, role):
    client = login(world.user(role))
    response = client.get(reverse("directory:my_profile"))
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response["Location"] == world.user(role).person.get_absolute_url()


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("anonymous", LOGIN),
        ("office", OK),
        ("coordinator", LOGIN),
        ("staff", LOGIN),
        ("partner", LOGIN),
    ],
)
def test_admin_is_open_to_office_staff_only(world, login, role, outcome):
    client = login(world.user(role))
    response = client.get("/admin/")
    if outcome == OK:
        assert response.status_code == 200
        assert "Site administration" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


# API: (name, URL, JSON check for an allowed caller, outcomes)
API = [
    (
        "institutions",
        lambda w: "/api/v1/institutions",
        lambda w, data, role: (
            {i["name"] for i in data["items"]}
            == (
                {"Loma Linda University"}
                if role == "partner"
                else {w.home.name, "Loma Linda University", "Great Ormond Street Hospital"}
            )
        ),
        everyone(),
    ),
    (
        "own institution",
        lambda w: f"/api/v1/institutions/{w.partner.pk}",
        lambda w, data, role: data["name"] == "Loma Linda University" and data["country"] == "US",
        everyone(),
    ),
    (
        "another institution",
        lambda w: f"/api/v1/institutions/{w.other_partner.pk}",
        lambda w, data, role: data["city"] == "London",
        only("office", "coordinator", "staff", partner=MISSING),
    ),
    (
        "departments",
        lambda w: "/api/v1/departments",
        lambda w, data, role: {d["name"] for d in data} == {"Rehabilitation", "Cardiology"},
        only("office", "coordinator", "staff"),
    ),
    (
        "department",
        lambda w: f"/api/v1/departments/{w.rehab.pk}",
        lambda w, data, role: data["name_local"] == "康复科",
        only("office", "coordinator", "staff"),
    ),
    (
        "people",
        lambda w: "/api/v1/people",
        lambda w, data, role: (
            (data["count"] == 1 and data["items"][0]["full_name"] == "Emily Carter")
            if role == "partner"
            else data["count"] == 7
        ),
        everyone(),
    ),
    (
        "a colleague",
        lambda w: f"/api/v1/people/{w.rehab_colleague.pk}",
        lambda w, data, role: (
            data["full_name"] == "Zhao Min" and data["department"]["name"] == "Rehabilitation"
        ),
        only("office", "coordinator", "staff", partner=MISSING),
    ),
    (
        "me",
        lambda w: "/api/v1/me",
        lambda w, data, role: (
            data["username"] == w.user(role).username
            and data["person"]["id"] == w.user(role).person.pk
        ),
        everyone(),
    ),
]


def _api_cells():
    for name, url, check, outcomes in API:
        for role in ROLES:
            yield pytest.param(url, check, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_api_cells()))
def test_api_answers_each_role_with_what_it_may_see(world, client, url, check, role, outcome):
    """Callers authenticate with a bearer token, as scripts do."""
    from amity.accounts.services import api_token_create

    headers = {}
    user = world.user(role)
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        headers["Authorization"] = f"Bearer {raw}"
    response = client.get(url(world), headers=headers)
    if outcome == OK:
        assert response.status_code == 200
        assert check(world, response.json(), role)
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
