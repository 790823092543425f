"""Queueing and sending email through the outbox (``OutboundEmail``).

``email_queue`` is what every feature calls; it never talks to the mail server itself, so
a request never waits on SMTP and a rolled-back change sends nothing: the email row and
its task are written in the caller's transaction.

Sending is claim → send → mark, each database step short so that no lock is held while
the mail server answers. A worker that dies mid-way leaves its row "sending"; the row is
taken over when its lease ends, or at once by the next worker started on the same machine
(``recover_interrupted``). The only moment a message can go out twice is a death between
the server's "250 OK" and the commit that follows it, a few hundred microseconds; the
Message-ID is the same on every attempt so that the receiving side can recognise it.
"""

import contextlib
import logging
import os
import secrets
import smtplib
import socket
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amity.core.background import enqueue_task, tasks_live_in_database
from amity.core.models import OutboundAttachment, OutboundEmail

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # filename, content, MIME type
UNFINISHED = [
    OutboundEmail.Status.QUEUED,
    OutboundEmail.Status.SENDING,
    OutboundEmail.Status.RETRYING,
]


def email_queue(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboundEmail:
    """Store an email (and its attachments) and its send task in the caller's transaction.
    Returns the stored row; its ``status`` is the delivery state to show."""
    email = OutboundEmail.objects.create(
        to=list(to),
        subject=subject.replace("\n", " ").strip(),
        body=body,
        html_body=html_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=list(reply_to or []),
    )
    if attachments:
        OutboundAttachment.objects.bulk_create(
            OutboundAttachment(email=email, filename=name, content=content, mimetype=mimetype)
            for name, content, mimetype in attachments
        )
    _enqueue_send(email.pk)
    return email


def _enqueue_send(email_id: int) -> None:
    from amity.core.tasks import send_email

    enqueue_task(send_email, email_id=email_id)


def retry_delay(attempt: int) -> timedelta:
    """Back off 30 s, 1 min, 2 min, … up to an hour between attempts (the first step is
    ``AMITY_EMAIL_RETRY_SECONDS``)."""
    first = settings.AMITY_EMAIL_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** max(attempt - 1, 0), 3600))


_START = secrets.token_hex(3)


def worker_id() -> str:
    """Who is sending: this machine, process and process start (a restarted container
    may reuse the process number)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{_START}"


def _claimable(now) -> Q:
    return Q(status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.RETRYING]) | Q(
        status=OutboundEmail.Status.SENDING, claimed_until__lt=now
    )


def _claim(email_id: int) -> OutboundEmail | None:
    now = timezone.now()
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(_claimable(now), pk=email_id)
        email = email.first()
        if email is None:
            return None
        email.status = OutboundEmail.Status.SENDING
        email.attempts += 1
        email.claimed_by = worker_id()
        email.claimed_until = now + timedelta(seconds=settings.AMITY_EMAIL_LEASE_SECONDS)
        email.save(update_fields=["status", "attempts", "claimed_by", "claimed_until"])
    return email


_connection = None
_connection_key = None


def _mail_connection():
    """One connection to the mail server per worker process, kept open between emails: no
    handshake per message, and the moment between the server's "250 OK" and our record of
    it is as short as it can be (no QUIT in between). Returns it and whether it was used
    before."""
    global _connection, _connection_key
    key = (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)
    if _connection is not None and key == _connection_key:
        return _connection, True
    _drop_mail_connection()
    _connection = get_connection()
    _connection.open()
    _connection_key = key
    return _connection, False


def _drop_mail_connection() -> None:
    global _connection
    if _connection is not None:
        with contextlib.suppress(Exception):  # the connection is being thrown away
            _connection.close()
        _connection = None


def _deliver(email: OutboundEmail) -> None:
    connection, reused = _mail_connection()
    try:
        _message(email, connection).send()
    except (smtplib.SMTPServerDisconnected, ConnectionError):
        _drop_mail_connection()
        if not reused:
            raise
        # The server closed a connection that sat idle: nothing was accepted; try afresh.
        connection, _ = _mail_connection()
        _message(email, connection).send()
    except Exception:
        _drop_mail_connection()
        raise


def _message(email: OutboundEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        connection=connection,
        subject=email.subject,
        body=email.body,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
        headers={"Message-ID": message_id(email)},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def email_send(*, email_id: int) -> OutboundEmail.Status | None:
    """Send one queued email.

    Returns the new status, or None when the row is gone, finished or being sent by a live
    worker. Raises the SMTP error after recording it, so that the caller can schedule a
    retry."""
    email = _claim(email_id)
    if email is None:
        return None
    try:
        _deliver(email)
    except Exception as exc:
        failure = exc
    else:
        OutboundEmail.objects.filter(pk=email.pk, claimed_by=email.claimed_by).update(
            status=OutboundEmail.Status.SENT,
            sent_at=timezone.now(),
            last_error="",
            claimed_until=None,
        )
        return OutboundEmail.Status.SENT
    final = email.attempts >= settings.AMITY_EMAIL_MAX_ATTEMPTS
    status = OutboundEmail.Status.FAILED if final else OutboundEmail.Status.RETRYING
    OutboundEmail.objects.filter(pk=email.pk, claimed_by=email.claimed_by).update(
        status=status, last_error=f"{type(failure).__name__}: {failure}"[:2000], claimed_until=None
    )
    logger.warning("Email %s attempt %s failed: %s", email.pk, email.attempts, failure)
    if final:
        return status
    raise failure


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(claimer: str) -> bool:
    """True when ``claimer`` was a process of this machine that is gone."""
    host, _, rest = claimer.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return start != _START  # our number, an earlier life
    return not _pid_alive(int(pid))


def recover_interrupted() -> dict[str, int]:
    """Put back the work of workers that died: emails left "sending" and tasks left
    "running" by a process of this machine that no longer exists, or whose lease ended.
    Safe to run at any time (every task is safe to run twice); ``amity worker`` runs it on
    start. Returns counts for the log."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    stale = now - timedelta(seconds=settings.AMITY_EMAIL_LEASE_SECONDS)
    emails = 0
    for email in OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING):
        if _dead_here(email.claimed_by) or (email.claimed_until and email.claimed_until < now):
            updated = OutboundEmail.objects.filter(
                pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_by=email.claimed_by
            ).update(status=OutboundEmail.Status.RETRYING, claimed_until=None)
            emails += updated
    tasks = 0
    if tasks_live_in_database():
        for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
            claimer = result.worker_ids[-1] if result.worker_ids else ""
            # Sending one email takes seconds: one running past the lease lost its worker.
            # Other tasks (a message to 10,000) may run long; only a dead worker frees them.
            overdue = (
                result.task_path == "amity.core.tasks.send_email"
                and result.started_at is not None
                and result.started_at < stale
            )
            if _dead_here(claimer) or overdue:
                tasks += DBTaskResult.objects.filter(
                    pk=result.pk, status=TaskResultStatus.RUNNING
                ).update(status=TaskResultStatus.READY, started_at=None)
    # An email whose task was lost with its worker gets a new one.
    pending = set(
        DBTaskResult.objects.filter(
            task_path="amity.core.tasks.send_email",
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).values_list("args_kwargs__kwargs__email_id", flat=True)
        if tasks_live_in_database()
        else []
    )
    unfinished = OutboundEmail.objects.filter(status__in=UNFINISHED).values_list("pk", flat=True)
    orphans = [email_id for email_id in unfinished if email_id not in pending]
    for email_id in orphans:
        _enqueue_send(email_id)
    return {"emails": emails, "tasks": tasks, "requeued": len(orphans)}


def message_id(email: OutboundEmail) -> str:
    """The same on every attempt at one email, different for every email ever queued
    (also across databases: the queueing time is part of it)."""
    stamp = int(email.created_at.timestamp() * 1_000_000)
    return f"<amity-{email.pk}.{stamp}@{_mail_domain()}>"


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
