"""Reminding people before a research site's ethics approval expires — the way
``relations.reminders`` reminds the office of agreements.

The offsets are ``AMITY_APPROVAL_REMINDER_DAYS`` (a setting, or the environment variable of
that name: comma-separated days, default "60,14"). The rules are those of every expiry
reminder (``amity.core.reminders.ExpiryReminders``); two ways lead to ``approval_remind``,
which decides when it runs and is safe to run any number of times:

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

from datetime import date

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from amity.core.emails import email_queue
from amity.core.models import OutboundEmail
from amity.core.reminders import ExpiryReminders
from amity.relations.selectors import office_staff_addresses
from amity.research.models import (
    STATUSES_RUNNING,
    ApprovalReminder,
    EthicsApproval,
    SiteStatus,
)

TASK = "research.remind_approval_expiry"


class ApprovalReminders(ExpiryReminders):
    setting = "AMITY_APPROVAL_REMINDER_DAYS"
    default_days = (60, 14)
    task = TASK
    reminder_model = ApprovalReminder
    target = "approval"

    def candidates(self):
        """The approval in force at each site still taking part, of a study still running,
        that expires."""
        return (
            EthicsApproval.objects.current()
            .filter(expires_on__isnull=False, site__study__status__in=STATUSES_RUNNING)
            .exclude(site__status=SiteStatus.CLOSED)
        )

    def locked(self, pk: int):
        return (
            self.candidates()
            .select_for_update(of=("self",))
            .select_related("site__study__principal_investigator", "site__institution")
            .select_related("site__site_pi", "site__coordinator")
            .filter(pk=pk)
            .first()
        )

    def queue_email(self, approval: EthicsApproval, today: date) -> OutboundEmail | None:
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
                    % {"days": ", ".join(str(d) for d in self.days())},
                ]
            )
        return email_queue(to=to, subject=subject, body=body + "\n")


REMINDERS = ApprovalReminders()


def reminder_days() -> list[int]:
    """The offsets in days, largest first."""
    return REMINDERS.days()


def due_offset(approval: EthicsApproval, today: date) -> int | None:
    """The most urgent offset due on ``today``, or None (no expiry, expired, too early)."""
    return REMINDERS.due_offset(approval, today)


def reminders_schedule(*, approval: EthicsApproval) -> int:
    """Queue the approval's reminder tasks (in the caller's transaction, so a rolled-back
    approval queues nothing). Returns how many were queued."""
    return REMINDERS.schedule(approval)


def approval_remind(
    *, approval_id: int, expires_on: date | None = None, today: date | None = None
) -> ApprovalReminder | None:
    """Email the office and the site's people that its approval expires soon, if a
    reminder is due today and none was sent for this expiry date at this or a closer
    offset. Returns the new reminder or None."""
    return REMINDERS.remind(approval_id, expires_on=expires_on, today=today)


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


def reminders_send_due(*, today: date | None = None) -> int:
    """Send every reminder due today (what the daily command runs). Returns how many."""
    return REMINDERS.send_due(today=today)
