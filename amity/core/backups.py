"""Backups that restore: one dated archive with a consistent snapshot of the database and
every uploaded file, and the way back into an empty data folder or database.

The archive (``amity-backup-2026-11-28T030000Z.tar.gz``) holds::

    database/amity.sqlite3   SQLite: a copy made with SQLite's online backup API
    database/amity.pgdump    PostgreSQL: pg_dump's custom format
    media/…                  every file under MEDIA_ROOT
    secret_key               the data folder's generated key, when there is one (it signs
                             the self-service links that registrants were emailed)
    manifest.json            Amity's version, the database kind, the migrations applied,
                             and every other member with its size and SHA-256

and beside it ``<archive>.sha256`` in ``sha256sum`` format, so that ``sha256sum -c``
checks it as well as ``restore`` does. The archive is written under a temporary name and
renamed when complete: a backup that dies leaves no archive that looks whole.

Consistency: the database is copied first, as one snapshot, while the site runs. SQLite's
backup API copies every page in one step inside one read transaction (in WAL mode writers
go on meanwhile, and their commits are not in the copy); pg_dump reads every table in one
repeatable-read transaction. The uploads are copied afterwards: a file is written before
the row that names it commits, so every file that a row of the snapshot names is there;
a file uploaded during the backup is carried along and does no harm.

Restore refuses a target that holds anything (tables in the database, files in
MEDIA_ROOT) unless told to replace it, checks the archive's checksum and every member's
hash before it changes anything, and refuses an archive of migrations this code does not
know (made by a newer Amity). Stop the site and the workers before restoring.
"""

import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

FORMAT = 1
PREFIX = "amity-backup-"
SUFFIX = ".tar.gz"
STAMP = "%Y-%m-%dT%H%M%SZ"
NAME_PATTERN = re.compile(r"^amity-backup-(\d{4}-\d{2}-\d{2}T\d{6}Z)\.tar\.gz$")
SQLITE_MEMBER = "database/amity.sqlite3"
POSTGRES_MEMBER = "database/amity.pgdump"
MANIFEST_MEMBER = "manifest.json"
KEY_MEMBER = "secret_key"
CHUNK = 1024 * 1024
PG_TIMEOUT_S = 6 * 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    archive: Path
    checksum_file: Path
    sha256: str
    manifest: dict


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    database_kind: str
    files: int
    missing_migrations: list[str]


# --- where things are ---------------------------------------------------------------


def database_kind(alias: str = "default") -> str:
    """ "sqlite" or "postgresql" (the only databases Amity runs on)."""
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(_("Backups support SQLite and PostgreSQL, not %s.") % vendor)
    return vendor


def _sqlite_path(alias: str) -> Path:
    name = str(connections[alias].settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError(_("An in-memory database cannot be backed up or restored."))
    return Path(name)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / "secret_key"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    """Every regular file under ``root``, sorted (symbolic links are not followed)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def archive_name(moment: datetime) -> str:
    return f"{PREFIX}{moment.astimezone(UTC).strftime(STAMP)}{SUFFIX}"


def checksum_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".sha256")


# --- PostgreSQL's programs -----------------------------------------------------------


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _(
                "%(program)s was not found on PATH: install PostgreSQL's client programs "
                "(Debian: postgresql-client) of the server's major version or newer."
            )
            % {"program": name}
        )
    return found


def _pg_connection(alias: str) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment that point pg_dump/pg_restore at ``alias``
    (the password goes in the environment, never on the command line)."""
    config = connections[alias].settings_dict
    args = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if config.get(key):
            args += [option, str(config[key])]
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    if sslmode := (config.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return [*args, "--dbname", str(config["NAME"])], env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BackupError(_("%s did not finish in time.") % Path(command[0]).name) from error
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": result.stderr.strip()[-2000:]}
        )


# --- the snapshot -------------------------------------------------------------------


def _sqlite_snapshot(source: Path, target: Path, timeout: float = 20.0) -> None:
    """Copy the live database at ``source`` into ``target`` in one step of SQLite's
    online backup API: one read transaction, so one moment; writers are not stopped.
    The copy is a single file (no WAL) and must pass SQLite's integrity check."""
    if not source.exists():
        raise BackupError(_("The database %s does not exist.") % source)
    live = sqlite3.connect(source, timeout=timeout)
    copy = sqlite3.connect(target)
    try:
        live.backup(copy)  # pages=-1: everything in one step
        copy.execute("PRAGMA journal_mode=DELETE")
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        live.close()
    if verdict != "ok":
        raise BackupError(_("The copy of the database failed SQLite's check: %s") % verdict)


def _migrations_in_sqlite(path: Path) -> dict[str, list[str]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT app, name FROM django_migrations ORDER BY app, id").fetchall()
    return _group(rows)


def _migrations_in_database(alias: str) -> dict[str, list[str]]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        return _group(cursor.fetchall())


def _group(rows) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for app, name in rows:
        grouped.setdefault(app, []).append(name)
    return grouped


def _amity_version() -> str:
    try:
        return importlib.metadata.version("amity")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def backup_create(
    *, output_dir: Path, alias: str = "default", now: datetime | None = None
) -> BackupResult:
    """Write ``amity-backup-<UTC time>.tar.gz`` and its ``.sha256`` into ``output_dir``:
    a snapshot of the database taken while the site runs, then every file of MEDIA_ROOT
    and the data folder's secret key. Changes nothing else; an archive of the same second
    is refused rather than overwritten."""
    kind = database_kind(alias)
    started = now or datetime.now(UTC)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    archive = output_dir / archive_name(started)
    if archive.exists():
        raise BackupError(_("%s exists already.") % archive)
    with tempfile.TemporaryDirectory(prefix=".amity-backup-", dir=output_dir) as work:
        work_dir = Path(work)
        if kind == "sqlite":
            member, dump = SQLITE_MEMBER, work_dir / "amity.sqlite3"
            options = connections[alias].settings_dict.get("OPTIONS") or {}
            _sqlite_snapshot(_sqlite_path(alias), dump, float(options.get("timeout", 20)))
            migrations = _migrations_in_sqlite(dump)
        else:
            member, dump = POSTGRES_MEMBER, work_dir / "amity.pgdump"
            args, env = _pg_connection(alias)
            migrations = _migrations_in_database(alias)
            _run(
                [
                    _pg_program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(dump),
                    *args,
                ],
                env,
            )
        entries = [(member, dump)]
        root = _media_root()
        entries += [
            (str(PurePosixPath("media", *f.relative_to(root).parts)), f) for f in media_files(root)
        ]
        if _key_file().is_file():
            entries.append((KEY_MEMBER, _key_file()))
        partial = work_dir / "archive.partial"
        manifest = _write_archive(partial, entries, kind, member, migrations, started)
        digest = sha256_of(partial)
        partial.chmod(0o600)
        os.replace(partial, archive)
    sidecar = checksum_path(archive)
    sidecar.write_text(f"{digest}  {archive.name}\n")
    return BackupResult(archive=archive, checksum_file=sidecar, sha256=digest, manifest=manifest)


def _write_archive(
    path: Path,
    entries: list[tuple[str, Path]],
    kind: str,
    database_member: str,
    migrations: dict[str, list[str]],
    started: datetime,
) -> dict:
    files = []
    with tarfile.open(path, "w:gz", compresslevel=6) as tar:
        for name, source in entries:
            # Hash what goes into the archive, read once: a file that changes while it is
            # read is caught at restore by its hash, never silently mixed.
            digest = hashlib.sha256()
            with source.open("rb") as handle:
                info = tar.gettarinfo(fileobj=handle, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                tar.addfile(info, _Hashing(handle, digest))
            files.append({"path": name, "bytes": info.size, "sha256": digest.hexdigest()})
        manifest = {
            "format": FORMAT,
            "amity_version": _amity_version(),
            "snapshot_started_at": started.astimezone(UTC).isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "database": {"kind": kind, "member": database_member},
            "migrations": migrations,
            "files": files,
        }
        data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST_MEMBER)
        info.size, info.mode, info.mtime = len(data), 0o600, int(started.timestamp())
        tar.addfile(info, io.BytesIO(data))
    return manifest


class _Hashing:
    """A file wrapper that hashes what is read through it."""

    def __init__(self, handle, digest) -> None:
        self.handle, self.digest = handle, digest

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


# --- checking an archive -------------------------------------------------------------


def archive_verify(*, archive: Path) -> dict:
    """The manifest of ``archive`` once its SHA-256 equals the one in its ``.sha256``
    file; BackupError if the checksum file is missing, differs, or the archive cannot be
    read. Changes nothing."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("%s does not exist.") % archive)
    sidecar = checksum_path(archive)
    if not sidecar.is_file():
        raise BackupError(
            _("%s is missing: without it the archive cannot be checked.") % sidecar.name
        )
    expected = sidecar.read_text().split()[0].strip().lower() if sidecar.read_text() else ""
    if sha256_of(archive) != expected:
        raise BackupError(
            _("%s is damaged: its SHA-256 differs from the one written when it was made.")
            % archive.name
        )
    try:
        with tarfile.open(archive, "r:gz") as tar:
            handle = tar.extractfile(MANIFEST_MEMBER)
            manifest = json.loads(handle.read()) if handle else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as error:
        raise BackupError(
            _("%(name)s cannot be read: %(error)s") % {"name": archive.name, "error": error}
        ) from error
    if not manifest or manifest.get("format") != FORMAT:
        raise BackupError(_("%s is not an Amity backup this version can read.") % archive.name)
    return manifest


# --- what a target holds -------------------------------------------------------------


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return [name for (name,) in rows]


def target_contents(alias: str = "default") -> list[str]:
    """What the restore target already holds, one sentence each; empty when empty."""
    found = []
    if database_kind(alias) == "sqlite":
        tables = _sqlite_tables(_sqlite_path(alias))
    else:
        tables = connections[alias].introspection.table_names()
    if tables:
        found.append(_("the database holds %d tables") % len(tables))
    if files := media_files(_media_root()):
        found.append(
            _("%(folder)s holds %(count)d files") % {"folder": _media_root(), "count": len(files)}
        )
    return found


def _unknown_migrations(recorded: dict[str, list[str]]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in recorded.items()
        for name in names
        if (app, name) not in known
    ]


def _missing_migrations(recorded: dict[str, list[str]]) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    have = {(app, name) for app, names in recorded.items() for name in names}
    return sorted(
        f"{app}.{name}" for app, name in loader.disk_migrations if (app, name) not in have
    )


# --- restoring -----------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def _extract(archive: Path, manifest: dict, staging: Path) -> dict[str, Path]:
    """Every member the manifest lists, into ``staging``, each checked against its hash."""
    listed = {entry["path"]: entry for entry in manifest["files"]}
    if not all(_safe_member(name) for name in listed):
        raise BackupError(_("%s names a file outside its folders.") % archive.name)
    extracted: dict[str, Path] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            if info.name == MANIFEST_MEMBER:
                continue
            entry = listed.get(info.name)
            if entry is None or not info.isfile():
                raise BackupError(
                    _("%(name)s holds %(member)s, which its manifest does not list.")
                    % {"name": archive.name, "member": info.name}
                )
            target = staging / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            source = tar.extractfile(info)
            with target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    _("%(member)s in %(name)s is damaged.")
                    % {"member": info.name, "name": archive.name}
                )
            extracted[info.name] = target
    if missing := sorted(set(listed) - set(extracted)):
        raise BackupError(
            _("%(name)s lacks %(member)s.") % {"name": archive.name, "member": missing[0]}
        )
    return extracted


@contextlib.contextmanager
def _staging_beside(folder: Path) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".amity-restore-", dir=folder) as work:
        yield Path(work)


def _drop_tables(alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")


def _place_sqlite(copy: Path, target: Path) -> None:
    """Put the restored file where the settings expect the database, replacing what is
    there (its write-ahead log and shared memory go with it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(copy, staged)
    staged.chmod(0o600)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def _place_media(extracted: dict[str, Path], root: Path, replace: bool) -> int:
    if replace and root.is_dir():
        for old in media_files(root):
            old.unlink()
    count = 0
    for name, source in extracted.items():
        if not name.startswith("media/"):
            continue
        target = root.joinpath(*PurePosixPath(name).parts[1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, target)
        target.chmod(settings.FILE_UPLOAD_PERMISSIONS or 0o640)
        count += 1
    return count


def backup_restore(
    *, archive: Path, alias: str = "default", replace: bool = False
) -> RestoreResult:
    """Bring the database, the uploads and the secret key of ``archive`` back.

    Checks first, changing nothing until all pass: the checksum, every member's hash, the
    database kind, that this code knows every migration of the archive, and that the
    target is empty (no tables, no files in MEDIA_ROOT) unless ``replace``, in which case
    what is there is deleted. The secret key is written to the data folder only when the
    archive has one and AMITY_SECRET_KEY is not set. Afterwards ``missing_migrations``
    lists what ``amity manage migrate`` will apply (an archive of an older Amity)."""
    archive = Path(archive)
    manifest = archive_verify(archive=archive)
    kind = database_kind(alias)
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            _("%(name)s holds a %(archived)s database; this Amity runs on %(kind)s.")
            % {"name": archive.name, "archived": manifest["database"]["kind"], "kind": kind}
        )
    if unknown := _unknown_migrations(manifest["migrations"]):
        raise BackupError(
            _("%(name)s was made by a newer Amity (migrations %(unknown)s are unknown here).")
            % {"name": archive.name, "unknown": ", ".join(unknown[:5])}
        )
    if not replace and (contents := target_contents(alias)):
        raise BackupError(
            _(
                "The target is not empty (%s): restore into an empty data folder or database, "
                "or say --replace to delete what is there."
            )
            % "; ".join(contents)
        )
    media_root = _media_root()
    with _staging_beside(media_root.parent) as staging:
        extracted = _extract(archive, manifest, staging)
        database_member = manifest["database"]["member"]
        connections[alias].close()
        if kind == "sqlite":
            _place_sqlite(extracted[database_member], _sqlite_path(alias))
        else:
            if replace:
                _drop_tables(alias)
            connections[alias].close()
            args, env = _pg_connection(alias)
            _run(
                [
                    _pg_program("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    *args,
                    str(extracted[database_member]),
                ],
                env,
            )
        files = _place_media(extracted, media_root, replace)
        if KEY_MEMBER in extracted and not os.environ.get("AMITY_SECRET_KEY"):
            _key_file().parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(extracted[KEY_MEMBER], _key_file())
            _key_file().chmod(0o600)
    connections[alias].close()
    return RestoreResult(
        manifest=manifest,
        database_kind=kind,
        files=files,
        missing_migrations=_missing_migrations(manifest["migrations"]),
    )


# --- keeping some ---------------------------------------------------------------------


def backups_prune(*, directory: Path, daily: int, monthly: int) -> list[Path]:
    """Delete the archives of ``directory`` (and their checksum files) that are neither the
    newest of one of the ``daily`` most recent days that have one, nor the newest of one
    of the ``monthly`` most recent months. Returns what was deleted; other files stay."""
    dated = []
    for path in Path(directory).iterdir():
        if match := NAME_PATTERN.match(path.name):
            dated.append((datetime.strptime(match[1], STAMP), path))
    dated.sort(reverse=True)
    keep: set[Path] = set()
    for period, count in ((lambda m: m.date(), daily), (lambda m: (m.year, m.month), monthly)):
        seen: list = []
        for moment, path in dated:
            if period(moment) not in seen and len(seen) < count:
                seen.append(period(moment))
                keep.add(path)
    removed = []
    for _moment, path in dated:
        if path not in keep:
            path.unlink()
            checksum_path(path).unlink(missing_ok=True)
            removed.append(path)
    return removed
