from django.core.management.base import BaseCommand, CommandError

from amity.aid.services import ledger_differences


class Command(BaseCommand):
    help = "Check that every lot's cached balance equals the sum of its stock movements."

    def handle(self, *args, **options) -> None:
        differences = ledger_differences()
        for lot, ledger in differences:
            self.stderr.write(
                f"lot {lot.pk} ({lot.item.name}, {lot.lot_number or '-'}): "
                f"cached {lot.available}, ledger {ledger}"
            )
        if differences:
            raise CommandError(f"{len(differences)} lot(s) differ from the ledger.")
        self.stdout.write("Every lot's balance equals its ledger.")
