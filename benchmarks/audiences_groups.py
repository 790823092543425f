"""Audiences beyond one room (issue #16), figures 2 and 3: a team's table registered at once,
and a session's attendance merged across its room and its livestream.

``group``  A ``--rows`` (2,000) row CSV as Excel in China saves it (GB18030, Chinese
           headers 姓名/拼音/邮箱/职业/时区, full-width characters and trailing spaces in
           some cells) for an activity with ``--rows`` × ¾ places: read, checked row by
           row and registered through ``groups.group_register`` (one transaction under the
           activity's lock, places then waiting list, one email task per person queued).
           Checked: every row registered, exactly the places confirmed, the rest waiting,
           one task each. Goal: under 10 s. Then the same table with 3 bad rows (a bad
           address, a duplicate, an unknown profession): ``TeamInvalid`` must name exactly
           those 3 rows and nothing may be written.
``merge``  An activity with ``--registrants`` (10,000) registrants and one 90-minute
           session; a Zoom participants report of ``--room-rows`` (1,000) rows (some
           people rejoin, some are guests known only by name) is read first, then a
           livestream viewer export of ``--stream-rows`` (20,000) rows (email, phone or
           nickname, watch minutes, join and leave times for most) is read and merged:
           parsed, matched, recorded and every registrant's minutes recounted over both.
           Checked: a person in the room 08:00–09:00 and on the stream 08:45–09:30 has 90
           minutes, not 105. Goal: the stream's read and merge under 5 s.

Each database (SQLite in a temporary data folder; PostgreSQL ``amity_bench_groups`` made
and dropped here) is migrated with ``amity manage migrate``; the work runs in a subprocess
with Amity's settings. A table goes to stdout, followed by JSON of all figures.

    .venv/bin/python -m benchmarks audiences --figure group merge [--database sqlite postgres]
        [--rows 2000] [--registrants 10000] [--room-rows 1000] [--stream-rows 20000]
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from benchmarks.harness import report
from benchmarks.harness.servers import (
    BenchmarkError,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
)

FIGURES = ("group", "merge")
DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_groups"
GOAL_GROUP_S = 10.0
GOAL_MERGE_S = 5.0
# fmt: off
FAMILY = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
          ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"),
         ("燕", "Yan"), ("军", "Jun"), ("慧", "Hui"), ("强", "Qiang"), ("娜", "Na")]
# fmt: on
PROFESSIONS = ["医生", "护士", "Physician", "nurse", "治疗师", "学生", ""]


# --- in the subprocess ---------------------------------------------------------------------


def _activity(title: str, capacity: int | None):
    from amity.events import services as event_services
    from amity.events import timing
    from amity.registrations import services

    activity = event_services.activity_create(
        fields={
            "title": title,
            "kind": "webinar",
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
    services.registration_settings_save(activity=activity, fields={"capacity": capacity})
    return activity


def _bad_rows(rows: int) -> tuple[int, int, int]:
    """The spreadsheet rows (the header is row 1) made bad: 11, 1001 and 1901 of 2,000."""
    return 11, rows // 2 + 1, rows - rows // 20 + 1


def _team_csv(rows: int, bad: bool) -> bytes:
    rng = random.Random(16)  # noqa: S311 - benchmark data
    lines = ["姓名,拼音,邮箱,职业,时区"]
    for n in range(rows):
        family, family_latin = rng.choice(FAMILY)
        given, given_latin = rng.choice(GIVEN)
        email = f"{given_latin.lower()}.{family_latin.lower()}.{n}@hospital.example.cn"
        if n % 97 == 0:
            email = email.replace("@", "＠") + "  "  # full-width at sign, trailing spaces
        zone = "Asia/Shanghai" if n % 3 else ""
        lines.append(
            f"{family}{given},{family_latin.upper()} {given_latin},{email},"
            f"{rng.choice(PROFESSIONS)},{zone}"
        )
    if bad:
        # A bad address, a duplicate of another row's address, an unknown profession.
        first, second, third = _bad_rows(rows)
        lines[first - 1] = lines[first - 1].replace("@", " at ").replace("＠", " at ")
        cells = lines[second - 1].split(",")
        cells[2] = lines[5].split(",")[2].strip()
        lines[second - 1] = ",".join(cells)
        cells = lines[third - 1].split(",")
        cells[3] = "厨师"
        lines[third - 1] = ",".join(cells)
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def group(rows: int) -> dict:
    django_setup()
    from django_tasks_db.models import DBTaskResult

    from amity.registrations import groups
    from amity.registrations.models import Registration, RegistrationStatus

    places = rows * 3 // 4
    activity = _activity("Group upload benchmark", places)
    good, bad = _team_csv(rows, bad=False), _team_csv(rows, bad=True)
    tasks_before = DBTaskResult.objects.count()

    started = time.perf_counter()
    table = groups.read_team_table(good, "team.csv")
    read_s = time.perf_counter() - started
    submission, _check = groups.group_register(activity=activity, table=table, user=None)
    total_s = time.perf_counter() - started

    counts = {
        "registered": Registration.objects.filter(activity=activity).count(),
        "confirmed": Registration.objects.filter(
            activity=activity, status=RegistrationStatus.CONFIRMED
        ).count(),
        "waiting": Registration.objects.filter(
            activity=activity, status=RegistrationStatus.WAITING
        ).count(),
        "tasks_queued": DBTaskResult.objects.count() - tasks_before,
    }
    expected = {
        "registered": rows,
        "confirmed": places,
        "waiting": rows - places,
        "tasks_queued": rows,
    }

    second = _activity("Group upload benchmark, bad rows", places)
    started = time.perf_counter()
    try:
        groups.group_register(
            activity=second, table=groups.read_team_table(bad, "team.csv"), user=None
        )
        named: list = []
    except groups.TeamInvalid as invalid:
        named = [(p.row, p.column, p.message) for p in invalid.check.problems]
    refused_s = time.perf_counter() - started
    written = Registration.objects.filter(activity=second).count()
    return {
        "rows": rows,
        "read_s": round(read_s, 3),
        "total_s": round(total_s, 3),
        "counts": counts,
        "counts_ok": counts == expected and submission.rows == rows,
        "bad_table_s": round(refused_s, 3),
        "bad_rows_named": named,
        "bad_ok": [row for row, _c, _m in named] == list(_bad_rows(rows)) and written == 0,
        "meets_goal": total_s < GOAL_GROUP_S,
    }


def _zoom_time(moment: datetime) -> str:
    local = moment + timedelta(hours=8)
    return local.strftime("%m/%d/%Y %I:%M:%S %p")


def merge(registrants: int, room_rows: int, stream_rows: int) -> dict:
    django_setup()
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from amity.registrations.attendance import parse_report
    from amity.registrations.attendance_import import attendance_import
    from amity.registrations.attendance_merge import session_figures
    from amity.registrations.models import Registration

    activity = _activity("Merge benchmark", None)
    session = activity.sessions.get()
    now = timezone.now()
    people = []
    for n in range(registrants):
        family, family_latin = FAMILY[n % 10]
        given, given_latin = GIVEN[(n // 10) % 10]
        people.append(
            Registration(
                activity=activity,
                status="confirmed",
                consent_at=now,
                email=f"viewer{n}@hospital.example.cn",
                family_name=f"{family_latin}{n}",
                given_name=given_latin,
                name_local=f"{family}{given}{n}",
                time_zone="Asia/Shanghai",
            )
        )
    Registration.objects.bulk_create(people, batch_size=1000)
    start = datetime(2027, 4, 17, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    rng = random.Random(3)  # noqa: S311 - benchmark data

    room = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    room.append(f"Probe,viewer0@hospital.example.cn,{_zoom_time(start)},"
                f"{_zoom_time(start + timedelta(minutes=60))},60,No")  # fmt: skip
    for n in range(1, room_rows):
        joined = start + timedelta(minutes=rng.randint(0, 40))
        left = joined + timedelta(minutes=rng.randint(5, 50))
        minutes = int((left - joined).total_seconds() // 60)
        if n % 5 == 0:
            room.append(f"Guest {n},,{_zoom_time(joined)},{_zoom_time(left)},{minutes},Yes")
        else:
            person = n % (room_rows * 4 // 5)
            room.append(
                f"Viewer {person},viewer{person}@hospital.example.cn,{_zoom_time(joined)},"
                f"{_zoom_time(left)},{minutes},No"
            )
    stream = ["观众昵称,手机号,邮箱,观看时长(分钟),进入时间,离开时间"]
    stream.append("探针,,viewer0@hospital.example.cn,45,2027-04-17 08:45:00,2027-04-17 09:30:00")
    for n in range(1, stream_rows):
        joined = datetime(2027, 4, 17, 8, 0) + timedelta(minutes=rng.randint(0, 60))
        minutes = rng.randint(1, 30)
        left = joined + timedelta(minutes=minutes)
        times = (f"{joined:%Y-%m-%d %H:%M:%S}", f"{left:%Y-%m-%d %H:%M:%S}")
        if n % 7 == 0:
            times = ("", "")  # some platforms give only the watch minutes
        if n % 2:
            who = f"观众{n},,viewer{n % registrants}@hospital.example.cn"
        else:
            who = f"手机用户{n},1380013{n % 10000:04d},"
        stream.append(f"{who},{minutes},{times[0]},{times[1]}")
    room_bytes = ("\n".join(room) + "\n").encode("utf-8")
    stream_bytes = ("\n".join(stream) + "\n").encode("utf-8")
    zone = ZoneInfo("Asia/Shanghai")

    started = time.perf_counter()
    parsed = parse_report(room_bytes, filename="zoom.csv", tz=zone)
    attendance_import(activity=activity, session=session, filename="zoom.csv", parsed=parsed,
                      user=None, platform="room")  # fmt: skip
    room_s = time.perf_counter() - started

    started = time.perf_counter()
    parsed = parse_report(stream_bytes, filename="stream.csv", tz=zone)
    record = attendance_import(
        activity=activity, session=session, filename="stream.csv", parsed=parsed, user=None,
        platform="stream", platform_name="bilibili",
    )  # fmt: skip
    merge_s = time.perf_counter() - started

    started = time.perf_counter()
    (figures,) = session_figures(activity)
    figures_s = time.perf_counter() - started
    probe = Registration.objects.get(activity=activity, email="viewer0@hospital.example.cn")
    return {
        "registrants": registrants,
        "room_rows": room_rows,
        "stream_rows": stream_rows,
        "stream_errors": len(parsed.errors),
        "stream_matched": record.matched,
        "room_read_s": round(room_s, 3),
        "merge_s": round(merge_s, 3),
        "room_and_merge_s": round(room_s + merge_s, 3),
        "figures_page_s": round(figures_s, 3),
        "room_people": figures.room_people,
        "room_peak": figures.room_peak,
        "stream_viewers": figures.stream_viewers,
        "unique": figures.unique,
        "probe_minutes": probe.minutes_attended,
        "probe_ok": probe.minutes_attended == 90 and not parsed.errors,
        "meets_goal": merge_s < GOAL_MERGE_S,
    }


ENTRIES = {"group": group, "merge": merge}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


# --- the figures -----------------------------------------------------------------------------


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks audiences (group, merge)")
    parser.add_argument("--figure", nargs="+", choices=FIGURES, default=list(FIGURES))
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres-url", "--postgres", dest="postgres",
        default="postgres://postgres@127.0.0.1:5432",
    )  # fmt: skip
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--registrants", type=int, default=10_000)
    parser.add_argument("--room-rows", type=int, default=1000)
    parser.add_argument("--stream-rows", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    ns = _arguments(argv)
    started = time.perf_counter()
    results: dict = {}
    try:
        for kind in ns.database:
            with fresh_database(
                kind,
                f"groups-{kind}",
                prefix=f"amity-bench-groups-{kind}-",
                postgres_url=ns.postgres,
                postgres_name=PG_NAME,
                keep=ns.keep,
            ) as db:
                for name in ns.figure:
                    kwargs = (
                        {"rows": ns.rows}
                        if name == "group"
                        else {
                            "registrants": ns.registrants,
                            "room_rows": ns.room_rows,
                            "stream_rows": ns.stream_rows,
                        }
                    )
                    result = call_entry(
                        "benchmarks.audiences_groups", "_entry", [name, json.dumps(kwargs)],
                        db.env, db.data_dir,
                    )  # fmt: skip
                    results[f"{kind} {name}"] = result
                    log(f"[groups-{kind}] {name}: {json.dumps(result, default=str)[:300]}")
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    print(f"{'database':10} {'figure':8} {'seconds':>9} {'goal':>6}  checks")
    for key, result in results.items():
        kind, name = key.split()
        if name == "group":
            seconds, goal = result["total_s"], GOAL_GROUP_S
            checks = (
                f"{result['counts']}; bad table refused in {result['bad_table_s']} s, rows "
                f"named {[row for row, _c, _m in result['bad_rows_named']]}"
            )
            ok = result["counts_ok"] and result["bad_ok"]
        else:
            seconds, goal = result["merge_s"], GOAL_MERGE_S
            checks = (
                f"room read {result['room_read_s']} s; room {result['room_people']} (peak "
                f"{result['room_peak']}), stream {result['stream_viewers']}, unique "
                f"{result['unique']}; probe {result['probe_minutes']} min"
            )
            ok = result["probe_ok"]
        mark = "ok" if result["meets_goal"] and ok else "MISS"
        print(f"{kind:10} {name:8} {seconds:9.2f} {goal:6.0f}  {mark}: {checks}")
    print(
        json.dumps(
            {
                "benchmark": "audiences (group, merge)",
                "machine": report.machine(),
                "code": report.code_version(),
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    ok = all(
        r["meets_goal"] and r.get("counts_ok", True) and r.get("bad_ok", True)
        and r.get("probe_ok", True)
        for r in results.values()
    )  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
