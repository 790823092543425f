"""Order comes from the database, not from the clock of the server that wrote: a server
whose clock is 5 s behind (time-machine moves this process's clock, not the database's)
neither puts a later registrant ahead on the waiting list nor hides a change from the
feeds, and a personal feed never answers 304 to a body it no longer serves."""

import hashlib
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.utils import timezone

from amity.core.clock import counter_bump, counter_value, database_now
from amity.events import services as event_services
from amity.events.models import ParticipantRole
from amity.registrations import services
from amity.registrations.selectors import waiting_position
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _slow_server():
    """This process's clock set 5 s behind the real one (the database's is untouched)."""
    return time_machine.travel(timezone.now() - timedelta(seconds=5), tick=True)


def test_database_clock_is_not_the_servers_clock():
    """The clock the order is read from is the database's: 5 s ahead of a slow server."""
    with _slow_server():
        gap = database_now() - timezone.now()
    assert timedelta(seconds=4) < gap < timedelta(seconds=6)


def test_shared_counter_counts_every_bump_in_order():
    assert counter_value("test:bumps") == 0
    assert [counter_bump("test:bumps") for _ in range(3)] == [1, 2, 3]
    assert counter_bump("test:bumps", by=10) == 13
    assert counter_value("test:bumps") == 13


@pytest.fixture
def full_webinar(lecture):
    """The lecture with one place, taken."""
    services.registration_settings_save(activity=lecture, fields={"capacity": 1})
    services.registration_create(activity=lecture, fields=registrant(0))
    return lecture


@pytest.fixture
def forum(world):
    """A second public activity, with a session."""
    activity = event_services.activity_create(
        fields={
            "title": "PDA Management Forum",
            "kind": "forum",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timezone.now() + timedelta(days=30),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    return activity


def test_waiting_list_keeps_true_order_when_the_later_registrant_used_a_slow_server(
    full_webinar,
):
    """Li registers on the normal server, then Wang on the server 5 s behind: Li is first
    on the waiting list and Wang second, and the place freed goes to Li."""
    li = services.registration_create(activity=full_webinar, fields=registrant(1)).registration
    with _slow_server():
        wang = services.registration_create(
            activity=full_webinar, fields=registrant(2)
        ).registration
    li.refresh_from_db()
    wang.refresh_from_db()

    assert (waiting_position(li), waiting_position(wang)) == (1, 2)
    assert li.queued_at < wang.queued_at

    first = full_webinar.registrations.get(email=registrant(0)["email"])
    services.registration_cancel(registration=first)
    li.refresh_from_db()
    wang.refresh_from_db()
    assert (li.status, wang.status) == ("confirmed", "waiting")
    assert waiting_position(wang) == 1


def _summaries(body: bytes) -> set[str]:
    return {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_title_changed_on_a_slow_server_shows_in_the_feed_at_once(client, lecture, forum):
    """The forum was changed a moment ago on a normal server; the lecture's title is then
    changed on the server 5 s behind. The public feed shows the new title at once, under
    a new ETag, and a client holding the old body gets the new one, not 304."""
    event_services.activity_update(activity=forum, fields={"description": "Agenda updated."})
    old = client.get("/calendar/public.ics")
    assert "Remote International Classroom" in _summaries(old.content)

    with _slow_server():
        event_services.activity_update(
            activity=lecture, fields={"title": "Remote International Classroom: insulin pumps"}
        )

    new = client.get("/calendar/public.ics", headers={"if-none-match": old["ETag"]})
    assert new.status_code == 200
    assert "Remote International Classroom: insulin pumps" in _summaries(new.content)
    assert new["ETag"] != old["ETag"]


def test_personal_feed_etag_is_the_hash_of_its_body_and_moves_with_a_participant(
    world, client, cicu, lecture
):
    """The ETag names the body served: the same body, the same ETag (304 to a client that
    holds it); a participant added changes both, so the old ETag gets the new body."""
    event_services.activity_update(activity=lecture, fields={"visibility": "invited"})
    token = event_services.calendar_token_renew(user=world.staff)
    url = f"/calendar/personal/{token.key}.ics"
    first = client.get(url)
    assert _summaries(first.content) == {"CICU Response weekly call"}
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304

    with _slow_server():
        event_services.participant_add(
            activity=lecture, person=world.staff.person, role=ParticipantRole.PARTICIPANT
        )

    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert _summaries(again.content) == {
        "CICU Response weekly call",
        "Remote International Classroom",
    }
    assert again["ETag"] == f'"{hashlib.sha1(again.content, usedforsecurity=False).hexdigest()}"'
