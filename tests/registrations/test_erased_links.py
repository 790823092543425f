"""A registration's signed link stops working once its personal data is erased — by the
registrant, the organiser, or at the end of the retention period (also before
``erase_expired`` has run): the page says so (410) and every action refuses."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from amity.registrations import services
from amity.registrations.links import self_service_token
from amity.registrations.models import Registration
from amity.registrations.privacy import erase_expired_registrations
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)

ERASED = "This registration's data has been erased"
PAGES = ("page", "calendar", "my data", "certificate", "cancel", "erase")


def _registered(activity, n: int = 1) -> Registration:
    fields = registrant(n)
    del fields["consent"]
    return services.registration_create(activity=activity, fields=fields).registration


def _every_use(client, url: str, token: str) -> dict[str, tuple[int, str]]:
    """Status and what the visitor reads, for the page and each action on it."""
    answers = {
        "page": client.get(url),
        "calendar": client.get(url + "calendar.ics"),
        "my data": client.get(url + "my-data.json"),
        "certificate": client.get(url + "certificate.pdf"),
        "cancel": client.post(url + "cancel/", {"confirm": "1"}),
        "erase": client.post(url + "erase/", {"confirm": "1"}),
    }
    result = {name: (r.status_code, r.context["title"]) for name, r in answers.items()}
    api = client.post(
        "/api/v1/registrations/cancel",
        data=json.dumps({"token": token}),
        content_type="application/json",
    )
    result["api cancel"] = (api.status_code, api.json()["detail"])
    return result


def _all_gone(found: dict) -> bool:
    return found == {
        **dict.fromkeys(PAGES, (410, ERASED)),
        "api cancel": (410, "This registration's data has been erased."),
    }


def test_the_link_works_until_the_registrant_erases_their_data(webinar):
    registration = _registered(webinar)
    url, token = registration.get_absolute_url(), self_service_token(registration)
    client = Client()
    assert "zhang1@hospital.example.cn" in client.get(url).text

    client.post(url + "erase/", {"confirm": "1"})
    found = _every_use(client, url, token)

    assert _all_gone(found), found
    page = client.get(url)
    assert "so this link no longer shows or changes anything" in page.text
    assert "zhang1" not in page.text


def test_the_link_stops_when_the_organiser_erases_the_data(webinar):
    registration = _registered(webinar)
    url, token = registration.get_absolute_url(), self_service_token(registration)

    services.registration_erase(registration=registration)

    assert _all_gone(_every_use(Client(), url, token))


def test_the_link_stops_when_retention_erases_the_data(webinar):
    registration = _registered(webinar)
    url, token = registration.get_absolute_url(), self_service_token(registration)
    last_end = webinar.sessions.get().ends_at

    assert erase_expired_registrations(now=last_end + timedelta(days=366)) == 1

    assert _all_gone(_every_use(Client(), url, token))


def test_the_link_stops_when_retention_has_ended_before_the_data_is_erased(webinar):
    """The retention period is over but ``erase_expired`` has not run yet: the link
    already refuses, and in particular hands out no data."""
    services.registration_settings_save(activity=webinar, fields={"retention_days": 1})
    session = webinar.sessions.get()
    session.starts_at -= timedelta(days=800)
    session.ends_at -= timedelta(days=800)
    session.save(update_fields=["starts_at", "ends_at"])
    registration = _registered(webinar)
    url, token = registration.get_absolute_url(), self_service_token(registration)

    found = _every_use(Client(), url, token)

    assert _all_gone(found), found
    registration.refresh_from_db()
    assert (registration.email, registration.erased_at) == ("zhang1@hospital.example.cn", None)
    assert registration.status == "confirmed"  # the cancel was refused too


def test_a_forged_link_is_still_not_found_not_erased(webinar):
    registration = _registered(webinar)
    forged = registration.get_absolute_url().replace("/registration/", "/registration/0")

    response = Client().get(forged)

    assert response.status_code == 404
    assert ERASED not in response.text
