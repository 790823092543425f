"""The organiser lowers the room's limit and a person moved to the livestream finds their
new link on their own page; an offered place expires and passes on, the next person's
offer arriving through a real SMTP server and accepted in the browser."""

import re
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from amity.events import services as event_services
from amity.events import timing
from amity.registrations import rooms, services
from amity.registrations.models import Offer, Registration, WayIn
from tests.conftest import PASSWORD
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)

LECTURE = "Remote International Classroom: Growth Disorders"


def _log_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def lecture_with_room(world):
    """Four places (offered for 24 hours when freed), all taken by zhang0–zhang3;
    zhang4 and zhang5 wait. A Tencent Meeting room for 3 and a livestream."""
    activity = event_services.activity_create(
        fields={
            "title": LECTURE,
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(
        activity=activity, fields={"capacity": 4, "offer_hours": 24}
    )
    rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "room",
            "platform": "Tencent Meeting",
            "url": "https://meeting.tencent.com/dm/classroom",
            "capacity": 3,
        },
    )
    rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "stream",
            "platform": "Hospital streaming server",
            "url": "https://live.zch.example.cn/classroom",
            "details": "Send your question in the chat beside the video.",
        },
    )
    for n in range(6):
        fields = registrant(n)
        del fields["consent"]
        services.registration_create(activity=activity, fields=fields)
    return activity


def _messages(smtp_server, subject_start: str, to: str) -> list:
    return [
        m
        for m in smtp_server.messages
        if m["Subject"].strip().startswith(subject_start) and to in m["To"]
    ]


def _link(message, pattern: str) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(pattern, body).group(0)


def test_lowering_the_room_limit_and_an_offer_passing_on(
    world, lecture_with_room, browser, live_server, smtp_server, run_worker, settings
):
    settings.AMITY_SITE_URL = live_server.url
    activity = lecture_with_room
    run_worker()
    run_worker()
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # The organiser lowers the room's limit from 3 to 2.
        _log_in(page, world.office)
        page.goto(f"/activities/{activity.pk}/registrants/")
        page.get_by_test_id("ways-in-link").click()
        expect(page.get_by_test_id("way-in-room").get_by_test_id("people")).to_have_text("3")
        page.get_by_test_id("way-in-room").get_by_role("link", name="Change").click()
        page.get_by_label("Room limit").fill("2")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("Saved. 1 people changed way in")
        expect(page.get_by_test_id("way-in-room").get_by_test_id("people")).to_have_text("2")
        expect(page.get_by_test_id("way-in-stream").get_by_test_id("people")).to_have_text("2")

        # zhang2, the last into the room, is moved and told; their page shows the stream.
        run_worker()
        run_worker()
        (moved,) = _messages(smtp_server, "Your link to take part has changed", "zhang2@")
        assert [m["To"] for m in smtp_server.messages if "has changed" in m["Subject"]] == [
            "zhang2@hospital.example.cn"
        ]
        page.goto(_link(moved, r"http://\S+/registration/\S+/"))
        expect(page.get_by_test_id("way-in")).to_contain_text(
            "Your way to take part: the livestream"
        )
        expect(page.get_by_test_id("join-url")).to_have_text(
            "https://live.zch.example.cn/classroom"
        )
        expect(page.get_by_test_id("way-in")).to_contain_text(
            "Send your question in the chat beside the video."
        )

        # zhang0 cancels: zhang4 is offered the place, does not answer, and it passes on.
        services.registration_cancel(
            registration=Registration.objects.get(email="zhang0@hospital.example.cn")
        )
        Offer.objects.filter(status="pending").update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        call_command("expire_offers", verbosity=0)
        run_worker()
        run_worker()
        (offered,) = _messages(smtp_server, "A place is free for you", "zhang5@")
        assert _messages(smtp_server, "The place offered to you has passed on", "zhang4@")

        page.goto(_link(offered, r"http://\S+/offers/\S+/"))
        expect(page.get_by_test_id("offer-status")).to_have_text("Waiting for an answer")
        page.get_by_role("button", name="Accept the place").click()
        expect(page.get_by_role("status")).to_contain_text("The place is yours.")
        expect(page.get_by_test_id("status")).to_have_text("Confirmed")
        # The room has 2 places, both taken: zhang5 follows the livestream.
        expect(page.get_by_test_id("join-url")).to_have_text(
            "https://live.zch.example.cn/classroom"
        )

        # The organiser's page no longer lists a pending offer.
        page.goto(f"/activities/{activity.pk}/ways-in/")
        expect(page.get_by_test_id("pending-offers")).to_contain_text(
            "No offer is waiting for an answer."
        )
    finally:
        context.close()
