from django.core.management.base import BaseCommand

from amity.registrations.privacy import erase_expired_registrations


class Command(BaseCommand):
    help = "Erase registrants' personal data whose retention period has ended (run daily)."

    def handle(self, *args, **options):
        erased = erase_expired_registrations()
        self.stdout.write(f"Erased {erased} registrations.")
