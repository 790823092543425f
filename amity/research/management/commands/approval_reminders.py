from django.core.management.base import BaseCommand

from amity.research.reminders import reminder_days
from amity.research.services import approvals_send_reminders


class Command(BaseCommand):
    help = (
        "Email the office and the sites' people about ethics approvals that expire soon "
        "(AMITY_APPROVAL_REMINDER_DAYS before). Sends only what is due and not yet sent: "
        "safe to run daily from cron."
    )

    def handle(self, *args, **options):
        sent = approvals_send_reminders()
        days = ", ".join(str(d) for d in reminder_days())
        self.stdout.write(f"Queued {sent} approval expiry reminders (days before: {days}).")
