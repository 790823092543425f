from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One email Amity has promised to send. The row is written in the same transaction as
    the change that caused it; a background worker sends it, retrying while the mail
    server fails, and records the outcome. A worker claims a row (status "sending", its own
    id, a lease) in one short transaction, talks to the mail server with no lock held, and
    marks it sent in a second; a row whose worker died is taken over once its lease ends
    (at once when the dead worker ran on the same machine). Every attempt carries the same
    Message-ID, so a receiving server that saw the message before can tell."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Waiting to retry")
        FAILED = "failed", _("Failed")

    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="core_outbox_status")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="core_outboundemail_sent_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class OutboundAttachment(models.Model):
    """A file sent with an outgoing email (an invitation's .ics, a letter's PDF)."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    mimetype = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.filename


class TaskLease(models.Model):
    """A background task that a worker is running now, with the lease it holds.

    The worker writes the row when the task starts and deletes it when the task ends, and
    renews the lease while it lives. A row outlives its task only when the worker died: once
    the worker is known to be gone (same machine) or its lease has ended (any machine), any
    worker deletes the row and queues the task again, in one transaction. Every task is
    safe to run twice, so a slow worker taken for dead costs a repeat, never a loss."""

    task_name = models.CharField(max_length=200)
    arguments = models.JSONField(default=dict)
    claimed_by = models.CharField(max_length=64)
    lease_until = models.DateTimeField()
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["lease_until"], name="core_tasklease_until")]

    def __str__(self) -> str:
        return f"{self.task_name} on {self.claimed_by}"


class SharedCounter(models.Model):
    """A number every server and worker shares, bumped in one atomic statement
    (``amity.core.clock.counter_bump``): the feeds' version, and the rate limit's count
    per address and minute when no Redis is configured. A row with ``expires_at`` is
    removed some time after it."""

    key = models.CharField(max_length=200, unique=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="core_counter_expires")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class WorkerHeartbeat(models.Model):
    """A background worker's last sign of life, by the database's clock: written when it
    starts and with every renewal of its leases. A worker silent for longer than a lease
    is dead, whatever machine it ran on: any other worker then takes back what it held.
    The row stays a day after that, for the health report."""

    worker = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    # When another worker found it dead and took back its work (once: whoever sets it).
    recovered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class ExpiryReminder(models.Model):
    """That a reminder of something's expiry was sent: once per thing, expiry date and
    offset (days before); a new expiry date starts afresh. Each app adds the foreign key
    to what expires and the constraint that makes the reminder once."""

    expires_on = models.DateField()
    days_before = models.PositiveIntegerField()
    email = models.ForeignKey(
        OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
