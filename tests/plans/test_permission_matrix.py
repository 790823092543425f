"""Every role × every exchange-plan page: the page itself (recognised by its own text),
"not allowed" (403) or the login page. Partner contacts see no plans."""

import pytest
from django.urls import reverse

from amity.events.models import Activity
from amity.plans.models import ExchangePlan
from tests.matrix import (
    FORBIDDEN,
    FORBIDDEN_TEXT,
    HOME_STAFF,
    OK,
    ROLES,
    cells,
    only,
)

pytestmark = pytest.mark.django_db


# (page, URL from the plans, the page's own text, outcomes)
PAGES = [
    (
        "plan list",
        lambda p: reverse("plans:plan_list"),
        "CICU nursing call with London",
        only(*HOME_STAFF),
    ),
    (
        "plan of the coordinator's department",
        lambda p: p.rehab_classroom.get_absolute_url(),
        "Speech rehabilitation classroom with Loma Linda",
        only(*HOME_STAFF),
    ),
    (
        "plan of another department",
        lambda p: p.cardiology_call.get_absolute_url(),
        "CICU nursing call with London",
        only(*HOME_STAFF),
    ),
    (
        "add plan",
        lambda p: reverse("plans:plan_create"),
        "Add plan",
        only("office", "coordinator"),
    ),
    (
        "edit a plan of the coordinator's department",
        lambda p: reverse("plans:plan_edit", args=[p.rehab_classroom.pk]),
        "Edit Speech rehabilitation classroom",
        only("office", "coordinator"),
    ),
    (
        "edit a plan of another department",
        lambda p: reverse("plans:plan_edit", args=[p.cardiology_call.pk]),
        "Edit CICU nursing call",
        only("office"),
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_plan_page_shows_each_role_what_it_may_see(world, plans, login, url, text, role, outcome):
    client = login(world.user(role))
    target = url(plans)
    response = client.get(target)
    body = response.content.decode()
    if outcome == OK:
        assert response.status_code == 200
        assert text in body
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
        assert FORBIDDEN_TEXT in body
        assert text not in body
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"


# (which plan, outcomes of "Start as an activity")
STARTS = [
    ("rehab_classroom", only("office", "coordinator")),
    ("cardiology_call", only("office")),
]


def _start_cells():
    for which, outcomes in STARTS:
        for role in ROLES:
            yield pytest.param(which, role, outcomes[role], id=f"start {which}-{role}")


@pytest.mark.parametrize(("which", "role", "outcome"), list(_start_cells()))
def test_start_as_activity_answers_each_role(world, plans, login, which, role, outcome):
    plan = getattr(plans, which)
    client = login(world.user(role))
    target = reverse("plans:plan_start", args=[plan.pk])
    response = client.post(target)
    plan.refresh_from_db()
    if outcome == OK:
        activity = Activity.objects.get()
        assert response.status_code == 302
        assert response["Location"] == activity.get_absolute_url()
        assert plan.activity == activity
        assert plan.status == "running"
        return
    assert Activity.objects.count() == 0
    assert ExchangePlan.objects.filter(activity__isnull=False).count() == 0
    if outcome == FORBIDDEN:
        assert response.status_code == 403
        assert FORBIDDEN_TEXT in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"


def test_start_as_activity_refuses_get(world, plans, client):
    client.force_login(world.office)
    response = client.get(reverse("plans:plan_start", args=[plans.rehab_idea.pk]))
    assert response.status_code == 405
    assert Activity.objects.count() == 0
