"""Nobody learns who registered by registering: the page and the API answer a known
address exactly like an unknown one (also while registration is closed), the known
address gets its link by email (throttled), and an Idempotency-Key shows nothing."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from amity.registrations import services
from amity.registrations.models import Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _page(client, activity, data):
    return client.post(f"/activities/{activity.pk}/register/", data)


def _api(client, activity, payload, **headers):
    return client.post(
        f"/api/v1/activities/{activity.pk}/registrations",
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def _payload(n: int) -> dict:
    return {**registrant(n), "consent": True}


def _shown(response) -> str:
    """What the visitor reads on the answer page, with the address they typed taken out."""
    return response.context["message"]


def test_a_known_address_gets_the_page_answer_of_a_new_one_and_its_link_by_email(
    webinar, smtp_server, run_worker
):
    """A stranger sending a registered address is told exactly what a new registrant is
    told; the registered person gets an email with their own link, the stranger nothing."""
    _page(Client(), webinar, registrant(1, submission="owner"))
    run_worker()
    run_worker()
    smtp_server.messages.clear()

    known = _page(Client(), webinar, registrant(1, submission="stranger"))
    new = _page(Client(), webinar, registrant(2, submission="newcomer"))

    assert (known.status_code, new.status_code) == (200, 200)
    assert _shown(known) == _shown(new).replace("zhang2@", "zhang1@")
    assert _shown(known) == (
        "Thank you. We have sent an email to zhang1@hospital.example.cn: follow the link in "
        "it to see your registration. If it does not arrive within a few minutes, look in "
        "the spam folder."
    )
    owner = Registration.objects.get(email="zhang1@hospital.example.cn")
    assert owner.uid.hex not in known.text
    run_worker()
    run_worker()
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert sorted(by_address) == ["zhang1@hospital.example.cn", "zhang2@hospital.example.cn"]
    link_email = by_address["zhang1@hospital.example.cn"]
    assert link_email["Subject"] == "Your registration: Paediatric Endocrinology Webinar"
    body = link_email.get_body(("plain",)).get_content()
    assert "It is already registered, so nothing has changed." in body
    assert "http://localhost:8000" + owner.get_absolute_url() in body
    assert by_address["zhang2@hospital.example.cn"]["Subject"] == (
        "You are registered: Paediatric Endocrinology Webinar"
    )


def test_the_api_answers_a_known_address_exactly_like_a_new_one(webinar):
    """Same status, same body (but for the address typed), no token, no place."""
    _api(Client(), webinar, _payload(1))

    known = _api(Client(), webinar, _payload(1))
    new = _api(Client(), webinar, _payload(2))

    assert known.status_code == new.status_code == 202
    assert known.json() == {
        "status": "email_sent",
        "detail": new.json()["detail"].replace("zhang2@", "zhang1@"),
    }
    assert set(known.json()) == {"status", "detail"}


def test_closed_registration_answers_closed_whatever_the_address(webinar):
    """While closed, a registered address gets the same 409 as an unknown one, on the
    page and in the API."""
    _page(Client(), webinar, registrant(1))
    services.registration_settings_save(activity=webinar, fields={"is_open": False})

    page_known = _page(Client(), webinar, registrant(1))
    page_new = _page(Client(), webinar, registrant(2))
    api_known = _api(Client(), webinar, _payload(1))
    api_new = _api(Client(), webinar, _payload(2))

    assert (page_known.status_code, _shown(page_known)) == (
        409,
        "Registration for this activity is closed.",
    )
    assert (page_new.status_code, _shown(page_new)) == (409, _shown(page_known))
    assert (api_known.status_code, api_known.json()) == (
        409,
        {"detail": "Registration for this activity is closed.", "errors": {}},
    )
    assert (api_new.status_code, api_new.json()) == (api_known.status_code, api_known.json())
    assert Registration.objects.count() == 1


def test_the_link_email_goes_at_most_once_in_the_pause(webinar, smtp_server, run_worker, settings):
    """Five strangers sending the same address within the pause send its owner one
    link; after the pause, one more."""
    settings.AMITY_REGISTRATION_LINK_EMAIL_MINUTES = 15
    settings.AMITY_REGISTRATION_RATE = 0
    _api(Client(), webinar, _payload(1))
    for _n in range(5):
        _api(Client(), webinar, _payload(1))
    run_worker()
    run_worker()
    subjects = [m["Subject"].split(":")[0] for m in smtp_server.messages]
    assert sorted(subjects) == ["You are registered", "Your registration"]

    owner = Registration.objects.get()
    Registration.objects.filter(pk=owner.pk).update(
        link_sent_at=owner.link_sent_at - timedelta(minutes=16)
    )
    _api(Client(), webinar, _payload(1))
    run_worker()
    run_worker()
    subjects = [m["Subject"].split(":")[0] for m in smtp_server.messages]
    assert sorted(subjects) == ["You are registered", "Your registration", "Your registration"]


def test_the_idempotency_key_repeats_the_answer_and_shows_no_one_anything(
    webinar, smtp_server, run_worker
):
    """A retry with the same key is answered alike and sends nothing more; a stranger
    who sends the same key (or guesses it) gets the same answer, without the token."""
    first = _api(Client(), webinar, _payload(1), **{"Idempotency-Key": "retry-1"})
    retry = _api(Client(), webinar, _payload(1), **{"Idempotency-Key": "retry-1"})
    guess = _api(Client(), webinar, _payload(1), **{"Idempotency-Key": "retry-1"})

    assert first.json() == retry.json() == guess.json()
    owner = Registration.objects.get()
    assert owner.uid.hex not in guess.text
    run_worker()
    run_worker()
    assert [m["Subject"] for m in smtp_server.messages] == [
        "You are registered: Paediatric Endocrinology Webinar"
    ]


def test_a_signed_in_colleague_is_shown_their_own_registration_only(webinar, world, login):
    """Registering their own address takes a colleague to their registration; any other
    address, new or known, gets the same answer as anyone's, and is not linked to them."""
    _page(Client(), webinar, registrant(1))
    client = login(world.staff)
    own_email = world.staff.person.email

    own = _page(client, webinar, registrant(9, email=own_email, submission="own"))
    known = _page(client, webinar, registrant(1, submission="k"))
    other = _page(client, webinar, registrant(2, submission="o"))

    mine = Registration.objects.get(email=own_email.lower())
    assert (own.status_code, own["Location"]) == (302, mine.get_absolute_url())
    assert mine.user == world.staff
    assert (known.status_code, other.status_code) == (200, 200)
    assert _shown(known) == _shown(other).replace("zhang2@", "zhang1@")
    assert Registration.objects.get(email="zhang2@hospital.example.cn").user is None


def test_the_openapi_document_promises_one_answer():
    """The endpoint documents 202 email_sent and no answer that would carry a
    registration."""
    spec = Client().get("/api/v1/openapi.json").json()
    post = spec["paths"]["/api/v1/activities/{activity_id}/registrations"]["post"]

    assert sorted(post["responses"]) == ["202", "404", "409", "422", "429"]
    assert "whether the address is new or already registered" in post["description"]
    schema_ref = post["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
    assert sorted(schema["properties"]) == ["detail", "status"]
    body = spec["components"]["schemas"]["RegistrationIn"]["properties"]
    assert {"consent", "notice_version", "sensitive_consent", "transfer_consent"} <= set(body)
