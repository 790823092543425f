"""Joint research (issue #14, figure 1): the research overview and the API's list of
studies with ``--studies`` (50) studies × ``--sites`` (30) sites × ``--months`` (36)
months of enrolment.

Each database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_research``, created and dropped here) is migrated with ``amity manage
migrate`` and filled by a bench-only builder (``build``: bulk-created rows as the services
would have written them — 41 institutions of which the home hospital, 10 domestic ones and
30 partners in 20 countries; per study a PI, a team of three, two registry identifiers,
three publications; per site a site PI and coordinator, a target, an ethics approval —
some expired, some expiring within 60 days — and ``--months`` monthly counts).

Then ``GET /research/`` (the overview page, rendered by the real view, URLconf, middleware
and templates) and ``GET /api/v1/studies?page_size=50``, as an office-staff login and as a
partner contact whose institution is a site of every study, through Django's test client
in a subprocess with Amity's settings and the benchmark's database:

fresh   ``--fresh`` (7) new processes, each timing its first request of each address
        after one ``GET /healthz`` (the handler, middleware and URLconf loaded, as in a
        booted worker; no page rendered yet: templates not loaded, caches empty);
cleared ``--runs`` (20) requests in one process after 3 warm-ups, the cache cleared
        before each.

Medians (and p95) in milliseconds; goal: the overview under 300 ms (median), both ways.

    .venv/bin/python -m benchmarks research [--database sqlite postgres] [--studies 50]
        [--sites 30] [--months 36] [--runs 20] [--fresh 7]
"""

import argparse
import json
import random
import signal
import sys
import time
from datetime import date, timedelta

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
PG_NAME = "amity_bench_research"
GOAL_MS = 300.0
OVERVIEW = "/research/"
API_LIST = "/api/v1/studies?page_size=50"
COUNTRIES = [
    ("US", "America/Los_Angeles"),
    ("GB", "Europe/London"),
    ("IT", "Europe/Rome"),
    ("CA", "America/Toronto"),
    ("DE", "Europe/Berlin"),
    ("FR", "Europe/Paris"),
    ("ES", "Europe/Madrid"),
    ("NL", "Europe/Amsterdam"),
    ("SE", "Europe/Stockholm"),
    ("CH", "Europe/Zurich"),
    ("TR", "Europe/Istanbul"),
    ("AU", "Australia/Melbourne"),
    ("NZ", "Pacific/Auckland"),
    ("SG", "Asia/Singapore"),
    ("JP", "Asia/Tokyo"),
    ("KR", "Asia/Seoul"),
    ("BR", "America/Sao_Paulo"),
    ("ZA", "Africa/Johannesburg"),
    ("IN", "Asia/Kolkata"),
    ("MX", "America/Mexico_City"),
]
CITIES = ["Shanghai", "Beijing", "Chongqing", "Guangzhou", "Wuhan", "Chengdu", "Xi'an"]
DESIGNS = ["interventional", "observational", "registry", "diagnostic", "qualitative"]
STATUSES = ["planning", "approvals", "enrolling", "enrolling", "follow_up", "analysis"]


# --- set-up and timing, in a subprocess ----------------------------------------------------


def _months_back(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    out = []
    for n in range(count, 0, -1):
        index = first.year * 12 + first.month - 1 - n
        out.append(date(index // 12, index % 12 + 1, 1))
    return out


def build(studies: int, sites: int, months: int, seed: int) -> dict:
    """The research world, bulk-created (bench-only)."""
    django_setup()
    from django.db import transaction
    from django.utils import timezone

    from amity.accounts.models import Role
    from amity.accounts.services import user_create
    from amity.directory.models import Institution, Person
    from amity.research.models import (
        Enrolment,
        EthicsApproval,
        Publication,
        RegistryId,
        Site,
        Study,
        StudyMember,
    )

    rng = random.Random(seed)
    today = timezone.localdate()
    started = time.perf_counter()
    if sites > 40:
        raise BenchmarkError("at most 40 sites per study (the institutions built)")
    with transaction.atomic():
        home = Institution.objects.filter(partnership_status="home").first()
        if home is None:
            home = Institution.objects.create(
                name="Children's Hospital, Zhejiang University School of Medicine",
                name_local="浙江大学医学院附属儿童医院",
                kind="hospital",
                country="CN",
                city="Hangzhou",
                time_zone="Asia/Shanghai",
                partnership_status="home",
            )
        domestic = Institution.objects.bulk_create(
            Institution(
                name=f"Bench children's hospital {n + 1:02d}",
                name_local=f"测试儿童医院{n + 1:02d}",
                kind="hospital",
                country="CN",
                city=CITIES[n % len(CITIES)],
                time_zone="Asia/Shanghai",
                partnership_status="active",
            )
            for n in range(10)
        )
        partners = Institution.objects.bulk_create(
            Institution(
                name=f"Bench partner hospital {n + 1:02d}",
                kind="hospital",
                country=COUNTRIES[n % len(COUNTRIES)][0],
                time_zone=COUNTRIES[n % len(COUNTRIES)][1],
                partnership_status="active",
            )
            for n in range(30)
        )
        # The partner contact's institution (partners[0]) is a site of every study.
        institutions = [partners[0], home, *domestic, *partners[1:]]
        people = Person.objects.bulk_create(
            Person(
                family_name=f"Family{n}",
                given_name=f"Given{n}",
                institution=institutions[n % len(institutions)],
                time_zone=institutions[n % len(institutions)].time_zone,
            )
            for n in range(len(institutions) * 3)
        )
        by_institution: dict[int, list] = {}
        for person in people:
            by_institution.setdefault(person.institution_id, []).append(person)
        home_people = by_institution[home.pk]
        office = user_create(
            username="bench-office",
            email="office@zch.example.cn",
            password=None,
            role=Role.OFFICE_STAFF,
        )
        contact = user_create(
            username="bench-partner",
            email="contact@partner.example.org",
            password=None,
            role=Role.PARTNER_CONTACT,
        )
        Person.objects.filter(pk=by_institution[partners[0].pk][0].pk).update(user=contact)
        study_rows = Study.objects.bulk_create(
            Study(
                title=f"Multicentre study {n + 1:02d} of children's outcomes after COVID-19",
                title_local=f"儿童新冠肺炎结局多中心研究 {n + 1:02d}",
                acronym=f"BENCH{n + 1:02d}",
                design=DESIGNS[n % len(DESIGNS)],
                status=STATUSES[n % len(STATUSES)],
                lead_institution=home,
                principal_investigator=home_people[n % len(home_people)],
                target_enrolment=sites * 120,
                start_on=today - timedelta(days=31 * months),
                created_by=office,
            )
            for n in range(studies)
        )
        StudyMember.objects.bulk_create(
            StudyMember(study=s, person=home_people[(n + k) % len(home_people)], role=role)
            for n, s in enumerate(study_rows)
            for k, role in enumerate(["coordinator", "statistician", "member"], 1)
        )
        RegistryId.objects.bulk_create(
            [
                *(
                    RegistryId(study=s, registry="clinicaltrials_gov", identifier=f"NCT0{n:07d}")
                    for n, s in enumerate(study_rows)
                ),
                *(
                    RegistryId(study=s, registry="chictr", identifier=f"ChiCTR20000{n:05d}")
                    for n, s in enumerate(study_rows)
                ),
            ]
        )
        Publication.objects.bulk_create(
            Publication(
                study=s,
                title=f"Findings {k} of study {n + 1}",
                authors="Fu JF; Shu Q; 傅君芬",
                journal="World J Pediatr",
                year=2020 + k,
                doi=f"10.1007/s12519-0{n:02d}-{k:05d}-x",
            )
            for n, s in enumerate(study_rows)
            for k in range(3)
        )
        site_rows = []
        for s in study_rows:
            chosen = [institutions[0]] + rng.sample(institutions[1:], sites - 1)
            for institution in chosen:
                staff = by_institution[institution.pk]
                site_rows.append(
                    Site(
                        study=s,
                        institution=institution,
                        site_pi=staff[0],
                        coordinator=staff[1],
                        status=rng.choice(["invited", "approvals_pending", "active", "active"]),
                        target=rng.choice([60, 100, 120, 150, 200]),
                        joined_on=s.start_on,
                    )
                )
        site_rows = Site.objects.bulk_create(site_rows, batch_size=2000)
        EthicsApproval.objects.bulk_create(
            (
                EthicsApproval(
                    site=site,
                    committee="Ethics Committee",
                    reference=f"EC-{site.pk}",
                    approved_on=today - timedelta(days=rng.randint(200, 900)),
                    expires_on=today + timedelta(days=rng.randint(-30, 700)),
                    created_by=office,
                )
                for site in site_rows
            ),
            batch_size=2000,
        )
        month_list = _months_back(today, months)
        Enrolment.objects.bulk_create(
            (
                Enrolment(site=site, month=month, count=rng.randint(0, 8), entered_by=office)
                for site in site_rows
                for month in month_list
            ),
            batch_size=5000,
        )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "counts": {
            "studies": Study.objects.count(),
            "sites": Site.objects.count(),
            "enrolment rows": Enrolment.objects.count(),
            "approvals": EthicsApproval.objects.count(),
        },
    }


def _clients() -> dict:
    from django.test import Client

    from amity.accounts.models import User

    clients = {}
    for name, username in (("office", "bench-office"), ("partner", "bench-partner")):
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.get(username=username))
        clients[name] = client
    return clients


def _get(client, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - started, response.status_code, response.content


def _cpu_get(client, path: str) -> tuple[float, float, int, bytes]:
    """Wall and CPU seconds of this process (on SQLite the database's work is in it too:
    the CPU time is what the request costs on a quiet machine, without waiting for a core
    on a busy one)."""
    cpu = time.process_time()
    seconds, status, body = _get(client, path)
    return seconds, time.process_time() - cpu, status, body


def time_fresh() -> dict:
    """In a new process: the first request of each address, per login."""
    django_setup()
    from django.core.cache import cache

    clients = _clients()
    # The worker has booted: Django's handler, middleware and URLconf are loaded (as a
    # gunicorn worker has them after its first request of anything, here /healthz).
    clients["office"].get("/healthz")
    cache.clear()
    out = {}
    for who, client in clients.items():
        for path in (OVERVIEW, API_LIST):
            seconds, status, body = _get(client, path)
            out[f"{who} {path}"] = {"seconds": seconds, "status": status, "bytes": len(body)}
    return out


def time_cleared(runs: int) -> dict:
    """In one process: ``runs`` requests of each address, the cache cleared before each."""
    django_setup()
    from django.core.cache import cache

    clients = _clients()
    out = {}
    for who, client in clients.items():
        for path in (OVERVIEW, API_LIST):
            for _ in range(3):
                _get(client, path)
            samples, cpu, statuses, body = [], [], set(), b""
            for _ in range(runs):
                cache.clear()
                seconds, cpu_seconds, status, body = _cpu_get(client, path)
                samples.append(seconds)
                cpu.append(cpu_seconds)
                statuses.add(status)
            figures = report.latency_ms(samples, (0.95,))
            figures["cpu_median_ms"] = report.ms(report.median(cpu, 6))
            figures["status"] = sorted(statuses)
            figures["bytes"] = len(body)
            if path == API_LIST:
                figures["items"] = len(json.loads(body)["items"])
            else:
                figures["rows"] = body.count(b"<tr") - 1
            out[f"{who} {path}"] = figures
    return out


ENTRIES = {"build": build, "time_fresh": time_fresh, "time_cleared": time_cleared}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(db: Database, name: str, **kwargs) -> dict:
    return call_entry(
        "benchmarks.research", "_entry", [name, json.dumps(kwargs)], db.env, db.data_dir
    )


# --- the figure ------------------------------------------------------------------------------


def figure(kind: str, ns: argparse.Namespace) -> dict:
    label = f"research-{kind}"
    with fresh_database(
        kind,
        label,
        prefix=f"amity-bench-research-{kind}-",
        postgres_url=ns.postgres,
        postgres_name=PG_NAME,
        keep=ns.keep,
    ) as db:
        # As ``amity serve`` does before it serves: the pages name hashed static files.
        collect = [*amity_command(), "manage", "collectstatic", "--noinput", "-v", "0"]
        run(collect, db.env, db.data_dir, MIGRATE_TIMEOUT_S)
        built = _call(
            db, "build", studies=ns.studies, sites=ns.sites, months=ns.months, seed=ns.seed
        )
        log(f"[{label}] built {built['counts']} in {built['seconds']} s")
        fresh_runs = [_call(db, "time_fresh") for _ in range(ns.fresh)]
        cleared = _call(db, "time_cleared", runs=ns.runs)
    timings = {}
    for name, figures in cleared.items():
        samples = [run[name]["seconds"] for run in fresh_runs]
        fresh = report.latency_ms(samples, (0.95,))
        fresh["status"] = sorted({run[name]["status"] for run in fresh_runs})
        ok_status = figures["status"] == [200] and fresh["status"] == [200]
        goal = name.endswith(OVERVIEW)
        timings[name] = {
            "fresh": fresh,
            "cleared": figures,
            "meets_goal": ok_status
            and (not goal or (fresh["median_ms"] < GOAL_MS and figures["median_ms"] < GOAL_MS)),
        }
        log(
            f"[{label}] {name}: fresh process median {fresh['median_ms']} ms, cache cleared "
            f"median {figures['median_ms']} ms, CPU {figures['cpu_median_ms']} ms "
            f"(status {figures['status']})" + ("" if timings[name]["meets_goal"] else "  <-- MISS")
        )
    return {
        "built": built,
        "timings": timings,
        "all_ok": all(t["meets_goal"] for t in timings.values()),
    }


HEADER = (
    "database",
    "who",
    "address",
    "fresh median",
    "fresh p95",
    "cleared median",
    "p95",
    "CPU median",
    "goal",
)
COLUMNS = (9, -8, -26, 12, 9, 14, 7, 10, 5)


def _print_report(results: dict, ns: argparse.Namespace) -> None:
    print(
        f"research overview: {ns.studies} studies x {ns.sites} sites x {ns.months} months; "
        f"fresh = first request of {ns.fresh} new processes, cleared = median of {ns.runs} "
        f"requests with the cache cleared before each (Django test client, real view); "
        f"CPU = this process's CPU time (SQLite: with the database's)"
    )
    rows = []
    for kind, result in results.items():
        for name, t in result["timings"].items():
            who, path = name.split(" ", 1)
            goal = "met" if t["meets_goal"] else "MISS"
            rows.append(
                [
                    kind,
                    who,
                    path,
                    t["fresh"]["median_ms"],
                    t["fresh"]["p95_ms"],
                    t["cleared"]["median_ms"],
                    t["cleared"]["p95_ms"],
                    t["cleared"]["cpu_median_ms"],
                    goal if path == OVERVIEW else ("ok" if t["meets_goal"] else "WRONG"),
                ]
            )
    print(report.table(COLUMNS, HEADER, rows))
    for kind, result in results.items():
        print(f"  {kind:<9} built {result['built']['counts']} in {result['built']['seconds']} s")
    print(f"goal: overview median < {GOAL_MS:.0f} ms (fresh and cleared)\n")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks research", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help=f"server URL (no database); the benchmark creates and drops {PG_NAME}",
    )
    parser.add_argument("--studies", type=int, default=50)
    parser.add_argument("--sites", type=int, default=30, help="per study (at most 40)")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fresh", type=int, default=7, help="new processes, one sample each")
    parser.add_argument("--seed", type=int, default=20200301)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.studies, ns.sites, ns.months, ns.runs, ns.fresh) < 1 or ns.sites > 40:
        parser.error("--studies, --months, --runs, --fresh at least 1; --sites 1 to 40")
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
    _print_report(results, ns)
    print(f"code: {code}")
    print(
        json.dumps(
            {
                "benchmark": "research",
                "machine": report.machine(),
                "code": code,
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    return 0 if all(r["all_ok"] for r in results.values()) else 1
