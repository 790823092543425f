import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_forgotten_password_is_reset_through_the_emailed_link(
    world, client, smtp_server, run_worker
):
    user = world.coordinator
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response["Location"] == reverse("accounts:password_reset_done")

    run_worker()

    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == user.email
    assert mail["Subject"] == "Choose a new password for Amity"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.get_content())
    assert link, mail.get_content()

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Loma-Linda-2026!", "new_password2": "Loma-Linda-2026!"},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()

    client.logout()
    assert client.login(username=user.username, password="Loma-Linda-2026!")
    assert not client.login(username=user.username, password=PASSWORD)


def test_unknown_address_gets_the_same_answer_and_no_mail(world, client, smtp_server, run_worker):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True
    )
    assert "Check your email" in response.content.decode()
    run_worker()
    assert smtp_server.messages == []
