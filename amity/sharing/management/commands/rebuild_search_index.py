from django.core.management.base import BaseCommand

from amity.sharing.models import Document
from amity.sharing.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index of every shared document (after an upgrade that changes "
        "how text is cut into search terms). Safe to run again."
    )

    def handle(self, *args, **options):
        count = rebuild_index(Document.objects.all())
        noun = "document" if count == 1 else "documents"
        self.stdout.write(f"Rebuilt the search index of {count} {noun}.")
