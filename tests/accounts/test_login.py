import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_wrong_password_says_so(world, client):
    response = client.post(
        reverse("accounts:login"), {"username": world.staff.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Your username and password didn’t match" in response.content.decode()


def test_login_then_logout(world, client):
    response = client.post(
        reverse("accounts:login"),
        {"username": world.staff.username, "password": PASSWORD},
        follow=True,
    )
    assert "Welcome, Shen Jie" in response.content.decode()
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "Log in to Amity" in response.content.decode()
    assert client.get(reverse("home:home"))["Location"].startswith(reverse("accounts:login"))


def test_password_change_rejects_a_weak_password_and_accepts_a_good_one(world, client):
    client.force_login(world.staff)
    url = reverse("accounts:password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert "This password is too common." in weak.content.decode()
    good = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Hangzhou-2026!",
            "new_password2": "Hangzhou-2026!",
        },
        follow=True,
    )
    assert "Your password was changed" in good.content.decode()
    world.staff.refresh_from_db()
    assert world.staff.check_password("Hangzhou-2026!")


def test_api_token_is_shown_once_works_and_can_be_revoked(world, client):
    client.force_login(world.partner_contact)
    page = client.post(reverse("accounts:api_tokens"), {"name": "Reporting script"})
    body = page.content.decode()
    assert "Reporting script" in body
    raw = body.split('data-testid="new-token">')[1].split("<")[0]
    assert raw.startswith("amity_")

    client.logout()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.json()["username"] == world.partner_contact.username

    client.force_login(world.partner_contact)
    token = world.partner_contact.api_tokens.get()
    assert raw not in client.get(reverse("accounts:api_tokens")).content.decode()
    client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    client.logout()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_someone_elses_token_cannot_be_revoked(world, client):
    from amity.accounts.services import api_token_create

    token, _raw = api_token_create(user=world.office, name="office script")
    client.force_login(world.staff)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
