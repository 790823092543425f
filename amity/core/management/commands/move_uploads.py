from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from amity.core import storage


class Command(BaseCommand):
    help = (
        "Copy every uploaded file and certificate from the storage in use (AMITY_STORAGE_URL, "
        "by default the data folder's media/) to another one, under the same names. Run it "
        "again after the last upload; then give every machine AMITY_STORAGE_URL=<the new one>."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--to",
            required=True,
            help="the new storage: file:///folder or s3://bucket?endpoint_url=…&region=…",
        )
        parser.add_argument(
            "--from",
            dest="source",
            default="",
            help="the storage to copy from (default: the one in use)",
        )

    def handle(self, *args, to: str, source: str, **options) -> None:
        try:
            target = storage.storage_for_url(to)
            origin = storage.storage_for_url(source) if source else default_storage
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"from {storage.describe(origin)} to {storage.describe(target)}")
        moved = storage.uploads_copy(source=origin, target=target)
        self.stdout.write(
            f"{moved.copied} files copied, {moved.present} already there "
            f"({moved.bytes / 2**20:.1f} MB copied)"
        )
