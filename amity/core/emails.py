"""Queueing and sending email through the outbox (``OutboundEmail``).

``email_queue`` is what every feature calls; it never talks to the mail server itself, so
a request never waits on SMTP and a rolled-back change sends nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from amity.core.models import OutboundEmail

logger = logging.getLogger(__name__)


def email_queue(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: list[str] | None = None,
) -> OutboundEmail:
    """Store an email and send it from a background worker once the caller's transaction
    commits. Returns the stored row."""
    from amity.core.tasks import send_email

    email = OutboundEmail.objects.create(
        to=list(to),
        subject=subject.replace("\n", " ").strip(),
        body=body,
        html_body=html_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        reply_to=list(reply_to or []),
    )
    transaction.on_commit(lambda: send_email.enqueue(email_id=email.pk))
    return email


def retry_delay(attempt: int) -> timedelta:
    """Back off 30 s, 1 min, 2 min, … up to an hour between attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))


def email_send(*, email_id: int) -> OutboundEmail.Status | None:
    """Send one queued email, at most once.

    The row is claimed inside a transaction (IMMEDIATE on SQLite, FOR UPDATE on
    PostgreSQL), so two workers given the same id cannot both send it. Returns the new
    status, or None when the row is gone or already finished. Raises the SMTP error after
    recording it, so that the caller can schedule a retry."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .filter(pk=email_id)
            .exclude(status__in=[OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED])
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body,
            from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
            to=email.to,
            reply_to=email.reply_to or None,
            headers={"Message-ID": f"<amity-{email.pk}@{_mail_domain()}>"},
        )
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        try:
            message.send()
        except Exception as exc:
            failure = exc
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            return email.status
        final = email.attempts >= settings.AMITY_EMAIL_MAX_ATTEMPTS
        email.status = OutboundEmail.Status.FAILED if final else OutboundEmail.Status.RETRYING
        email.last_error = f"{type(failure).__name__}: {failure}"[:2000]
        email.save(update_fields=["attempts", "status", "last_error"])
    # The failure is recorded (committed above); now let the caller schedule a retry.
    logger.warning("Email %s attempt %s failed: %s", email.pk, email.attempts, failure)
    if final:
        return email.status
    raise failure


def _mail_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
