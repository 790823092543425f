"""Backups that restore (issue #12, figure 1): a backup of a data folder with 200,000
registrations, taken while registrations keep arriving over HTTP, restored into an empty
data folder or database and checked.

Per database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_backup``, and the empty ``amity_bench_backup_restored`` to restore into, both
created and dropped here), against the real programs on 127.0.0.1:

1. ``amity manage migrate``; a public webinar open for registration, and
   ``--registrations`` (200,000) registrations bulk-inserted (bench-only: the rows the
   service writes, each with a confirmation row in ``RegistrationEmail`` and its answers),
   plus ``--files`` (40) uploaded files of 64 KiB in MEDIA_ROOT.
2. ``amity serve`` (2 workers); ``--connections`` (8) threads send ``--rate`` (100)
   registrations a second through ``POST /api/v1/activities/{id}/registrations``, paced to
   a schedule, each with a distinct email.
3. After ``--lead`` (5) seconds of that load, ``amity manage backup`` runs (timed) while
   the registrations go on; ``--tail`` (3) seconds after it ends, the load stops.
4. ``amity manage restore`` into an empty data folder (and, on PostgreSQL, the empty
   database) (timed).
5. In the restored copy: every registration whose answer (2xx) arrived before the backup
   began is there; every bulk registration is there with the fields it was written with,
   exactly one confirmation row and its answers; every registration that came over HTTP
   and was restored holds exactly what was sent (no half-written row); no emails row
   without its registration; SQLite's integrity and foreign-key checks pass; every
   uploaded file has its hash. The registrations answered during the backup may or may
   not be in the copy (they are counted).

Loopback only; every wait has a deadline (``--max-seconds`` for the load, the harness's for
every command); the server is always stopped; nothing is written inside the repository.

    python3 dev.py bench backup [--database sqlite postgres] [--registrations 200000]
        [--rate 100] [--files 40] [--keep]
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

from benchmarks.harness import report
from benchmarks.harness.servers import (
    ROOT,
    BenchmarkError,
    Database,
    amity_command,
    amity_env,
    call_entry,
    data_folder,
    django_setup,
    fresh_database,
    log,
    postgres_database,
    print_result,
    run,
    serving,
    tail,
)

DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_backup"
PG_RESTORED = "amity_bench_backup_restored"
RATE_LIMIT = 100_000_000  # per address and minute: the limiter runs, never refuses
REQUEST_TIMEOUT_S = 30.0
COMMAND_TIMEOUT_S = 3600.0
FILE_BYTES = 64 * 1024


# --- set-up and checks, in a subprocess -------------------------------------------------


def _bulk_fields(n: int) -> dict:
    return {
        "email": f"bulk{n}@registrants.example.org",
        "family_name": f"Bulk{n}",
        "given_name": "Ming" if n % 3 else "Ana",
        "name_local": "王明" if n % 3 else "",
        "institution": f"Hospital {n % 97}",
        "country": ("CN", "US", "IT", "BR")[n % 4],
        "time_zone": ("Asia/Shanghai", "America/New_York", "Europe/Rome")[n % 3],
    }


def setup(registrations: int, files: int, media_root: str) -> dict:
    """The webinar, ``registrations`` bulk rows (each with its confirmation row and its
    answers) and ``files`` uploaded files; their digests for the check."""
    django_setup()
    from django.db import transaction
    from django.utils import timezone

    from amity.registrations.models import MessageKind, Registration, RegistrationEmail
    from benchmarks.registrations import _make_activity

    started = time.perf_counter()
    activity_id = _make_activity("Remote International Classroom (backup bench)", None, 0)
    now = timezone.now()
    batch = 5000
    for start in range(0, registrations, batch):
        with transaction.atomic():
            rows = Registration.objects.bulk_create(
                [
                    Registration(
                        activity_id=activity_id,
                        status="confirmed",
                        consent_at=now,
                        created_at=now,
                        queued_at=now,
                        answers={"n": n, "diet": "none" if n % 2 else "vegetarian"},
                        **_bulk_fields(n),
                    )
                    for n in range(start, min(start + batch, registrations))
                ]
            )
            if rows[0].pk is None:  # SQLite before returning ids: read them back
                emails = [r.email for r in rows]
                rows = list(Registration.objects.filter(email__in=emails))
            RegistrationEmail.objects.bulk_create(
                [
                    RegistrationEmail(
                        registration_id=row.pk, kind=MessageKind.CONFIRMATION, created_at=now
                    )
                    for row in rows
                ]
            )
    rng = random.Random(20200401)
    digests = {}
    root = Path(media_root)
    for n in range(files):
        path = root / "sharing" / f"{n // 10:02d}" / f"experience-{n:03d}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        content = b"%PDF-1.4\n" + rng.randbytes(FILE_BYTES)
        path.write_bytes(content)
        digests[str(path.relative_to(root))] = hashlib.sha256(content).hexdigest()
    return {
        "activity_id": activity_id,
        "files": digests,
        "seconds": round(time.perf_counter() - started, 1),
    }


def check(activity_id: int, registrations: int, sent_path: str, media_root: str) -> dict:
    """What the restored copy holds (see the module's docstring, step 5)."""
    django_setup()
    from django.db import connection
    from django.db.models import Count

    from amity.registrations.models import Registration, RegistrationEmail

    sent = json.loads(Path(sent_path).read_text())
    rows = Registration.objects.filter(activity_id=activity_id)
    bulk_bad = 0
    bulk_seen = 0
    emails_per = dict(
        RegistrationEmail.objects.filter(registration__activity_id=activity_id)
        .values_list("registration_id")
        .annotate(n=Count("id"))
        .values_list("registration_id", "n")
    )
    fields = ["pk", "email", "answers", *_bulk_fields(0)]
    for row in rows.filter(email__startswith="bulk").values(*fields).iterator(chunk_size=5000):
        bulk_seen += 1
        n = row["answers"].get("n") if isinstance(row["answers"], dict) else None
        expected = _bulk_fields(n) if isinstance(n, int) else {}
        if (
            any(row[key] != value for key, value in expected.items())
            or not expected
            or emails_per.get(row["pk"]) != 1
        ):
            bulk_bad += 1
    http_rows = {
        row["email"]: row
        for row in rows.exclude(email__startswith="bulk").values(
            "email", "family_name", "given_name", "name_local", "institution", "country"
        )
    }
    missing_acked, half_written = [], []
    for person in sent["before"] + sent["during"] + sent["after"]:
        row = http_rows.get(person["email"].lower())
        if row is None:
            continue
        if any(row[key] != person[key] for key in row if key != "email"):
            half_written.append(person["email"])
    for person in sent["before"]:
        if person["email"].lower() not in http_rows:
            missing_acked.append(person["email"])
    during = {p["email"].lower() for p in sent["during"]}
    orphans = RegistrationEmail.objects.exclude(
        registration_id__in=Registration.objects.values("pk")
    ).count()
    integrity = "ok"
    foreign_key_problems = 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            integrity = cursor.execute("PRAGMA integrity_check").fetchone()[0]
            foreign_key_problems = len(cursor.execute("PRAGMA foreign_key_check").fetchall())
    root = Path(media_root)
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }
    return {
        "bulk_expected": registrations,
        "bulk_restored": bulk_seen,
        "bulk_inconsistent": bulk_bad,
        "acked_before_backup": len(sent["before"]),
        "acked_before_missing": len(missing_acked),
        "missing_examples": missing_acked[:5],
        "acked_during_backup": len(during),
        "acked_during_restored": len(during & set(http_rows)),
        "http_rows_restored": len(http_rows),
        "half_written": len(half_written),
        "orphan_email_rows": orphans,
        "integrity": integrity,
        "foreign_key_problems": foreign_key_problems,
        "files": files,
    }


ENTRIES = {"setup": setup, "check": check}


def _entry() -> None:
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(env: dict, cwd: Path, name: str, **kwargs) -> dict:
    return call_entry(
        "benchmarks.backup", "_entry", [name, json.dumps(kwargs)], env, cwd, COMMAND_TIMEOUT_S
    )


# --- the load -------------------------------------------------------------------------


class Load:
    """``rate`` registrations a second on a schedule, from ``connections`` threads, until
    stopped or ``max_seconds``; each answer is stamped with the time it arrived."""

    def __init__(self, port: int, path: str, people: list[dict], rate: float, connections: int):
        self.port, self.path, self.people, self.rate = port, path, people, rate
        self.connections = connections
        self.answers: list[tuple[float, int, dict]] = []  # (arrived, status, payload)
        self.errors: list[str] = []
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self, max_seconds: float) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + max_seconds
        for n in range(self.connections):
            thread = threading.Thread(target=self._send, name=f"load-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 5)

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= len(self.people):
                return None
            self._next += 1
            return self._next - 1

    def _send(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            while not self._stop.is_set() and time.monotonic() < self.deadline:
                index = self._take()
                if index is None:
                    return
                due = self.started + index / self.rate
                if (wait := due - time.monotonic()) > 0 and self._stop.wait(wait):
                    return
                person = self.people[index]
                body = json.dumps(person).encode()
                try:
                    connection.request(
                        "POST", self.path, body, {"Content-Type": "application/json"}
                    )
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    self.errors.append(repr(error))
                    connection.close()
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S
                    )
                    continue
                with self._lock:
                    self.answers.append((time.time(), status, person))
        finally:
            connection.close()


# --- one database ---------------------------------------------------------------------


def _timed(command: list[str], env: dict, cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    out = run(command, env, cwd, COMMAND_TIMEOUT_S)
    return time.perf_counter() - started, out


def figure(kind: str, ns: argparse.Namespace) -> dict:
    from benchmarks.registrations import registrants

    label = f"backup-{kind}"
    people = registrants(int(ns.rate * ns.max_seconds) + 10, ns.seed, "live")
    with contextlib.ExitStack() as stack:
        db: Database = stack.enter_context(
            fresh_database(
                kind,
                label,
                prefix=f"amity-bench-{label}-",
                postgres_url=ns.postgres,
                postgres_name=PG_NAME,
                env={"AMITY_REGISTRATION_RATE": str(RATE_LIMIT)},
                keep=ns.keep,
            )
        )
        media = db.data_dir / "media"
        log(f"[{label}] inserting {ns.registrations:,} registrations and {ns.files} files")
        made = _call(
            db.env,
            db.data_dir,
            "setup",
            registrations=ns.registrations,
            files=ns.files,
            media_root=str(media),
        )
        log(f"[{label}] set up in {made['seconds']} s")
        backups = db.data_dir.parent / f"{db.data_dir.name}-archives"
        backups.mkdir()
        stack.callback(lambda: None if ns.keep else _remove(backups))
        path = f"/api/v1/activities/{made['activity_id']}/registrations"
        with serving(db.env, db.data_dir, workers=ns.workers, threads=1, name=label) as server:
            load = Load(server.port, path, people, ns.rate, ns.connections)
            load.start(ns.max_seconds)
            time.sleep(ns.lead)
            backup_began = time.time()
            log(f"[{label}] backup begins, {len(load.answers)} registrations answered so far")
            try:
                backup_s, out = _timed(
                    [*amity_command(), "manage", "backup", "--output", str(backups)],
                    db.env,
                    db.data_dir,
                )
            finally:
                backup_ended = time.time()
                time.sleep(ns.tail)
                load.stop()
            if load.errors:
                raise BenchmarkError(f"{len(load.errors)} requests failed: {load.errors[:3]}")
        archive = Path(out.splitlines()[0].strip())
        log(f"[{label}] backup took {backup_s:.1f} s: {archive.name}")
        statuses = [status for _at, status, _p in load.answers]
        # The public API answers every accepted registration alike (2xx), new or known.
        wrong = [s for s in statuses if not 200 <= s < 300]
        if wrong:
            raise BenchmarkError(f"{len(wrong)} registrations answered {set(wrong)}, not 2xx")
        sent = {"before": [], "during": [], "after": []}
        for arrived, _status, person in load.answers:
            when = (
                "before"
                if arrived < backup_began
                else ("during" if arrived <= backup_ended else "after")
            )
            sent[when].append(person)
        sent_path = backups / "sent.json"
        sent_path.write_text(json.dumps(sent))

        # Restore into an empty data folder (and database).
        target_dir = stack.enter_context(data_folder(f"amity-bench-{label}-restored-", ns.keep))
        env = {
            **amity_env(target_dir),
            "AMITY_REGISTRATION_RATE": str(RATE_LIMIT),
        }
        if kind == "postgres":
            env["DATABASE_URL"] = stack.enter_context(
                postgres_database(ns.postgres, PG_RESTORED, ns.keep)
            )
        restore_s, _out = _timed(
            [*amity_command(), "manage", "restore", str(archive)], env, target_dir
        )
        log(f"[{label}] restore took {restore_s:.1f} s")
        checked = _call(
            env,
            target_dir,
            "check",
            activity_id=made["activity_id"],
            registrations=ns.registrations,
            sent_path=str(sent_path),
            media_root=str(target_dir / "media"),
        )
        files_ok = checked.pop("files") == made["files"]
        result = {
            "registrations": ns.registrations,
            "archive_mb": round(archive.stat().st_size / 2**20, 1),
            "backup_s": round(backup_s, 1),
            "restore_s": round(restore_s, 1),
            "arrived_per_s": round(
                len(load.answers) / max(load.answers[-1][0] - load.answers[0][0], 1e-9), 1
            )
            if len(load.answers) > 1
            else 0.0,
            "files_identical": files_ok,
            **checked,
        }
        result["all_ok"] = (
            files_ok
            and checked["acked_before_missing"] == 0
            and checked["half_written"] == 0
            and checked["bulk_restored"] == ns.registrations
            and checked["bulk_inconsistent"] == 0
            and checked["orphan_email_rows"] == 0
            and checked["integrity"] == "ok"
            and checked["foreign_key_problems"] == 0
            and checked["acked_before_backup"] > 0
            and checked["acked_during_backup"] > 0
        )
        if not result["all_ok"]:
            log(f"[{label}] FAILED: {json.dumps(result)}\n{tail(server.log)}")
        return result


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


# --- the report -----------------------------------------------------------------------


def _print_report(results: dict) -> None:
    widths = [10, 9, 9, 10, 11, 9, 11, 9, 8, 6]
    print(
        report.table(
            widths,
            [
                "database",
                "rows",
                "arch MB",
                "backup s",
                "restore s",
                "acked<",
                "missing",
                "during",
                "half",
                "ok",
            ],
            [
                [
                    kind,
                    r["registrations"],
                    r["archive_mb"],
                    r["backup_s"],
                    r["restore_s"],
                    r["acked_before_backup"],
                    r["acked_before_missing"],
                    f"{r['acked_during_restored']}/{r['acked_during_backup']}",
                    r["half_written"],
                    "yes" if r["all_ok"] else "NO",
                ]
                for kind, r in results.items()
            ],
        )
    )


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks backup", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres",
        default=os.environ.get("AMITY_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help=f"server URL (no database); {PG_NAME} and {PG_RESTORED} are made and dropped",
    )
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--rate", type=float, default=100.0, help="registrations a second")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--lead", type=float, default=5.0, help="seconds of load before")
    parser.add_argument("--tail", type=float, default=3.0, help="seconds of load after")
    parser.add_argument(
        "--max-seconds", type=float, default=600.0, help="the load stops by then at the latest"
    )
    parser.add_argument("--seed", type=int, default=20200401)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    ns = parser.parse_args(argv)
    if ns.registrations < 1 or ns.rate <= 0 or ns.connections < 1 or ns.lead <= 0:
        parser.error("--registrations, --rate, --connections and --lead must be positive")
    return ns


def main(argv: list[str]) -> int:
    ns = _arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    code = report.code_version()
    started = time.perf_counter()
    results: dict = {}
    try:
        for kind in ns.database:
            results[kind] = figure(kind, ns)
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    _print_report(results)
    print(
        json.dumps(
            {
                "benchmark": "backup",
                "machine": report.machine(),
                "code": code,
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
                "root": str(ROOT),
            },
            indent=2,
            default=str,
        )
    )
    return 0 if all(r["all_ok"] for r in results.values()) else 1
