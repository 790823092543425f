"""Reminders before each session (by default 24 h and 1 h), sent by background workers.

A reminder task is queued for each session and offset to run at its time; when it runs it
first checks that the session still starts when it did (a moved session has queued its
own), then emails each confirmed registrant who has not had this reminder."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from amity.events.models import Session, SessionStatus
from amity.registrations.mail import registration_email_queue
from amity.registrations.models import MessageKind, Registration, RegistrationSettings


def _key(session: Session, minutes: int) -> str:
    return f"{session.pk}:{minutes}:{session.starts_at.isoformat()}"


def reminders_schedule_session(*, session: Session) -> int:
    """Queue this session's reminders that are still in the future. Returns how many."""
    from amity.registrations.tasks import send_reminders

    settings_row = RegistrationSettings.objects.filter(activity_id=session.activity_id).first()
    if settings_row is None or session.status == SessionStatus.CANCELLED:
        return 0
    now = timezone.now()
    starts_at = session.starts_at.isoformat()
    queued = 0
    for minutes in settings_row.reminder_minutes:
        due = session.starts_at - timedelta(minutes=minutes)
        if due <= now or _already_queued(session.pk, minutes, starts_at):
            continue
        send_reminders.using(run_after=due).enqueue(
            session_id=session.pk, minutes=minutes, starts_at=starts_at
        )
        queued += 1
    return queued


def _already_queued(session_id: int, minutes: int, starts_at: str) -> bool:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="amity.registrations.tasks.send_reminders",
        status=TaskResultStatus.READY,
        args_kwargs__kwargs__session_id=session_id,
        args_kwargs__kwargs__minutes=minutes,
        args_kwargs__kwargs__starts_at=starts_at,
    ).exists()


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
