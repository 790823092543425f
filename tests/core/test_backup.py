"""Backups that restore (issue #12): ``amity manage backup`` → wipe → ``amity manage
restore`` gives back every row of every table and every uploaded file, on the database the
suite runs on (SQLite, or PostgreSQL when DATABASE_URL names one); a damaged archive and a
target that is not empty are refused before anything changes."""

import hashlib
import io
import json
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from amity.core import backups
from amity.directory.models import Institution

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _schema_back():
    """A test that wiped the database and refused to restore leaves it without tables:
    the next test gets them back."""
    yield
    if "django_migrations" not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT.mkdir(parents=True)
    return settings.MEDIA_ROOT


@pytest.fixture
def demo(media):
    """The demo scenario: every app's tables filled, uploaded documents and agreements."""
    call_command("load_demo", verbosity=0)
    return media


def every_row() -> dict[str, list]:
    """Every row of every table, in a stable order."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(map(repr, cursor.fetchall()))
    return rows


def every_file(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in backups.media_files(root)
    }


def wipe_database() -> None:
    """What a lost disk or a dropped database leaves: no tables at all."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)} CASCADE")
        connection.close()
    assert connection.introspection.table_names() == []


def wipe_media(root: Path) -> None:
    for path in backups.media_files(root):
        path.unlink()


def make_backup(folder: Path) -> Path:
    call_command("backup", output=folder, verbosity=0)
    (archive,) = folder.glob("amity-backup-*.tar.gz")
    return archive


def test_backup_wipe_restore_gives_back_every_row_and_every_file(demo, tmp_path):
    rows_before = every_row()
    files_before = every_file(demo)
    assert len(files_before) >= 3, "the demo uploads documents and signed agreements"
    assert sum(len(r) for r in rows_before.values()) > 500

    archive = make_backup(tmp_path / "backups")
    sidecar = archive.with_name(archive.name + ".sha256")
    assert sidecar.read_text() == (
        f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
    )
    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = backups.archive_verify(archive=archive)
    assert manifest["database"]["kind"] == connection.vendor
    assert manifest["migrations"]["registrations"][0] == "0001_initial"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert {name: listed[f"media/{name}"] for name in files_before} == files_before

    wipe_database()
    wipe_media(demo)
    (demo.parent / "secret_key").unlink(missing_ok=True)

    call_command("restore", archive, verbosity=0)

    assert every_row() == rows_before
    assert every_file(demo) == files_before


def test_a_damaged_archive_is_refused_and_nothing_changes(demo, tmp_path):
    archive = make_backup(tmp_path / "backups")
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    rows_before = every_row()

    with pytest.raises(CommandError, match="is damaged"):
        call_command("restore", archive, "--replace", verbosity=0)

    assert every_row() == rows_before


def test_an_archive_without_its_checksum_is_refused(demo, tmp_path):
    archive = make_backup(tmp_path / "backups")
    archive.with_name(archive.name + ".sha256").unlink()

    with pytest.raises(CommandError, match="without it the archive cannot be checked"):
        call_command("restore", archive, "--check", verbosity=0)


def test_a_member_that_differs_from_the_manifest_is_refused(demo, tmp_path):
    """Someone rebuilt the archive with another file and wrote a new .sha256: the
    manifest's hash of that member still catches it."""
    archive = make_backup(tmp_path / "backups")
    rebuilt = tmp_path / "rebuilt" / archive.name
    rebuilt.parent.mkdir()
    with tarfile.open(archive, "r:gz") as old, tarfile.open(rebuilt, "w:gz") as new:
        for info in old:
            content = old.extractfile(info).read()
            if info.name.startswith("media/"):
                content = b"not what was uploaded"
                info.size = len(content)
            new.addfile(info, io.BytesIO(content))
    digest = hashlib.sha256(rebuilt.read_bytes()).hexdigest()
    rebuilt.with_name(rebuilt.name + ".sha256").write_text(f"{digest}  {rebuilt.name}\n")
    wipe_database()
    wipe_media(demo)

    with pytest.raises(CommandError, match=r"media/.* is damaged"):
        call_command("restore", rebuilt, verbosity=0)

    assert backups.media_files(demo) == []


def test_restore_refuses_a_database_that_holds_data(demo, tmp_path):
    archive = make_backup(tmp_path / "backups")
    wipe_media(demo)
    rows_before = every_row()

    with pytest.raises(CommandError, match="The target is not empty .*the database holds"):
        call_command("restore", archive, verbosity=0)

    assert every_row() == rows_before
    assert backups.media_files(demo) == []


def test_restore_refuses_an_uploads_folder_that_holds_files(demo, tmp_path):
    archive = make_backup(tmp_path / "backups")
    wipe_database()
    wipe_media(demo)
    (demo / "left-over.pdf").write_bytes(b"%PDF-1.4 left over")

    with pytest.raises(CommandError, match="holds 1 files"):
        call_command("restore", archive, verbosity=0)

    assert connection.introspection.table_names() == []
    assert [p.name for p in backups.media_files(demo)] == ["left-over.pdf"]


def test_restore_replace_deletes_what_is_there_and_brings_the_archive_back(demo, tmp_path):
    rows_before = every_row()
    files_before = every_file(demo)
    archive = make_backup(tmp_path / "backups")
    first = Institution.objects.order_by("pk").first()
    Institution.objects.filter(pk=first.pk).update(name="Renamed after backup")
    (demo / "uploaded-after-backup.txt").write_text("later")

    call_command("restore", archive, "--replace", verbosity=0)

    assert every_row() == rows_before
    assert every_file(demo) == files_before


def test_an_archive_from_a_newer_amity_is_refused(demo, tmp_path):
    archive = make_backup(tmp_path / "backups")
    rebuilt = tmp_path / "newer" / archive.name
    rebuilt.parent.mkdir()
    with tarfile.open(archive, "r:gz") as old, tarfile.open(rebuilt, "w:gz") as new:
        for info in old:
            content = old.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(content)
                manifest["migrations"]["core"].append("0099_from_the_future")
                content = json.dumps(manifest).encode()
                info.size = len(content)
            new.addfile(info, io.BytesIO(content))
    digest = hashlib.sha256(rebuilt.read_bytes()).hexdigest()
    rebuilt.with_name(rebuilt.name + ".sha256").write_text(f"{digest}  {rebuilt.name}\n")

    with pytest.raises(CommandError, match=r"newer Amity .*core\.0099_from_the_future"):
        call_command("restore", rebuilt, "--replace", verbosity=0)


def test_prune_keeps_the_newest_of_14_days_and_12_months(tmp_path):
    made = []
    for day in range(1, 400, 3):  # every third day for 13 months, twice a day
        for hour in (3, 15):
            moment = datetime(2025, 10, 1, tzinfo=UTC) + timedelta(days=day, hours=hour)
            path = tmp_path / backups.archive_name(moment)
            path.write_bytes(b"x")
            backups.checksum_path(path).write_text("x")
            made.append(moment)
    (tmp_path / "notes.txt").write_text("not an archive")

    backups.backups_prune(directory=tmp_path, daily=14, monthly=12)

    kept = sorted(p.name for p in tmp_path.glob("*.tar.gz"))
    days = sorted({m.date() for m in made}, reverse=True)[:14]
    newest_of_day = {d: max(m for m in made if m.date() == d) for d in days}
    months = sorted({(m.year, m.month) for m in made}, reverse=True)[:12]
    newest_of_month = {k: max(m for m in made if (m.year, m.month) == k) for k in months}
    expected = {
        backups.archive_name(m) for m in [*newest_of_day.values(), *newest_of_month.values()]
    }
    assert kept == sorted(expected)
    assert len(kept) == len(list(tmp_path.glob("*.sha256")))
    assert (tmp_path / "notes.txt").exists()
