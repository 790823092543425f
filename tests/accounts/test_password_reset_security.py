"""Password-reset emails are throttled per email address and per client address, through a
real SMTP server; the page answers the same whether or not the address has an account."""

import pytest
from django.test import Client
from django.urls import reverse

from amity.accounts.models import PasswordResetRequest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def main(response) -> str:
    return response.content.decode().split("<main")[1].split("</main>")[0]


def ask(email, address="10.2.0.1"):
    return Client(REMOTE_ADDR=address).post(
        reverse("accounts:password_reset"), {"email": email}, follow=True
    )


def test_eighteen_requests_for_one_account_send_three_emails(world, smtp_server, run_worker):
    answers = [ask(world.staff.email, f"10.2.1.{n}") for n in range(18)]
    assert {a.redirect_chain[-1][0] for a in answers} == {reverse("accounts:password_reset_done")}
    assert all("Check your email" in a.content.decode() for a in answers)
    run_worker()
    assert [m["To"] for m in smtp_server.messages] == [world.staff.email] * 3


def test_one_address_may_ask_ten_times_an_hour(world, smtp_server, run_worker):
    users = [UserFactory() for _ in range(12)]
    for user in users:
        ask(user.email, "198.51.100.20")
    ask(users[11].email, "198.51.100.21")
    run_worker()
    sent = sorted(m["To"] for m in smtp_server.messages)
    assert sent == sorted([u.email for u in users[:10]] + [users[11].email])


def test_a_known_and_an_unknown_address_get_the_same_page(world, smtp_server, run_worker):
    known = ask(world.staff.email, "10.2.2.1")
    unknown = ask("nobody@example.org", "10.2.2.2")
    assert known.redirect_chain == unknown.redirect_chain
    assert main(known) == main(unknown)
    assert "If an account uses that address" in main(known)
    run_worker()
    assert [m["To"] for m in smtp_server.messages] == [world.staff.email]


def test_requests_keep_no_email_address(world, smtp_server):
    ask(world.staff.email)
    stored = PasswordResetRequest.objects.get()
    assert world.staff.email not in str(vars(stored))
    assert stored.sent is True and stored.client_address == "10.2.0.1"
