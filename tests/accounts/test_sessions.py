"""Sessions end after 30 idle minutes for hospital staff (2 hours for partner contacts) and
12 hours after the login, whatever happens in between."""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from amity.accounts.middleware import LOGIN_AT, SEEN_AT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home:home")).status_code == 200


def shift(client, **ago_seconds):
    """Move the session's stamps into the past, as if that much time had gone by."""
    session = client.session
    for key, seconds in ago_seconds.items():
        session[{"seen": SEEN_AT, "login": LOGIN_AT}[key]] = time.time() - seconds
    session.save()


def test_a_session_cookie_lasts_twelve_hours_not_two_weeks(world, client):
    response = client.post(
        reverse("accounts:login"), {"username": world.staff.username, "password": PASSWORD}
    )
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600


@pytest.mark.parametrize("role", ["office", "coordinator", "staff"])
def test_staff_are_logged_out_after_thirty_idle_minutes(world, client, role):
    log_in(client, world.user(role))
    shift(client, seen=29 * 60)
    assert client.get(reverse("home:home")).status_code == 200
    shift(client, seen=31 * 60)
    page = client.get(reverse("home:home"), follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "You were logged out after 30 minutes without activity." in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_partner_contacts_may_stay_idle_for_two_hours(world, client):
    log_in(client, world.partner_contact)
    shift(client, seen=119 * 60)
    assert client.get(reverse("home:home")).status_code == 200
    shift(client, seen=121 * 60)
    assert client.get(reverse("home:home"))["Location"].startswith(reverse("accounts:login"))


def test_the_idle_limit_is_a_setting(world, client, settings):
    settings.AMITY_IDLE_MINUTES = 5
    log_in(client, world.staff)
    shift(client, seen=6 * 60)
    page = client.get(reverse("home:home"), follow=True)
    assert "You were logged out after 5 minutes without activity." in page.content.decode()


def test_activity_does_not_stretch_a_session_past_twelve_hours(world, client):
    log_in(client, world.staff)
    shift(client, seen=10, login=11 * 3600)
    assert client.get(reverse("home:home")).status_code == 200
    shift(client, seen=10, login=12 * 3600 + 60)
    page = client.get(reverse("home:home"), follow=True)
    assert "a login lasts at most 12 hours" in page.content.decode()
    assert "_auth_user_id" not in client.session
