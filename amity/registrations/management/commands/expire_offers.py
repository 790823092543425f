from django.core.management.base import BaseCommand

from amity.registrations.offers import offers_expire_due


class Command(BaseCommand):
    help = (
        "Expire offered places nobody accepted in time and offer them to the next people "
        "waiting. The workers already do this at each deadline; this is the safety net "
        "for cron, safe to run at any time."
    )

    def handle(self, *args, **options):
        expired = offers_expire_due()
        self.stdout.write(f"Expired {expired} offers; their places were offered again.")
