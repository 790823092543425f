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
        row per email sent, and every answer must have been 201. ``--runs`` times on a
        fresh database each; medians are reported. Goal on SQLite: >= 500/s, p99 < 500 ms.
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
        started (it takes back the dead worker's email and task at start). Every registrant
        must receive exactly one confirmation (with its .ics), and every email must end
        "sent". With ``--mail-analyze``, PostgreSQL's statistics of the task table are
        refreshed first (what autovacuum does within a minute, when it is on).

The machine may be shared: before measuring, the benchmark waits until it is nearly idle
(``--quiet``), and it accounts for the CPU time of the machine, the server, PostgreSQL and
itself; a burst during which other programs took more than ``--max-foreign`` of the
machine is measured again (at most ``--attempts`` times).

The public registration API is rate-limited per client address; every request here comes
from 127.0.0.1, so AMITY_REGISTRATION_RATE is set to 100,000,000 a minute: the limiter's
code (a counter in the file cache) still runs on every request, it never refuses.

    .venv/bin/python -m benchmarks registrations --figure burst race mail \\
        --database sqlite postgres [--runs 3] [--threads 1] [--connections 64] [--profile]
"""

import argparse
import asyncio
import atexit
import contextlib
import cProfile
import hashlib
import json
import os
import pstats
import random
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path

from benchmarks import loadgen
from benchmarks.feed import (
    RESULT_MARK,
    ROOT,
    BenchmarkError,
    _amity,
    _children,
    _free_port,
    _log,
    _machine,
    _run,
    _tail,
    _wait_healthy,
)
from benchmarks.feed import _env as _base_env
from benchmarks.feed import _stop as _stop_process

FIGURES = ("burst", "race", "mail")
DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_registrations"
RATE = 100_000_000  # per address and minute: the limiter runs, and never refuses
GOAL_PER_SECOND = 500.0
GOAL_P99_MS = 500.0
MIGRATE_TIMEOUT_S = 600.0
SETUP_TIMEOUT_S = 1800.0
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


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import django

    django.setup()


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
    _django()
    return {
        "activity_ids": [_make_activity(title, capacity, taken) for title in titles],
        "tables": _tables(),
    }


def create_registrations(activity_id: int, path: str) -> dict:
    """Register everyone in the JSON file through the service, one transaction each."""
    _django()
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
        _, new = services.registration_create(activity=activity, fields=fields)
        created += new
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
    _django()
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
    _django()
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
    _django()
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
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, printed as one marked
    JSON line."""
    result = ENTRIES[sys.argv[1]](**json.loads(sys.argv[2]))
    print(RESULT_MARK + json.dumps(result, default=str), flush=True)


def _call(db: "Database", name: str, timeout: float = SETUP_TIMEOUT_S, **kwargs) -> dict:
    code = "from benchmarks.registrations import _entry; _entry()"
    out = _run([sys.executable, "-c", code, name, json.dumps(kwargs)], db.env, db.data_dir, timeout)
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line.removeprefix(RESULT_MARK))
    raise BenchmarkError(f"{name} printed no result:\n{out[-2000:]}")


# --- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    data_dir: Path
    env: dict
    admin_url: str = ""

    def connect(self):
        """A plain DB-API connection for reading progress (no Django here)."""
        if self.kind == "sqlite":
            path = self.data_dir / "amity.sqlite3"
            return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        import psycopg

        return psycopg.connect(self.env["DATABASE_URL"], autocommit=True)

    @property
    def placeholder(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def rows(self, connection, sql: str, params: list | None = None) -> list[tuple]:
        cursor = connection.cursor()
        cursor.execute(sql, params or [])
        rows = cursor.fetchall()
        cursor.close()
        return rows


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as connection:
        connection.execute(statement)


@contextlib.contextmanager
def _database(kind: str, label: str, ns: argparse.Namespace) -> Iterator[Database]:
    """A fresh, migrated database: a temporary data folder (SQLite, and the cache and
    static files for both) and, for PostgreSQL, the database PG_NAME made anew."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"amity-bench-registrations-{label}-"))
    env = _base_env(data_dir)
    env["AMITY_REGISTRATION_RATE"] = str(RATE)
    env["AMITY_SITE_URL"] = "http://127.0.0.1:8000"
    db = Database(kind, data_dir, env)
    try:
        if kind == "postgres":
            db.admin_url = ns.postgres.rstrip("/")
            _pg_admin(db.admin_url, f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            _pg_admin(db.admin_url, f"CREATE DATABASE {PG_NAME}")
            env["DATABASE_URL"] = f"{db.admin_url}/{PG_NAME}"
        started = time.perf_counter()
        _run([*_amity(), "manage", "migrate", "--noinput"], env, data_dir, MIGRATE_TIMEOUT_S)
        _log(f"[{label}] {kind} migrated in {time.perf_counter() - started:.1f} s ({data_dir})")
        yield db
    finally:
        if kind == "postgres" and db.admin_url:
            with contextlib.suppress(Exception):
                _pg_admin(db.admin_url, f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        if ns.keep:
            _log(f"[{label}] kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# --- the web server -------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def workers(self) -> list[int]:
        return _children(self.process.pid)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> tuple[float, float]:
    """Seconds of CPU time of the whole machine since boot: (busy, total), all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal
    return (total - values[3] - values[4]) / hz, total / hz


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine (with reaped children)."""
    total = 0.0
    hz = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1] in {"postgres", "postmaster"}:
            fields = rest.split()
            total += sum(int(v) for v in fields[11:15]) / hz
    return total


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU time over an interval: the whole machine's, this process's (the load generator,
    the SMTP server), PostgreSQL's, and that of watched processes; what is left is foreign
    (other people's programs on the same cores, and the kernel)."""

    def __init__(self):
        self.machine = _machine_cpu()
        self.own = _self_cpu()
        self.postgres = _postgres_cpu()
        self.processes: dict[int, float] = {}
        self.started = time.monotonic()

    def watch(self, pid: int) -> None:
        self.processes[pid] = _cpu_seconds(pid)

    def take(self, pid: int) -> None:
        """Read a watched process (before it exits: a dead process has no CPU to read)."""
        self.processes[pid] = _cpu_seconds(pid) - self.processes[pid]

    def result(self) -> dict:
        machine = _machine_cpu()
        seconds = time.monotonic() - self.started
        busy = machine[0] - self.machine[0]
        own = _self_cpu() - self.own
        postgres = _postgres_cpu() - self.postgres
        watched = sum(self.processes.values())
        foreign = busy - own - postgres - watched
        return {
            "seconds": round(seconds, 2),
            "machine_busy_cpu_s": round(busy, 2),
            "benchmark_process_cpu_s": round(own, 2),
            "postgres_cpu_s": round(postgres, 2),
            "watched_cpu_s": round(watched, 2),
            "foreign_cpu_s": round(foreign, 2),
            # Of all the machine's cores over the interval.
            "foreign_share": round(foreign / ((os.cpu_count() or 1) * seconds), 3),
        }


def _wait_quiet(label: str, ns: argparse.Namespace) -> float:
    """Wait (at most ``--quiet-wait`` seconds) until the machine is nearly idle: other
    people's programs on these two cores would be measured too. Returns the busy share of
    the last 2-second sample."""
    deadline = time.monotonic() + ns.quiet_wait
    said = 0.0
    while True:
        busy0, total0 = _machine_cpu()
        time.sleep(2.0)
        busy1, total1 = _machine_cpu()
        share = (busy1 - busy0) / max(total1 - total0, 1e-9)
        if share <= ns.quiet:
            return round(share, 3)
        now = time.monotonic()
        if now > deadline:
            _log(f"[{label}] the machine is still {share:.0%} busy; measuring anyway")
            return round(share, 3)
        if now - said > 30:
            _log(f"[{label}] the machine is {share:.0%} busy (other programs); waiting …")
            said = now


@contextlib.contextmanager
def _serving(db: Database, ns: argparse.Namespace, name: str, profile_dir: Path | None = None):
    """``amity serve`` on a free loopback port (or, with ``profile_dir``, the same server
    with every registration request under cProfile: see ``_profiled_serve``)."""
    port = _free_port()
    log = db.data_dir / f"{name}.log"
    options = ["--bind", f"127.0.0.1:{port}", "--workers", str(ns.workers)]
    options += ["--threads", str(ns.threads)]
    env = dict(db.env)
    if profile_dir is None:
        command = [*_amity(), "serve", *options]
    else:
        env["AMITY_BENCH_PROFILE_DIR"] = str(profile_dir)
        env["AMITY_BENCH_PROFILE_TIMER"] = ns.profile_timer
        code = "from benchmarks.registrations import _profiled_serve; _profiled_serve()"
        command = [sys.executable, "-c", code, *options]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=db.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(process, port, ns.workers, log)
        yield Server(process, port, log)
    finally:
        _stop_process(process)


def _register_path(activity_id: int) -> str:
    return f"/api/v1/activities/{activity_id}/registrations"


def _load(server: Server, activity_id: int, people: list[dict], connections: int, **kw):
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
        raise BenchmarkError(f"{error}\n{_tail(server.log)}") from error


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


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
                if set(warm.statuses) != {201}:
                    raise BenchmarkError(f"warm-up answers: {warm.status_counts()}")
            quiet = _wait_quiet(label, ns)
            meter = CpuMeter()
            for pid in [server.process.pid, *server.workers()]:
                meter.watch(pid)
            result = _load(server, activity_id, people, ns.connections, keep_bodies=True)
            for pid in list(meter.processes):
                meter.take(pid)
            cpu = meter.result()
            server_cpu = cpu["watched_cpu_s"]
            server_log = _tail(server.log, 4000)
        errors = {code: n for code, n in result.status_counts().items() if code != 201}
        examples = [
            f"{result.statuses[i]} {result.bodies[i][:200]!r}" if result.bodies else ""
            for i, code in enumerate(result.statuses)
            if code != 201
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
        "p50_ms": _ms(loadgen.percentile(lat, 0.50)),
        "p95_ms": _ms(loadgen.percentile(lat, 0.95)),
        "p99_ms": _ms(loadgen.percentile(lat, 0.99)),
        "max_ms": _ms(max(lat)),
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
    _log(
        f"[{label}] {figures['per_second']}/s p50 {figures['p50_ms']} p95 {figures['p95_ms']} "
        f"p99 {figures['p99_ms']} ms, errors {figures['errors']}, rows {check['rows']}, "
        f"queued confirmations {figures['queued_confirmations']}; CPU ms per registration: "
        f"server {figures['server_cpu_ms_per_registration']}, load generator "
        f"{figures['loadgen_cpu_ms_per_registration']}, PostgreSQL "
        f"{figures['postgres_cpu_ms_per_registration']}; foreign CPU {cpu['foreign_share']:.0%} "
        f"of the machine"
    )
    if wrong or errors:
        _log(f"[{label}] WRONG: {wrong} {errors} {figures['error_examples']}\n{server_log}")
    return figures


def _median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 1)


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
            _log(
                f"[burst-{kind}-{run + 1}] other programs took "
                f"{figures['cpu']['foreign_share']:.0%} of the machine: measuring again"
            )
            discarded.append(figures)
    summary = {
        key: _median_of(runs, key)
        for key in ("per_second", "p50_ms", "p95_ms", "p99_ms", "max_ms", "seconds")
    }
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
            for pid in [server.process.pid, *server.workers()]:
                meter.watch(pid)
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
                answers = []
                for status, body in zip(result.statuses, result.bodies, strict=True):
                    try:
                        answers.append(json.loads(body) if status in (200, 201) else {})
                    except ValueError:
                        answers.append({})
                told = Counter(a.get("status", "error") for a in answers)
                positions = sorted(a["position"] for a in answers if a.get("position"))
                outcomes.append(
                    {
                        "repeat": i + 1,
                        "http": result.status_counts(),
                        "told": dict(told),
                        "positions_are_1_to_n": positions
                        == list(range(1, ns.race_racers - ns.race_places + 1)),
                        "duplicate_positions": sorted(
                            p for p, n in Counter(positions).items() if n > 1
                        ),
                        "seconds": round(result.seconds, 3),
                        "max_ms": _ms(max(result.latencies)),
                        "failures": result.failures[:3],
                    }
                )
            for pid in list(meter.processes):
                meter.take(pid)
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
            and outcome["told"] == {"confirmed": places, "waiting": waiting}
            and outcome["http"] == {201: ns.race_racers}
        )
        _log(
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
        "positions_wrong": sum(not o["positions_are_1_to_n"] for o in outcomes),
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
    env = dict(db.env)
    env.update(AMITY_EMAIL_HOST="127.0.0.1", AMITY_EMAIL_PORT=str(smtp_port))
    log = db.data_dir / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*_amity(), "worker"],
            env=env,
            cwd=db.data_dir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=WORKER_STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=WORKER_STOP_S)


def _progress(db: Database, connection, tables: dict) -> dict:
    # Table names come from the models' _meta (see _tables), not from outside.
    by_status = f"SELECT status, COUNT(*) FROM {tables['email']} GROUP BY status"  # noqa: S608
    emails = dict(db.rows(connection, by_status))
    tasks = dict(
        db.rows(
            connection,
            f"SELECT status, COUNT(*) FROM {tables['task']} "  # noqa: S608
            "WHERE status IN ('READY', 'RUNNING') AND task_path IN ("
            "'amity.registrations.tasks.registration_notify', 'amity.core.tasks.send_email'"
            ") GROUP BY status",
        )
    )
    return {"emails": emails, "tasks": tasks}


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


def figure_mail(kind: str, ns: argparse.Namespace) -> dict:
    from aiosmtpd.controller import Controller

    label = f"mail-{kind}"
    people = registrants(ns.mail_registrations, ns.seed, "m")
    with _database(kind, label, ns) as db:
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
        if kind == "postgres":
            with db.connect() as connection:
                autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
        if ns.mail_analyze and kind == "postgres":
            # Fresh planner statistics for the task table, which the burst just filled: the
            # workers' claim query then reads one row by index instead of sorting them all.
            with db.connect() as connection:
                connection.execute(f"ANALYZE {setup['tables']['task']}")
        _log(
            f"[{label}] {made['created']} registrations through the service in {made['seconds']} s"
        )

        quiet = _wait_quiet(label, ns)
        handler = CountingHandler()
        smtp_port = _free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        workers: list[tuple[subprocess.Popen, Path]] = []
        connection = db.connect()
        kill: dict = {}
        hostname = socket.gethostname()[:40]
        expected = len(people)
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
                if not kill and received >= ns.kill_at:
                    victim = workers[0][0]
                    meter.take(victim.pid)
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.wait(timeout=WORKER_STOP_S)
                    at = time.monotonic()
                    claimer = f"{hostname}:{victim.pid}"
                    kill = {
                        "pid": victim.pid,
                        "seconds_after_start": round(at - started, 2),
                        "received_before": received,
                        "received_at_kill": handler.count(),
                        "left_behind": _claims_of(db, connection, tables, claimer),
                        "at": at,
                    }
                    workers[0] = _start_worker(db, smtp_port, f"worker-{label}-replacement")
                    meter.watch(workers[0][0].pid)
                    _log(
                        f"[{label}] killed worker {victim.pid} (SIGKILL) after "
                        f"{kill['received_at_kill']} messages; it left {kill['left_behind']}; "
                        "started a replacement"
                    )
                for process, log in workers:
                    if process.poll() is not None:
                        raise BenchmarkError(
                            f"a worker exited ({process.returncode}):\n{_tail(log)}"
                        )
                if received >= expected:
                    progress = _progress(db, connection, tables)
                    if (
                        progress["emails"].get("sent", 0) == expected
                        and len(progress["emails"]) == 1
                        and not progress["tasks"]
                    ):
                        finished = time.monotonic()
                        for process, _ in workers:
                            meter.take(process.pid)
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
                _stop_worker(process)
            connection.close()
            controller.stop()
        recovered = (
            [
                line
                for line in (db.data_dir / f"worker-{label}-replacement.log")
                .read_text(errors="replace")
                .splitlines()
                if "Recovered" in line
            ]
            if kill
            else []
        )
        check = _call(db, "check_mail", activity_id=activity_id)

    messages = handler.messages
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
            "seconds_after_kill": [
                round(m.at - kill["at"], 3) if kill else None for m in messages if r in m.recipients
            ],
        }
        for r in list(duplicates)[:10]
    ]
    total = finished - started
    send_phase = finished - first_at if first_at else 0.0
    figures = {
        "database": kind,
        "registrations": len(people),
        "created_through_service_s": made["seconds"],
        "task_table_analyzed_before": ns.mail_analyze and kind == "postgres",
        "postgres_autovacuum": autovacuum,
        "workers": ns.mail_workers,
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
        "kill": {k: v for k, v in kill.items() if k != "at"},
        "machine_busy_before": quiet,
        "cpu": cpu,
        "workers_cpu_ms_per_email": round(cpu["watched_cpu_s"] * 1000 / len(messages), 2),
        "postgres_cpu_ms_per_email": round(cpu["postgres_cpu_s"] * 1000 / len(messages), 2),
        "replacement_log": recovered,
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
    _log(
        f"[{label}] {figures['distinct_recipients']} recipients, {figures['messages']} messages "
        f"in {figures['seconds_total']} s ({figures['emails_per_second']}/s; first after "
        f"{figures['seconds_to_first_message']} s), duplicates {figures['duplicates']}, "
        f"missing {figures['missing']}" + ("" if figures["ok"] else "  <-- WRONG")
    )
    return figures


# --- profiling ------------------------------------------------------------------------


class _ProfilingApp:
    """WSGI wrapper: each registration request (POST) runs under its own cProfile profiler,
    in its own thread, timed by that thread's CPU clock (``cpu``) or by the wall clock
    (``wall``: includes waiting for locks and the database). Each worker process folds
    the profiles into one file every ``FOLD`` requests and when it exits."""

    FOLD = 100

    def __init__(self, app, folder: Path, timer: str):
        self.app = app
        self.folder = folder
        self.timer = time.thread_time if timer == "cpu" else time.perf_counter
        self.lock = threading.Lock()
        self.pending: list[cProfile.Profile] = []
        self.stats: pstats.Stats | None = None
        self.requests = 0
        self.wall = 0.0
        self.pid = 0

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        with self.lock:
            if self.pid != os.getpid():  # the first request in a new worker process
                self.pid = os.getpid()
                self.pending, self.stats, self.requests, self.wall = [], None, 0, 0.0
                atexit.register(self.fold)
        profile = cProfile.Profile(self.timer)
        started = time.perf_counter()
        profile.enable()
        try:
            response = self.app(environ, start_response)
            body = b"".join(response)
            if hasattr(response, "close"):
                response.close()
        finally:
            profile.disable()
        with self.lock:
            self.pending.append(profile)
            self.requests += 1
            self.wall += time.perf_counter() - started
            if len(self.pending) >= self.FOLD:
                self._fold()
        return [body]

    def fold(self) -> None:
        with self.lock:
            self._fold()

    def _fold(self) -> None:
        if self.pid != os.getpid() or not self.pending:
            return
        for profile in self.pending:
            if self.stats is None:
                self.stats = pstats.Stats(profile)
            else:
                self.stats.add(profile)
        self.pending = []
        self.stats.dump_stats(self.folder / f"worker-{self.pid}.pstats")
        (self.folder / f"worker-{self.pid}.json").write_text(
            json.dumps({"requests": self.requests, "wall_s": self.wall})
        )


def _profiled_serve() -> None:
    """``amity serve`` with every registration request profiled (``python -c`` entry; the
    options are ``amity serve``'s)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import amity.wsgi
    from amity.cli import main

    amity.wsgi.application = _ProfilingApp(
        amity.wsgi.application,
        Path(os.environ["AMITY_BENCH_PROFILE_DIR"]),
        os.environ.get("AMITY_BENCH_PROFILE_TIMER", "cpu"),
    )
    sys.exit(main(["serve", *sys.argv[1:]]))


def _where(filename: str) -> str:
    return filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")


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
        files = sorted(folder.glob("worker-*.pstats"))
        if not files:
            raise BenchmarkError(f"the profiled workers wrote no profile\n{_tail(server.log)}")
        stats = pstats.Stats(*map(str, files))
        counts = [json.loads(f.with_suffix(".json").read_text()) for f in files]
        requests = sum(c["requests"] for c in counts)
    rows = []
    for (filename, line, function), (_cc, calls, own, cumulative, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{_where(filename)}:{line}({function})",
                "calls_per_request": round(calls / requests, 2),
                "own_ms_per_request": round(own * 1000 / requests, 3),
                "cumulative_ms_per_request": round(cumulative * 1000 / requests, 3),
            }
        )
    top = ns.profile_top
    return {
        "database": kind,
        "timer": ns.profile_timer,
        "requests_sent": ns.warmup + len(people),
        "requests_profiled": requests,
        "per_second_under_profiler": round(result.per_second, 1),
        "wall_ms_per_request_under_profiler": round(
            sum(c["wall_s"] for c in counts) * 1000 / requests, 2
        ),
        "profiled_ms_per_request": round(stats.total_tt * 1000 / requests, 2),
        "top_own": sorted(rows, key=lambda r: r["own_ms_per_request"], reverse=True)[:top],
        "top_cumulative": sorted(rows, key=lambda r: r["cumulative_ms_per_request"], reverse=True)[
            :top
        ],
    }


# --- report ---------------------------------------------------------------------------


def _print_report(results: dict, ns: argparse.Namespace) -> None:
    config = f"amity serve: {ns.workers} workers x {ns.threads} threads (gthread)"
    if burst := results.get("burst"):
        print(
            f"burst: {ns.registrations:,} registrations, {ns.connections} keep-alive connections, "
            f"{config}; medians of {ns.runs} runs"
        )
        header = (
            f"{'database':<9} {'reg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'max ms':>7} {'errors':>6} {'checks':>6} {'goal':>5}"
        )
        print(header)
        print("-" * len(header))
        for kind, figures in burst.items():
            m = figures["median"]
            print(
                f"{kind:<9} {m['per_second']:>7.1f} {m['p50_ms']:>7.1f} {m['p95_ms']:>7.1f} "
                f"{m['p99_ms']:>7.1f} {m['max_ms']:>7.1f} {m['errors_total']:>6} "
                f"{'ok' if m['all_checks_passed'] else 'WRONG':>6} "
                f"{'met' if m['meets_goal'] else 'MISS':>5}"
            )
            per_run = ", ".join(
                f"{r['per_second']}/s p99 {r['p99_ms']} ms" for r in figures["runs"]
            )
            queued = [r["queued_confirmations"] for r in figures["runs"]]
            cpu = statistics.median(r["server_cpu_ms_per_registration"] for r in figures["runs"])
            pg = statistics.median(r["postgres_cpu_ms_per_registration"] for r in figures["runs"])
            load = statistics.median(r["loadgen_cpu_ms_per_registration"] for r in figures["runs"])
            foreign = max(r["cpu"]["foreign_share"] for r in figures["runs"])
            print(f"          runs: {per_run}; confirmations queued per run: {queued}")
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
        print(
            f"mail: {ns.mail_registrations:,} confirmations, {ns.mail_workers} amity workers, "
            f"one killed (SIGKILL) after {ns.kill_at:,} messages and replaced"
        )
        for kind, f in mail.items():
            verdict = "ok" if f["ok"] else "WRONG"
            print(
                f"  {kind:<9} {f['seconds_total']:>7.1f} s  {f['emails_per_second']:>6.1f}/s "
                f"(first after {f['seconds_to_first_message']} s, "
                f"{f['emails_per_second_while_sending']}/s while sending)  recipients "
                f"{f['distinct_recipients']}  duplicates {f['duplicates']}  missing "
                f"{f['missing']}  {verdict}"
            )
            print(
                f"            CPU per email: workers {f['workers_cpu_ms_per_email']} ms, "
                f"PostgreSQL {f['postgres_cpu_ms_per_email']} ms; other programs "
                f"{f['cpu']['foreign_share']:.0%} of the machine; the killed worker left "
                f"{f['kill'].get('left_behind')}"
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


def main(argv: list[str]) -> int:
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
    if not 0 < ns.kill_at < ns.mail_registrations:
        parser.error("--kill-at must be between 0 and --mail-registrations")

    # A stop (SIGTERM) unwinds like an error, so that servers and workers are stopped and
    # the temporary database is dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results: dict = {}
    code = _code_version()
    started = time.perf_counter()
    try:
        for figure in [f for f in FIGURES if f in ns.figure]:
            run = {"burst": figure_burst, "race": figure_race, "mail": figure_mail}[figure]
            results[figure] = {kind: run(kind, ns) for kind in ns.database}
        if ns.profile:
            results["profile"] = {kind: figure_profile(kind, ns) for kind in ns.database[:1]}
    except BenchmarkError as error:
        _log(f"benchmark failed: {error}")
        return 1
    code_after = _code_version()
    if code_after != code:
        _log(f"the code changed while measuring: {code} -> {code_after}")
    _print_report(results, ns)
    print(f"code: {code}" + ("" if code_after == code else f", then {code_after}"))
    print(
        json.dumps(
            {
                "benchmark": "registrations",
                "machine": {**_machine(), "memory_gb": _memory_gb()},
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


def _code_version() -> dict:
    """The commit of the code measured, and whether amity/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "amity"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "amity_uncommitted_changes": None}
    return {"commit": commit or "unknown", "amity_uncommitted_changes": bool(changed)}


def _memory_gb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return 0.0
