"""Failed logins lock out an account (from any address) and an address (for any account);
the login page says so without telling whether the account exists; office staff unlock."""

import threading
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from amity.accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LOCKED = "Too many failed logins for this account or from this network address"


@pytest.fixture
def password_checks(monkeypatch):
    """How many passwords were checked against a stored hash (each one a guess that
    reached the password check)."""
    checked = []
    original = User.check_password

    def counting(self, raw):
        checked.append(self.username)
        # The tests hash with MD5; a real hash (PBKDF2) takes this long or longer, which is
        # the window in which parallel guesses would pass a check-then-record lockout.
        time.sleep(0.05)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    return checked


def alert(response) -> str:
    return response.content.decode().split('data-testid="locked-out">')[1].split("</p>")[0]


def attempt(username, password, address="10.0.0.1", client=None, **headers):
    client = client or Client(REMOTE_ADDR=address, **headers)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_an_account_is_locked_after_five_failures_from_five_addresses(world, password_checks):
    answers = [attempt(world.staff.username, "wrong", f"10.0.1.{n}") for n in range(1, 6)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert "didn’t match" in answers[0].content.decode()
    assert LOCKED in answers[4].content.decode()
    assert "try again in 15 minutes" in answers[4].content.decode()

    # The right password, from yet another address, is refused unseen: not even checked.
    right = attempt(world.staff.username, PASSWORD, "10.0.1.99")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in right.wsgi_request.session
    assert password_checks == [world.staff.username] * 5

    # Other accounts are not affected.
    assert attempt(world.office.username, PASSWORD, "10.0.1.98").status_code == 302


def test_an_address_is_locked_after_five_failures_across_accounts(world, password_checks):
    names = [world.staff.username, world.office.username, "nobody", "admin", "root"]
    answers = [attempt(name, "wrong", "192.0.2.7") for name in names]
    assert LOCKED in answers[-1].content.decode()

    refused = attempt(world.coordinator.username, PASSWORD, "192.0.2.7")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    elsewhere = attempt(world.coordinator.username, PASSWORD, "192.0.2.8")
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == reverse("home:home")
    assert len(password_checks) == 2 + 1  # the two existing accounts, then the coordinator


def test_the_lockout_page_reads_the_same_for_an_unknown_account(world):
    for n in range(5):
        attempt(world.staff.username, "wrong", f"10.0.2.{n}")
        attempt("no-such-person", "wrong", f"10.0.3.{n}")
    known = attempt(world.staff.username, "wrong", "10.0.2.99")
    unknown = attempt("no-such-person", "wrong", "10.0.3.99")
    assert known.status_code == unknown.status_code == 429
    assert alert(known) == alert(unknown)
    assert LOCKED in alert(known)


def test_a_right_password_does_not_count_as_a_failure(world):
    for n in range(4):
        attempt(world.staff.username, "wrong", f"10.0.4.{n}")
    assert attempt(world.staff.username, PASSWORD, "10.0.4.50").status_code == 302
    assert attempt(world.staff.username, "wrong", "10.0.4.51").status_code == 429


def test_the_lockout_ends_after_the_cool_off(world):
    for n in range(5):
        attempt(world.staff.username, "wrong", f"10.0.5.{n}")
    assert attempt(world.staff.username, PASSWORD, "10.0.5.9").status_code == 429
    for row in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=row.pk).update(
            attempt_time=row.attempt_time - timedelta(minutes=15, seconds=1)
        )
    assert attempt(world.staff.username, PASSWORD, "10.0.5.9").status_code == 302


def test_the_address_behind_a_proxy_comes_from_the_configured_header(world, settings):
    settings.AMITY_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    names = ["a", "b", "c", "d", "e"]
    for name in names:
        attempt(name, "wrong", "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    blocked = attempt(
        world.staff.username, PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert blocked.status_code == 429
    other = attempt(world.staff.username, PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


def test_office_staff_see_the_lockouts_and_unlock(world, login):
    for n in range(5):
        attempt(world.staff.username, "wrong", f"10.0.6.{n}")
    for name in ["x1", "x2", "x3", "x4", "x5"]:
        attempt(name, "wrong", "10.0.7.1")

    staff = login(world.coordinator)
    assert staff.get(reverse("accounts:lockouts")).status_code == 403

    office = login(world.office)
    page = office.get(reverse("accounts:lockouts")).content.decode()
    assert f"<code>{world.staff.username}</code>" in page
    assert "<code>10.0.7.1</code>" in page

    done = office.post(
        reverse("accounts:lockout_release"),
        {"kind": "username", "value": world.staff.username},
        follow=True,
    ).content.decode()
    assert f"“{world.staff.username}” can log in again." in done
    assert f"<code>{world.staff.username}</code>" not in done
    assert "<code>10.0.7.1</code>" in done
    assert attempt(world.staff.username, PASSWORD, "10.0.6.77").status_code == 302

    office.post(reverse("accounts:lockout_release"), {"kind": "ip_address", "value": "10.0.7.1"})
    page = office.get(reverse("accounts:lockouts")).content.decode()
    assert "No account and no address is locked now." in page
    assert attempt(world.coordinator.username, PASSWORD, "10.0.7.1").status_code == 302


def test_the_manage_command_unlocks_an_account(world):
    for n in range(5):
        attempt(world.staff.username, "wrong", f"10.0.8.{n}")
    call_command("axes_reset_username", world.staff.username, verbosity=0)
    assert attempt(world.staff.username, PASSWORD, "10.0.8.9").status_code == 302


def test_parallel_guesses_reach_the_password_check_at_most_five_times(world, password_checks):
    """60 guesses at once from 10 addresses: the count is taken under a lock before the
    password is checked, so no more than the limit slip through."""
    victim = UserFactory(username="victim")
    barrier = threading.Barrier(20)
    statuses = []

    def guess(n):
        client = Client(REMOTE_ADDR=f"10.1.0.{n % 10}")
        try:
            barrier.wait(timeout=30)
            for k in range(3):
                statuses.append(
                    attempt(victim.username, f"guess-{n}-{k}", client=client).status_code
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == 60
    assert password_checks.count("victim") == 5
    assert statuses.count(429) >= 55
    total = sum(
        AccessAttempt.objects.filter(username="victim").values_list(
            "failures_since_start", flat=True
        )
    )
    assert total == 5
