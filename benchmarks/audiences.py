"""Audiences beyond one room (issue #16). Figure 1 (``room``) is measured here; figures 2
and 3 (``group``, ``merge``) by ``benchmarks.audiences_groups``, called from here.

Figure 1: a lecture with ``--registered`` (10,000) confirmed registrants, a Tencent
Meeting room for ``--room`` (1,000) and a livestream on the hospital streaming server.
Each database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_audiences``, created and dropped here) is migrated with ``amity manage
migrate``; the registrants are bulk-created as the services would have written them and
assigned once by ``rooms.rooms_rebalance`` (not timed). Then, timed, the organiser raises
the room limit to ``--new-room`` (2,000) through ``rooms.room_limit_set`` — the service
the page and the API call: lock, recount, move, queue one email task per person moved,
commit. Afterwards the benchmark checks that exactly the expected number of people moved
(1,000) and that exactly as many ``way_in`` email tasks were queued (the worker turns each
into one email; ``RegistrationEmail`` keeps that to once). Then it lowers the limit back
(also timed), which moves the same people back to the stream.

Goal: under 5 s on SQLite (reported for PostgreSQL too).

    .venv/bin/python -m benchmarks audiences [--figure room group merge]
        [--database sqlite postgres] [--registered 10000] [--room 1000] [--new-room 2000]
"""

import argparse
import json
import signal
import sys
import time

from benchmarks.harness import report
from benchmarks.harness.servers import (
    BenchmarkError,
    Database,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
)

DATABASES = ("sqlite", "postgres")
FIGURES = ("room", "group", "merge")
PG_NAME = "amity_bench_audiences"
GOAL_S = 5.0


def build(registered: int, room: int) -> dict:
    """The lecture, its room and livestream, and ``registered`` confirmed people."""
    django_setup()
    from datetime import datetime, timedelta

    from django.db import transaction
    from django.utils import timezone

    from amity.events import services as event_services
    from amity.events import timing
    from amity.registrations import rooms
    from amity.registrations.models import Registration, RegistrationSettings, WayIn

    started = time.perf_counter()
    activity = event_services.activity_create(
        fields={
            "title": "Remote International Classroom: paediatric endocrinology",
            "title_local": "远程国际课堂：儿科内分泌",
            "kind": "lecture",
            "status": "confirmed",
            "visibility": "public",
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2027, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    RegistrationSettings.objects.create(activity=activity, capacity=None)
    rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "room",
            "platform": "Tencent Meeting",
            "url": "https://meeting.tencent.com/dm/bench",
            "capacity": room,
            "priority": "first_come",
        },
    )
    rooms.way_in_save(
        way_in=WayIn(activity=activity),
        fields={
            "kind": "stream",
            "platform": "Hospital streaming server",
            "url": "https://live.zch.example.cn/bench",
        },
    )
    now = timezone.now()
    with transaction.atomic():
        Registration.objects.bulk_create(
            (
                Registration(
                    activity=activity,
                    email=f"doctor{n}@hospital{n % 300}.example.cn",
                    family_name=f"Zhang{n}",
                    given_name="Wei",
                    institution=f"Provincial children's hospital {n % 300}",
                    country="CN",
                    profession="physician",
                    time_zone="Asia/Shanghai",
                    status="confirmed",
                    consent_at=now,
                    created_at=now + timedelta(microseconds=n),
                    queued_at=now + timedelta(microseconds=n),
                )
                for n in range(registered)
            ),
            batch_size=2000,
        )
        rooms.rooms_rebalance(activity=activity)
    return {"activity": activity.pk, "seconds": round(time.perf_counter() - started, 1)}


def _way_in_tasks() -> int:
    from django_tasks_db.models import DBTaskResult

    return sum(
        1
        for kwargs in DBTaskResult.objects.values_list("args_kwargs", flat=True)
        if (kwargs.get("kwargs") or {}).get("kind") == "way_in"
    )


def change_limit(activity: int, capacity: int) -> dict:
    """Time ``room_limit_set``; count who is where and the email tasks queued."""
    django_setup()
    from django.db.models import Count

    from amity.events.models import Activity
    from amity.registrations import rooms
    from amity.registrations.models import Registration

    target = Activity.objects.get(pk=activity)
    before = _way_in_tasks()
    started = time.perf_counter()
    cpu = time.process_time()
    moved = rooms.room_limit_set(activity=target, capacity=capacity)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    counts = dict(
        Registration.objects.filter(activity=target)
        .values_list("way_in__kind")
        .annotate(n=Count("pk"))
        .values_list("way_in__kind", "n")
    )
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "moved": moved,
        "emails_queued": _way_in_tasks() - before,
        "room": counts.get("room", 0),
        "stream": counts.get("stream", 0),
    }


ENTRIES = {"build": build, "change_limit": change_limit}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(db: Database, name: str, **kwargs) -> dict:
    return call_entry(
        "benchmarks.audiences", "_entry", [name, json.dumps(kwargs)], db.env, db.data_dir
    )


def figure_room(kind: str, ns: argparse.Namespace) -> dict:
    label = f"audiences-{kind}"
    with fresh_database(
        kind,
        label,
        prefix=f"amity-bench-audiences-{kind}-",
        postgres_url=ns.postgres_url,
        postgres_name=PG_NAME,
    ) as db:
        built = _call(db, "build", registered=ns.registered, room=ns.room)
        log(f"[{label}] built {ns.registered} registrants in {built['seconds']} s")
        up = _call(db, "change_limit", activity=built["activity"], capacity=ns.new_room)
        down = _call(db, "change_limit", activity=built["activity"], capacity=ns.room)
    expected = ns.new_room - ns.room
    ok = all(r["moved"] == expected and r["emails_queued"] == expected for r in (up, down)) and (
        up["room"],
        up["stream"],
    ) == (ns.new_room, ns.registered - ns.new_room)
    for name, r in (("raise", up), ("lower", down)):
        log(
            f"[{label}] {name}: {r['seconds']} s (CPU {r['cpu_seconds']} s), moved {r['moved']}, "
            f"emails queued {r['emails_queued']}, room {r['room']}, stream {r['stream']}"
        )
    return {
        "raise": up,
        "lower": down,
        "correct": ok,
        "meets_goal": ok and (kind != "sqlite" or up["seconds"] < GOAL_S),
    }


def _arguments(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks audiences", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--figure", nargs="+", default=list(FIGURES), choices=[*FIGURES, "rooms"])
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres-url",
        default="postgres://postgres@127.0.0.1:5432",
        help=f"server URL (no database); the benchmark creates and drops {PG_NAME}",
    )
    parser.add_argument("--registered", type=int, default=10_000)
    parser.add_argument("--room", type=int, default=1_000)
    parser.add_argument("--new-room", type=int, default=2_000)
    ns, rest = parser.parse_known_args(argv)
    ns.figure = ["room" if f == "rooms" else f for f in ns.figure]
    if not 0 < ns.room < ns.new_room <= ns.registered:
        parser.error("need 0 < --room < --new-room <= --registered")
    return ns, rest


def main(argv: list[str]) -> int:
    ns, rest = _arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    status = 0
    others = [f for f in ns.figure if f in ("group", "merge")]
    if "room" in ns.figure:
        status |= _main_room(ns)
    if others:
        from benchmarks import audiences_groups

        passed = ["--database", *ns.database, "--postgres-url", ns.postgres_url, *rest]
        status |= audiences_groups.main(["--figure", *others, *passed])
    return status


def _main_room(ns: argparse.Namespace) -> int:
    code = report.code_version()
    started = time.perf_counter()
    results: dict = {}
    try:
        for kind in ns.database:
            results[kind] = figure_room(kind, ns)
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    print(
        f"figure 1 (room): {ns.registered} confirmed, room limit {ns.room} -> {ns.new_room} "
        f"and back, one livestream; time of rooms.room_limit_set (lock, recount, move, queue "
        f"one email task per person moved, commit)"
    )
    for kind, r in results.items():
        print(
            f"  {kind:<9} raise {r['raise']['seconds']:.2f} s (moved {r['raise']['moved']}, "
            f"emails {r['raise']['emails_queued']}), lower {r['lower']['seconds']:.2f} s "
            f"(moved {r['lower']['moved']}, emails {r['lower']['emails_queued']}) "
            f"{'ok' if r['meets_goal'] else 'MISS'}"
        )
    print(
        f"goal: under {GOAL_S:.0f} s on SQLite, exactly {ns.new_room - ns.room} moved and emailed"
    )
    print(f"code: {code}")
    print(
        json.dumps(
            {
                "benchmark": "audiences",
                "figure": "room",
                "machine": report.machine(),
                "code": code,
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres_url"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    return 0 if all(r["meets_goal"] for r in results.values()) else 1
