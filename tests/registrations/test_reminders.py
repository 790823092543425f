"""Registrants' reminders follow every way sessions are added, moved or cancelled: one
session, a series, the call planner's accepted plan (all created in bulk), a move and a
cancellation. Each session gets one reminder 24 hours and one 1 hour before it, queued to
run at that time; a moved session's old reminders send nothing, and a cancelled session's
reminders send nothing."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from amity.events import services as event_services
from amity.events import timing
from amity.events.signals import SessionChange
from amity.registrations import services
from amity.registrations.models import MessageKind, RegistrationEmail, ScheduledReminder
from amity.registrations.reminders import reminders_follow_sessions, reminders_send
from amity.scheduling import planner
from amity.scheduling import services as scheduling_services
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def with_registrants(webinar):
    """The webinar (one session, 17 April 2027 08:00 Hangzhou) with two confirmed
    registrants."""
    for n in (1, 2):
        fields = registrant(n)
        del fields["consent"]
        services.registration_create(activity=webinar, fields=fields)
    return webinar


def _local(instant: datetime) -> str:
    return f"{instant.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def _queued() -> list[tuple[str, int, str]]:
    """Every reminder waiting to run: (when it runs, in Hangzhou; minutes before; the
    session start it was queued for, in Hangzhou)."""
    rows = DBTaskResult.objects.filter(
        task_path="amity.registrations.tasks.send_reminders", status=TaskResultStatus.READY
    )
    return sorted(
        (
            _local(row.run_after),
            row.args_kwargs["kwargs"]["minutes"],
            _local(datetime.fromisoformat(row.args_kwargs["kwargs"]["starts_at"])),
        )
        for row in rows
    )


FIRST_SESSION = [
    ("2027-04-16 08:00", 1440, "2027-04-17 08:00"),
    ("2027-04-17 07:00", 60, "2027-04-17 08:00"),
]


def test_reminders_one_added_session_gets_its_two(with_registrants):
    """Adding one session queues its 24-hour and 1-hour reminders."""
    assert _queued() == FIRST_SESSION

    event_services.session_create(
        activity=with_registrants,
        starts_at=timing.resolve_local(datetime(2027, 5, 15, 8, 0), "Asia/Shanghai"),
        duration_minutes=60,
        time_zone="Asia/Shanghai",
    )

    assert _queued() == FIRST_SESSION + [
        ("2027-05-14 08:00", 1440, "2027-05-15 08:00"),
        ("2027-05-15 07:00", 60, "2027-05-15 08:00"),
    ]


def test_reminders_a_weekly_series_of_four_gets_eight(with_registrants):
    """A weekly series of 4 (created in bulk) queues two reminders for each session."""
    event_services.series_create(
        activity=with_registrants,
        start_date=date(2027, 5, 5),
        start_time=time(20, 0),
        time_zone="Asia/Shanghai",
        rrule="FREQ=WEEKLY;COUNT=4",
        duration_minutes=60,
    )

    assert _queued() == FIRST_SESSION + [
        ("2027-05-04 20:00", 1440, "2027-05-05 20:00"),
        ("2027-05-05 19:00", 60, "2027-05-05 20:00"),
        ("2027-05-11 20:00", 1440, "2027-05-12 20:00"),
        ("2027-05-12 19:00", 60, "2027-05-12 20:00"),
        ("2027-05-18 20:00", 1440, "2027-05-19 20:00"),
        ("2027-05-19 19:00", 60, "2027-05-19 20:00"),
        ("2027-05-25 20:00", 1440, "2027-05-26 20:00"),
        ("2027-05-26 19:00", 60, "2027-05-26 20:00"),
    ]


def test_reminders_the_planners_three_accepted_sessions_get_six(with_registrants):
    """Accepting a call plan of 3 weeks (sessions created in bulk) queues two reminders
    for each planned session."""
    problem = planner.Problem(
        sites=(
            planner.Site(name="Hangzhou", zone="Asia/Shanghai"),
            planner.Site(name="London", zone="Europe/London"),
        ),
        meeting_minutes=60,
        first_date=date(2027, 5, 5),
        weeks=3,
        allowed_weekdays=frozenset({2}),
    )
    plan = planner.solve_fast(problem, time_limit=1.0)

    scheduling_services.plan_accept(activity=with_registrants, plan=plan)

    local = [start.astimezone(SHANGHAI) for start in plan.starts]
    assert len(local) == 3
    assert _queued() == FIRST_SESSION + sorted(
        (f"{start - before:%Y-%m-%d %H:%M}", minutes, f"{start:%Y-%m-%d %H:%M}")
        for start in local
        for before, minutes in ((timedelta(hours=24), 1440), (timedelta(hours=1), 60))
    )


def test_reminders_follow_a_moved_session(with_registrants):
    """Moving a session queues its reminders at the new time; the ones queued for the old
    time send nothing, the new ones reach both registrants."""
    session = with_registrants.sessions.get()
    old_start = session.starts_at.isoformat()

    event_services.session_move(
        session=session,
        starts_at=timing.resolve_local(datetime(2027, 4, 18, 14, 0), "Asia/Shanghai"),
    )

    assert _queued() == FIRST_SESSION + [
        ("2027-04-17 14:00", 1440, "2027-04-18 14:00"),
        ("2027-04-18 13:00", 60, "2027-04-18 14:00"),
    ]
    session.refresh_from_db()
    assert reminders_send(session_id=session.pk, minutes=1440, starts_at=old_start) == 0
    new_start = session.starts_at.isoformat()
    assert reminders_send(session_id=session.pk, minutes=1440, starts_at=new_start) == 2


def test_reminders_of_a_cancelled_session_are_dropped(with_registrants):
    """Cancelling a session queues nothing, and its reminders already queued send nothing
    when they come due; restored, it gets them back without duplicates."""
    session = with_registrants.sessions.get()

    event_services.session_cancel(session=session)

    assert _queued() == FIRST_SESSION
    for minutes in (1440, 60):
        sent = reminders_send(
            session_id=session.pk, minutes=minutes, starts_at=session.starts_at.isoformat()
        )
        assert sent == 0
    assert RegistrationEmail.objects.filter(kind=MessageKind.REMINDER).count() == 0

    event_services.session_restore(session=session)

    assert _queued() == FIRST_SESSION
    start = session.starts_at.isoformat()
    assert reminders_send(session_id=session.pk, minutes=60, starts_at=start) == 2


def test_reminders_are_queued_once_even_when_the_task_table_is_emptied(with_registrants):
    """Amity remembers in its own rows which reminders it queued: a session announced
    again after the task framework pruned its table queues nothing twice; a new start does
    get its own."""
    session = with_registrants.sessions.get()
    DBTaskResult.objects.all().delete()

    again = reminders_follow_sessions(None, change=SessionChange.ADDED, sessions=[session])

    assert (again, _queued()) == (0, [])
    assert sorted((r.minutes, _local(r.starts_at)) for r in ScheduledReminder.objects.all()) == [
        (60, "2027-04-17 08:00"),
        (1440, "2027-04-17 08:00"),
    ]
