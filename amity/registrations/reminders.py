"""Reminders before each session (by default 24 h and 1 h), sent by background workers.

A reminder task is queued once for each session, offset and start (a ``ScheduledReminder``
row, written with it, says so) to run at its time; when it runs it
first checks that the session still starts when it did (a moved session has queued its
own), then emails each confirmed registrant who has not had this reminder.

Sessions reach this module through ``amity.events.signals.sessions_changed``, which the
events services send for every session added (one, a series, a planned call), moved,
cancelled or restored; ``reminders_follow_sessions`` is its receiver."""

from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from amity.core.background import enqueue_task
from amity.events.models import Session, SessionStatus
from amity.events.signals import SessionChange
from amity.registrations.mail import registration_email_queue
from amity.registrations.models import (
    MessageKind,
    Registration,
    RegistrationSettings,
    ScheduledReminder,
)


def _key(session: Session, minutes: int) -> str:
    return f"{session.pk}:{minutes}:{session.starts_at.isoformat()}"


def reminders_schedule_session(*, session: Session) -> int:
    """Queue this session's reminders that are still in the future. Returns how many."""
    settings_row = RegistrationSettings.objects.filter(activity_id=session.activity_id).first()
    return _schedule(session, settings_row)


def _schedule(session: Session, settings_row: RegistrationSettings | None) -> int:
    """Queue the session's reminders still ahead that are not queued yet for its present
    start. The row that says a reminder is queued and its task commit together."""
    if settings_row is None or session.status == SessionStatus.CANCELLED:
        return 0
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        for minutes in settings_row.reminder_minutes:
            due = session.starts_at - timedelta(minutes=minutes)
            if due <= now:
                continue
            _, new = ScheduledReminder.objects.get_or_create(
                session=session, minutes=minutes, starts_at=session.starts_at
            )
            if not new:
                continue
            enqueue_task(
                "registrations.send_reminders",
                run_after=due,
                session_id=session.pk,
                minutes=minutes,
                starts_at=session.starts_at.isoformat(),
            )
            queued += 1
    return queued


def reminders_follow_sessions(
    sender, *, change: SessionChange, sessions: Sequence[Session], **kwargs
) -> int:
    """Receiver of ``sessions_changed``: an added, moved or restored session gets the
    reminders still ahead of it (none twice). A cancelled one gets none, and those already
    queued for it send nothing when they come due (``reminders_send`` checks the session
    then). Activities without registration cost one query. Returns how many were queued."""
    if change == SessionChange.CANCELLED or not sessions:
        return 0
    rows = {
        row.activity_id: row
        for row in RegistrationSettings.objects.filter(
            activity_id__in={s.activity_id for s in sessions}
        )
    }
    if not rows:
        return 0
    with transaction.atomic():
        return sum(_schedule(session, rows.get(session.activity_id)) for session in sessions)


def reminders_schedule(*, activity_id: int) -> int:
    sessions = Session.objects.filter(activity_id=activity_id, starts_at__gt=timezone.now())
    with transaction.atomic():
        return sum(reminders_schedule_session(session=s) for s in sessions)


def reminders_send(*, session_id: int, minutes: int, starts_at: str) -> int:
    """Email the reminder to every confirmed registrant not yet reminded. Safe to run
    twice; does nothing when the session moved or was cancelled. Returns how many were
    queued now."""
    session = Session.objects.select_related("activity").filter(pk=session_id).first()
    settings_row = (
        RegistrationSettings.objects.filter(activity_id=session.activity_id).first()
        if session
        else None
    )
    if (
        session is None
        or settings_row is None
        or minutes not in settings_row.reminder_minutes
        or session.status == SessionStatus.CANCELLED
        or session.starts_at.isoformat() != starts_at
    ):
        return 0
    key = _key(session, minutes)
    ids = (
        Registration.objects.filter(activity_id=session.activity_id)
        .confirmed()
        .exclude(emails__kind=MessageKind.REMINDER, emails__key=key)
        .values_list("pk", flat=True)
    )
    return sum(
        registration_email_queue(
            registration_id=pk, kind=MessageKind.REMINDER, key=key, session=session
        )
        for pk in list(ids)
    )
