"""Reminding people before a research site's ethics approval expires — the way
``relations.reminders`` reminds the office of agreements.

The offsets are ``AMITY_APPROVAL_REMINDER_DAYS`` (a setting, or the environment variable of
that name: comma-separated days, default "60,14"). Two ways lead to the same service,
``approval_remind``, which decides when it runs and is safe to run any number of times:

- recording an approval queues a background task for each offset, to run at 09:00 (the
  site's zone) that many days before the expiry (one at once if an offset is already due);
  the task re-reads the approval and does nothing if it is no longer the site's approval in
  force, its expiry date changed, the site or the study is closed, or the reminder was sent;
- ``amity manage approval_reminders`` sends whatever is due, for a daily cron job, so a
  lost task or a worker that was down costs at most a day.

Only the most urgent due offset is sent, once per (approval, expiry date, offset): an
approval recorded 10 days before it expires gets the 14-day reminder, not the 60-day one
as well. Recipients: the office, the study's principal investigator, and the site's PI
and coordinator (each once, those with an email address).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from amity.core.background import enqueue_task
from amity.core.emails import email_queue
from amity.core.models import OutboundEmail
from amity.core.reminders import due_at, offset_days
from amity.relations.selectors import office_staff_addresses
from amity.research.models import (
    STATUSES_RUNNING,
    ApprovalReminder,
    EthicsApproval,
    SiteStatus,
)

DEFAULT_DAYS = (60, 14)
TASK = "research.remind_approval_expiry"


def reminder_days() -> list[int]:
    """The offsets in days, largest first."""
    return offset_days("AMITY_APPROVAL_REMINDER_DAYS", DEFAULT_DAYS)


def _reminded_approvals():
    """Approvals that may need a reminder: the one in force at each site still taking
    part, of a study still running, that expires."""
    return (
        EthicsApproval.objects.current()
        .filter(
            expires_on__isnull=False,
            site__study__status__in=STATUSES_RUNNING,
        )
        .exclude(site__status=SiteStatus.CLOSED)
    )


def due_offset(approval: EthicsApproval, today: date) -> int | None:
    """The most urgent offset due on ``today``, or None (no expiry, expired, too early)."""
    if approval.expires_on is None or approval.expires_on < today:
        return None
    due = [d for d in reminder_days() if approval.expires_on - timedelta(days=d) <= today]
    return min(due) if due else None


def reminders_schedule(*, approval: EthicsApproval) -> int:
    """Queue the approval's reminder tasks (in the caller's transaction, so a rolled-back
    approval queues nothing). Returns how many were queued."""
    if approval.expires_on is None or approval.expires_on < timezone.localdate():
        return 0
    days_list = reminder_days()
    if not days_list:
        return 0
    now = timezone.now()
    queued, due_now = 0, False
    for days in days_list:
        when = due_at(approval.expires_on, days)
        if when <= now:
            due_now = True
            continue
        _enqueue(approval, days, run_after=when)
        queued += 1
    if due_now:  # an offset already passed: the most urgent due one, at once
        days = due_offset(approval, timezone.localdate())
        _enqueue(approval, days if days is not None else min(days_list))
        queued += 1
    return queued


def _enqueue(approval: EthicsApproval, days: int, run_after: datetime | None = None) -> None:
    enqueue_task(
        TASK,
        run_after=run_after,
        approval_id=approval.pk,
        expires_on=approval.expires_on.isoformat(),
        days=days,
    )


def approval_remind(
    *, approval_id: int, expires_on: date | None = None, today: date | None = None
) -> ApprovalReminder | None:
    """Email the office and the site's people that its approval expires soon, if a
    reminder is due today and none was sent for this expiry date at this or a closer
    offset. With ``expires_on`` (what a task was queued for) it does nothing once the
    expiry date has changed.

    The approval's row is locked while deciding, and (approval, expiry, offset) is unique,
    so two runs at once send one reminder. Returns the new reminder or None."""
    today = today or timezone.localdate()
    with transaction.atomic():
        approval = (
            _reminded_approvals()
            .select_for_update(of=("self",))
            .select_related("site__study__principal_investigator", "site__institution")
            .select_related("site__site_pi", "site__coordinator")
            .filter(pk=approval_id)
            .first()
        )
        if approval is None:
            return None
        if expires_on is not None and approval.expires_on != expires_on:
            return None
        days = due_offset(approval, today)
        if days is None:
            return None
        sent = ApprovalReminder.objects.filter(
            approval=approval, expires_on=approval.expires_on, days_before__lte=days
        )
        if sent.exists():
            return None
        email = _queue_reminder_email(approval, today)
        return ApprovalReminder.objects.create(
            approval=approval, expires_on=approval.expires_on, days_before=days, email=email
        )


def recipients(approval: EthicsApproval) -> list[str]:
    """The office's addresses, then the study PI's, the site PI's and the coordinator's,
    each once."""
    site = approval.site
    addresses = list(office_staff_addresses())
    for person in (site.study.principal_investigator, site.site_pi, site.coordinator):
        if person is not None and person.email:
            addresses.append(person.email)
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def _queue_reminder_email(approval: EthicsApproval, today: date) -> OutboundEmail | None:
    to = recipients(approval)
    if not to:
        return None
    site, study = approval.site, approval.site.study
    with translation.override(settings.LANGUAGE_CODE):
        left = (approval.expires_on - today).days
        expiry = formats.date_format(approval.expires_on, "DATE_FORMAT")
        name = study.acronym or study.display_title
        subject = _("Ethics approval expires in %(days)s days: %(study)s at %(site)s") % {
            "days": left,
            "study": name,
            "site": site.institution.display_short_name,
        }
        body = "\n".join(
            [
                _(
                    "The ethics approval %(reference)s of %(committee)s for the study "
                    "“%(title)s” at %(site)s expires on %(date)s."
                )
                % {
                    "reference": approval.reference,
                    "committee": approval.committee,
                    "title": study.display_title,
                    "site": site.institution.name,
                    "date": expiry,
                },
                "",
                _("Record the renewed approval, or close the site: %(url)s")
                % {"url": settings.AMITY_SITE_URL + site.get_absolute_url()},
                "",
                _("Reminders go out this many days before an approval expires: %(days)s.")
                % {"days": ", ".join(str(d) for d in reminder_days())},
            ]
        )
    return email_queue(to=to, subject=subject, body=body + "\n")


def reminders_send_due(*, today: date | None = None) -> int:
    """Send every reminder due today (what the daily command runs). Returns how many."""
    today = today or timezone.localdate()
    days = reminder_days()
    if not days:
        return 0
    ids = (
        _reminded_approvals()
        .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=max(days)))
        .order_by("expires_on", "pk")
        .values_list("pk", flat=True)
    )
    return sum(approval_remind(approval_id=pk, today=today) is not None for pk in list(ids))
