"""Reminding the international affairs office before an agreement expires.

The offsets are ``AMITY_AGREEMENT_REMINDER_DAYS`` (a setting, or the environment variable
of that name: comma-separated days, default "90,30"). Two ways lead to the same service,
``agreement_remind``, which decides at run time and is safe to run any number of times:

- saving an active agreement queues a background task for each offset, to run at 09:00
  (the site's zone) that many days before the expiry (one at once if an offset is already
  due); the task re-reads the agreement and does nothing if it is no longer active, its
  expiry date changed (the change queued its own tasks), or the reminder was sent;
- ``amity manage agreement_reminders`` sends whatever is due, for a daily cron job, so a
  lost task or a worker that was down costs at most a day.

Only the most urgent due offset is sent: an agreement saved 20 days before it expires
gets the 30-day reminder, not the 90-day one as well; once the 30-day reminder is sent
the 90-day one is never due again for that expiry date.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from amity.core.background import enqueue_task
from amity.core.emails import email_queue
from amity.core.reminders import due_at, offset_days
from amity.relations.models import Agreement, AgreementReminder, AgreementStatus

DEFAULT_DAYS = (90, 30)


def reminder_days() -> list[int]:
    """The offsets in days, largest first."""
    return offset_days("AMITY_AGREEMENT_REMINDER_DAYS", DEFAULT_DAYS)


def due_offset(agreement: Agreement, today: date) -> int | None:
    """The most urgent offset due on ``today``, or None (not active, no expiry, expired,
    or too early)."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.expires_on is None:
        return None
    if agreement.expires_on < today:
        return None
    due = [d for d in reminder_days() if agreement.expires_on - timedelta(days=d) <= today]
    return min(due) if due else None


def reminders_schedule(*, agreement: Agreement) -> int:
    """Queue the agreement's reminder tasks (in the caller's transaction). Returns how
    many were queued. Tasks already queued for an older expiry date stay queued and do
    nothing when they run."""
    if agreement.status != AgreementStatus.ACTIVE or agreement.expires_on is None:
        return 0
    now = timezone.now()
    if agreement.expires_on < timezone.localdate():
        return 0
    queued, due_now = 0, False
    for days in reminder_days():
        when = due_at(agreement.expires_on, days)
        if when <= now:
            due_now = True
            continue
        _enqueue(agreement, days, run_after=when)
        queued += 1
    if due_now:  # an offset already passed: the most urgent due one, at once
        days = due_offset(agreement, timezone.localdate()) or min(reminder_days())
        _enqueue(agreement, days)
        queued += 1
    return queued


def _enqueue(agreement: Agreement, days: int, run_after: datetime | None = None) -> None:
    enqueue_task(
        "relations.remind_agreement_expiry",
        run_after=run_after,
        agreement_id=agreement.pk,
        expires_on=agreement.expires_on.isoformat(),
        days=days,
    )


def agreement_remind(
    *, agreement_id: int, expires_on: date | None = None, today: date | None = None
) -> AgreementReminder | None:
    """Email office staff that the agreement expires soon, if a reminder is due today and
    none was sent for this expiry date at this or a closer offset. With ``expires_on``
    (what a task was queued for) it does nothing once the expiry date has changed.

    The agreement's row is locked while deciding, and (agreement, expiry, offset) is
    unique, so two runs at once send one reminder. Returns the new reminder or None."""
    today = today or timezone.localdate()
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().filter(pk=agreement_id).first()
        if agreement is None:
            return None
        if expires_on is not None and agreement.expires_on != expires_on:
            return None
        days = due_offset(agreement, today)
        if days is None:
            return None
        sent = AgreementReminder.objects.filter(
            agreement=agreement, expires_on=agreement.expires_on, days_before__lte=days
        )
        if sent.exists():
            return None
        email = _queue_reminder_email(agreement, today)
        return AgreementReminder.objects.create(
            agreement=agreement, expires_on=agreement.expires_on, days_before=days, email=email
        )


def _queue_reminder_email(agreement: Agreement, today: date):
    from amity.relations.selectors import office_staff_addresses

    recipients = office_staff_addresses()
    if not recipients:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        left = (agreement.expires_on - today).days
        partners = ", ".join(p.name for p in agreement.partners.order_by("name"))
        expiry = formats.date_format(agreement.expires_on, "DATE_FORMAT")
        subject = _("Agreement expires in %(days)s days: %(title)s") % {
            "days": left,
            "title": agreement.title,
        }
        body = "\n".join(
            [
                _("The agreement “%(title)s” with %(partners)s expires on %(date)s.")
                % {"title": agreement.title, "partners": partners, "date": expiry},
                "",
                _("Renew it, or let it end: %(url)s")
                % {"url": settings.AMITY_SITE_URL + agreement.get_absolute_url()},
                "",
                _("Reminders go out this many days before an agreement expires: %(days)s.")
                % {"days": ", ".join(str(d) for d in reminder_days())},
            ]
        )
    return email_queue(to=recipients, subject=subject, body=body + "\n")


def reminders_send_due(*, today: date | None = None) -> int:
    """Send every reminder due today (what the daily command runs). Returns how many."""
    today = today or timezone.localdate()
    days = reminder_days()
    if not days:
        return 0
    ids = (
        Agreement.objects.filter(
            status=AgreementStatus.ACTIVE,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=max(days)),
        )
        .order_by("expires_on", "pk")
        .values_list("pk", flat=True)
    )
    return sum(agreement_remind(agreement_id=pk, today=today) is not None for pk in list(ids))
