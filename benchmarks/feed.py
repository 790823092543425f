"""The public calendar feed, ``/calendar/public.ics``, over HTTP from the production server.

The figure to beat: on this machine Indico 3.3 served its category calendar of 1,001
events in a median of about 1.5 s. The goal is at least 20 times faster (<= 75 ms) with
the same number of events, and time growing no worse than linearly with it. Events are
counted as Indico counts them: VEVENTs in the feed (a weekly series is one, plus one per
moved or cancelled occurrence), so a feed of 1,001 events here holds more sessions.

For each number of events N (``--events``, default 1,001 and 10,000):

1. a fresh data folder in a temporary directory and ``amity manage migrate`` (SQLite: no
   DATABASE_URL, plain HTTP, only 127.0.0.1 allowed);
2. fixture data, made in a subprocess by ``generate()`` (see there): N public events of
   N/10 activities, plus some non-public sessions the feed must leave out;
3. ``amity serve`` on 127.0.0.1 (gunicorn, ``--workers`` x ``--threads``), started
   ``--cold`` times with an empty feed cache: each time, the first GET of the feed once
   /healthz answers is a cold sample (a new process: every event is written). After the
   last one, ``--requests`` sequential GETs of each warm kind: served from the cache
   ("hit"), answered 304 to If-None-Match, after the feed cache was emptied ("emptied":
   the workers still hold the written events), and after one session was changed
   ("changed": the feed is built again, writing one event). Then the peak RSS (VmHWM) and
   PSS of the gunicorn master and its workers are read;
4. in a subprocess, ``build_calendar`` is timed without HTTP (``--builds`` times each,
   wall and CPU time of the process): with no event written yet (cold, as in a new
   worker), with only the events of another feed written (the versions are read first),
   and after one change made through the services.

The first response is parsed with ``icalendar`` and its VEVENTs (single sessions, series
masters and their overrides) and VTIMEZONEs must be exactly what the fixture data implies;
every other response must carry the same number of VEVENTs. Any mismatch stops the run.

Only the standard library speaks HTTP; every request has a timeout and every wait a
deadline; the server is always stopped (``benchmarks.harness.servers``). A table of
medians goes to stdout, followed by JSON of all figures (every sample); progress goes to
stderr. Nothing is written inside the repository.

    python3 dev.py bench feed --events 1001 10000 --requests 30 [--profile]
"""

import argparse
import contextlib
import cProfile
import http.client
import json
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

from icalendar import Calendar

from benchmarks.harness import report
from benchmarks.harness.servers import (
    ROOT,
    BenchmarkError,
    Server,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
    serving,
    tail,
)

FEED_PATH = "/calendar/public.ics"

INDICO_MEDIAN_MS = 1500.0
INDICO_EVENTS = 1001
GOAL_FACTOR = 20.0

# Fixture data: the organisers' zones (weights), the share of sessions that are
# occurrences of weekly series, and how often an occurrence is cancelled or moved.
ZONES = {"Asia/Shanghai": 5, "America/New_York": 3, "Europe/London": 2}
SERIES_SHARE = 0.3
MEAN_SERIES_LENGTH = 15
CANCEL_SHARE = 0.04
MOVE_SHARE = 0.03
HIDDEN_SHARE = 0.2  # non-public sessions, in addition to the N public ones

GENERATE_TIMEOUT_S = 1800.0


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


def generate(events: int, seed: int) -> dict:
    """Fill the (migrated, empty) database with benchmark fixture data; return what the
    public feed must then contain: exactly ``events`` VEVENTs (N), counted as Indico's
    feed counts its events, one per calendar entry (a series is one entry, plus one per
    cancelled or moved occurrence).

    N/10 public activities in three zones, over a year from four months ago: 30 % of N are
    occurrences of weekly series (some every other week, some twice a week, starting on
    one of their days) of which a few are cancelled or moved; single sessions (a few
    cancelled or moved) make up the N events. Another 20 % of N are sessions of
    staff/partner/invited-only activities.

    Activities, series and the cancellations and moves of occurrences go through the real
    services (``amity.events.services``). Single sessions are benchmark fixture data and
    are bulk-created as ``Session`` rows directly: creating 10,000 one by one through
    ``session_create`` (a full_clean and a transaction each) would only slow the set-up.
    """
    django_setup()
    from django.db import transaction
    from django.utils import timezone

    from amity.events import services, timing
    from amity.events.models import Activity, Session, SessionStatus

    rng = random.Random(seed)
    first_day = timezone.localdate() - timedelta(days=120)
    started = time.perf_counter()

    n_activities = max(2, events // 10)
    series_sessions = round(events * SERIES_SHARE)
    n_series = min(n_activities - 1, max(1, round(series_sessions / MEAN_SERIES_LENGTH)))
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
            if index == n_series:
                # The series and their overrides are written: single sessions fill the rest.
                singles = events - summary["series"] - summary["overrides"]
                singles_per_activity = _split(singles, n_activities - n_series, 1, rng)
            if index < n_series:
                length = series_lengths[index]
                rule = rng.choice(rules)
                start_date = first_day + timedelta(days=rng.randrange(180))
                while "BYDAY" in rule and start_date.weekday() not in (1, 3):
                    start_date += timedelta(days=1)  # a series starts on one of its days
                series = services.series_create(
                    activity=activity,
                    start_date=start_date,
                    start_time=_wall(rng, first_day).time(),
                    time_zone=activity.time_zone,
                    rrule=f"{rule};COUNT={length}",
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
        hidden = round(events * HIDDEN_SHARE)
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
    vevents = summary["singles"] + summary["series"] + summary["overrides"]
    if vevents != events or summary["singles"] + summary["series_sessions"] != public:
        raise BenchmarkError(f"generated {vevents} public events instead of {events}")
    return {
        "events": events,
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
    events, seed = (int(arg) for arg in sys.argv[1:3])
    print_result(generate(events, seed))


def profile_feed(top: int, repeats: int = 5) -> dict:
    """Build the public feed in-process on the benchmark database, as ``public_feed`` does
    when its cache misses, and time it apart from HTTP:

    - cold: the build in a process whose cache of written events is empty (cleared before
      each of ``repeats`` builds): every event is written, as in a new worker;
    - cold, other events written: the same, after a build of the feed under another base
      URL (whose events are kept): the feed's versions are read first, then its rows;
    - one change: one single session renamed through ``services.session_update`` (its
      SEQUENCE and ``updated_at`` move, as on the page), then a build: one event is
      written, the others come from the cache;

    then profile a cold build (cProfile). Returns medians (wall and this process's CPU
    time), the cache's counts for the last one-change build and the functions with the most
    own time. Zone data (``timing.zone_rules``, VTIMEZONEs) stays cached in the process."""
    django_setup()
    from amity.events import feeds, services
    from amity.events.models import Activity, Session, Visibility

    activities = Activity.objects.filter(visibility=Visibility.PUBLIC)

    cpu: dict[str, list[float]] = {kind: [] for kind in BUILDS_MEASURED}

    def build(kind: str = "", base_url: str = "http://127.0.0.1") -> float:
        started, cpu_started = time.perf_counter(), time.process_time()
        body = feeds.build_calendar(
            name="Amity public calendar",
            sessions=feeds.sessions_for_feed(activities),
            base_url=base_url,
        )
        if not body.endswith(b"END:VCALENDAR\r\n"):
            raise BenchmarkError("the feed built in-process is incomplete")
        if kind:
            cpu[kind].append(time.process_time() - cpu_started)
        return time.perf_counter() - started

    build()  # imports, translations, zone files
    started = time.perf_counter()
    feeds.feed_version()
    version_s = time.perf_counter() - started
    cold, in_parts = [], []
    for _ in range(repeats):
        feeds.event_cache_clear()
        cold.append(build("cold_build"))
    for _ in range(repeats):
        feeds.event_cache_clear()
        build(base_url="http://localhost")
        in_parts.append(build("cold_build_in_parts"))
    singles = list(
        Session.objects.filter(activity__in=activities, series__isnull=True).order_by("pk")[
            :repeats
        ]
    )
    changed, counts = [], {}
    for index, session in enumerate(singles):
        services.session_update(session=session, fields={"title": f"Changed {index}"})
        before = feeds.event_cache_info()
        changed.append(build("one_change_build"))
        after = feeds.event_cache_info()
        counts = {"written": after.misses - before.misses, "reused": after.hits - before.hits}

    feeds.event_cache_clear()
    profiler = cProfile.Profile()
    profiler.enable()
    build()
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
        "version_ms": report.ms(version_s),
        "cold_build": _stats(cold),
        "cold_build_in_parts": _stats(in_parts),
        "one_change_build": _stats(changed),
        "one_change_events": counts,
        # CPU time of this process: on a busy machine, less inflated than the wall time.
        "cpu_median_ms": {kind: report.ms(statistics.median(v)) for kind, v in cpu.items()},
        "cpu_samples_ms": {kind: [report.ms(x) for x in v] for kind, v in cpu.items()},
        "profiled_total_ms": round(stats.total_tt * 1000, 1),
        "top_own_time": by_own,
        "top_cumulative": by_cumulative,
    }


def _profile_entry() -> None:
    top, repeats = (int(arg) for arg in sys.argv[1:3])
    print_result(profile_feed(top, repeats))


# --- driving the server ---------------------------------------------------------------


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


# --- measuring ------------------------------------------------------------------------


def _feed(server: Server, expected_vevents: int, timeout: float, etag: str = "") -> Response:
    """GET the feed; 200 with the expected number of VEVENTs, or 304 when ``etag`` is
    given. Anything else stops the benchmark."""
    try:
        response = _get(server.port, FEED_PATH, timeout, etag)
    except (OSError, http.client.HTTPException) as error:
        raise BenchmarkError(f"GET {FEED_PATH} failed: {error!r}\n{tail(server.log)}") from error
    if etag:
        if response.status != 304 or response.body:
            raise BenchmarkError(f"GET {FEED_PATH} with If-None-Match: {response.status}")
        return response
    if response.status != 200 or not response.content_type.startswith("text/calendar"):
        raise BenchmarkError(
            f"GET {FEED_PATH}: {response.status} {response.content_type}\n"
            f"{response.body[:500]!r}\n{tail(server.log)}"
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


def _change_one_session(data_dir: Path, index: int) -> None:
    """Rename one public single session as ``session_update`` would (title, SEQUENCE,
    ``updated_at``), directly in the SQLite file: the server sees a new feed version."""
    with contextlib.closing(sqlite3.connect(data_dir / "amity.sqlite3", timeout=30)) as db:
        ids = [
            row[0]
            for row in db.execute(
                "SELECT s.id FROM events_session s JOIN events_activity a"
                " ON a.id = s.activity_id WHERE a.visibility = 'public'"
                " AND s.series_id IS NULL ORDER BY s.id LIMIT 100"
            )
        ]
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute(
            "UPDATE events_session SET title = ?, sequence = sequence + 1, updated_at = ?"
            " WHERE id = ?",
            (f"Changed {index}", now, ids[index % len(ids)]),
        )
        db.commit()


def _clear_cache(cache_dir: Path) -> None:
    """Empty the feed cache (a folder of ours: AMITY_CACHE_DIR) so the next GET builds."""
    shutil.rmtree(cache_dir, ignore_errors=True)


def _stats(samples: list[float]) -> dict:
    return {
        **report.latency_ms(samples, shares=(0.9,)),
        "min_ms": report.ms(min(samples)),
        "samples_ms": [report.ms(sample) for sample in samples],
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


def measure(events: int, ns: argparse.Namespace) -> dict:
    """One size: migrate, generate, then the cold starts and the warm requests.

    Built feeds are cached (a file cache in AMITY_CACHE_DIR that outlives restarts) and
    keyed on the data's version, so the warm requests come in three kinds:

    - hit: a plain GET while nothing changed (served from the cache);
    - conditional: a GET with the ETag of the last response (304, what polling calendar
      clients send);
    - rebuild: a plain GET after the feed cache was emptied, in the warm server: the
      worker's cache of written events is warm, so this is what a server pays to put
      unchanged events together again;
    - changed: a plain GET after one single session was renamed (an SQL update of its
      title, SEQUENCE and ``updated_at``, made by this process): the feed's version moves,
      and the worker writes that one event anew. With several workers a GET may land on a
      worker that has not written the events yet; all are warmed first.

    A cold sample is the first GET after a start with an empty cache (so it builds, and
    writes every event). Then the build is timed in-process too (``profile_feed``).
    """
    label = str(events)
    with fresh_database("sqlite", label, prefix=f"amity-bench-feed-{events}-", keep=ns.keep) as db:
        log(f"[{label}] generating …")
        data = call_entry(
            "benchmarks.feed",
            "_generate_entry",
            [events, ns.seed],
            db.env,
            db.data_dir,
            GENERATE_TIMEOUT_S,
        )
        log(
            f"[{label}] generated in {data['seconds']} s: {data['single_sessions']} single "
            f"sessions, {data['series']} series ({data['series_sessions']} occurrences, "
            f"{data['overrides']} cancelled/moved), {data['hidden_sessions']} non-public"
        )
        return _measure_feed(events, data, db.env, db.data_dir, ns)


def _measure_feed(
    events: int, data: dict, env: dict, data_dir: Path, ns: argparse.Namespace
) -> dict:
    """The cold starts, the warm requests and the in-process builds of one size."""
    cache_dir = Path(env["AMITY_CACHE_DIR"])
    expected = data["expected_vevents"]
    cold: list[float] = []
    startups: list[float] = []
    hits: list[float] = []
    conditional: list[float] = []
    rebuilds: list[float] = []
    changed: list[float] = []
    parsed: dict = {}
    memory: dict = {}
    size = 0
    for run in range(ns.cold):
        _clear_cache(cache_dir)
        with serving(
            env, data_dir, workers=ns.workers, threads=ns.threads, name=f"serve-{run}"
        ) as server:
            startups.append(server.startup_s)
            idle = {pid: _memory_kb(pid) for pid in server.workers()}
            response = _feed(server, expected, ns.timeout)
            cold.append(response.seconds)
            log(f"[{events}] cold #{run + 1}: {report.ms(response.seconds)} ms")
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
            for _ in range(4 * ns.workers):  # every worker has written the events
                _clear_cache(cache_dir)
                _feed(server, expected, ns.timeout)
            for index in range(ns.requests):
                _change_one_session(data_dir, index)
                changed.append(_feed(server, expected, ns.timeout).seconds)
            memory = _memory(server, idle)
    result = {
        "events": events,
        "sessions": data["public_sessions"],
        "data": data,
        "database_mb": round((data_dir / "amity.sqlite3").stat().st_size / 2**20, 2),
        "feed": {"bytes": size, "etag": bool(conditional), **parsed},
        "startup_ms": [report.ms(s) for s in startups],
        "cold": _stats(cold),
        "warm_hit": _stats(hits),
        "warm_conditional": _stats(conditional) if conditional else None,
        "warm_rebuild": _stats(rebuilds),
        "warm_changed": _stats(changed),
        "memory": memory,
    }
    log(
        f"[{events}] warm medians: hit {result['warm_hit']['median_ms']} ms, rebuild "
        f"{result['warm_rebuild']['median_ms']} ms, after one change "
        f"{result['warm_changed']['median_ms']} ms; max worker peak RSS "
        f"{memory['max_worker_peak_rss_mb']} MB"
    )
    log(f"[{events}] timing and profiling build_calendar in-process …")
    result["profile"] = call_entry(
        "benchmarks.feed",
        "_profile_entry",
        [ns.profile_top, ns.builds],
        env,
        data_dir,
        GENERATE_TIMEOUT_S,
    )
    return result


KINDS_MEASURED = {
    "cold": "cold (new server, empty caches)",
    "warm_changed": "after one change",
    "warm_rebuild": "feed cache emptied",
    "warm_hit": "warm hit (cached)",
    "warm_conditional": "warm 304 (If-None-Match)",
}
BUILDS_MEASURED = {
    "cold_build": "build, no event written yet",
    "cold_build_in_parts": "build, only other events written",
    "one_change_build": "build after one change",
}


def _kinds(result: dict) -> dict:
    """Every measured kind of one size: the HTTP ones and the in-process builds."""
    return {
        **{kind: result[kind] for kind in KINDS_MEASURED if result.get(kind)},
        **{kind: result["profile"][kind] for kind in BUILDS_MEASURED if result.get("profile")},
    }


def summarise(results: list[dict]) -> dict:
    summary: dict = {}
    by_size = {result["events"]: result for result in results}
    if reference := by_size.get(INDICO_EVENTS):
        summary["vs_indico"] = {
            kind: {
                "factor": round(INDICO_MEDIAN_MS / stats["median_ms"], 1),
                "meets_goal": INDICO_MEDIAN_MS / stats["median_ms"] >= GOAL_FACTOR,
            }
            for kind, stats in _kinds(reference).items()
        }
    if len(by_size) >= 2:
        small, large = by_size[min(by_size)], by_size[max(by_size)]
        size_factor = large["events"] / small["events"]
        small_kinds, large_kinds = _kinds(small), _kinds(large)
        summary["growth"] = {
            "from_events": small["events"],
            "to_events": large["events"],
            "size_factor": round(size_factor, 2),
            "bytes_factor": round(large["feed"]["bytes"] / small["feed"]["bytes"], 2),
            **{
                kind: {
                    "median_factor": round(
                        large_kinds[kind]["median_ms"] / small_kinds[kind]["median_ms"], 2
                    ),
                    "at_most_linear": large_kinds[kind]["median_ms"]
                    / small_kinds[kind]["median_ms"]
                    <= size_factor,
                }
                for kind in small_kinds
                if kind in large_kinds
            },
        }
    return summary


def _median(result: dict, kind: str) -> str:
    stats = _kinds(result).get(kind)
    return f"{stats['median_ms']:.1f}" if stats else "-"


def _print_report(results: list[dict], summary: dict) -> None:
    header = (
        f"{'events':>7} {'sessions':>8} {'cold':>7} {'changed':>8} {'emptied':>8} "
        f"{'hit':>6} {'304':>6} | {'build':>7} {'changed':>8} | {'bytes':>9} "
        f"{'worker peak':>11} {'all PSS':>7}"
    )
    print(
        "medians in ms, memory in MB; events = VEVENTs in the feed (as Indico counts its "
        "events);\nHTTP: cold, after one change, feed cache emptied, hit, 304 | in-process "
        "build_calendar: every event written, after one change"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        m = r["memory"]
        print(
            f"{r['events']:>7} {r['sessions']:>8} {_median(r, 'cold'):>7} "
            f"{_median(r, 'warm_changed'):>8} {_median(r, 'warm_rebuild'):>8} "
            f"{_median(r, 'warm_hit'):>6} {_median(r, 'warm_conditional'):>6} | "
            f"{_median(r, 'cold_build'):>7} {_median(r, 'one_change_build'):>8} | "
            f"{r['feed']['bytes']:>9} {m['max_worker_peak_rss_mb']:>11.1f} "
            f"{m['total_pss_mb']:>7.1f}"
        )
    print()
    labels = {**KINDS_MEASURED, **BUILDS_MEASURED}
    if vs := summary.get("vs_indico"):
        print(
            f"vs Indico 3.3 (its feed of {INDICO_EVENTS:,} events, median ~"
            f"{INDICO_MEDIAN_MS:.0f} ms over HTTP), {INDICO_EVENTS:,} events here, goal "
            f"{GOAL_FACTOR:.0f}x faster (<= {INDICO_MEDIAN_MS / GOAL_FACTOR:.0f} ms):"
        )
        for kind, label in labels.items():
            if kind in vs:
                verdict = "meets the goal" if vs[kind]["meets_goal"] else "MISSES the goal"
                print(f"  {label:<32} {vs[kind]['factor']:>7.1f}x faster  {verdict}")
    else:
        print(f"no run with {INDICO_EVENTS:,} events: no comparison with Indico")
    if growth := summary.get("growth"):
        print(
            f"growth {growth['from_events']:,} -> {growth['to_events']:,} events "
            f"(x{growth['size_factor']}, bytes x{growth['bytes_factor']}):"
        )
        for kind, label in labels.items():
            if kind in growth:
                linear = growth[kind]["at_most_linear"]
                verdict = "no worse than linear" if linear else "WORSE than linear"
                print(f"  {label:<32} x{growth[kind]['median_factor']:<7} {verdict}")
    for r in results:
        if profile := r.get("profile"):
            counts = profile["one_change_events"]
            cpu = profile["cpu_median_ms"]
            print(
                f"\nin-process at {r['events']:,} events (no HTTP, no feed cache): "
                f"feed_version {profile['version_ms']} ms; after one change "
                f"{counts.get('written')} event(s) written, {counts.get('reused')} reused; "
                f"CPU time medians: build {cpu['cold_build']} ms (wall "
                f"{profile['cold_build']['median_ms']} ms), with only other events written "
                f"{cpu['cold_build_in_parts']} ms (wall "
                f"{profile['cold_build_in_parts']['median_ms']} ms), after one change "
                f"{cpu['one_change_build']} ms (wall {profile['one_change_build']['median_ms']} "
                f"ms); "
                f"most own time in a cold build under cProfile:"
            )
            for row in profile["top_own_time"][: 12 if r.get("print_profile") else 0]:
                print(
                    f"  {row['own_ms']:>8.1f} ms own {row['cumulative_ms']:>8.1f} ms cum "
                    f"{row['calls']:>8} calls  {row['function']}"
                )
    print()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks feed", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--events",
        type=int,
        nargs="+",
        default=[INDICO_EVENTS, 10000],
        help="VEVENTs in the public feed (as Indico counts its events)",
    )
    parser.add_argument(
        "--requests", type=int, default=30, help="warm requests of each kind per size"
    )
    parser.add_argument("--cold", type=int, default=3, help="server starts (cold samples)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (as amity serve ships)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="per request, seconds")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument(
        "--builds", type=int, default=5, help="in-process builds of each kind per size"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print the cProfile of a cold build too"
    )
    parser.add_argument("--profile-top", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.events) < 100:
        parser.error("--events: at least 100")
    if ns.requests < 1 or ns.builds < 1 or ns.cold < 1 or ns.workers < 1 or ns.threads < 1:
        parser.error("--requests, --cold, --workers and --threads must be at least 1")
    if not Path("/proc/self/status").exists():
        parser.error("this benchmark reads memory from /proc (Linux)")

    results = []
    try:
        for events in sorted(set(ns.events)):
            results.append({**measure(events, ns), "print_profile": ns.profile})
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    summary = summarise(results)
    _print_report(results, summary)
    print(
        json.dumps(
            {
                "benchmark": "feed",
                "path": FEED_PATH,
                "machine": report.machine(),
                "code": report.code_version(),
                "settings": {
                    "workers": ns.workers,
                    "threads": ns.threads,
                    "cold_samples": ns.cold,
                    "warm_requests": ns.requests,
                    "in_process_builds": ns.builds,
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
