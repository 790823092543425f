from django.core.management.base import BaseCommand

from amity.relations.reminders import reminder_days, reminders_send_due


class Command(BaseCommand):
    help = (
        "Email office staff about agreements that expire soon (AMITY_AGREEMENT_REMINDER_DAYS "
        "before). Sends only what is due and not yet sent: safe to run daily from cron."
    )

    def handle(self, *args, **options):
        sent = reminders_send_due()
        days = ", ".join(str(d) for d in reminder_days())
        self.stdout.write(f"Queued {sent} agreement expiry reminders (days before: {days}).")
