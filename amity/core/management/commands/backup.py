from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amity.core.backups import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = (
        "Write one dated archive (with a .sha256 beside it) holding a consistent snapshot of "
        "the database, every uploaded file and the data folder's secret key. The site may "
        "keep running."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="folder for the archive (default: AMITY_BACKUP_DIR, or backups/ in the data "
            "folder); best on another disk or machine",
        )
        parser.add_argument(
            "--keep-daily",
            type=int,
            default=None,
            help="afterwards, keep the newest archive of this many most recent days …",
        )
        parser.add_argument(
            "--keep-monthly",
            type=int,
            default=0,
            help="… and of this many most recent months; delete the other archives",
        )

    def handle(self, *args, output: Path | None, keep_daily, keep_monthly, **options) -> None:
        folder = output or Path(settings.AMITY_BACKUP_DIR)
        try:
            result = backup_create(output_dir=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = len(result.manifest["files"])
        self.stdout.write(f"{result.archive}")
        self.stdout.write(
            f"{result.sha256}  ({files} files, {result.archive.stat().st_size} bytes)"
        )
        if keep_daily is not None:
            for path in backups_prune(directory=folder, daily=keep_daily, monthly=keep_monthly):
                self.stdout.write(f"deleted {path.name}")
