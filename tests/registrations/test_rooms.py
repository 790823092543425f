"""Rooms and overflow: confirmed registrants are assigned the meeting room while it has
places, the livestream after; moving the room limit moves people and emails only them."""

import pytest
from django.test import Client

from amity.core.models import OutboundEmail
from amity.events.models import SessionSpeaker
from amity.registrations import rooms, services
from amity.registrations.mail import render
from amity.registrations.models import MessageKind, Registration, RegistrationEmail, WayIn
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _register(activity, n, **extra):
    fields = registrant(n, **extra)
    del fields["consent"]
    return services.registration_create(activity=activity, fields=fields).registration


def _ways(activity, *, capacity=3, **room_fields):
    room, _moved = rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "room",
            "platform": "Tencent Meeting",
            "url": "https://meeting.tencent.com/dm/room42",
            "capacity": capacity,
            "details": "Meeting ID 842 113 907",
            **room_fields,
        },
    )
    stream, _moved = rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "stream",
            "platform": "Hospital streaming server",
            "url": "https://live.zch.example.cn/webinar",
            "details": "Send questions in the chat beside the video.",
        },
    )
    return room, stream


def _where(activity) -> dict[str, str]:
    return {
        r.email.split("@")[0]: r.way_in.kind if r.way_in else None
        for r in Registration.objects.filter(activity=activity).select_related("way_in")
    }


def test_the_room_fills_first_and_the_rest_follow_the_livestream(webinar):
    """With a room for 3 and a livestream, the first 3 registrants get the room and the
    next 2 the livestream."""
    _ways(webinar)
    for n in range(5):
        _register(webinar, n)

    assert _where(webinar) == {
        "zhang0": "room",
        "zhang1": "room",
        "zhang2": "room",
        "zhang3": "stream",
        "zhang4": "stream",
    }


def test_raising_the_room_limit_moves_the_first_on_the_stream_in_and_emails_only_them(
    webinar, run_worker
):
    """Raising the limit from 3 to 4 moves zhang3 (first on the stream) into the room;
    only zhang3 is emailed, once, with the room's link in the email and its invitation."""
    _ways(webinar)
    for n in range(5):
        _register(webinar, n)
    run_worker()

    moved = rooms.room_limit_set(activity=webinar, capacity=4)
    run_worker()
    run_worker()

    assert moved == 1
    assert _where(webinar)["zhang3"] == "room"
    emails = RegistrationEmail.objects.filter(kind=MessageKind.WAY_IN).select_related(
        "registration", "email"
    )
    assert [e.registration.email for e in emails] == ["zhang3@hospital.example.cn"]
    body = emails[0].email.body
    assert "you now have a place in the meeting room" in body
    assert "https://meeting.tencent.com/dm/room42" in body
    assert "Meeting ID 842 113 907" in body


def test_lowering_the_room_limit_moves_the_last_in_to_the_stream_and_says_why(webinar):
    """Lowering the limit from 3 to 1 moves zhang1 and zhang2 to the livestream; their
    email says plainly why and how to ask questions, with the stream's link."""
    _ways(webinar)
    for n in range(3):
        _register(webinar, n)

    moved = rooms.room_limit_set(activity=webinar, capacity=1)

    assert moved == 2
    assert _where(webinar) == {"zhang0": "room", "zhang1": "stream", "zhang2": "stream"}
    zhang2 = Registration.objects.get(email="zhang2@hospital.example.cn")
    subject, body, attachments = render(zhang2, MessageKind.WAY_IN, key="x")
    assert subject == "Your link to take part has changed: Paediatric Endocrinology Webinar"
    assert "More people registered than the meeting room holds" in body
    assert "Watch here: https://live.zch.example.cn/webinar" in body
    assert "To ask a question: Send questions in the chat beside the video." in body
    calendar = attachments[0][1].decode().replace("\r\n ", "")
    assert "LOCATION:https://live.zch.example.cn/webinar" in calendar
    assert "room42" not in calendar


def test_speakers_and_invited_institutions_get_the_room_before_first_come(webinar, world):
    """Under the standard priority a speaker who registers last still gets the room,
    then people of an invited institution; the latest first-come person moves out."""
    session = webinar.sessions.get()
    world.rehab_colleague.email = "zhao.min@zch.example.cn"
    world.rehab_colleague.save()
    SessionSpeaker.objects.create(session=session, person=world.rehab_colleague)
    _ways(webinar, capacity=2, invited_institutions="Wuhan Children's Hospital")
    _register(webinar, 0)
    _register(webinar, 1)
    _register(webinar, 2, institution="Wuhan Children's Hospital")
    _register(webinar, 3, email="zhao.min@zch.example.cn")

    assert _where(webinar) == {
        "zhang0": "stream",
        "zhang1": "stream",
        "zhang2": "room",
        "zhao.min": "room",
    }


def test_cancelling_in_the_room_moves_the_first_on_the_stream_in(webinar):
    _ways(webinar, capacity=2)
    first = _register(webinar, 0)
    for n in range(1, 4):
        _register(webinar, n)

    services.registration_cancel(registration=first)

    assert _where(webinar) == {
        "zhang0": None,
        "zhang1": "room",
        "zhang2": "room",
        "zhang3": "stream",
    }


def test_the_confirmation_carries_the_persons_own_link(webinar):
    """The confirmation of someone on the livestream has the stream's link, not the
    activity's meeting link, in the email and in its calendar invitation."""
    _ways(webinar, capacity=1)
    _register(webinar, 0)
    second = _register(webinar, 1)

    _subject, body, attachments = render(second, MessageKind.CONFIRMATION)

    assert "Watch here: https://live.zch.example.cn/webinar" in body
    assert webinar.video_url not in body
    calendar = attachments[0][1].decode().replace("\r\n ", "")
    assert "Hospital streaming server: https://live.zch.example.cn/webinar" in calendar


def test_changing_the_limit_twice_emails_each_person_once_per_change_and_not_stale(
    webinar, run_worker
):
    """Down to 1 and back to 3 before any worker ran: zhang1 and zhang2 moved twice;
    only the email of where they are now goes out (the earlier one is stale)."""
    _ways(webinar)
    for n in range(3):
        _register(webinar, n)
    run_worker()

    rooms.room_limit_set(activity=webinar, capacity=1)
    rooms.room_limit_set(activity=webinar, capacity=3)
    run_worker()

    sent = OutboundEmail.objects.filter(subject__startswith="Your link to take part has changed")
    assert sorted(e.to[0] for e in sent) == [
        "zhang1@hospital.example.cn",
        "zhang2@hospital.example.cn",
    ]
    assert all("you now have a place in the meeting room" in e.body for e in sent)


def test_a_second_room_is_refused(webinar):
    from django.core.exceptions import ValidationError

    _ways(webinar)
    with pytest.raises(ValidationError):
        rooms.way_in_save(
            way_in=WayIn(activity=webinar),
            fields={"kind": "room", "platform": "Zoom", "url": "https://zoom.us/j/1"},
        )
    assert WayIn.objects.filter(activity=webinar, kind="room").count() == 1


def test_the_demo_webinar_has_a_room_a_livestream_and_the_workshop_a_pending_offer():
    """The demo's webinar: a Tencent Meeting room for 150 and the hospital's livestream,
    the registrants beyond 150 on the stream; the workshop has one offer pending."""
    from django.core.management import call_command

    from amity.registrations.demo import WEBINAR, WORKSHOP
    from amity.registrations.models import Offer

    call_command("load_demo", people=0, verbosity=0)

    webinar = Registration.objects.filter(activity__title=WEBINAR, status="confirmed")
    ways = WayIn.objects.filter(activity__title=WEBINAR).order_by("position", "pk")
    assert [(w.kind, w.platform) for w in ways] == [
        ("room", "Tencent Meeting"),
        ("stream", "Hospital streaming server"),
        ("stream", "WeChat Channels (视频号)"),
    ]
    assert webinar.filter(way_in__kind="room").count() == 150
    assert webinar.filter(way_in__kind="stream").count() == webinar.count() - 150 > 0
    assert webinar.filter(way_in__kind="stream").first().way_in.platform == (
        "Hospital streaming server"
    )
    (offer,) = Offer.objects.filter(activity__title=WORKSHOP, status="pending")
    assert offer.registration.status == "waiting"


def test_the_reminder_and_the_calendar_download_carry_the_persons_own_link(webinar):
    _ways(webinar, capacity=1)
    _register(webinar, 0)
    on_stream = _register(webinar, 1)

    _subject, body, _attachments = render(
        on_stream, MessageKind.REMINDER, session=webinar.sessions.get()
    )
    calendar = Client().get(on_stream.get_absolute_url() + "calendar.ics")

    assert "Watch here: https://live.zch.example.cn/webinar" in body
    unfolded = calendar.content.decode().replace("\r\n ", "")
    assert "LOCATION:https://live.zch.example.cn/webinar" in unfolded
    assert "room42" not in unfolded


def test_the_ways_in_page_is_the_organisers_only(webinar, login, world):
    """Office staff see the page with the counts; a partner contact, who sees the public
    activity, is refused (403); someone logged out is sent to log in."""
    _ways(webinar, capacity=1)
    _register(webinar, 0)
    _register(webinar, 1)
    url = f"/activities/{webinar.pk}/ways-in/"

    page = login(world.office).get(url)
    refused = login(world.partner_contact).get(url)
    anonymous = login(None).get(url)

    assert page.status_code == 200
    assert "Tencent Meeting" in page.text and "Hospital streaming server" in page.text
    assert refused.status_code == 403
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_bad_way_in_on_the_page_saves_nothing_and_says_why(webinar, login, world):
    response = login(world.office).post(
        f"/activities/{webinar.pk}/ways-in/",
        {
            "save": "1",
            "kind": "room",
            "platform": "Zoom",
            "url": "no link",
            "priority": "standard",
            "position": "0",
        },
    )

    assert response.status_code == 422
    assert "Enter a valid URL." in response.text
    assert WayIn.objects.count() == 0


def test_the_organisers_export_names_each_persons_way_in(webinar, login, world):
    """The registrants' CSV says who is in the room and who follows the livestream, in
    the organiser's language."""
    import csv
    import io

    _ways(webinar, capacity=1)
    _register(webinar, 0)
    _register(webinar, 1)

    body = login(world.office).get(f"/activities/{webinar.pk}/registrants.csv").content
    table = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))

    assert {row["Email"].split("@")[0]: row["Way to take part"] for row in table} == {
        "zhang0": "Meeting room: Tencent Meeting",
        "zhang1": "Livestream: Hospital streaming server",
    }
