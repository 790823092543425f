"""Queueing and sending email through the outbox (``OutboundEmail``).

``email_queue`` is what every feature calls; it never talks to the mail server itself, so
a request never waits on SMTP and a rolled-back change sends nothing: the email row and
its task are written in the caller's transaction.

Sending is claim → send (noting) → mark. The claim and the mark are short database steps
of their own, so no lock is held while the mail server answers. The notes go to the
worker's journal (``amity.core.worker_journal``), a file of its own that no other writer
can delay: the moment the message's last byte is handed to the system, and the server's
answer (``amity.core.mail_client``), both before the database write that may wait for a
lock. A worker that dies mid-way leaves its row "sending"; the next worker started on the
same machine (at once) or any worker once the lease ends (``recover_interrupted``) records
as sent what the dead worker's journal says went out, and sends again only the rest.
Before sending an email that was tried before, a worker also asks the journals of its
machine.

What is left: a worker killed in the microseconds between the system taking the message's
last byte and the journal's write sends that message again (the repeat carries the same
Message-ID, so the receiving side can recognise it); one killed after handing a message
over and before the server answered counts it sent, which is wrong only if the server
would have refused it then. SMTP offers nothing to close either. The journal is this
machine's: an email whose worker died on one machine and is taken over by a worker on
another (after its lease, with no worker started again on the first) is checked only
against the database, which the dead worker writes right after its journal (a millisecond
later on PostgreSQL, where that write waits for no other writer).
"""

import contextlib
import logging
import smtplib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amity.core import mail_client, worker_journal
from amity.core.background import (
    dead_here,
    enqueue_task,
    lease_length,
    recover_orphaned_tasks,
    recover_silent_workers,
    recover_tasks,
    worker_id,
)
from amity.core.clock import database_now
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
    now = database_now()
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
    backend = settings.EMAIL_BACKEND
    _connection = get_connection(
        mail_client.OUTBOX_SMTP if backend == mail_client.DJANGO_SMTP else backend
    )
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
    """Hand the email to the mail server, noting in this worker's journal the moment it
    went out. Everything the notes do not need is done before: the journal is open, the
    message built, its Message-ID worked out."""
    worker_journal.open_or_log()
    identifier = message_id(email)
    connection, reused = _mail_connection()
    message = _message(email, connection, identifier)
    try:
        _send(message, identifier, email.pk)
    except (smtplib.SMTPServerDisconnected, ConnectionError):
        _drop_mail_connection()
        if not reused:
            raise
        # The server closed a connection that sat idle: nothing was accepted; try afresh.
        message.connection, _ = _mail_connection()
        _send(message, identifier, email.pk)
    except Exception:
        _drop_mail_connection()
        raise


def _send(message: EmailMultiAlternatives, identifier: str, email_id: int) -> None:
    client = mail_client.noting_client(message.connection)
    if client is None:  # another backend than SMTP: it took the message when it returns
        message.send()
        worker_journal.note_or_log(worker_journal.ACCEPTED, email_id, identifier)
        return
    client.noting = (email_id, identifier)
    try:
        message.send()
    finally:
        client.noting = None


def _message(email: OutboundEmail, connection, identifier: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        connection=connection,
        subject=email.subject,
        body=email.body,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
        headers={"Message-ID": identifier},
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
    retry. An email tried before is first looked up in the journals of this machine: if
    the mail server accepted it then, it is recorded as sent and not sent again."""
    email = _claim(email_id)
    if email is None:
        return None
    if email.attempts > 1:
        line = worker_journal.went_out(worker_journal.read_all(), email.pk, message_id(email))
        if line is not None:
            _record_sent(email, datetime.fromtimestamp(line.at, tz=UTC))
            logger.info("Email %s went out before its worker stopped; not sent again", email.pk)
            return OutboundEmail.Status.SENT
    try:
        _deliver(email)
    except Exception as exc:
        failure = exc
    else:
        _record_sent(email, timezone.now())
        worker_journal.noted_recorded()
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


def _record_sent(email: OutboundEmail, sent_at: datetime) -> None:
    OutboundEmail.objects.filter(pk=email.pk, claimed_by=email.claimed_by).update(
        status=OutboundEmail.Status.SENT, sent_at=sent_at, last_error="", claimed_until=None
    )


def record_accepted(journals: list[worker_journal.Journal]) -> int:
    """Record as sent every email these journals say went out (under the Message-ID it
    has now: a journal outlives a database put back from a backup). Returns how many rows
    changed."""
    mentioned = {email_id for journal in journals for email_id in journal.lines}
    recorded = 0
    unrecorded = OutboundEmail.objects.filter(pk__in=list(mentioned)).exclude(
        status=OutboundEmail.Status.SENT
    )
    for email in unrecorded.only("pk", "created_at", "status"):
        line = worker_journal.went_out(journals, email.pk, message_id(email))
        if line is None:
            continue
        recorded += OutboundEmail.objects.filter(pk=email.pk, status=email.status).update(
            status=OutboundEmail.Status.SENT,
            sent_at=datetime.fromtimestamp(line.at, tz=UTC),
            last_error="",
            claimed_until=None,
        )
    return recorded


def recover_interrupted() -> dict[str, int]:
    """Put back the work of workers that died. First, every email the journals of this
    machine say the mail server accepted is recorded as sent; then the tasks a dead worker
    of this machine had taken but not yet leased are queued again
    (``amity.core.background.recover_orphaned_tasks``); emails left "sending" by a process
    of this machine that no longer exists, or whose lease ended, are put back to be sent
    (with a task of their own); tasks whose worker is gone are queued again
    (``amity.core.background.recover_tasks``); and the dead workers' journals, now
    recorded, are removed. Safe to run at any time (every task is safe to run twice);
    ``amity worker`` runs it on start and every lease period. Returns counts for the log.
    Leases are compared with the database's clock, which every machine shares."""
    now = database_now()
    journals = worker_journal.read_all()
    accepted = record_accepted(journals)
    dead = [journal for journal in journals if journal.dead]
    orphans = recover_orphaned_tasks({journal.worker for journal in dead})
    # Workers silent past a lease, on any machine: what they had taken without a lease.
    orphans += recover_silent_workers()
    emails = 0
    for email in OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING):
        if dead_here(email.claimed_by) or (email.claimed_until and email.claimed_until < now):
            reset = OutboundEmail.objects.filter(
                pk=email.pk, status=OutboundEmail.Status.SENDING, claimed_by=email.claimed_by
            ).update(status=OutboundEmail.Status.RETRYING, claimed_until=None)
            if reset:
                # Its own task may be gone (ended while the row stayed "sending"); a second
                # one sends nothing twice: sending claims the row first.
                _enqueue_send(email.pk)
            emails += reset
    tasks = recover_tasks()
    for journal in dead:
        worker_journal.remove(journal)
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
    return {
        "accepted": accepted,
        "orphans": orphans,
        "emails": emails,
        "tasks": tasks,
        "requeued": requeued,
    }


def message_id(email: OutboundEmail) -> str:
    """The same on every attempt at one email, different for every email ever queued
    (also across databases: the queueing time is part of it)."""
    stamp = int(email.created_at.timestamp() * 1_000_000)
    return f"<amity-{email.pk}.{stamp}@{_mail_domain()}>"


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
