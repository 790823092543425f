"""The public calendar feed, ``/calendar/public.ics``, over HTTP from the production server.

The figure to beat: on this machine Indico 3.3 served its category calendar of 1,001
events in a median of about 1.5 s. The goal is at least 20 times faster than that with
1,000 sessions, and time growing no worse than linearly with the number of sessions.

For each number of sessions N (``--sessions``):

1. a fresh data folder in a temporary directory and ``amity manage migrate`` (SQLite: no
   DATABASE_URL, plain HTTP, only 127.0.0.1 allowed);
2. fixture data, made in a subprocess by ``generate()`` (see there): N sessions of N/10
   public activities, plus some non-public ones the feed must leave out;
3. ``amity serve`` on 127.0.0.1 (gunicorn, ``--workers`` x ``--threads``), started
   ``--cold`` times with an empty feed cache: each time, the first GET of the feed once
   /healthz answers is a cold sample. After the last one, ``--requests`` sequential GETs of
   each warm kind: served from the cache ("hit"), answered 304 to If-None-Match, and built
   again after the cache was emptied ("rebuild": the cost of the first request after any
   change, and of every request on a server without the cache). Then the peak RSS (VmHWM)
   and PSS of the gunicorn master and its workers are read.

The first response is parsed with ``icalendar`` and its VEVENTs (single sessions, series
masters and their overrides) and VTIMEZONEs must be exactly what the fixture data implies;
every other response must carry the same number of VEVENTs. Any mismatch stops the run.

Only the standard library speaks HTTP; every request has a timeout and every wait a
deadline; the server is always stopped. A table goes to stdout, followed by JSON of all
figures; progress goes to stderr. Nothing is written inside the repository.

    .venv/bin/python -m benchmarks feed --sessions 1000 10000 --requests 30 [--profile]
"""

import argparse
import contextlib
import cProfile
import http.client
import json
import math
import os
import platform
import pstats
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

from icalendar import Calendar

ROOT = Path(__file__).resolve().parent.parent
FEED_PATH = "/calendar/public.ics"
HEALTH_PATH = "/healthz"
RESULT_MARK = "BENCHMARK-RESULT "

INDICO_MEDIAN_MS = 1500.0
INDICO_EVENTS = 1001
REFERENCE_SESSIONS = 1000
GOAL_FACTOR = 20.0

# Fixture data: the organisers' zones (weights), the share of sessions that are
# occurrences of weekly series, and how often an occurrence is cancelled or moved.
ZONES = {"Asia/Shanghai": 5, "America/New_York": 3, "Europe/London": 2}
SERIES_SHARE = 0.3
MEAN_SERIES_LENGTH = 15
CANCEL_SHARE = 0.04
MOVE_SHARE = 0.03
HIDDEN_SHARE = 0.2  # non-public sessions, in addition to the N public ones

START_DEADLINE_S = 90.0
STOP_DEADLINE_S = 20.0
MIGRATE_TIMEOUT_S = 600.0
GENERATE_TIMEOUT_S = 1800.0


class BenchmarkError(RuntimeError):
    """The benchmark could not measure what it should, or the feed is wrong."""


# --- fixture data (runs in a subprocess, with the benchmark's environment) ---------------

TOPICS = [
    "Paediatric Cardiology Grand Rounds",
    "Neonatal Intensive Care Case Review",
    "Congenital Heart Surgery Outcomes",
    "Paediatric Oncology Tumour Board",
    "Rehabilitation after Cardiac Surgery",
    "Nursing Exchange: Family-Centred Care",
    "Infection Control in the PICU",
    "Paediatric Anaesthesia Journal Club",
    "Clinical Research Methods",
    "Global Child Health Seminar",
    "Echocardiography Masterclass",
    "Hospital Quality and Safety Forum",
]
TOPICS_LOCAL = [
    "儿科心脏病学大查房",
    "新生儿重症监护病例讨论",
    "先天性心脏病外科",
    "儿童肿瘤多学科会诊",
]
KINDS = ["lecture", "webinar", "forum", "classroom"]
STATUSES = {"confirmed": 70, "planned": 20, "held": 7, "cancelled": 3}
PROVIDERS = {
    "zoom": "https://zoom.us/j/{n}",
    "tencent": "https://meeting.tencent.com/dm/{n}",
    "jitsi": "https://meet.jit.si/amity-{n}",
}
SENTENCES = [
    "Speakers from partner hospitals present recent cases and outcomes.",
    "Questions are taken in English and Chinese; interpretation is provided.",
    "Slides and recordings are shared with registered participants afterwards.",
    "The session is accredited for continuing medical education.",
    "Please join five minutes early to test audio and video.",
]


def _split(total: int, parts: int, minimum: int, rng: random.Random) -> list[int]:
    """``total`` split into ``parts`` counts of at least ``minimum``, unevenly (each part
    gets a random, exponentially distributed weight)."""
    if parts < 1 or total < parts * minimum:
        raise BenchmarkError(f"cannot split {total} into {parts} parts of at least {minimum}")
    weights = [rng.expovariate(1.0) for _ in range(parts)]
    extra = Counter(rng.choices(range(parts), weights=weights, k=total - parts * minimum))
    return [minimum + extra[i] for i in range(parts)]


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _wall(rng: random.Random, day: date) -> datetime:
    # 07:00-20:30: never inside a DST gap or fold of the zones used.
    return datetime.combine(day, wall_time(rng.randint(7, 20), rng.choice((0, 30))))


def _activity_fields(rng: random.Random, index: int, visibility: str) -> dict:
    topic = TOPICS[index % len(TOPICS)]
    provider = rng.choice(list(PROVIDERS))
    meeting = rng.randint(100_000_000, 999_999_999)
    return {
        "title": f"{topic} #{index + 1}",
        "title_local": rng.choice(TOPICS_LOCAL) if rng.random() < 0.6 else "",
        "kind": rng.choice(KINDS),
        "description": " ".join(rng.sample(SENTENCES, k=rng.randint(1, len(SENTENCES)))),
        "visibility": visibility,
        "status": _pick(rng, STATUSES),
        "time_zone": _pick(rng, ZONES),
        "video_provider": provider,
        "video_url": PROVIDERS[provider].format(n=meeting),
        "dial_in": f"Meeting ID: {meeting}\nPasscode: {rng.randint(1000, 9999)}",
        "expected_audience": rng.choice((20, 50, 100, 300, 1000)),
    }


def generate(sessions: int, seed: int) -> dict:
    """Fill the (migrated, empty) database with benchmark fixture data; return what the
    public feed must then contain.

    N/10 public activities in three zones, over a year from four months ago: about 70 % of
    the sessions are single sessions (a few cancelled or moved), the rest occurrences of
    weekly series (some every other week, some twice a week) of which a few are cancelled
    or moved. Another 20 % of N are sessions of staff/partner/invited-only activities.

    Activities, series and the cancellations and moves of occurrences go through the real
    services (``amity.events.services``). Single sessions are benchmark fixture data and
    are bulk-created as ``Session`` rows directly: creating 10,000 one by one through
    ``session_create`` (a full_clean and a transaction each) would only slow the set-up.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from amity.events import services, timing
    from amity.events.models import Activity, Session, SessionStatus

    rng = random.Random(seed)
    first_day = timezone.localdate() - timedelta(days=120)
    started = time.perf_counter()

    n_activities = max(2, sessions // 10)
    series_sessions = round(sessions * SERIES_SHARE)
    n_series = min(n_activities - 1, max(1, round(series_sessions / MEAN_SERIES_LENGTH)))
    singles_per_activity = _split(sessions - series_sessions, n_activities - n_series, 1, rng)
    series_lengths = _split(series_sessions, n_series, 4, rng)
    if max(series_lengths) > timing.MAX_OCCURRENCES:
        raise BenchmarkError("a series would exceed timing.MAX_OCCURRENCES")

    def single_rows(activity: Activity, count: int) -> list[Session]:
        rows = []
        for _ in range(count):
            wall = _wall(rng, first_day + timedelta(days=rng.randrange(365)))
            starts_at = timing.resolve_local(wall, activity.time_zone)
            roll = rng.random()
            rows.append(
                Session(
                    activity=activity,
                    title=f"Part {len(rows) + 1}" if count > 1 and rng.random() < 0.5 else "",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=rng.choice((45, 60, 90, 120))),
                    time_zone=activity.time_zone,
                    status=SessionStatus.CANCELLED
                    if roll < CANCEL_SHARE
                    else SessionStatus.SCHEDULED,
                    # Cancelled or moved once: the SEQUENCE has gone up.
                    sequence=1 if roll < CANCEL_SHARE + MOVE_SHARE else 0,
                )
            )
        return rows

    rules = ["FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=TU,TH"]
    summary = Counter()
    zones: set[str] = set()
    with transaction.atomic():
        rows: list[Session] = []
        for index in range(n_activities):
            activity = services.activity_create(fields=_activity_fields(rng, index, "public"))
            zones.add(activity.time_zone)
            if index < n_series:
                length = series_lengths[index]
                series = services.series_create(
                    activity=activity,
                    start_date=first_day + timedelta(days=rng.randrange(180)),
                    start_time=_wall(rng, first_day).time(),
                    time_zone=activity.time_zone,
                    rrule=f"{rng.choice(rules)};COUNT={length}",
                    duration_minutes=rng.choice((60, 90)),
                    title=rng.choice(("", "Weekly meeting", "Lecture")),
                )
                summary["series"] += 1
                summary["series_sessions"] += length
                for occurrence in series.sessions.order_by("starts_at"):
                    roll = rng.random()
                    if roll < CANCEL_SHARE:
                        services.session_cancel(session=occurrence)
                    elif roll < CANCEL_SHARE + MOVE_SHARE:
                        shift = rng.choice((timedelta(days=1), timedelta(hours=2)))
                        services.session_move(
                            session=occurrence, starts_at=occurrence.starts_at + shift
                        )
                    else:
                        continue
                    summary["overrides"] += 1
            else:
                count = singles_per_activity[index - n_series]
                rows.extend(single_rows(activity, count))
                summary["singles"] += count
        hidden = round(sessions * HIDDEN_SHARE)
        hidden_activities = max(1, hidden // 10)
        for index, count in enumerate(_split(hidden, hidden_activities, 1, rng)):
            visibility = ("staff", "partners", "invited")[index % 3]
            activity = services.activity_create(
                fields=_activity_fields(rng, n_activities + index, visibility)
            )
            rows.extend(single_rows(activity, count))
            summary["hidden_sessions"] += count
        Session.objects.bulk_create(rows, batch_size=1000)

    public = Session.objects.filter(activity__visibility="public").count()
    if public != sessions or summary["singles"] + summary["series_sessions"] != sessions:
        raise BenchmarkError(f"generated {public} public sessions instead of {sessions}")
    return {
        "public_sessions": public,
        "public_activities": n_activities,
        "single_sessions": summary["singles"],
        "series": summary["series"],
        "series_sessions": summary["series_sessions"],
        "overrides": summary["overrides"],
        "hidden_sessions": summary["hidden_sessions"],
        "expected_vevents": summary["singles"] + summary["series"] + summary["overrides"],
        "zones": sorted(zones),
        "all_sessions": Session.objects.count(),
        "all_activities": Activity.objects.count(),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _generate_entry() -> None:
    """``python -c`` entry: ``generate(N, seed)``, its result as one marked JSON line."""
    sessions, seed = (int(arg) for arg in sys.argv[1:3])
    print(RESULT_MARK + json.dumps(generate(sessions, seed)), flush=True)


def profile_feed(top: int) -> dict:
    """Build the public feed in-process on the benchmark database (as ``public_feed`` does
    when its cache misses) once to warm up, then time the cache-key query, the session query
    and the building apart, then profile a whole build. Returns the times and the functions
    with the most own time."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amity.settings")
    import django

    django.setup()
    from amity.events import feeds
    from amity.events.models import Activity, Visibility

    activities = Activity.objects.filter(visibility=Visibility.PUBLIC)

    def build(sessions) -> bytes:
        return feeds.build_calendar(
            name="Amity public calendar", sessions=sessions, base_url="http://127.0.0.1"
        )

    build(feeds.sessions_for_feed(activities))
    version = getattr(feeds, "feed_version", lambda: "")  # the cache key's query, if any
    started = time.perf_counter()
    version()
    versioned = time.perf_counter()
    sessions = list(feeds.sessions_for_feed(activities))
    queried = time.perf_counter()
    build(sessions)
    built = time.perf_counter()

    profiler = cProfile.Profile()
    profiler.enable()
    build(feeds.sessions_for_feed(activities))
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (_cc, calls, own, cumulative, _) in stats.stats.items():
        where = filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": calls,
                "own_ms": round(own * 1000, 1),
                "cumulative_ms": round(cumulative * 1000, 1),
            }
        )
    by_own = sorted(rows, key=lambda row: row["own_ms"], reverse=True)[:top]
    by_cumulative = sorted(rows, key=lambda row: row["cumulative_ms"], reverse=True)[:top]
    return {
        "version_ms": round((versioned - started) * 1000, 1),
        "query_ms": round((queried - versioned) * 1000, 1),
        "build_ms": round((built - queried) * 1000, 1),
        "profiled_total_ms": round(stats.total_tt * 1000, 1),
        "top_own_time": by_own,
        "top_cumulative": by_cumulative,
    }


def _profile_entry() -> None:
    print(RESULT_MARK + json.dumps(profile_feed(int(sys.argv[1]))), flush=True)


# --- driving the server ---------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AMITY_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        {
            "AMITY_DATA_DIR": str(data_dir),
            "AMITY_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "AMITY_HTTPS": "false",
            "AMITY_ALLOWED_HOSTS": "127.0.0.1",
            "AMITY_CACHE_DIR": str(data_dir / "cache"),
            "DJANGO_SETTINGS_MODULE": "amity.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        }
    )
    return env


def _amity() -> list[str]:
    script = Path(sys.executable).with_name("amity")
    return [str(script)] if script.exists() else [sys.executable, "-m", "amity"]


def _run(command: list[str], env: dict, cwd: Path, timeout: float) -> str:
    try:
        result = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        raise BenchmarkError(f"{command[:3]} took more than {timeout:.0f} s") from error
    if result.returncode != 0:
        raise BenchmarkError(
            f"{' '.join(command[:4])} … exited with {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return result.stdout


def _python_entry(entry: str, args: list, env: dict, cwd: Path, timeout: float) -> dict:
    code = f"from benchmarks.feed import {entry}; {entry}()"
    out = _run([sys.executable, "-c", code, *map(str, args)], env, cwd, timeout)
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line.removeprefix(RESULT_MARK))
    raise BenchmarkError(f"{entry} printed no result:\n{out[-2000:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    seconds: float
    status: int
    content_type: str
    etag: str
    body: bytes


def _get(port: int, path: str, timeout: float, etag: str = "") -> Response:
    """One GET on a new connection (as a calendar client polling the feed would), with
    If-None-Match when an ETag is given."""
    headers = {"Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        return Response(
            seconds,
            response.status,
            response.getheader("Content-Type", ""),
            response.getheader("ETag", ""),
            body,
        )
    finally:
        connection.close()


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …; comm may contain spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def _memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak RSS), VmRSS and Pss of one process, in kB."""
    values = {}
    for path, keys in (
        (f"/proc/{pid}/status", ("VmHWM", "VmRSS")),
        (f"/proc/{pid}/smaps_rollup", ("Pss",)),
    ):
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in keys:
                    values[key] = int(rest.split()[0])
    return values


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    startup_s: float
    log: Path

    def workers(self) -> list[int]:
        return _children(self.process.pid)


def _wait_healthy(process: subprocess.Popen, port: int, workers: int, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchmarkError(f"amity serve exited with {process.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if _get(port, HEALTH_PATH, timeout=5).status == 200:
                break
        time.sleep(0.1)
    else:
        raise BenchmarkError(f"/healthz did not answer in {START_DEADLINE_S:.0f} s:\n{_tail(log)}")
    while len(_children(process.pid)) < workers:
        if time.monotonic() > deadline:
            raise BenchmarkError(f"gunicorn did not start {workers} workers:\n{_tail(log)}")
        time.sleep(0.05)


def _tail(log: Path, chars: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return log.read_text(errors="replace")[-chars:]
    return "(no log)"


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master (a graceful stop of it and its workers); SIGKILL to
    the process group it leads if anything is left after the deadline."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            _log(f"  server {process.pid} did not stop in time; killing its process group")
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the group is ours: start_new_session
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_DEADLINE_S)


@contextlib.contextmanager
def _serving(env: dict, data_dir: Path, ns: argparse.Namespace, run: int) -> Iterator[Server]:
    port = _free_port()
    log = data_dir / f"serve-{run}.log"
    command = [
        *_amity(),
        "serve",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(ns.workers),
        "--threads",
        str(ns.threads),
    ]
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(process, port, ns.workers, log)
        yield Server(process, port, time.perf_counter() - started, log)
    finally:
        _stop(process)


# --- measuring ------------------------------------------------------------------------


def _feed(server: Server, expected_vevents: int, timeout: float, etag: str = "") -> Response:
    """GET the feed; 200 with the expected number of VEVENTs, or 304 when ``etag`` is
    given. Anything else stops the benchmark."""
    try:
        response = _get(server.port, FEED_PATH, timeout, etag)
    except (OSError, http.client.HTTPException) as error:
        raise BenchmarkError(f"GET {FEED_PATH} failed: {error!r}\n{_tail(server.log)}") from error
    if etag:
        if response.status != 304 or response.body:
            raise BenchmarkError(f"GET {FEED_PATH} with If-None-Match: {response.status}")
        return response
    if response.status != 200 or not response.content_type.startswith("text/calendar"):
        raise BenchmarkError(
            f"GET {FEED_PATH}: {response.status} {response.content_type}\n"
            f"{response.body[:500]!r}\n{_tail(server.log)}"
        )
    found = response.body.count(b"BEGIN:VEVENT")
    if found != expected_vevents:
        raise BenchmarkError(f"{found} VEVENTs in the feed, expected {expected_vevents}")
    return response


def _check_calendar(body: bytes, data: dict) -> dict:
    """Parse the feed and compare it with what the fixture data implies."""
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    found = {
        "vevents": len(events),
        "series": sum(1 for event in events if "RRULE" in event),
        "overrides": sum(1 for event in events if "RECURRENCE-ID" in event),
        "zones": sorted({str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}),
        "cancelled": sum(1 for event in events if str(event.get("STATUS")) == "CANCELLED"),
    }
    found["single_sessions"] = found["vevents"] - found["series"] - found["overrides"]
    expected = {
        "vevents": data["expected_vevents"],
        "series": data["series"],
        "overrides": data["overrides"],
        "zones": data["zones"],
        "single_sessions": data["single_sessions"],
    }
    wrong = {key: (found[key], value) for key, value in expected.items() if found[key] != value}
    if wrong:
        raise BenchmarkError(f"the feed is not what the data implies (found, expected): {wrong}")
    return found


def _clear_cache(cache_dir: Path) -> None:
    """Empty the feed cache (a folder of ours: AMITY_CACHE_DIR) so the next GET builds."""
    shutil.rmtree(cache_dir, ignore_errors=True)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _stats(samples: list[float]) -> dict:
    return {
        "median_ms": _ms(statistics.median(samples)),
        "p90_ms": _ms(_p90(samples)),
        "min_ms": _ms(min(samples)),
        "max_ms": _ms(max(samples)),
        "samples_ms": [_ms(sample) for sample in samples],
    }


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def _memory(server: Server, idle: dict[int, dict]) -> dict:
    workers = server.workers()
    master = _memory_kb(server.process.pid)
    per_worker = [_memory_kb(pid) for pid in workers]
    return {
        "workers": len(workers),
        "master_peak_rss_mb": _mb(master.get("VmHWM", 0)),
        "worker_idle_rss_mb": [_mb(idle.get(pid, {}).get("VmRSS", 0)) for pid in workers],
        "worker_peak_rss_mb": [_mb(m.get("VmHWM", 0)) for m in per_worker],
        "max_worker_peak_rss_mb": _mb(max((m.get("VmHWM", 0) for m in per_worker), default=0)),
        "total_peak_rss_mb": _mb(sum(m.get("VmHWM", 0) for m in [master, *per_worker])),
        # Peak RSS counts the pages workers share with the master (preload_app) once per
        # process; PSS divides them among the sharers: its sum is the footprint (now).
        "total_pss_mb": _mb(sum(m.get("Pss", 0) for m in [master, *per_worker])),
    }


def measure(sessions: int, ns: argparse.Namespace) -> dict:
    """One size: migrate, generate, then the cold starts and the warm requests.

    Built feeds are cached (a file cache in AMITY_CACHE_DIR that outlives restarts) and
    keyed on the data's version, so the warm requests come in three kinds:

    - hit: a plain GET while nothing changed (served from the cache);
    - conditional: a GET with the ETag of the last response (304, what polling calendar
      clients send);
    - rebuild: a plain GET after the cache was emptied, in the warm server: what every
      first request after a change costs, and what a server without a cache pays always.

    A cold sample is the first GET after a start with an empty cache (so it builds).
    """
    data_dir = Path(tempfile.mkdtemp(prefix=f"amity-bench-feed-{sessions}-"))
    env = _env(data_dir)
    cache_dir = Path(env["AMITY_CACHE_DIR"])
    try:
        _log(f"[{sessions}] data folder {data_dir}; migrating …")
        started = time.perf_counter()
        _run([*_amity(), "manage", "migrate", "--noinput"], env, data_dir, MIGRATE_TIMEOUT_S)
        _log(f"[{sessions}] migrated in {time.perf_counter() - started:.1f} s; generating …")
        data = _python_entry(
            "_generate_entry", [sessions, ns.seed], env, data_dir, GENERATE_TIMEOUT_S
        )
        expected = data["expected_vevents"]
        _log(
            f"[{sessions}] generated in {data['seconds']} s: {data['single_sessions']} single "
            f"sessions, {data['series']} series ({data['series_sessions']} occurrences, "
            f"{data['overrides']} cancelled/moved), {data['hidden_sessions']} non-public"
        )
        cold: list[float] = []
        startups: list[float] = []
        hits: list[float] = []
        conditional: list[float] = []
        rebuilds: list[float] = []
        parsed: dict = {}
        memory: dict = {}
        size = 0
        for run in range(ns.cold):
            _clear_cache(cache_dir)
            with _serving(env, data_dir, ns, run) as server:
                startups.append(server.startup_s)
                idle = {pid: _memory_kb(pid) for pid in server.workers()}
                response = _feed(server, expected, ns.timeout)
                cold.append(response.seconds)
                _log(f"[{sessions}] cold #{run + 1}: {_ms(response.seconds)} ms")
                if run == 0:
                    parsed = _check_calendar(response.body, data)
                    size = len(response.body)
                if len(response.body) != size:
                    raise BenchmarkError(f"feed size changed: {len(response.body)} != {size}")
                if run < ns.cold - 1:
                    continue
                etag = response.etag
                for _ in range(ns.requests):
                    hits.append(_feed(server, expected, ns.timeout).seconds)
                if etag:
                    for _ in range(ns.requests):
                        conditional.append(_feed(server, expected, ns.timeout, etag).seconds)
                for _ in range(ns.requests):
                    _clear_cache(cache_dir)
                    rebuilds.append(_feed(server, expected, ns.timeout).seconds)
                memory = _memory(server, idle)
        result = {
            "sessions": sessions,
            "data": data,
            "database_mb": round((data_dir / "amity.sqlite3").stat().st_size / 2**20, 2),
            "feed": {"bytes": size, "etag": bool(conditional), **parsed},
            "startup_ms": [_ms(s) for s in startups],
            "cold": _stats(cold),
            "warm_hit": _stats(hits),
            "warm_conditional": _stats(conditional) if conditional else None,
            "warm_rebuild": _stats(rebuilds),
            "memory": memory,
        }
        _log(
            f"[{sessions}] warm medians: hit {result['warm_hit']['median_ms']} ms, rebuild "
            f"{result['warm_rebuild']['median_ms']} ms; max worker peak RSS "
            f"{memory['max_worker_peak_rss_mb']} MB"
        )
        if ns.profile:
            _log(f"[{sessions}] profiling build_calendar in-process …")
            result["profile"] = _python_entry(
                "_profile_entry", [ns.profile_top], env, data_dir, GENERATE_TIMEOUT_S
            )
        return result
    finally:
        if ns.keep:
            _log(f"[{sessions}] kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


KINDS_MEASURED = {
    "cold": "cold (start, empty cache)",
    "warm_rebuild": "warm rebuild (cache emptied)",
    "warm_hit": "warm hit (cached)",
    "warm_conditional": "warm 304 (If-None-Match)",
}


def summarise(results: list[dict]) -> dict:
    summary: dict = {}
    by_size = {result["sessions"]: result for result in results}
    if reference := by_size.get(REFERENCE_SESSIONS):
        summary["vs_indico"] = {
            kind: {
                "factor": round(INDICO_MEDIAN_MS / reference[kind]["median_ms"], 1),
                "meets_goal": INDICO_MEDIAN_MS / reference[kind]["median_ms"] >= GOAL_FACTOR,
            }
            for kind in KINDS_MEASURED
            if reference.get(kind)
        }
    if len(by_size) >= 2:
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        size_factor = large["sessions"] / small["sessions"]
        summary["growth"] = {
            "from_sessions": small["sessions"],
            "to_sessions": large["sessions"],
            "size_factor": round(size_factor, 2),
            "bytes_factor": round(large["feed"]["bytes"] / small["feed"]["bytes"], 2),
            **{
                kind: {
                    "median_factor": round(large[kind]["median_ms"] / small[kind]["median_ms"], 2),
                    "at_most_linear": large[kind]["median_ms"] / small[kind]["median_ms"]
                    <= size_factor,
                }
                for kind in KINDS_MEASURED
                if small.get(kind) and large.get(kind)
            },
        }
    return summary


def _median(result: dict, kind: str) -> str:
    return f"{result[kind]['median_ms']:.1f}" if result.get(kind) else "-"


def _print_report(results: list[dict], summary: dict) -> None:
    header = (
        f"{'sessions':>8} {'cold med':>9} {'rebuild med':>11} {'rebuild p90':>11} "
        f"{'hit med':>8} {'hit p90':>8} {'304 med':>8} {'bytes':>9} {'VEVENTs':>7} "
        f"{'worker peak':>11} {'all peak':>8} {'all PSS':>7}"
    )
    print("times in ms, memory in MB")
    print(header)
    print("-" * len(header))
    for r in results:
        m = r["memory"]
        print(
            f"{r['sessions']:>8} {_median(r, 'cold'):>9} {_median(r, 'warm_rebuild'):>11} "
            f"{r['warm_rebuild']['p90_ms']:>11.1f} {_median(r, 'warm_hit'):>8} "
            f"{r['warm_hit']['p90_ms']:>8.1f} {_median(r, 'warm_conditional'):>8} "
            f"{r['feed']['bytes']:>9} {r['feed']['vevents']:>7} "
            f"{m['max_worker_peak_rss_mb']:>11.1f} {m['total_peak_rss_mb']:>8.1f} "
            f"{m['total_pss_mb']:>7.1f}"
        )
    print()
    if vs := summary.get("vs_indico"):
        print(
            f"vs Indico 3.3 ({INDICO_EVENTS:,} events, median ~{INDICO_MEDIAN_MS:.0f} ms), "
            f"{REFERENCE_SESSIONS:,} sessions, goal {GOAL_FACTOR:.0f}x faster:"
        )
        for kind, label in KINDS_MEASURED.items():
            if kind in vs:
                verdict = "meets the goal" if vs[kind]["meets_goal"] else "MISSES the goal"
                print(f"  {label:<30} {vs[kind]['factor']:>7.1f}x faster  {verdict}")
    else:
        print(f"no run with {REFERENCE_SESSIONS:,} sessions: no comparison with Indico")
    if growth := summary.get("growth"):
        print(
            f"growth {growth['from_sessions']:,} -> {growth['to_sessions']:,} sessions "
            f"(x{growth['size_factor']}, bytes x{growth['bytes_factor']}):"
        )
        for kind, label in KINDS_MEASURED.items():
            if kind in growth:
                linear = growth[kind]["at_most_linear"]
                verdict = "no worse than linear" if linear else "WORSE than linear"
                print(f"  {label:<30} x{growth[kind]['median_factor']:<7} {verdict}")
    for r in results:
        if profile := r.get("profile"):
            print(
                f"\nprofile at {r['sessions']:,} sessions (in-process, no HTTP, no cache): "
                f"feed_version {profile['version_ms']} ms, query {profile['query_ms']} ms, "
                f"build_calendar {profile['build_ms']} ms; most own time under cProfile:"
            )
            for row in profile["top_own_time"]:
                print(
                    f"  {row['own_ms']:>8.1f} ms own {row['cumulative_ms']:>8.1f} ms cum "
                    f"{row['calls']:>8} calls  {row['function']}"
                )
    print()


def _machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "sqlite": sqlite3.sqlite_version,
        "date": date.today().isoformat(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks feed", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[1000, 10000], help="public sessions"
    )
    parser.add_argument(
        "--requests", type=int, default=30, help="warm requests of each kind per size"
    )
    parser.add_argument("--cold", type=int, default=3, help="server starts (cold samples)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile build_calendar in-process"
    )
    parser.add_argument("--profile-top", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.sessions) < 100:
        parser.error("--sessions: at least 100")
    if ns.requests < 1 or ns.cold < 1 or ns.workers < 1 or ns.threads < 1:
        parser.error("--requests, --cold, --workers and --threads must be at least 1")
    if not Path("/proc/self/status").exists():
        parser.error("this benchmark reads memory from /proc (Linux)")

    results = []
    try:
        for sessions in sorted(set(ns.sessions)):
            results.append(measure(sessions, ns))
    except BenchmarkError as error:
        _log(f"benchmark failed: {error}")
        return 1
    summary = summarise(results)
    _print_report(results, summary)
    print(
        json.dumps(
            {
                "benchmark": "feed",
                "path": FEED_PATH,
                "machine": _machine(),
                "settings": {
                    "workers": ns.workers,
                    "threads": ns.threads,
                    "cold_samples": ns.cold,
                    "warm_requests": ns.requests,
                    "seed": ns.seed,
                    "database": "sqlite",
                    "cache": "file (AMITY_CACHE_DIR in the temporary data folder)",
                },
                "reference": {
                    "indico_version": "3.3",
                    "events": INDICO_EVENTS,
                    "median_ms": INDICO_MEDIAN_MS,
                    "goal_factor": GOAL_FACTOR,
                },
                "results": results,
                "summary": summary,
            },
            indent=2,
        )
    )
    return 0
