"""A second factor (an authenticator app, TOTP, with backup codes): set up on one's own
security page, asked for after the password, required of office staff by a setting, and
turned off by office staff for someone who lost it."""

import re
import time
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from amity.accounts import second_factor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def code(key: str, steps_ahead: int = 0) -> str:
    """What the authenticator app shows (``steps_ahead`` periods of 30 s later: a code is
    accepted once, and one period of clock drift either way)."""
    totp = TOTP(b32decode(key.replace(" ", "")), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def unthrottle():
    """django-otp slows down guessing: after a wrong code even the right one must wait a
    second or more. The tests do not wait."""
    TOTPDevice.objects.update(throttling_failure_count=0)


def set_up(client) -> tuple[str, list[str]]:
    """Set up two-step login as the logged-in user; the key and the backup codes."""
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    key = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page).group(1)
    done = client.post(reverse("accounts:totp_setup"), {"code": code(key)}).content.decode()
    codes = re.findall(r"<li><code>(\w+)</code></li>", done)
    return key, codes


def password_step(client, user):
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})


def test_anyone_sets_up_an_authenticator_with_a_qr_code_and_gets_backup_codes(world, login):
    client = login(world.partner_contact)
    assert "Set up two-step login" in client.get(reverse("accounts:security")).content.decode()
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    key = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page).group(1)
    assert len(key.replace(" ", "")) == 32

    qr = client.get(reverse("accounts:totp_qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content and b"<script" not in qr.content

    wrong = client.post(reverse("accounts:totp_setup"), {"code": "000000"}).content.decode()
    assert "That code is not right" in wrong
    unthrottle()
    done = client.post(reverse("accounts:totp_setup"), {"code": code(key)}).content.decode()
    assert "Two-step login is on." in done
    assert len(re.findall(r"<li><code>(\w+)</code></li>", done)) == 10
    security = client.get(reverse("accounts:security")).content.decode()
    assert "An authenticator app asks for a code at every login" in security
    assert "10 backup codes left." in security
    # Once confirmed, the QR code of the key is not shown again.
    assert client.get(reverse("accounts:totp_qr")).status_code == 404


def test_the_login_asks_for_the_code_after_the_password(world, client, login):
    key, _codes = set_up(login(world.staff))
    client.logout()

    step = password_step(client, world.staff)
    assert step["Location"] == reverse("accounts:login_verify")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home:home"))["Location"].startswith(reverse("accounts:login"))

    wrong = client.post(reverse("accounts:login_verify"), {"code": "123456"}).content.decode()
    assert "That code is not right, or it was used already." in wrong
    unthrottle()
    done = client.post(reverse("accounts:login_verify"), {"code": code(key, 1)})
    assert done["Location"] == reverse("home:home")
    assert "Welcome, Shen Jie" in client.get(reverse("home:home")).content.decode()


def test_a_backup_code_logs_in_once(world, client, login):
    _key, codes = set_up(login(world.staff))
    client.logout()
    password_step(client, world.staff)
    assert client.post(reverse("accounts:login_verify"), {"code": codes[0]}).status_code == 302
    client.logout()
    password_step(client, world.staff)
    again = client.post(reverse("accounts:login_verify"), {"code": codes[0]})
    assert "That code is not right, or it was used already." in again.content.decode()


def test_the_code_step_expires_after_five_minutes(world, client, login):
    key, _codes = set_up(login(world.staff))
    client.logout()
    password_step(client, world.staff)
    session = client.session
    session[second_factor.PENDING]["at"] -= 301
    session.save()
    late = client.post(reverse("accounts:login_verify"), {"code": code(key, 1)})
    assert late["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_office_staff_must_set_up_the_second_factor_when_required(world, client, settings):
    settings.AMITY_REQUIRE_TOTP = True
    assert password_step(client, world.office)["Location"] == reverse("home:home")
    page = client.get(reverse("directory:person_list"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("accounts:totp_setup")
    assert "Office staff must set up two-step login before using Amity." in page.content.decode()
    assert client.get("/admin/")["Location"] == reverse("accounts:totp_setup")

    key, _codes = set_up(client)
    assert client.get(reverse("directory:person_list")).status_code == 200

    # Staff members are not asked.
    client.logout()
    assert password_step(client, world.staff)["Location"] == reverse("home:home")
    assert client.get(reverse("directory:person_list")).status_code == 200

    # The office login now takes the code, and the second factor cannot be turned off.
    client.logout()
    assert password_step(client, world.office)["Location"] == reverse("accounts:login_verify")
    client.post(reverse("accounts:login_verify"), {"code": code(key, 1)})
    off = client.post(reverse("accounts:totp_disable"), {"code": code(key, -1)}, follow=True)
    assert "Office staff must keep a second factor" in off.content.decode()
    assert second_factor.has_device(world.office)


def test_a_user_turns_it_off_with_a_code(world, login):
    client = login(world.coordinator)
    key, _codes = set_up(client)
    kept = client.post(reverse("accounts:totp_disable"), {"code": "000000"}, follow=True)
    assert "two-step login stays on" in kept.content.decode()
    unthrottle()
    off = client.post(reverse("accounts:totp_disable"), {"code": code(key, 1)}, follow=True)
    assert "Two-step login is off." in off.content.decode()
    assert not second_factor.has_device(world.coordinator)


def test_office_staff_turn_off_a_lost_second_factor(world, client, login):
    set_up(login(world.staff))
    office = login(world.office)
    done = office.post(
        reverse("accounts:second_factor_reset"), {"username": world.staff.username}, follow=True
    )
    assert f"Two-step login of “{world.staff.username}” is off" in done.content.decode()
    client.logout()
    assert password_step(client, world.staff)["Location"] == reverse("home:home")

    login(world.coordinator)
    refused = client.post(
        reverse("accounts:second_factor_reset"), {"username": world.office.username}
    )
    assert refused.status_code == 403


def test_the_admin_login_does_not_skip_the_code_step(world, client, login):
    set_up(login(world.office))
    client.logout()
    admin = client.post(
        "/admin/login/?next=/admin/",
        {"username": world.office.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert admin.status_code == 302
    assert client.get("/admin/")["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
