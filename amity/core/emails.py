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
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amity.core.background import (
    dead_here,
    enqueue_task,
    lease_length,
    recover_tasks,
    worker_id,
)
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
    delivered_at: datetime | None = None,
) -> OutboundEmail:
    """Store an email (and its attachments) and its send task in the caller's transaction.
    Returns the stored row; its ``status`` is the delivery state to show.

    ``delivered_at`` records an email that went out before Amity kept it (history being
    imported): it is stored as sent at that time and never queued."""
    email = OutboundEmail.objects.create(
        to=list(to),
        subject=subject.replace("\n", " ").strip(),
        body=body,
        html_body=html_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=list(reply_to or []),
        **(
            {
                "status": OutboundEmail.Status.SENT,
                "attempts": 1,
                "created_at": delivered_at,
                "sent_at": delivered_at,
            }
            if delivered_at is not None
            else {}
        ),
    )
    if attachments:
        OutboundAttachment.objects.bulk_create(
            OutboundAttachment(email=email, filename=name, content=content, mimetype=mimetype)
            for name, content, mimetype in attachments
        )
    if delivered_at is None:
        _enqueue_send(email.pk)
    return email


def _enqueue_send(email_id: int) -> None:
    enqueue_task("core.send_email", email_id=email_id)


def retry_delay(attempt: int) -> timedelta:
    """Back off 30 s, 1 min, 2 min, … up to an hour between attempts (the first step is
    ``AMITY_EMAIL_RETRY_SECONDS``)."""
    first = settings.AMITY_EMAIL_RETRY_SECONDS
    return timedelta(seconds=min(first * 2 ** max(attempt - 1, 0), 3600))


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


def recover_interrupted() -> dict[str, int]:
    """Put back the work of workers that died: emails left "sending" by a process of this
    machine that no longer exists, or whose lease ended, and tasks whose worker is gone
    (``amity.core.background.recover_tasks``). Safe to run at any time (every task is safe
    to run twice); ``amity worker`` runs it on start and every lease period. Returns counts
    for the log."""
    now = timezone.now()
    emails = 0
    for email in OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING):
        if dead_here(email.claimed_by) or (email.claimed_until and email.claimed_until < now):
            emails += OutboundEmail.objects.filter(
                pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_by=email.claimed_by
            ).update(status=OutboundEmail.Status.RETRYING, claimed_until=None)
    tasks = recover_tasks()
    # A worker that died after taking a send task and before writing its lease leaves an
    # email queued with no task: one still queued a lease after it was written gets a new
    # one (sending claims the row first, so a second task for it sends nothing twice).
    stale = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, created_at__lt=now - lease_length()
    ).values_list("pk", flat=True)
    requeued = 0
    for email_id in stale:
        _enqueue_send(email_id)
        requeued += 1
    return {"emails": emails, "tasks": tasks, "requeued": requeued}


def message_id(email: OutboundEmail) -> str:
    """The same on every attempt at one email, different for every email ever queued
    (also across databases: the queueing time is part of it)."""
    stamp = int(email.created_at.timestamp() * 1_000_000)
    return f"<amity-{email.pk}.{stamp}@{_mail_domain()}>"


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
