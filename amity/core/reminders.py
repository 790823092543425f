"""What every "remind N days before it expires" shares (agreements, ethics approvals):
the offsets read from a setting, the moment a reminder is due, and the rules of sending
each reminder once (``ExpiryReminders``)."""

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from amity.core.background import enqueue_task

SEND_AT = time(9, 0)


def offset_days(setting: str, default: tuple[int, ...]) -> list[int]:
    """The offsets in days, largest first, from ``setting`` (a Django setting, or the
    environment variable of that name: days separated by commas); ``default`` when empty."""
    value = getattr(settings, setting, None)
    if value is None:
        value = os.environ.get(setting, "")
    if isinstance(value, str):
        text = value
        try:
            value = [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting} must be days separated by commas, not {text!r}"
            ) from None
        if not value and not text.strip():
            value = list(default)
    return sorted({int(days) for days in value if int(days) >= 0}, reverse=True)


def due_at(expires_on: date, days: int) -> datetime:
    """When the reminder ``days`` before ``expires_on`` is due: 09:00 in the site's zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(expires_on - timedelta(days=days), SEND_AT, zone)


class ExpiryReminders:
    """The rules every "remind N days before it expires" follows, for one kind of thing
    (an agreement, an ethics approval). A subclass names its setting, default offsets,
    background task, reminder model (an ``ExpiryReminder``) and the field of that model
    that points at the thing; it says which things may need a reminder and writes the
    email.

    Two ways lead to ``remind``, which decides when it runs and is safe to run any number
    of times: ``schedule`` queues a task for each offset, at 09:00 that many days before
    the expiry (one at once for an offset already due); ``send_due`` sends whatever is
    due, for a daily cron job. Only the most urgent due offset is sent, once per (thing,
    expiry date, offset); the thing's row is locked while deciding, so two runs at once
    send one reminder."""

    setting: str
    default_days: tuple[int, ...]
    task: str
    reminder_model: type
    target: str  # the reminder model's foreign key to the thing, e.g. "agreement"

    def candidates(self):
        """The things that may need a reminder (with an expiry date)."""
        raise NotImplementedError

    def locked(self, pk: int):
        """The thing, locked for the decision, or None if it is no longer a candidate."""
        return self.candidates().select_for_update(of=("self",)).filter(pk=pk).first()

    def is_candidate(self, thing) -> bool:
        """Whether ``thing`` (already read) may need a reminder; the queryset's rule in
        Python, for ``schedule``."""
        return True

    def queue_email(self, thing, today: date):
        """Queue the reminder's email; returns the OutboundEmail, or None (no recipient)."""
        raise NotImplementedError

    def days(self) -> list[int]:
        """The offsets in days, largest first."""
        return offset_days(self.setting, self.default_days)

    def due_offset(self, thing, today: date) -> int | None:
        """The most urgent offset due on ``today``, or None (no expiry, expired, too
        early, or no longer a candidate)."""
        if not self.is_candidate(thing) or thing.expires_on is None:
            return None
        if thing.expires_on < today:
            return None
        due = [d for d in self.days() if thing.expires_on - timedelta(days=d) <= today]
        return min(due) if due else None

    def schedule(self, thing) -> int:
        """Queue the thing's reminder tasks (in the caller's transaction, so a rolled-back
        change queues nothing). Returns how many were queued. Tasks queued for an older
        expiry date stay queued and do nothing when they run."""
        if not self.is_candidate(thing) or thing.expires_on is None:
            return 0
        if thing.expires_on < timezone.localdate():
            return 0
        days_list = self.days()
        if not days_list:
            return 0
        now = timezone.now()
        arguments = {f"{self.target}_id": thing.pk, "expires_on": thing.expires_on.isoformat()}
        queued, due_now = 0, False
        for days in days_list:
            when = due_at(thing.expires_on, days)
            if when <= now:
                due_now = True
                continue
            enqueue_task(self.task, run_after=when, days=days, **arguments)
            queued += 1
        if due_now:  # an offset already passed: the most urgent due one, at once
            days = self.due_offset(thing, timezone.localdate())
            enqueue_task(self.task, days=min(days_list) if days is None else days, **arguments)
            queued += 1
        return queued

    def remind(self, pk: int, *, expires_on: date | None = None, today: date | None = None):
        """Send the reminder due today for the thing ``pk``, unless one was sent for this
        expiry date at this or a closer offset. With ``expires_on`` (what a task was queued
        for) it does nothing once the expiry date has changed. Returns the new reminder or
        None."""
        today = today or timezone.localdate()
        with transaction.atomic():
            thing = self.locked(pk)
            if thing is None:
                return None
            if expires_on is not None and thing.expires_on != expires_on:
                return None
            days = self.due_offset(thing, today)
            if days is None:
                return None
            sent = self.reminder_model.objects.filter(
                **{self.target: thing}, expires_on=thing.expires_on, days_before__lte=days
            )
            if sent.exists():
                return None
            email = self.queue_email(thing, today)
            return self.reminder_model.objects.create(
                **{self.target: thing}, expires_on=thing.expires_on, days_before=days, email=email
            )

    def send_due(self, *, today: date | None = None) -> int:
        """Send every reminder due today (what the daily command runs). Returns how many."""
        today = today or timezone.localdate()
        days = self.days()
        if not days:
            return 0
        ids = (
            self.candidates()
            .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=max(days)))
            .order_by("expires_on", "pk")
            .values_list("pk", flat=True)
        )
        return sum(self.remind(pk, today=today) is not None for pk in list(ids))
