"""Reports (issue #15, figure 1): the dashboard of breadth and depth (``GET /reports/``, this
year against last year, every registered figure with its breakdowns) on a generated
five-year history: ``--institutions`` (500) partner institutions, ``--activities`` (5,000)
activities, ``--registrations`` (200,000) registrations and ``--attendance`` (1,000,000)
attendance rows, with letters, documents and downloads, aid, research and courses
(``benchmarks.history.build_history``: bulk-created, deterministic for ``--seed``).

Each database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_reports``, created and dropped here) is migrated with ``amity manage migrate``
and filled; then, through Django's test client in subprocesses with Amity's settings and an
office-staff login:

cold    ``--runs`` (5) new processes, each booted as ``amity serve`` boots its workers
        (``amity.cli.warm_up``: URLs, templates, catalogues, zones and the map's outlines
        loaded before the fork), then timing its first ``GET /reports/`` after one
        ``GET /healthz``: no report rendered yet, Django's cache emptied (no figure, chart
        or map of an earlier request), the database connection new;
warm    ``--runs`` requests in one process after one warm-up, the cache cleared before each.

Medians in milliseconds; goal: the cold dashboard under 500 ms (median of 5) on SQLite.

    .venv/bin/python -m benchmarks reports [--database sqlite postgres] [--institutions 500]
        [--activities 5000] [--registrations 200000] [--attendance 1000000] [--runs 5]
"""

import argparse
import json
import os
import signal
import sys
import time

from benchmarks.harness import report
from benchmarks.harness.servers import (
    MIGRATE_TIMEOUT_S,
    BenchmarkError,
    Database,
    amity_command,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
    run,
)

DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_reports"
GOAL_MS = 500.0
DASHBOARD = "/reports/"
BUILD_TIMEOUT_S = 3600.0


def build(seed: int, institutions: int, activities: int, registrations: int, attendance: int):
    django_setup()
    from django.db import transaction

    from amity.accounts.models import Role
    from amity.accounts.services import user_create
    from benchmarks.history import build_history

    started = time.perf_counter()
    with transaction.atomic():
        counts = build_history(
            seed=seed,
            institutions=institutions,
            activities=activities,
            registrations=registrations,
            attendance=attendance,
        )
        user_create(
            username="bench-office",
            email="office@example.cn",
            password=None,
            role=Role.OFFICE_STAFF,
        )
    from django.db import connection

    # As a database that has been in use would have: statistics for the planner, the
    # build's write-ahead log folded into the file and written out, so that the timings
    # below do not wait for the disk to absorb the build.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.sync()
    return {"seconds": round(time.perf_counter() - started, 1), "counts": counts}


def _client():
    from django.test import Client

    from amity.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="bench-office"))
    return client


def _get(client, path: str) -> tuple[float, float, int, bytes]:
    cpu = time.process_time()
    started = time.perf_counter()
    response = client.get(path)
    return (
        time.perf_counter() - started,
        time.process_time() - cpu,
        response.status_code,
        response.content,
    )


def time_cold() -> dict:
    django_setup()
    from django.core.cache import cache
    from django.db import connection

    from amity.cli import warm_up

    warm_up()  # as `amity serve` does before its workers fork
    client = _client()
    client.get("/healthz")
    # The cache is a folder that outlives the process: what an earlier run left there (the
    # world map of the period) would make this run's request warm.
    cache.clear()
    connection.close()  # the request below opens its own, as a new worker's first does
    seconds, cpu, status, body = _get(client, DASHBOARD)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "status": status,
        "figures": body.count(b'class="figure-card"'),
    }


def time_warm(runs: int) -> dict:
    django_setup()
    from django.core.cache import cache

    client = _client()
    _get(client, DASHBOARD)
    samples, cpu, statuses = [], [], set()
    for _ in range(runs):
        cache.clear()
        seconds, cpu_seconds, status, _body = _get(client, DASHBOARD)
        samples.append(seconds)
        cpu.append(cpu_seconds)
        statuses.add(status)
    out = report.latency_ms(samples, (0.95,))
    out["cpu_median_ms"] = report.ms(report.median(cpu, 6))
    out["status"] = sorted(statuses)
    return out


ENTRIES = {"build": build, "time_cold": time_cold, "time_warm": time_warm}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(db: Database, name: str, timeout: float | None = None, **kwargs) -> dict:
    extra = {"timeout": timeout} if timeout else {}
    return call_entry(
        "benchmarks.reports", "_entry", [name, json.dumps(kwargs)], db.env, db.data_dir, **extra
    )


def figure(kind: str, ns: argparse.Namespace) -> dict:
    label = f"reports-{kind}"
    with fresh_database(
        kind,
        label,
        prefix=f"amity-bench-reports-{kind}-",
        postgres_url=ns.postgres,
        postgres_name=PG_NAME,
        keep=ns.keep,
    ) as db:
        collect = [*amity_command(), "manage", "collectstatic", "--noinput", "-v", "0"]
        run(collect, db.env, db.data_dir, MIGRATE_TIMEOUT_S)
        built = _call(
            db,
            "build",
            timeout=BUILD_TIMEOUT_S,
            seed=ns.seed,
            institutions=ns.institutions,
            activities=ns.activities,
            registrations=ns.registrations,
            attendance=ns.attendance,
        )
        log(f"[{label}] built {built['counts']} in {built['seconds']} s")
        cold_runs = [_call(db, "time_cold") for _ in range(ns.runs)]
        warm = _call(db, "time_warm", runs=ns.runs)
    cold = report.latency_ms([r["seconds"] for r in cold_runs], (0.95,))
    cold["cpu_median_ms"] = report.ms(report.median([r["cpu"] for r in cold_runs], 6))
    cold["status"] = sorted({r["status"] for r in cold_runs})
    cold["figures"] = sorted({r["figures"] for r in cold_runs})
    ok = cold["status"] == [200] and warm["status"] == [200]
    meets = ok and (kind != "sqlite" or cold["median_ms"] < GOAL_MS)
    log(
        f"[{label}] dashboard: cold median {cold['median_ms']} ms (CPU {cold['cpu_median_ms']} "
        f"ms), warm median {warm['median_ms']} ms" + ("" if meets else "  <-- MISS")
    )
    return {"built": built, "cold": cold, "warm": warm, "meets_goal": meets}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks reports", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help=f"server URL (no database); the benchmark creates and drops {PG_NAME}",
    )
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--attendance", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.institutions, ns.activities, ns.runs) < 1:
        parser.error("--institutions, --activities and --runs at least 1")
    return ns


def main(argv: list[str]) -> int:
    if argv[:2] == ["--figure", "annual"]:  # the annual report's DOCX and PDF (reports_documents)
        return __import__("benchmarks.reports_documents").reports_documents.main(argv[2:])
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
    with open("/proc/loadavg", encoding="ascii") as handle:
        load = handle.read().split()[:3]
    print(
        f"reports dashboard: {ns.institutions} institutions, {ns.activities} activities, "
        f"{ns.registrations} registrations, {ns.attendance} attendance rows over five years; "
        f"cold = first request of {ns.runs} new processes, warm = median of {ns.runs} in one "
        f"process with the cache cleared; load average {' '.join(load)}"
    )
    header = ("database", "cold median", "cold p95", "cold CPU", "warm median", "figures", "goal")
    rows = [
        [
            kind,
            r["cold"]["median_ms"],
            r["cold"]["p95_ms"],
            r["cold"]["cpu_median_ms"],
            r["warm"]["median_ms"],
            ",".join(map(str, r["cold"]["figures"])),
            "met" if r["meets_goal"] else "MISS",
        ]
        for kind, r in results.items()
    ]
    print(report.table((9, 12, 9, 9, 12, 8, 5), header, rows))
    for kind, r in results.items():
        print(f"  {kind:<9} built {r['built']['counts']} in {r['built']['seconds']} s")
    print(f"goal: cold dashboard median < {GOAL_MS:.0f} ms on SQLite\ncode: {code}")
    print(
        json.dumps(
            {
                "benchmark": "reports",
                "machine": report.machine(),
                "load": load,
                "code": code,
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    return 0 if all(r["meets_goal"] for r in results.values()) else 1
