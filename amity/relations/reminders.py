"""Reminding the international affairs office before an agreement expires.

The offsets are ``AMITY_AGREEMENT_REMINDER_DAYS`` (a setting, or the environment variable
of that name: comma-separated days, default "90,30"). The rules are those of every expiry
reminder (``amity.core.reminders.ExpiryReminders``): saving an active agreement queues a
task for each offset, to run at 09:00 (the site's zone) that many days before the expiry;
the task re-reads the agreement and does nothing if it is no longer active, its expiry date
changed (the change queued its own tasks), or the reminder was sent;
``amity manage agreement_reminders`` sends whatever is due, for a daily cron job, so a lost
task or a worker that was down costs at most a day.

Only the most urgent due offset is sent: an agreement saved 20 days before it expires
gets the 30-day reminder, not the 90-day one as well; once the 30-day reminder is sent
the 90-day one is never due again for that expiry date.
"""

from datetime import date

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from amity.core.emails import email_queue
from amity.core.reminders import ExpiryReminders
from amity.relations.models import Agreement, AgreementReminder, AgreementStatus


class AgreementReminders(ExpiryReminders):
    setting = "AMITY_AGREEMENT_REMINDER_DAYS"
    default_days = (90, 30)
    task = "relations.remind_agreement_expiry"
    reminder_model = AgreementReminder
    target = "agreement"

    def candidates(self):
        return Agreement.objects.filter(status=AgreementStatus.ACTIVE, expires_on__isnull=False)

    def is_candidate(self, agreement: Agreement) -> bool:
        return agreement.status == AgreementStatus.ACTIVE

    def queue_email(self, agreement: Agreement, today: date):
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
                    % {"days": ", ".join(str(d) for d in self.days())},
                ]
            )
        return email_queue(to=recipients, subject=subject, body=body + "\n")


REMINDERS = AgreementReminders()


def reminder_days() -> list[int]:
    """The offsets in days, largest first."""
    return REMINDERS.days()


def due_offset(agreement: Agreement, today: date) -> int | None:
    return REMINDERS.due_offset(agreement, today)


def reminders_schedule(*, agreement: Agreement) -> int:
    """Queue the agreement's reminder tasks (in the caller's transaction)."""
    return REMINDERS.schedule(agreement)


def agreement_remind(
    *, agreement_id: int, expires_on: date | None = None, today: date | None = None
) -> AgreementReminder | None:
    """Email office staff that the agreement expires soon, if a reminder is due today and
    none was sent for this expiry date at this or a closer offset."""
    return REMINDERS.remind(agreement_id, expires_on=expires_on, today=today)


def reminders_send_due(*, today: date | None = None) -> int:
    """Send every reminder due today (what the daily command runs). Returns how many."""
    return REMINDERS.send_due(today=today)
