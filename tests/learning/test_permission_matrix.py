"""Every role × every course page: the page itself (recognised by its own text), "not
allowed" (403) or the login page. Partner contacts see none of the catalogue."""

import pytest
from django.urls import reverse
from django.utils import timezone

from amity.learning.models import CourseCompletion
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


# (page, URL from the catalogue, the page's own text, outcomes)
PAGES = [
    (
        "course list",
        lambda c: reverse("learning:course_list"),
        "Recognition and Management of Pediatric Sepsis",
        only(*HOME_STAFF),
    ),
    (
        "course page",
        lambda c: c.sepsis.get_absolute_url(),
        "儿童脓毒症的识别与处理",
        only(*HOME_STAFF),
    ),
    (
        "add course",
        lambda c: reverse("learning:course_create"),
        "Add course",
        only("office", "coordinator"),
    ),
    (
        "edit a course the coordinator's department recommends",
        lambda c: reverse("learning:course_edit", args=[c.gait.pk]),
        "Edit Pediatric Gait Analysis",
        only("office", "coordinator"),
    ),
    (
        "edit a course another department recommends",
        lambda c: reverse("learning:course_edit", args=[c.sepsis.pk]),
        "Edit Recognition and Management of Pediatric Sepsis",
        only("office"),
    ),
    (
        "edit a course no department recommends",
        lambda c: reverse("learning:course_edit", args=[c.gcp.pk]),
        "Edit Good Clinical Practice",
        only("office"),
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_course_page_shows_each_role_what_it_may_see(
    world, catalogue, login, url, text, role, outcome
):
    client = login(world.user(role))
    target = url(catalogue)
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


ACTIONS = [
    ("record a completion", "learning:completion_record", only(*HOME_STAFF)),
    ("undo a completion", "learning:completion_undo", only(*HOME_STAFF)),
]


def _action_cells():
    for name, url_name, outcomes in ACTIONS:
        for role in ROLES:
            yield pytest.param(url_name, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url_name", "role", "outcome"), list(_action_cells()))
def test_completion_actions_answer_each_role(world, catalogue, login, url_name, role, outcome):
    """Recording is for everyone of the home hospital with a directory entry, for
    themselves only; the others are refused and nothing is written."""
    user = world.user(role)
    client = login(user)
    target = reverse(url_name, args=[catalogue.gcp.pk])
    response = client.post(target, {"completed_on": timezone.localdate().isoformat()})
    recorded = set(
        CourseCompletion.objects.filter(course=catalogue.gcp).values_list("person", flat=True)
    )
    if outcome == OK:
        assert response.status_code == 302
        assert response["Location"] == catalogue.gcp.get_absolute_url()
        expected = {user.person.pk} if url_name == "learning:completion_record" else set()
        assert recorded == expected
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
        assert FORBIDDEN_TEXT in response.content.decode()
        assert recorded == set()
    else:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
        assert recorded == set()


@pytest.mark.parametrize("url_name", ["learning:completion_record", "learning:completion_undo"])
def test_completion_actions_refuse_get(world, catalogue, client, url_name):
    client.force_login(world.staff)
    response = client.get(reverse(url_name, args=[catalogue.gcp.pk]))
    assert response.status_code == 405
    assert CourseCompletion.objects.filter(course=catalogue.gcp).count() == 0


def test_unknown_course_is_missing_for_staff_and_forbidden_for_partners(world, login):
    url = reverse("learning:course_detail", args=[999999])
    staff = login(world.staff).get(url)
    assert staff.status_code == 404
    assert "This page does not exist" in staff.content.decode()
    partner = login(world.partner_contact).get(url)
    assert partner.status_code == 403
    assert FORBIDDEN_TEXT in partner.content.decode()
