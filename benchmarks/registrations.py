"""Registration at scale (issue #4): a burst of registrations over HTTP, the race for the
last places, and 10,000 confirmation emails with a worker killed in the middle.

Each figure runs on SQLite (a temporary data folder) and on PostgreSQL (a database of its
own, ``amity_bench_registrations``, created and dropped here), always against the real
programs: ``amity manage migrate``, ``amity serve`` (gunicorn, ``--workers`` x
``--threads``; 2 x 1 by default, the best of 1-8 threads and 2-4 workers on this 2-core
machine) on 127.0.0.1, and ``amity worker``. Set-up and checks run in subprocesses with
the same environment (``_entry``); nothing is written inside the repository.

burst   ``--registrations`` (10,000) people with distinct emails (about 30 % Chinese names
        with a name in Chinese script, the rest from 20 countries in 30 time zones) register
        for one public webinar with no limit through ``POST /api/v1/activities/{id}/
        registrations``, from an asyncio load generator (``benchmarks.loadgen``: standard
        library, HTTP/1.1 keep-alive, ``--connections`` at once). No email worker runs:
        this is the web path alone; the confirmations wait in the task queue, and are
        counted. Before the clock starts, ``--warmup`` registrations for another activity
        warm the server's workers. Afterwards the database must hold exactly one confirmed
        row per email sent, and every answer must have been 202 (alike for every address).
        ``--runs`` times on a fresh database each; medians are reported. Goal on SQLite:
        >= 500/s, p99 < 500 ms.
race    ``--race-repeats`` times: an activity with ``--race-capacity`` places, all but
        ``--race-places`` already taken; ``--race-racers`` connections are opened, then
        all send their registration at once, to a server with ``--race-threads`` (8)
        threads per worker, so that 16 registrations compete inside it. Exactly
        ``--race-places`` racers must be confirmed and the rest waiting, in the answers and
        in the database, every time. The places on the waiting list the API told the
        racers (1..N, each once, if right) are reported beside.
mail    ``--mail-registrations`` registrations made through the service (in a subprocess,
        one transaction each, as the web would), then ``--mail-workers`` ``amity worker``
        processes send every confirmation to an SMTP server on loopback (aiosmtpd, in a
        thread here, counting messages per recipient and per Message-ID). Once
        ``--kill-at`` messages have arrived, one worker gets SIGKILL and a new one is
        started (it takes back the dead worker's email and task at start). With
        ``--kills K`` (K > 1), K kills instead, at random moments: after a random number of
        messages (K distinct counts drawn with ``--seed``) and a random 0-20 ms more, a
        random worker is killed and replaced at once. Every registrant must receive exactly
        one confirmation (with its .ics), and every email must end "sent". With
        ``--mail-analyze``, PostgreSQL's statistics of the task table are refreshed first
        (what autovacuum does within a minute, when it is on).

The machine may be shared: before measuring, the benchmark waits until it is nearly idle
(``--quiet``), and it accounts for the CPU time of the machine, the server, PostgreSQL and
itself; a burst during which other programs took more than ``--max-foreign`` of the
machine is measured again (at most ``--attempts`` times).

The public registration API is rate-limited per client address; every request here comes
from 127.0.0.1, so AMITY_REGISTRATION_RATE is set to 100,000,000 a minute: the limiter's
code (a counter in the file cache) still runs on every request, it never refuses.

    .venv/bin/python -m benchmarks registrations --figure burst race mail \\
        --database sqlite postgres [--runs 3] [--threads 1] [--connections 64] [--profile]
    .venv/bin/python -m benchmarks registrations --figure mail --kills 30 \\
        --database sqlite postgres      # issue #12's figure 2: 30 kills, 10,000 emails
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

from benchmarks.harness import loadgen, report
from benchmarks.harness.cpu import CpuMeter, wait_quiet
from benchmarks.harness.profiling import profile_summary, profiled_command
from benchmarks.harness.servers import (
    BenchmarkError,
    Database,
    call_entry,
    django_setup,
    free_port,
    fresh_database,
    log,
    print_result,
    serving,
    start_worker,
    stop,
    tail,
)

FIGURES = ("burst", "race", "mail")
DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_registrations"
RATE = 100_000_000  # per address and minute: the limiter runs, and never refuses
GOAL_PER_SECOND = 500.0
GOAL_P99_MS = 500.0
REQUEST_TIMEOUT_S = 60.0
MAIL_DEADLINE_S = 3600.0
WORKER_STOP_S = 20.0

# --- registrants ---------------------------------------------------------------------

# (family, given) in pinyin with the name in Chinese script.
CHINESE_FAMILY = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
    ("Yang", "杨"), ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"),
    ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"),
    ("He", "何"), ("Lin", "林"), ("Luo", "罗"), ("Gao", "高"), ("Fu", "傅"), ("Shu", "舒"),
    ("Ouyang", "欧阳"), ("Sima", "司马"), ("Zhuge", "诸葛"),
]  # fmt: skip
CHINESE_GIVEN = [
    ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Xiuying", "秀英"), ("Min", "敏"),
    ("Jing", "静"), ("Qiang", "强"), ("Lei", "磊"), ("Jun", "军"), ("Yong", "勇"),
    ("Yan", "艳"), ("Jie", "杰"), ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"),
    ("Junfen", "君芬"), ("Qiang", "强"), ("Zhengyan", "正岩"), ("Yuxin", "雨欣"),
    ("Haoran", "浩然"), ("Zihan", "子涵"), ("Shuang", "爽"), ("Lihua", "丽华"),
]  # fmt: skip
CHINESE_PLACES = [
    # country, zone, institution, email domain
    ("CN", "Asia/Shanghai", "Children's Hospital, Zhejiang University", "zju.edu.cn"),
    ("CN", "Asia/Shanghai", "Shanghai Children's Medical Center", "scmc.com.cn"),
    ("CN", "Asia/Shanghai", "West China Second University Hospital", "wcsuh.cn"),
    ("CN", "Asia/Urumqi", "Xinjiang Children's Hospital", "xjch.cn"),
    ("CN", "Asia/Shanghai", "Beijing Children's Hospital", "bch.com.cn"),
    ("HK", "Asia/Hong_Kong", "Hong Kong Children's Hospital", "ha.org.hk"),
    ("TW", "Asia/Taipei", "National Taiwan University Hospital", "ntuh.gov.tw"),
    ("SG", "Asia/Singapore", "KK Women's and Children's Hospital", "kkh.com.sg"),
]
# country, zones, family names, given names (ASCII and accented), institution, domain
WORLD = [
    ("US", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
            "Pacific/Honolulu", "America/Anchorage"],
     ["Smith", "Johnson", "García", "Nguyen", "O'Brien"], ["Emily", "James", "María", "Wei"],
     "Boston Children's Hospital", "childrens.harvard.edu"),
    ("CA", ["America/Toronto", "America/Vancouver", "America/St_Johns"],
     ["Tremblay", "Roy", "Côté"], ["Chloé", "Liam"], "SickKids", "sickkids.ca"),
    ("GB", ["Europe/London"], ["Patel", "Jones", "Evans"], ["Olivia", "Harry"],
     "Great Ormond Street Hospital", "gosh.nhs.uk"),
    ("DE", ["Europe/Berlin"], ["Müller", "Schmidt", "Weiß"], ["Jürgen", "Anna"],
     "Charité Universitätsmedizin", "charite.de"),
    ("FR", ["Europe/Paris"], ["Dubois", "Lefèvre"], ["Amélie", "Hugo"],
     "Hôpital Necker-Enfants malades", "aphp.fr"),
    ("IT", ["Europe/Rome"], ["Rossi", "Bianchi"], ["Giulia", "Marco"],
     "Ospedale Pediatrico Bambino Gesù", "opbg.net"),
    ("IN", ["Asia/Kolkata"], ["Sharma", "Iyer", "Reddy"], ["Priya", "Arjun"],
     "AIIMS New Delhi", "aiims.edu"),
    ("NP", ["Asia/Kathmandu"], ["Shrestha", "Thapa"], ["Sita", "Bikash"],
     "Kanti Children's Hospital", "kantichildrenhospital.gov.np"),
    ("JP", ["Asia/Tokyo"], ["Sato", "Suzuki"], ["Yuki", "Haruto"],
     "National Center for Child Health and Development", "ncchd.go.jp"),
    ("KR", ["Asia/Seoul"], ["Kim", "Park"], ["Ji-woo", "Min-jun"],
     "Seoul National University Children's Hospital", "snuh.org"),
    ("VN", ["Asia/Ho_Chi_Minh"], ["Nguyễn", "Trần"], ["Minh", "Lan"],
     "Children's Hospital 1", "nhidong.org.vn"),
    ("AU", ["Australia/Sydney", "Australia/Adelaide", "Australia/Perth"],
     ["Wilson", "Taylor"], ["Charlotte", "Jack"], "The Royal Children's Hospital",
     "rch.org.au"),
    ("NZ", ["Pacific/Auckland", "Pacific/Chatham"], ["Ngata", "Smith"], ["Aroha", "Tama"],
     "Starship Children's Hospital", "adhb.govt.nz"),
    ("BR", ["America/Sao_Paulo", "America/Manaus"], ["Silva", "Gonçalves"], ["João", "Ana"],
     "Hospital Pequeno Príncipe", "pequenoprincipe.org.br"),
    ("CL", ["America/Santiago"], ["González", "Muñoz"], ["Sofía", "Matías"],
     "Hospital Luis Calvo Mackenna", "calvomackenna.cl"),
    ("MX", ["America/Mexico_City"], ["Hernández", "López"], ["Ximena", "Diego"],
     "Hospital Infantil de México", "himfg.edu.mx"),
    ("NG", ["Africa/Lagos"], ["Okafor", "Adeyemi"], ["Chiamaka", "Tunde"],
     "Lagos University Teaching Hospital", "luth.gov.ng"),
    ("KE", ["Africa/Nairobi"], ["Otieno", "Wanjiru"], ["Achieng", "Kamau"],
     "Gertrude's Children's Hospital", "gerties.org"),
    ("IR", ["Asia/Tehran"], ["Hosseini", "Ahmadi"], ["Zahra", "Reza"],
     "Children's Medical Center, Tehran", "tums.ac.ir"),
    ("EG", ["Africa/Cairo"], ["Hassan", "Mahmoud"], ["Nour", "Omar"],
     "Cairo University Children's Hospital", "cu.edu.eg"),
]  # fmt: skip
PROFESSIONS = {
    "physician": 55,
    "nurse": 20,
    "therapist": 6,
    "pharmacist": 3,
    "researcher": 6,
    "student": 6,
    "administrator": 2,
    "other": 2,
}
CHINESE_SHARE = 0.3


def _ascii(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum()) or "x"


def registrants(count: int, seed: int, tag: str) -> list[dict]:
    """``count`` API payloads with distinct emails (the index and ``tag`` are in each)."""
    rng = random.Random(f"{seed}-{tag}")
    professions = list(PROFESSIONS)
    weights = list(PROFESSIONS.values())
    people = []
    for n in range(count):
        if rng.random() < CHINESE_SHARE:
            (family, family_local), (given, given_local) = (
                rng.choice(CHINESE_FAMILY),
                rng.choice(CHINESE_GIVEN),
            )
            country, zone, institution, domain = rng.choice(CHINESE_PLACES)
            name_local = family_local + given_local
            language = "zh-hans" if rng.random() < 0.7 else "en"
        else:
            country, zones, families, givens, institution, domain = rng.choice(WORLD)
            zone = rng.choice(zones)
            family, given, name_local = rng.choice(families), rng.choice(givens), ""
            language = "en"
        email = f"{_ascii(given)}.{_ascii(family)}.{tag}{n}@{domain}"
        if n % 17 == 0:  # some people type capitals; the address is stored in lower case
            email = email.capitalize()
        people.append(
            {
                "family_name": family,
                "given_name": given,
                "name_local": name_local,
                "email": email,
                "institution": institution,
                "country": country,
                "profession": rng.choices(professions, weights)[0],
                "time_zone": zone,
                "language": language,
                "consent": True,
                "answers": {},
                "website": "",
            }
        )
    return people


def emails_digest(emails) -> str:
    return hashlib.sha256("\n".join(sorted(e.lower() for e in emails)).encode()).hexdigest()


# --- set-up and checks (run in a subprocess with the benchmark's environment) ---------


def _make_activity(title: str, capacity: int | None, taken: int) -> int:
    """A public webinar with one session, open for registration with ``capacity`` places,
    ``taken`` of them already held (fixture rows, bulk-created: the same rows the service
    would have written, without 400 transactions per activity)."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from amity.events import services as event_services
    from amity.events import timing
    from amity.registrations import services
    from amity.registrations.models import Registration

    activity = event_services.activity_create(
        fields={
            "title": title,
            "title_local": "远程国际课堂：儿科内分泌",
            "kind": "webinar",
            "status": "confirmed",
            "visibility": "public",
            "time_zone": "Asia/Shanghai",
            "video_url": "https://meeting.example.org/j/123456789",
        }
    )
    day = (timezone.now() + timedelta(days=30)).date()
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(day.year, day.month, day.day, 8), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    services.registration_settings_save(activity=activity, fields={"capacity": capacity})
    now = timezone.now()
    Registration.objects.bulk_create(
        [
            Registration(
                activity=activity,
                email=f"early{n}.a{activity.pk}@example.org",
                family_name=f"Early{n}",
                status="confirmed",
                consent_at=now,
                created_at=now,
                queued_at=now,
            )
            for n in range(taken)
        ],
        batch_size=1000,
    )
    return activity.pk


def _tables() -> dict:
    from django_tasks_db.models import DBTaskResult

    from amity.core.models import OutboundEmail
    from amity.registrations.models import Registration

    return {
        "email": OutboundEmail._meta.db_table,
        "task": DBTaskResult._meta.db_table,
        "registration": Registration._meta.db_table,
    }


def setup_activities(titles: list[str], capacity: int | None, taken: int) -> dict:
    django_setup()
    return {
        "activity_ids": [_make_activity(title, capacity, taken) for title in titles],
        "tables": _tables(),
    }


def create_registrations(activity_id: int, path: str) -> dict:
    """Register everyone in the JSON file through the service, one transaction each."""
    django_setup()
    from amity.events.models import Activity
    from amity.registrations import services

    activity = Activity.objects.get(pk=activity_id)
    people = json.loads(Path(path).read_text())
    started = time.perf_counter()
    created = 0
    for person in people:
        fields = {
            key: value
            for key, value in person.items()
            if key not in {"consent", "website", "answers"}
        }
        fields["email"] = fields["email"].lower()
        created += services.registration_create(activity=activity, fields=fields).created
    return {"created": created, "seconds": round(time.perf_counter() - started, 2)}


def _task_counts() -> dict:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    counts: dict = {}
    for row in DBTaskResult.objects.values("task_path", "status").annotate(n=Count("id")):
        counts.setdefault(row["task_path"].rsplit(".", 1)[-1], {})[row["status"]] = row["n"]
    return counts


def _queued_notifications(registration_ids: set[int]) -> int:
    """Tasks waiting to write an email to one of these registrations."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path="amity.registrations.tasks.registration_notify", status="READY"
    ).values_list("args_kwargs", flat=True)
    return sum(1 for args in waiting if args["kwargs"]["registration_id"] in registration_ids)


def check_burst(activity_id: int) -> dict:
    django_setup()
    from django.db.models import Count

    from amity.core.models import OutboundEmail
    from amity.registrations.models import Registration

    rows = Registration.objects.filter(activity_id=activity_id)
    emails = list(rows.values_list("email", flat=True))
    duplicates = (
        rows.values("email").annotate(n=Count("id")).filter(n__gt=1).values_list("email", "n")
    )
    return {
        "rows": len(emails),
        "distinct_emails": len(set(emails)),
        "duplicate_emails": [list(d) for d in duplicates[:10]],
        "by_status": dict(Counter(rows.values_list("status", flat=True))),
        "emails_sha256": emails_digest(emails),
        "chinese_names": rows.exclude(name_local="").count(),
        "countries": rows.values("country").distinct().count(),
        "time_zones": rows.values("time_zone").distinct().count(),
        "tasks": _task_counts(),
        "queued_confirmations": _queued_notifications(set(rows.values_list("pk", flat=True))),
        "outbound_emails": OutboundEmail.objects.count(),
    }


def check_race(activity_ids: list[int], racer_marks: list[str]) -> dict:
    """Per activity: who holds a place, who waits, and in which order."""
    django_setup()
    from amity.registrations.models import Registration, RegistrationSettings

    result = []
    for activity_id, mark in zip(activity_ids, racer_marks, strict=True):
        rows = Registration.objects.filter(activity_id=activity_id)
        racers = rows.filter(email__contains=mark)
        waiting = list(rows.waiting().values_list("pk", flat=True))
        last_confirmed = max(
            racers.filter(status="confirmed").values_list("queued_at", flat=True), default=None
        )
        result.append(
            {
                "activity_id": activity_id,
                "capacity": RegistrationSettings.objects.get(activity_id=activity_id).capacity,
                "confirmed": rows.filter(status="confirmed").count(),
                "racers": racers.count(),
                "racers_confirmed": racers.filter(status="confirmed").count(),
                "racers_waiting": racers.filter(status="waiting").count(),
                "other": rows.exclude(status__in=["confirmed", "waiting"]).count(),
                # The waiting list is ordered by the time of joining it, taken when the
                # request reached the service (before the lock); the insertion order (pk)
                # is the order in which the lock was won.
                "waiting_order_differs_from_lock_order": waiting != sorted(waiting),
                # Racers told to wait although they reached the service before the last
                # racer who got a place (by that same pre-lock time).
                "waiting_arrived_before_a_confirmed": racers.filter(
                    status="waiting", queued_at__lt=last_confirmed
                ).count()
                if last_confirmed
                else 0,
            }
        )
    return {"activities": result}


def check_mail(activity_id: int) -> dict:
    django_setup()
    from amity.core.models import OutboundEmail
    from amity.registrations.models import Registration, RegistrationEmail

    rows = Registration.objects.filter(activity_id=activity_id)
    return {
        "registrants": sorted(rows.values_list("email", flat=True)),
        "outbound_by_status": dict(Counter(OutboundEmail.objects.values_list("status", flat=True))),
        "outbound_attempts": dict(
            Counter(OutboundEmail.objects.values_list("attempts", flat=True))
        ),
        "registration_emails": RegistrationEmail.objects.filter(
            registration__activity_id=activity_id
        ).count(),
        "tasks": _task_counts(),
        "retried": list(
            OutboundEmail.objects.filter(attempts__gt=1).values(
                "pk", "to", "attempts", "status", "last_error"
            )[:20]
        ),
    }


ENTRIES = {
    "setup_activities": setup_activities,
    "create_registrations": create_registrations,
    "check_burst": check_burst,
    "check_race": check_race,
    "check_mail": check_mail,
}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(db: Database, name: str, **kwargs) -> dict:
    """Run a set-up or check of ``ENTRIES`` in a subprocess on ``db``."""
    args = [name, json.dumps(kwargs)]
    return call_entry("benchmarks.registrations", "_entry", args, db.env, db.data_dir)


def _database(kind: str, label: str, ns: argparse.Namespace):
    """A fresh, migrated database: a temporary data folder (SQLite, and the cache and
    static files for both) and, for PostgreSQL, the database PG_NAME made anew."""
    return fresh_database(
        kind,
        label,
        prefix=f"amity-bench-registrations-{label}-",
        postgres_url=ns.postgres,
        postgres_name=PG_NAME,
        env={"AMITY_REGISTRATION_RATE": str(RATE), "AMITY_SITE_URL": "http://127.0.0.1:8000"},
        keep=ns.keep,
    )


def _serving(db: Database, ns: argparse.Namespace, name: str, profile_dir: Path | None = None):
    """``amity serve`` on a free loopback port (or, with ``profile_dir``, the same server
    with every registration request under cProfile)."""
    env = dict(db.env)
    command = None if profile_dir is None else profiled_command(env, profile_dir, ns.profile_timer)
    return serving(
        env, db.data_dir, workers=ns.workers, threads=ns.threads, name=name, command=command
    )


def _wait_quiet(label: str, ns: argparse.Namespace) -> float:
    return wait_quiet(label, ns.quiet, ns.quiet_wait)


def _register_path(activity_id: int) -> str:
    return f"/api/v1/activities/{activity_id}/registrations"


def _load(server, activity_id: int, people: list[dict], connections: int, **kw):
    path = _register_path(activity_id)
    requests = [loadgen.post_json("127.0.0.1", server.port, path, p) for p in people]
    try:
        return asyncio.run(
            loadgen.run(
                "127.0.0.1",
                server.port,
                requests,
                connections=connections,
                timeout=REQUEST_TIMEOUT_S,
                **kw,
            )
        )
    except ConnectionError as error:
        raise BenchmarkError(f"{error}\n{tail(server.log)}") from error


# --- figure 1: burst ------------------------------------------------------------------


def burst_once(kind: str, run: int, ns: argparse.Namespace, people: list[dict]) -> dict:
    label = f"burst-{kind}-{run + 1}"
    with _database(kind, label, ns) as db:
        setup = _call(
            db,
            "setup_activities",
            titles=["Remote International Classroom (warm-up)", "Remote International Classroom"],
            capacity=None,
            taken=0,
        )
        warmup_id, activity_id = setup["activity_ids"]
        with _serving(db, ns, f"serve-{label}") as server:
            if ns.warmup:
                warm = _load(
                    server, warmup_id, registrants(ns.warmup, ns.seed, f"w{run}"), ns.connections
                )
                if set(warm.statuses) != {202}:
                    raise BenchmarkError(f"warm-up answers: {warm.status_counts()}")
            quiet = _wait_quiet(label, ns)
            meter = CpuMeter()
            meter.watch(*server.pids())
            result = _load(server, activity_id, people, ns.connections, keep_bodies=True)
            meter.take(*meter.processes)
            cpu = meter.result()
            server_cpu = cpu["watched_cpu_s"]
            server_log = tail(server.log, 4000)
        errors = {code: n for code, n in result.status_counts().items() if code != 202}
        examples = [
            f"{result.statuses[i]} {result.bodies[i][:200]!r}" if result.bodies else ""
            for i, code in enumerate(result.statuses)
            if code != 202
        ][:5]
        check = _call(db, "check_burst", activity_id=activity_id)
    expected_digest = emails_digest(p["email"] for p in people)
    wrong = []
    if check["rows"] != len(people):
        wrong.append(f"{check['rows']} rows, expected {len(people)}")
    if check["distinct_emails"] != check["rows"] or check["duplicate_emails"]:
        wrong.append(f"duplicate emails: {check['duplicate_emails']}")
    if check["by_status"] != {"confirmed": len(people)}:
        wrong.append(f"statuses {check['by_status']}, expected all confirmed")
    if check["emails_sha256"] != expected_digest:
        wrong.append("the stored emails are not the ones sent")
    lat = result.latencies
    figures = {
        "database": kind,
        "run": run + 1,
        "registrations": len(people),
        "seconds": round(result.seconds, 2),
        "per_second": round(result.per_second, 1),
        "p50_ms": report.ms(report.percentile(lat, 0.50)),
        "p95_ms": report.ms(report.percentile(lat, 0.95)),
        "p99_ms": report.ms(report.percentile(lat, 0.99)),
        "max_ms": report.ms(max(lat)),
        "per_second_by_tenth": result.rates(10),
        "errors": sum(errors.values()),
        "error_statuses": errors,
        "error_examples": examples + result.failures[:5],
        "reconnects": result.reconnects,
        "server_cpu_ms_per_registration": round(server_cpu * 1000 / len(people), 2),
        "loadgen_cpu_ms_per_registration": round(
            cpu["benchmark_process_cpu_s"] * 1000 / len(people), 2
        ),
        "postgres_cpu_ms_per_registration": round(cpu["postgres_cpu_s"] * 1000 / len(people), 2),
        "cpu": cpu,
        "machine_busy_before": quiet,
        "check": {k: v for k, v in check.items() if k != "emails_sha256"},
        "queued_confirmations": check["queued_confirmations"],
        "wrong": wrong,
    }
    log(
        f"[{label}] {figures['per_second']}/s p50 {figures['p50_ms']} p95 {figures['p95_ms']} "
        f"p99 {figures['p99_ms']} ms, errors {figures['errors']}, rows {check['rows']}, "
        f"queued confirmations {figures['queued_confirmations']}; CPU ms per registration: "
        f"server {figures['server_cpu_ms_per_registration']}, load generator "
        f"{figures['loadgen_cpu_ms_per_registration']}, PostgreSQL "
        f"{figures['postgres_cpu_ms_per_registration']}; foreign CPU {cpu['foreign_share']:.0%} "
        f"of the machine"
    )
    if wrong or errors:
        log(f"[{label}] WRONG: {wrong} {errors} {figures['error_examples']}\n{server_log}")
    return figures


def figure_burst(kind: str, ns: argparse.Namespace) -> dict:
    people = registrants(ns.registrations, ns.seed, "b")
    runs, discarded = [], []
    for run in range(ns.runs):
        for attempt in range(ns.attempts):
            figures = burst_once(kind, run, ns, people)
            disturbed = figures["cpu"]["foreign_share"] > ns.max_foreign
            figures["disturbed"] = disturbed
            if not disturbed or attempt == ns.attempts - 1:
                runs.append(figures)
                break
            log(
                f"[burst-{kind}-{run + 1}] other programs took "
                f"{figures['cpu']['foreign_share']:.0%} of the machine: measuring again"
            )
            discarded.append(figures)
    summary = {
        key: report.median_of(runs, key)
        for key in ("per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms", "seconds")
    }
    summary["server_cpu_ms_per_registration"] = report.median_of(
        runs, "server_cpu_ms_per_registration", 2
    )
    summary["errors_total"] = sum(r["errors"] for r in runs)
    summary["all_checks_passed"] = not any(r["wrong"] for r in runs) and not summary["errors_total"]
    summary["meets_goal"] = (
        summary["per_second"] >= GOAL_PER_SECOND
        and summary["p99_ms"] < GOAL_P99_MS
        and summary["all_checks_passed"]
    )
    summary["disturbed_runs"] = sum(r["disturbed"] for r in runs)
    return {"median": summary, "runs": runs, "discarded": discarded}


# --- figure 2: race -------------------------------------------------------------------


def _race_outcome(repeat: int, result: loadgen.Result, ns: argparse.Namespace) -> dict:
    """What the racers were told: confirmed or waiting, and their places on the list."""
    answers = []
    for status, body in zip(result.statuses, result.bodies, strict=True):
        try:
            answers.append(json.loads(body) if status == 202 else {})
        except ValueError:
            answers.append({})
    told = Counter(a.get("status", "error") for a in answers)
    positions = sorted(a["position"] for a in answers if a.get("position"))
    return {
        "repeat": repeat,
        "http": result.status_counts(),
        "told": dict(told),
        # Since issue #12 the answer tells no place (it is alike for every address): the
        # places are checked in the database (check_race), not in the answers.
        "positions_are_1_to_n": None
        if not positions
        else positions == list(range(1, ns.race_racers - ns.race_places + 1)),
        "duplicate_positions": sorted(p for p, n in Counter(positions).items() if n > 1),
        "seconds": round(result.seconds, 3),
        "max_ms": report.ms(max(result.latencies)),
        "failures": result.failures[:3],
    }


def figure_race(kind: str, ns: argparse.Namespace) -> dict:
    label = f"race-{kind}"
    titles = [f"Last places #{i + 1}" for i in range(ns.race_repeats)]
    taken = ns.race_capacity - ns.race_places
    outcomes = []
    with _database(kind, label, ns) as db:
        setup = _call(
            db,
            "setup_activities",
            titles=["Warm-up", *titles],
            capacity=ns.race_capacity,
            taken=taken,
        )
        warmup_id, *activity_ids = setup["activity_ids"]
        marks = [f"r{i}x" for i in range(ns.race_repeats)]
        # As many requests in the server at once as it can take: a test of the lock.
        crowded = argparse.Namespace(**{**vars(ns), "threads": ns.race_threads})
        with _serving(db, crowded, f"serve-{label}") as server:
            _load(server, warmup_id, registrants(50, ns.seed, "rw"), 16)
            quiet = _wait_quiet(label, ns)
            meter = CpuMeter()
            meter.watch(*server.pids())
            for i, activity_id in enumerate(activity_ids):
                people = registrants(ns.race_racers, ns.seed + i, marks[i])
                result = _load(
                    server,
                    activity_id,
                    people,
                    ns.race_racers,
                    together=True,
                    keep_bodies=True,
                )
                outcomes.append(_race_outcome(i + 1, result, ns))
            meter.take(*meter.processes)
            cpu = meter.result()
        check = _call(db, "check_race", activity_ids=activity_ids, racer_marks=marks)
    places, waiting = ns.race_places, ns.race_racers - ns.race_places
    for outcome, stored in zip(outcomes, check["activities"], strict=True):
        outcome["stored"] = stored
        outcome["ok"] = (
            stored["racers_confirmed"] == places
            and stored["racers_waiting"] == waiting
            and stored["confirmed"] == ns.race_capacity
            and stored["racers"] == ns.race_racers
            and outcome["told"] == {"email_sent": ns.race_racers}
            and outcome["http"] == {202: ns.race_racers}
        )
        log(
            f"[{label}] #{outcome['repeat']}: stored {stored['racers_confirmed']} confirmed + "
            f"{stored['racers_waiting']} waiting (total confirmed {stored['confirmed']}/"
            f"{stored['capacity']}), told {outcome['told']}, positions 1..N: "
            f"{outcome['positions_are_1_to_n']}, {outcome['seconds']} s"
            + ("" if outcome["ok"] else "  <-- WRONG")
        )
    distribution = Counter(
        f"{o['stored']['racers_confirmed']} confirmed / {o['stored']['racers_waiting']} waiting"
        for o in outcomes
    )
    return {
        "capacity": ns.race_capacity,
        "already_taken": taken,
        "racers": ns.race_racers,
        "repeats": ns.race_repeats,
        "distribution": dict(distribution),
        "all_ok": all(o["ok"] for o in outcomes),
        "positions_wrong": sum(o["positions_are_1_to_n"] is False for o in outcomes),
        "waiting_order_differs_from_lock_order": sum(
            o["stored"]["waiting_order_differs_from_lock_order"] for o in outcomes
        ),
        "median_seconds": round(statistics.median(o["seconds"] for o in outcomes), 3),
        "median_max_ms": round(statistics.median(o["max_ms"] for o in outcomes), 1),
        "machine_busy_before": quiet,
        "cpu": cpu,
        "repeats_detail": outcomes,
    }


# --- figure 3: mail -------------------------------------------------------------------


@dataclass
class Received:
    at: float
    recipients: tuple[str, ...]
    message_id: str
    has_ics: bool
    subject: str


@dataclass
class CountingHandler:
    """aiosmtpd handler that keeps, per message, only what the figure needs."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        content = envelope.content
        head = content.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
        headers = {}
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            headers.setdefault(name.strip().lower(), value.strip().decode("ascii", "replace"))
        received = Received(
            at=time.monotonic(),
            recipients=tuple(r.lower() for r in envelope.rcpt_tos),
            message_id=headers.get(b"message-id", ""),
            has_ics=b'filename="invite.ics"' in content,
            subject=headers.get(b"subject", ""),
        )
        with self.lock:
            self.messages.append(received)
        return "250 2.0.0 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def _start_worker(db: Database, smtp_port: int, name: str) -> tuple[subprocess.Popen, Path]:
    env = {**db.env, "AMITY_EMAIL_HOST": "127.0.0.1", "AMITY_EMAIL_PORT": str(smtp_port)}
    return start_worker(env, db.data_dir, name), db.data_dir / f"{name}.log"


def _progress(db: Database, connection, tables: dict, killed: frozenset[int] = frozenset()):
    """Emails by status, and the mail tasks waiting or running. A task a killed worker
    (pid in ``killed``) was running stays "running" in the task table for good: its
    replacement queued it again, and the copy is what counts."""
    # Table names come from the models' _meta (see _tables), not from outside.
    by_status = f"SELECT status, COUNT(*) FROM {tables['email']} GROUP BY status"  # noqa: S608
    emails = dict(db.rows(connection, by_status))
    text = "" if db.kind == "sqlite" else "::text"
    rows = db.rows(
        connection,
        f"SELECT status, worker_ids{text} FROM {tables['task']} "  # noqa: S608
        "WHERE status IN ('READY', 'RUNNING') AND task_path IN ("
        "'amity.registrations.tasks.registration_notify', 'amity.core.tasks.send_email')",
    )
    tasks: Counter = Counter()
    for status, worker_ids in rows:
        claimers = json.loads(worker_ids) if isinstance(worker_ids, str) else worker_ids
        pid = str(claimers[-1]).split(":")[1] if claimers else ""
        if status == "RUNNING" and pid.isdigit() and int(pid) in killed:
            continue
        tasks[status] += 1
    return {"emails": emails, "tasks": dict(tasks)}


def _claims_of(db: Database, connection, tables: dict, claimer: str) -> dict:
    """What a (dead) worker left behind: emails it was sending, tasks it was running.
    ``claimer`` is "host:pid"; the worker's id may carry more after another colon."""
    mark = db.placeholder
    emails = db.rows(
        connection,
        f"SELECT id, status, attempts FROM {tables['email']} "  # noqa: S608
        f"WHERE (claimed_by = {mark} OR claimed_by LIKE {mark}) AND status = 'sending'",
        [claimer, f"{claimer}:%"],
    )
    text = "" if db.kind == "sqlite" else "::text"
    tasks = db.rows(
        connection,
        f"SELECT task_path, args_kwargs{text} FROM {tables['task']} "  # noqa: S608
        f"WHERE status = 'RUNNING' AND (worker_ids{text} LIKE {mark} "
        f"OR worker_ids{text} LIKE {mark})",
        [f'%"{claimer}"%', f'%"{claimer}:%'],
    )
    return {
        "emails_sending": [list(row) for row in emails],
        "tasks_running": [[path.rsplit(".", 1)[-1], str(args)] for path, args in tasks],
    }


def _mail_setup(db: Database, ns: argparse.Namespace, label: str, people: list[dict]) -> dict:
    """One activity and everyone registered through the service; the table names, and
    PostgreSQL's autovacuum setting (its task-table statistics refreshed with
    ``--mail-analyze``)."""
    setup = _call(
        db,
        "setup_activities",
        titles=["Remote International Classroom"],
        capacity=None,
        taken=0,
    )
    (activity_id,), tables = setup["activity_ids"], setup["tables"]
    people_file = db.data_dir / "people.json"
    people_file.write_text(json.dumps(people, ensure_ascii=False))
    made = _call(db, "create_registrations", activity_id=activity_id, path=str(people_file))
    autovacuum = ""
    if db.kind == "postgres":
        with db.connect() as connection:
            autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
    if ns.mail_analyze and db.kind == "postgres":
        # Fresh planner statistics for the task table, which the burst just filled: the
        # workers' claim query then reads one row by index instead of sorting them all.
        with db.connect() as connection:
            connection.execute(f"ANALYZE {tables['task']}")
    log(f"[{label}] {made['created']} registrations through the service in {made['seconds']} s")
    return {"activity_id": activity_id, "tables": tables, "made": made, "autovacuum": autovacuum}


def _kill_one(db: Database, connection, tables: dict, victim: subprocess.Popen, received) -> dict:
    """SIGKILL a worker; what it left behind (emails it was sending, tasks it ran)."""
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=WORKER_STOP_S)
    at = time.monotonic()
    claimer = f"{socket.gethostname()[:40]}:{victim.pid}"
    return {
        "pid": victim.pid,
        "received_before": received,
        "left_behind": _claims_of(db, connection, tables, claimer),
        "at": at,
    }


def _kill_points(ns: argparse.Namespace, expected: int) -> list[int]:
    """After how many messages each kill comes: ``--kill-at``, or ``--kills`` random
    counts."""
    if ns.kills == 1:
        return [ns.kill_at]
    return sorted(random.Random(ns.seed).sample(range(1, expected), ns.kills))


def _deliver(db: Database, ns: argparse.Namespace, label: str, tables: dict, expected: int):
    """``--mail-workers`` workers send every confirmation to an SMTP server here; a worker
    is killed at each of ``_kill_points`` (a random moment after that many messages) and
    replaced. Returns the SMTP handler and the timings, the kills and the CPU time, once
    every email is sent and no task is left."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workers: list[tuple[subprocess.Popen, Path]] = []
    connection = db.connect()
    kills: list[dict] = []
    points = _kill_points(ns, expected)
    rng = random.Random(ns.seed + 1)
    try:
        meter = CpuMeter()
        started = time.monotonic()
        for n in range(ns.mail_workers):
            workers.append(_start_worker(db, smtp_port, f"worker-{label}-{n + 1}"))
            meter.watch(workers[-1][0].pid)
        deadline = started + MAIL_DEADLINE_S
        first_at = None
        while True:
            time.sleep(0.1)
            received = handler.count()
            if first_at is None and received:
                first_at = time.monotonic()
            if len(kills) < len(points) and received >= points[len(kills)]:
                if ns.kills > 1:
                    time.sleep(rng.uniform(0, 0.02))  # a random moment of a message's send
                victim = rng.randrange(len(workers)) if ns.kills > 1 else 0
                meter.take(workers[victim][0].pid)
                kill = _kill_one(db, connection, tables, workers[victim][0], received)
                kill["seconds_after_start"] = round(kill["at"] - started, 2)
                kill["received_at_kill"] = handler.count()
                kills.append(kill)
                name = f"worker-{label}-replacement" + (f"-{len(kills)}" if ns.kills > 1 else "")
                workers[victim] = _start_worker(db, smtp_port, name)
                meter.watch(workers[victim][0].pid)
                log(
                    f"[{label}] kill {len(kills)}/{len(points)}: worker {kill['pid']} (SIGKILL) "
                    f"after {kill['received_at_kill']} messages; it left "
                    f"{kill['left_behind']}; started a replacement"
                )
            for process, worker_log in workers:
                if process.poll() is not None:
                    raise BenchmarkError(
                        f"a worker exited ({process.returncode}):\n{tail(worker_log)}"
                    )
            if received >= expected:
                killed = frozenset(kill["pid"] for kill in kills)
                progress = _progress(db, connection, tables, killed)
                if (
                    progress["emails"].get("sent", 0) == expected
                    and len(progress["emails"]) == 1
                    and not progress["tasks"]
                ):
                    finished = time.monotonic()
                    meter.take(*(process.pid for process, _ in workers))
                    cpu = meter.result()
                    break
            if time.monotonic() > deadline:
                raise BenchmarkError(
                    f"not done in {MAIL_DEADLINE_S:.0f} s: {received} received, "
                    f"{_progress(db, connection, tables)}"
                )
        time.sleep(1.0)  # anything late would show up as a duplicate
    finally:
        for process, _ in workers:
            stop(process, WORKER_STOP_S)
        connection.close()
        controller.stop()
    return handler, {
        "started": started,
        "first_at": first_at,
        "finished": finished,
        "kills": kills,
        "cpu": cpu,
    }


def _recovered(db: Database, label: str) -> list[str]:
    """What the replacement workers logged taking back from the killed ones."""
    lines = []
    for path in sorted(db.data_dir.glob(f"worker-{label}-replacement*.log")):
        text = path.read_text(errors="replace")
        lines += [line for line in text.splitlines() if "Recovered" in line]
    return lines


def figure_mail(kind: str, ns: argparse.Namespace) -> dict:
    label = f"mail-{kind}"
    people = registrants(ns.mail_registrations, ns.seed, "m")
    with _database(kind, label, ns) as db:
        setup = _mail_setup(db, ns, label, people)
        quiet = _wait_quiet(label, ns)
        handler, run = _deliver(db, ns, label, setup["tables"], len(people))
        recovered = _recovered(db, label) if run["kills"] else []
        check = _call(db, "check_mail", activity_id=setup["activity_id"])
    figures = _mail_figures(handler.messages, check, run, len(people))
    figures = {
        "database": kind,
        "registrations": len(people),
        "created_through_service_s": setup["made"]["seconds"],
        "task_table_analyzed_before": ns.mail_analyze and kind == "postgres",
        "postgres_autovacuum": setup["autovacuum"],
        "workers": ns.mail_workers,
        **figures,
        "machine_busy_before": quiet,
        "replacement_log": recovered,
    }
    log(
        f"[{label}] {figures['distinct_recipients']} recipients, {figures['messages']} messages "
        f"in {figures['seconds_total']} s ({figures['emails_per_second']}/s; first after "
        f"{figures['seconds_to_first_message']} s), duplicates {figures['duplicates']}, "
        f"missing {figures['missing']}" + ("" if figures["ok"] else "  <-- WRONG")
    )
    return figures


def _after_last_kill(at: float, kills: list[dict]) -> float | None:
    before = [kill["at"] for kill in kills if kill["at"] <= at]
    return round(at - max(before), 3) if before else None


def _mail_figures(messages: list[Received], check: dict, run: dict, expected: int) -> dict:
    """Who got what, against who registered: duplicates, missing, rates and CPU time."""
    kills, cpu = run["kills"], run["cpu"]
    started, first_at, finished = run["started"], run["first_at"], run["finished"]
    per_recipient = Counter(r for m in messages for r in m.recipients)
    per_message_id = Counter(m.message_id for m in messages)
    registrants_set = set(check["registrants"])
    duplicates = {r: n for r, n in per_recipient.items() if n > 1}
    missing = sorted(registrants_set - set(per_recipient))
    unexpected = sorted(set(per_recipient) - registrants_set)
    duplicate_detail = [
        {
            "recipient": r,
            "message_ids": [m.message_id for m in messages if r in m.recipients],
            "seconds_after_last_kill": [
                _after_last_kill(m.at, kills) for m in messages if r in m.recipients
            ],
        }
        for r in list(duplicates)[:10]
    ]
    total = finished - started
    send_phase = finished - first_at if first_at else 0.0
    figures = {
        "messages": len(messages),
        "distinct_recipients": len(per_recipient),
        "duplicates": len(duplicates),
        "duplicate_message_ids": sum(1 for n in per_message_id.values() if n > 1),
        "duplicate_detail": duplicate_detail,
        "missing": len(missing),
        "missing_examples": missing[:10],
        "unexpected": len(unexpected),
        "with_ics": sum(m.has_ics for m in messages),
        "subjects": {
            str(make_header(decode_header(subject))): n
            for subject, n in Counter(m.subject for m in messages).most_common(4)
        },
        "seconds_total": round(total, 1),
        "seconds_to_first_message": round(first_at - started, 1) if first_at else None,
        "seconds_sending": round(send_phase, 1),
        "emails_per_second": round(len(registrants_set) / total, 1),
        "emails_per_second_while_sending": round(len(messages) / send_phase, 1)
        if send_phase
        else None,
        "kills": [{k: v for k, v in kill.items() if k != "at"} for kill in kills],
        "cpu": cpu,
        "workers_cpu_ms_per_email": round(cpu["watched_cpu_s"] * 1000 / len(messages), 2),
        "postgres_cpu_ms_per_email": round(cpu["postgres_cpu_s"] * 1000 / len(messages), 2),
        "outbound_by_status": check["outbound_by_status"],
        "outbound_attempts": check["outbound_attempts"],
        "retried": check["retried"],
        "tasks": check["tasks"],
    }
    figures["ok"] = (
        not duplicates
        and not missing
        and not unexpected
        and figures["with_ics"] == len(messages)
        and check["outbound_by_status"] == {"sent": expected}
    )
    return figures


# --- profiling ------------------------------------------------------------------------


def figure_profile(kind: str, ns: argparse.Namespace) -> dict:
    """One burst of ``--profile-registrations`` against the profiled server; the summed
    profile of its workers, per request."""
    label = f"profile-{kind}"
    people = registrants(ns.profile_registrations, ns.seed, "p")
    with _database(kind, label, ns) as db:
        setup = _call(
            db, "setup_activities", titles=["Warm-up", "Profiled"], capacity=None, taken=0
        )
        warmup_id, activity_id = setup["activity_ids"]
        folder = db.data_dir / "profiles"
        folder.mkdir()
        with _serving(db, ns, f"serve-{label}", profile_dir=folder) as server:
            _load(server, warmup_id, registrants(ns.warmup, ns.seed, "pw"), ns.connections)
            _wait_quiet(label, ns)
            result = _load(server, activity_id, people, ns.connections)
        summary = profile_summary(folder, ns.profile_top, tail(server.log))
    return {
        "database": kind,
        "timer": ns.profile_timer,
        "requests_sent": ns.warmup + len(people),
        "per_second_under_profiler": round(result.per_second, 1),
        **summary,
    }


# --- report ---------------------------------------------------------------------------


# The burst table: throughput, latency and the server's CPU time per registration (a
# steadier guide than throughput on a shared machine), medians of the runs.
BURST_HEADER = (
    "database",
    "reg/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "CPU ms",
    "errors",
    "checks",
    "goal",
)
BURST_COLUMNS = (9, 7, 7, 7, 7, 7, 7, 6, 6, 5)


def _print_report(results: dict, ns: argparse.Namespace) -> None:
    config = f"amity serve: {ns.workers} workers x {ns.threads} threads (gthread)"
    if burst := results.get("burst"):
        print(
            f"burst: {ns.registrations:,} registrations, {ns.connections} keep-alive connections, "
            f"{config}; medians of {ns.runs} runs"
        )
        rows = []
        for kind, figures in burst.items():
            m = figures["median"]
            rows.append(
                [
                    kind,
                    m["per_second"],
                    m["p50_ms"],
                    m["p95_ms"],
                    m["p99_ms"],
                    m["max_ms"],
                    m["server_cpu_ms_per_registration"],
                    m["errors_total"],
                    "ok" if m["all_checks_passed"] else "WRONG",
                    "met" if m["meets_goal"] else "MISS",
                ]
            )
        print(report.table(BURST_COLUMNS, BURST_HEADER, rows))
        for kind, figures in burst.items():
            per_run = ", ".join(
                f"{r['per_second']}/s p99 {r['p99_ms']} ms" for r in figures["runs"]
            )
            queued = [r["queued_confirmations"] for r in figures["runs"]]
            cpu = figures["median"]["server_cpu_ms_per_registration"]
            pg = statistics.median(r["postgres_cpu_ms_per_registration"] for r in figures["runs"])
            load = statistics.median(r["loadgen_cpu_ms_per_registration"] for r in figures["runs"])
            foreign = max(r["cpu"]["foreign_share"] for r in figures["runs"])
            print(f"{kind:<9} runs: {per_run}; confirmations queued per run: {queued}")
            print(
                f"          CPU per registration: server {cpu} ms, PostgreSQL {pg} ms, "
                f"load generator {load} ms; other programs at most {foreign:.0%} of the "
                f"machine ({len(figures['discarded'])} disturbed runs measured again)"
            )
        print(f"goal (SQLite): >= {GOAL_PER_SECOND:.0f}/s with p99 < {GOAL_P99_MS:.0f} ms\n")
    if race := results.get("race"):
        print(
            f"race: {ns.race_racers} at once for the last {ns.race_places} of "
            f"{ns.race_capacity} places, {ns.race_repeats} times; amity serve: {ns.workers} "
            f"workers x {ns.race_threads} threads (up to {ns.workers * ns.race_threads} "
            "registrations in the server at once)"
        )
        for kind, figures in race.items():
            verdict = "every time right" if figures["all_ok"] else "WRONG"
            print(
                f"  {kind:<9} {figures['distribution']}  {verdict}; API positions not 1..N: "
                f"{figures['positions_wrong']}; median race {figures['median_seconds']} s; "
                f"other programs {figures['cpu']['foreign_share']:.0%} of the machine"
            )
        print()
    if mail := results.get("mail"):
        killed = (
            f"one killed (SIGKILL) after {ns.kill_at:,} messages and replaced"
            if ns.kills == 1
            else f"{ns.kills} kills (SIGKILL) at random moments (seed {ns.seed}), each "
            "worker replaced at once"
        )
        print(
            f"mail: {ns.mail_registrations:,} confirmations, {ns.mail_workers} amity workers, "
            f"{killed}"
        )
        for kind, f in mail.items():
            verdict = "ok" if f["ok"] else "WRONG"
            print(
                f"  {kind:<9} {f['seconds_total']:>7.1f} s  {f['emails_per_second']:>6.1f}/s "
                f"(first after {f['seconds_to_first_message']} s, "
                f"{f['emails_per_second_while_sending']}/s while sending)  recipients "
                f"{f['distinct_recipients']}  duplicates {f['duplicates']}  missing "
                f"{f['missing']}  repeated Message-IDs {f['duplicate_message_ids']}  {verdict}"
            )
            print(
                f"            CPU per email: workers {f['workers_cpu_ms_per_email']} ms, "
                f"PostgreSQL {f['postgres_cpu_ms_per_email']} ms; other programs "
                f"{f['cpu']['foreign_share']:.0%} of the machine; {len(f['kills'])} kills; "
                f"the killed workers left {_left_behind(f['kills'])}"
            )
        print()
    for kind, profile in (results.get("profile") or {}).items():
        print(
            f"profile ({kind}, {profile['timer']} time): {profile['requests_profiled']} of "
            f"{profile['requests_sent']} requests, {profile['profiled_ms_per_request']} ms each "
            f"under cProfile (wall {profile['wall_ms_per_request_under_profiler']} ms)"
        )
        for row in profile["top_own"]:
            print(
                f"  {row['own_ms_per_request']:>7.3f} ms own "
                f"{row['cumulative_ms_per_request']:>7.3f} ms cum "
                f"{row['calls_per_request']:>7} calls  {row['function']}"
            )
        print()


def _left_behind(kills: list[dict]) -> str:
    """How many emails "sending" and tasks running the killed workers left, in all."""
    emails = sum(len(k["left_behind"]["emails_sending"]) for k in kills)
    tasks = sum(len(k["left_behind"]["tasks_running"]) for k in kills)
    return f"{emails} emails sending and {tasks} tasks running"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks registrations", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--figure", nargs="+", choices=FIGURES, default=list(FIGURES))
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help=f"server URL (no database); the benchmark creates and drops {PG_NAME}",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--registrations", type=int, default=10_000, help="burst size")
    parser.add_argument("--connections", type=int, default=64, help="burst connections")
    parser.add_argument("--runs", type=int, default=3, help="bursts per database")
    parser.add_argument("--warmup", type=int, default=200, help="registrations before a burst")
    parser.add_argument("--race-repeats", type=int, default=20)
    parser.add_argument("--race-racers", type=int, default=100)
    parser.add_argument("--race-places", type=int, default=20)
    parser.add_argument("--race-capacity", type=int, default=420)
    parser.add_argument(
        "--race-threads", type=int, default=8, help="threads per gunicorn worker in the race"
    )
    parser.add_argument("--mail-registrations", type=int, default=10_000)
    parser.add_argument("--mail-workers", type=int, default=2)
    parser.add_argument("--kill-at", type=int, default=4_000, help="messages before the kill")
    parser.add_argument(
        "--kills", type=int, default=1, help="more than 1: kill that often, at random moments"
    )
    parser.add_argument(
        "--mail-analyze",
        action="store_true",
        help="PostgreSQL: ANALYZE the task table before the workers start (a what-if)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one burst (cProfile per request)"
    )
    parser.add_argument("--profile-registrations", type=int, default=3_000)
    parser.add_argument(
        "--profile-timer",
        choices=["cpu", "wall"],
        default="cpu",
        help="per-thread CPU time, or wall time (with waiting for locks)",
    )
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.15,
        help="before measuring, wait until the machine is at most this busy (0-1)",
    )
    parser.add_argument("--quiet-wait", type=float, default=900.0, help="for at most (s)")
    parser.add_argument(
        "--max-foreign",
        type=float,
        default=0.05,
        help="a burst during which other programs took more of the machine is run again",
    )
    parser.add_argument("--attempts", type=int, default=3, help="per burst, at most")
    parser.add_argument("--seed", type=int, default=20200401)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.workers, ns.threads, ns.registrations, ns.connections, ns.runs) < 1:
        parser.error("--workers, --threads, --registrations, --connections, --runs: at least 1")
    if not 0 < ns.race_places < ns.race_racers or ns.race_capacity <= ns.race_places:
        parser.error("need 0 < --race-places < --race-racers and --race-places < --race-capacity")
    if ns.kills == 1 and not 0 < ns.kill_at < ns.mail_registrations:
        parser.error("--kill-at must be between 0 and --mail-registrations")
    if not 1 <= ns.kills < ns.mail_registrations:
        parser.error("--kills must be between 1 and --mail-registrations")
    return ns


def main(argv: list[str]) -> int:
    ns = _arguments(argv)
    # A stop (SIGTERM) unwinds like an error, so that servers and workers are stopped and
    # the temporary database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict = {}
    code = report.code_version()
    started = time.perf_counter()
    try:
        for figure in [f for f in FIGURES if f in ns.figure]:
            run = {"burst": figure_burst, "race": figure_race, "mail": figure_mail}[figure]
            results[figure] = {kind: run(kind, ns) for kind in ns.database}
        if ns.profile:
            results["profile"] = {kind: figure_profile(kind, ns) for kind in ns.database[:1]}
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    code_after = report.code_version()
    if code_after != code:
        log(f"the code changed while measuring: {code} -> {code_after}")
    _print_report(results, ns)
    print(f"code: {code}" + ("" if code_after == code else f", then {code_after}"))
    print(
        json.dumps(
            {
                "benchmark": "registrations",
                "machine": report.machine(),
                "code": {"at_start": code, "at_end": code_after},
                "settings": {
                    **{k: v for k, v in vars(ns).items() if k not in {"postgres"}},
                    "server": f"amity serve --workers {ns.workers} --threads {ns.threads}",
                    "race_server": f"amity serve --workers {ns.workers} --threads "
                    f"{ns.race_threads}",
                    "registration_rate_per_minute": RATE,
                    "postgres_database": PG_NAME,
                },
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    failed = any(
        not f["median"]["all_checks_passed"] for f in results.get("burst", {}).values()
    ) or any(not f["all_ok"] for f in results.get("race", {}).values())
    failed = failed or any(not f["ok"] for f in results.get("mail", {}).values())
    return 1 if failed else 0
