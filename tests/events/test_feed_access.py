"""Feeds are cached, but never past a change of who may see what: someone added to an
invited activity finds it in their personal feed and in the department feed read with
their key at the next fetch, someone removed no longer does, and an activity made
private leaves the public feed at once."""

from datetime import datetime

import icalendar
import pytest

from amity.events import services, timing
from amity.events.models import ParticipantRole

pytestmark = pytest.mark.django_db


def _titles(response) -> set[str]:
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


@pytest.fixture
def board(world):
    """An invited-only meeting of the rehabilitation department, one session."""
    activity = services.activity_create(
        fields={
            "title": "Rehabilitation case board",
            "kind": "call",
            "status": "confirmed",
            "visibility": "invited",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 5, 6, 9, 0), "Asia/Shanghai"),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )
    return activity


def test_personal_feed_follows_participation_at_once(world, client, cicu, board):
    """A cardiologist added to the rehabilitation board sees it in their personal feed at
    the next fetch; removed, it is gone at the next fetch."""
    token = services.calendar_token_renew(user=world.staff)
    url = f"/calendar/personal/{token.key}.ics"
    assert _titles(client.get(url)) == {"CICU Response weekly call"}

    services.participant_add(
        activity=board, person=world.staff.person, role=ParticipantRole.PARTICIPANT
    )
    assert _titles(client.get(url)) == {"CICU Response weekly call", "Rehabilitation case board"}

    services.participant_remove(activity=board, person=world.staff.person)
    assert _titles(client.get(url)) == {"CICU Response weekly call"}


def test_personal_feed_follows_a_speaker_added(world, client, cicu, board):
    """Speaking at one session of an invited activity puts it in the speaker's feed."""
    token = services.calendar_token_renew(user=world.staff)
    url = f"/calendar/personal/{token.key}.ics"
    assert _titles(client.get(url)) == {"CICU Response weekly call"}

    services.speaker_add(session=board.sessions.get(), person=world.staff.person, role="speaker")

    assert _titles(client.get(url)) == {"CICU Response weekly call", "Rehabilitation case board"}


def test_department_feed_with_a_key_follows_participation(world, client, board):
    """The rehabilitation feed read with a cardiologist's key shows the invited board only
    while they take part in it."""
    token = services.calendar_token_renew(user=world.staff)
    url = f"/calendar/department/rehabilitation.ics?key={token.key}"
    assert _titles(client.get(url)) == set()

    services.participant_add(
        activity=board, person=world.staff.person, role=ParticipantRole.PARTICIPANT
    )
    assert _titles(client.get(url)) == {"Rehabilitation case board"}

    services.participant_remove(activity=board, person=world.staff.person)
    assert _titles(client.get(url)) == set()


def test_public_feed_drops_an_activity_made_private(world, client, lecture):
    """A public lecture made invited-only leaves the public and the department feeds at the
    next fetch."""
    assert _titles(client.get("/calendar/public.ics")) == {"Remote International Classroom"}
    department = "/calendar/department/rehabilitation.ics"
    assert _titles(client.get(department)) == {"Remote International Classroom"}

    services.activity_update(activity=lecture, fields={"visibility": "invited"})

    assert _titles(client.get("/calendar/public.ics")) == set()
    assert _titles(client.get(department)) == set()


def test_personal_feed_follows_a_coordinator_moving_department(world, client, board):
    """A coordinator's feed holds their department's activities: moved to cardiology, the
    rehabilitation board leaves their feed at the next fetch."""
    token = services.calendar_token_renew(user=world.coordinator)
    url = f"/calendar/personal/{token.key}.ics"
    assert _titles(client.get(url)) == {"Rehabilitation case board"}

    person = world.coordinator.person
    person.department = world.cardiology
    person.save()

    assert _titles(client.get(url)) == set()
