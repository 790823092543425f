"""Logins in a real browser: the page says when logging in is paused after failures, and a
second factor is set up from a QR code and then asked for after the password."""

import time
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def log_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_five_wrong_passwords_pause_logging_in_and_the_page_says_for_how_long(world, page):
    errors = console_errors(page)
    for _ in range(4):
        log_in(page, world.staff.username, "not-the-password")
        expect(page.get_by_role("alert")).to_contain_text("didn’t match")
    log_in(page, world.staff.username, "not-the-password")
    alert = page.get_by_test_id("locked-out")
    expect(alert).to_contain_text(
        "Too many failed logins for this account or from this network address."
    )
    expect(alert).to_contain_text("try again in 15 minutes")

    # Even the right password is refused now, with the same words.
    log_in(page, world.staff.username, PASSWORD)
    expect(page.get_by_test_id("locked-out")).to_contain_text("try again in 15 minutes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Amity")
    assert [e for e in errors if "429" not in e] == []


def test_set_up_two_step_login_then_log_in_with_a_code(world, page):
    errors = console_errors(page)
    log_in(page, world.office.username, PASSWORD)
    page.locator("summary").filter(has_text="Wang Lina").click()
    page.get_by_role("link", name="Sign-in security").click()
    page.get_by_role("link", name="Set up two-step login").click()

    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    width = qr.evaluate(
        "image => image.complete ? image.naturalWidth"
        " : new Promise(done => image.addEventListener('load', () => done(image.naturalWidth)))"
    )
    assert width > 100  # drawn, not a broken image
    key = page.get_by_test_id("totp-key").inner_text().replace(" ", "")
    totp = TOTP(b32decode(key), step=30, t0=0, digits=6)
    page.get_by_label("Code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your backup codes")
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)

    page.locator("summary").filter(has_text="Wang Lina").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, world.office.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your code")
    totp.time = time.time() + 30  # the code of the next period: each code is taken once
    page.get_by_label("Code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text("Welcome, Wang Lina")
    assert page.url.endswith(reverse("home:home"))
    assert errors == []
