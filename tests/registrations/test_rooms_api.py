"""Rooms, livestreams, assignments and offers in the JSON API: the organiser's CRUD with
the same effects as the page, permissions, and answering an offer with its token."""

import json

import pytest

from amity.registrations import rooms, services
from amity.registrations.models import Offer, Registration, WayIn
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db

ROOM = {
    "kind": "room",
    "platform": "Tencent Meeting",
    "url": "https://meeting.tencent.com/dm/room42",
    "capacity": 2,
    "invited_institutions": ["Wuhan Children's Hospital"],
}
STREAM = {"kind": "stream", "platform": "bilibili", "url": "https://live.bilibili.com/2020"}


def _register(activity, n):
    fields = registrant(n)
    del fields["consent"]
    return services.registration_create(activity=activity, fields=fields).registration


def _post(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def test_the_organiser_adds_a_room_and_a_stream_and_lowers_the_limit(webinar, login, world):
    client = login(world.office)
    for n in range(3):
        _register(webinar, n)
    base = f"/api/v1/activities/{webinar.pk}/ways-in"

    room = _post(client, base, ROOM)
    stream = _post(client, base, STREAM)

    assert room.status_code == 201
    assert room.json()["invited_institutions"] == ["Wuhan Children's Hospital"]
    # The room held everyone until there was a stream to overflow to: zhang2 moves.
    assert stream.json()["moved"] == 1
    listed = client.get(base).json()
    assert [(w["kind"], w["people"]) for w in listed] == [("room", 2), ("stream", 1)]

    lowered = client.patch(
        f"{base}/{room.json()['id']}",
        data=json.dumps({"capacity": 1}),
        content_type="application/json",
    )

    assert lowered.json()["moved"] == 1
    assert lowered.json()["people"] == 1
    assignments = client.get(f"/api/v1/activities/{webinar.pk}/assignments").json()["items"]
    assert [(a["email"], a["kind"], a["url"]) for a in assignments] == [
        ("zhang0@hospital.example.cn", "room", "https://meeting.tencent.com/dm/room42"),
        ("zhang1@hospital.example.cn", "stream", "https://live.bilibili.com/2020"),
        ("zhang2@hospital.example.cn", "stream", "https://live.bilibili.com/2020"),
    ]


def test_bad_input_gets_422_with_errors_and_saves_nothing(webinar, login, world):
    client = login(world.office)

    response = _post(
        client,
        f"/api/v1/activities/{webinar.pk}/ways-in",
        {**ROOM, "url": "not a link", "priority": "loudest"},
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"url", "priority"}
    assert WayIn.objects.count() == 0


def test_a_partner_contact_is_refused_and_a_guessed_way_in_is_404(webinar, login, world):
    other = rooms.way_in_save(way_in=WayIn(activity=webinar), fields=STREAM)[0]
    assert (
        login(world.partner_contact).get(f"/api/v1/activities/{webinar.pk}/ways-in").status_code
        == 403
    )
    client = login(world.office)
    assert (
        client.patch(
            f"/api/v1/activities/{webinar.pk}/ways-in/{other.pk + 1000}",
            data="{}",
            content_type="application/json",
        ).status_code
        == 404
    )


def test_an_offer_is_accepted_with_its_token_once(webinar, client):
    services.registration_settings_save(activity=webinar, fields={"capacity": 1, "offer_hours": 24})
    first = _register(webinar, 0)
    _register(webinar, 1)
    services.registration_cancel(registration=first)
    offer = Offer.objects.get()

    accepted = client.post(f"/api/v1/offers/{offer.token}/accept")
    again = client.post(f"/api/v1/offers/{offer.token}/accept")

    assert accepted.json() == {"status": "accepted", "registration_status": "confirmed"}
    assert again.status_code == 409
    assert again.json()["detail"] == "You have already accepted this place."
    assert Registration.objects.get(email="zhang1@hospital.example.cn").status == "confirmed"


def test_the_organiser_lists_pending_offers(webinar, login, world):
    services.registration_settings_save(activity=webinar, fields={"capacity": 1, "offer_hours": 24})
    first = _register(webinar, 0)
    _register(webinar, 1)
    services.registration_cancel(registration=first)

    items = login(world.office).get(f"/api/v1/activities/{webinar.pk}/offers").json()["items"]

    assert [(o["email"], o["status"]) for o in items] == [("zhang1@hospital.example.cn", "pending")]


def test_openapi_document_lists_the_rooms_and_offers_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/activities/{activity_id}/ways-in": {"get", "post"},
        "/api/v1/activities/{activity_id}/ways-in/{way_in_id}": {"patch", "delete"},
        "/api/v1/activities/{activity_id}/assignments": {"get"},
        "/api/v1/activities/{activity_id}/offers": {"get"},
        "/api/v1/offers/{token}/accept": {"post"},
        "/api/v1/offers/{token}/decline": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
