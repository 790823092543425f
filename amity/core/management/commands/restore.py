from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from amity.core.backups import BackupError, archive_verify, backup_restore


class Command(BaseCommand):
    help = (
        "Bring back the database, the uploaded files and the secret key of an archive made "
        "by `backup`, into an empty data folder or database. Stop the site and the workers "
        "first."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete what the database and the uploads folder hold, then restore",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive's checksum and say what it holds",
        )

    def handle(self, *args, archive: Path, replace: bool, check: bool, **options) -> None:
        try:
            if check:
                manifest = archive_verify(archive=archive)
            else:
                manifest = backup_restore(archive=archive, replace=replace).manifest
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("%(name)s: Amity %(version)s, %(kind)s, snapshot of %(moment)s, %(count)d files.")
            % {
                "name": archive.name,
                "version": manifest["amity_version"],
                "kind": manifest["database"]["kind"],
                "moment": manifest["snapshot_started_at"],
                "count": len(manifest["files"]),
            }
        )
        if not check:
            self.stdout.write(_("Restored. Run `amity manage migrate` before starting the site."))
