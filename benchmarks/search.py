"""Searching shared documents over HTTP: ``/documents/?q=`` (the page) and
``/api/v1/documents?q=`` (the API), with 5,000 documents, half of them in Chinese.

The goal: a median under 100 ms per search, for a partner contact (whose results are
narrowed to what is shared with their institution) and for office staff.

1. a fresh data folder and database: SQLite by default; with ``--database-url
   postgres://user@host:5432/any`` a new PostgreSQL database ``amity_bench_search_<random>``
   is created on that server (and dropped at the end unless ``--keep``);
2. ``amity manage migrate``, then ``generate()`` in a subprocess: ten partner institutions,
   an office login and a partner contact's login (with a session each), twelve topics,
   and N documents made through the real service (``sharing.services.document_create``:
   the upload is checked, its text extracted and the search index built), half described
   in Chinese and half in English, each with a plain-text file of body text; 40 % shared
   with all partners, 30 % with one to three chosen partners, 30 % internal;
3. ``amity serve`` on 127.0.0.1 (gunicorn, ``--workers`` x ``--threads``); a few warm-up
   requests, then ``--queries`` searches on the page and the same on the API, alternating
   the two logins: one- and two-word English queries, two- and four-character Chinese ones
   and two Chinese words, drawn from the vocabulary the documents were written with (so most
   find something, some find nothing). One GET per new connection, sequentially.

Every response must be 200; API answers for the partner contact must hold no internal
document and no document shared only with other partners. Medians, p95 and the number of
hits go to a table on stdout, then JSON of all figures; progress goes to stderr.

    .venv/bin/python -m benchmarks search [--documents 5000] [--queries 200]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import http.client
import json
import random
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from benchmarks.harness import report
from benchmarks.harness.servers import (
    BenchmarkError,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
    serving,
)

GOAL_MS = 100.0
GENERATE_TIMEOUT_S = 3600.0

# --- vocabulary: what the documents are written with, and what people search for ---------

ENGLISH = (  # noqa: SIM905 (a sentence reads better than 80 quoted words)
    "cardiac surgery intensive care unit congenital heart disease echocardiography "
    "ventricular septal defect tetralogy fallot ductus arteriosus preterm neonatal sepsis "
    "ventilation oxygen ecmo extracorporeal membrane arrhythmia pacemaker catheter "
    "endocrinology growth hormone diabetes insulin obesity puberty thyroid adrenal "
    "rehabilitation speech therapy cerebral palsy physiotherapy gait motor development "
    "covid coronavirus infection isolation screening nucleic acid test vaccine fever "
    "pneumonia asthma bronchoscopy leukaemia lymphoma chemotherapy transplantation "
    "nursing handover family visiting protocol guideline dose antibiotic fluid "
    "anaesthesia airway intubation discharge follow-up outcome mortality quality safety"
).split()
CHINESE = (  # noqa: SIM905
    "儿童 心脏 重症 监护 先天性 心脏病 超声 心动图 室间隔 缺损 法洛 四联症 动脉导管 "
    "早产儿 新生儿 脓毒症 机械 通气 氧疗 体外 膜肺 心律 失常 起搏器 导管 内分泌 "
    "生长 激素 糖尿病 胰岛素 肥胖 青春期 甲状腺 肾上腺 康复 言语 治疗 脑瘫 物理 步态 "
    "运动 发育 新冠 肺炎 感染 隔离 筛查 核酸 检测 疫苗 发热 哮喘 支气管镜 白血病 "
    "淋巴瘤 化疗 移植 护理 交接 家属 探视 方案 指南 剂量 抗生素 补液 麻醉 气道 插管 "
    "出院 随访 预后 死亡率 质量 安全"
).split()
TOPICS = [
    ("COVID-19", "新冠肺炎"),
    ("Cardiac ICU", "心脏重症监护"),
    ("Cardiology", "心血管"),
    ("Endocrinology", "内分泌"),
    ("Rehabilitation", "康复"),
    ("Nursing", "护理"),
    ("Infection control", "感染防控"),
    ("Neonatology", "新生儿"),
    ("Respiratory medicine", "呼吸"),
    ("Haematology and oncology", "血液肿瘤"),
    ("Anaesthesia", "麻醉"),
    ("Research methods", "科研方法"),
]
KINDS = ["guideline", "protocol", "case", "slides", "other"]
PARTNERS = 10


def _english(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(ENGLISH) for _ in range(words))


def _chinese(rng: random.Random, words: int) -> str:
    text = "".join(rng.choice(CHINESE) for _ in range(words))
    return "，".join(text[i : i + 24] for i in range(0, len(text), 24)) + "。"


def generate(documents: int, seed: int) -> dict:
    """Fill the migrated, empty database; return the logins' session keys and counts."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from amity.accounts.models import Role
    from amity.accounts.services import user_create
    from amity.directory.services import institution_create, person_link_user, person_save
    from amity.sharing import services
    from amity.sharing.models import Document, DocumentTerm

    rng = random.Random(seed)
    started = time.perf_counter()
    home = institution_create(
        fields={
            "name": "Children's Hospital of Zhejiang University School of Medicine",
            "short_name": "ZCH",
            "kind": "hospital",
            "country": "CN",
            "time_zone": "Asia/Shanghai",
            "partnership_status": "home",
        }
    )
    partners = [
        institution_create(
            fields={
                "name": f"Partner Children's Hospital {n + 1}",
                "kind": "hospital",
                "country": "US",
                "time_zone": "America/New_York",
                "partnership_status": "active",
            }
        )
        for n in range(PARTNERS)
    ]

    def login(username: str, role: str, institution) -> tuple[object, str]:
        user = user_create(
            username=username,
            email=f"{username}@bench.example.org",
            password=secrets.token_urlsafe(12),
            role=role,
        )
        person = person_save(
            person=None,
            fields={
                "family_name": username.title(),
                "institution": institution,
                "time_zone": institution.time_zone,
            },
        )
        person_link_user(person=person, user=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return user, session.session_key

    office, office_session = login("office", Role.OFFICE_STAFF, home)
    partner, partner_session = login("partner", Role.PARTNER_CONTACT, partners[0])
    tags = [services.tag_create(name=name, name_local=local) for name, local in TOPICS]

    shared_with_partner = 0
    batch = 250
    for first in range(0, documents, batch):
        with transaction.atomic():
            for n in range(first, min(first + batch, documents)):
                chinese = n % 2 == 1
                roll = rng.random()
                scope = "all_partners" if roll < 0.4 else "chosen" if roll < 0.7 else "internal"
                chosen = rng.sample(partners, rng.randint(1, 3)) if scope == "chosen" else []
                shared_with_partner += scope == "all_partners" or partners[0] in chosen
                if chinese:
                    fields = {
                        "title_local": _chinese(rng, rng.randint(3, 6)).rstrip("。"),
                        "summary_local": _chinese(rng, rng.randint(10, 20)),
                    }
                    body = _chinese(rng, rng.randint(60, 120))
                    if rng.random() < 0.3:  # some are bilingual
                        fields["title"] = _english(rng, rng.randint(3, 7)).capitalize()
                else:
                    fields = {
                        "title": _english(rng, rng.randint(3, 7)).capitalize(),
                        "summary": _english(rng, rng.randint(15, 30)).capitalize() + ".",
                    }
                    body = ". ".join(
                        _english(rng, rng.randint(8, 16)).capitalize() for _ in range(10)
                    )
                services.document_create(
                    fields={**fields, "kind": rng.choice(KINDS), "scope": scope},
                    owner=office,
                    tags=rng.sample(tags, rng.randint(1, 3)),
                    partners=chosen,
                    upload=SimpleUploadedFile(f"document-{n + 1}.txt", body.encode()),
                )
        log(f"  generated {min(first + batch, documents)} documents")
    return {
        "documents": Document.objects.count(),
        "chinese": Document.objects.exclude(title_local="").count(),
        "visible_to_partner": shared_with_partner,
        "index_rows": DocumentTerm.objects.count(),
        "sessions": {"office": office_session, "partner": partner_session},
        "partner_institution": partners[0].pk,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _generate_entry() -> None:
    documents, seed = (int(arg) for arg in sys.argv[1:3])
    print_result(generate(documents, seed))


# --- queries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    language: str  # "en" or "zh"
    shape: str


def queries(count: int, seed: int) -> list[Query]:
    """Mixed English and Chinese queries of the kinds people type."""
    rng = random.Random(seed + 1)
    shapes = [
        ("en", "one word", lambda: rng.choice(ENGLISH)),
        ("en", "two words", lambda: f"{rng.choice(ENGLISH)} {rng.choice(ENGLISH)}"),
        ("zh", "two characters", lambda: rng.choice([w for w in CHINESE if len(w) == 2])),
        ("zh", "four characters", lambda: rng.choice(CHINESE) + rng.choice(CHINESE)),
        ("zh", "two words", lambda: f"{rng.choice(CHINESE)} {rng.choice(CHINESE)}"),
    ]
    result = []
    for n in range(count):
        language, shape, make = shapes[n % len(shapes)]
        result.append(Query(make(), language, shape))
    return result


# --- measuring ------------------------------------------------------------------------


@dataclass
class Answer:
    seconds: float
    status: int
    body: bytes


def _get(port: int, path: str, session: str, timeout: float) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request(
            "GET", path, headers={"Cookie": f"sessionid={session}", "Accept-Encoding": "identity"}
        )
        response = connection.getresponse()
        body = response.read()
        return Answer(time.perf_counter() - started, response.status, body)
    finally:
        connection.close()


def _page_path(q: str) -> str:
    return "/documents/?" + urlencode({"q": q})


def _api_path(q: str) -> str:
    return "/api/v1/documents?" + urlencode({"q": q})


def _hits(kind: str, answer: Answer) -> int:
    if kind == "api":
        return json.loads(answer.body)["count"]
    text = answer.body.decode()
    marker = text.find('data-testid="document-count">')
    number = text[marker:].split(">", 1)[1].split(" ", 1)[0].replace(",", "")
    return int(number)


def _check(kind: str, role: str, answer: Answer, path: str) -> None:
    if answer.status != 200:
        raise BenchmarkError(f"GET {path} as {role}: {answer.status}\n{answer.body[:500]!r}")
    if kind == "api" and role == "partner":
        for item in json.loads(answer.body)["items"]:
            if item["scope"] == "internal":
                raise BenchmarkError(f"the partner contact got internal document {item['id']}")


def measure(ns: argparse.Namespace) -> dict:
    kind = "postgres" if ns.database_url else "sqlite"
    database = "postgresql" if ns.database_url else "sqlite"
    with fresh_database(
        kind,
        database,
        prefix="amity-bench-search-",
        postgres_url=ns.database_url,
        postgres_name=f"amity_bench_search_{secrets.token_hex(4)}",
        keep=ns.keep,
    ) as db:
        log(f"[{database}] generating {ns.documents} documents …")
        data = call_entry(
            "benchmarks.search",
            "_generate_entry",
            [ns.documents, ns.seed],
            db.env,
            db.data_dir,
            GENERATE_TIMEOUT_S,
        )
        log(
            f"[{database}] generated in {data['seconds']} s: {data['documents']} documents "
            f"({data['chinese']} in Chinese), {data['index_rows']} index rows; "
            f"{data['visible_to_partner']} visible to the partner contact"
        )
        sessions = data.pop("sessions")
        workload = queries(ns.queries, ns.seed)
        samples: dict[tuple[str, str, str], list[float]] = {}
        hits: dict[tuple[str, str], list[int]] = {}
        with serving(db.env, db.data_dir, workers=ns.workers, threads=ns.threads) as server:
            for q in workload[:10]:  # warm-up: imports, connections, caches
                for role in ("office", "partner"):
                    _get(server.port, _page_path(q.text), sessions[role], ns.timeout)
            for kind, path_of in (("page", _page_path), ("api", _api_path)):
                for n, q in enumerate(workload):
                    role = ("partner", "office")[n % 2]
                    path = path_of(q.text)
                    answer = _get(server.port, path, sessions[role], ns.timeout)
                    _check(kind, role, answer, path)
                    samples.setdefault((kind, role, q.language), []).append(answer.seconds)
                    hits.setdefault((kind, role), []).append(_hits(kind, answer))
                log(f"[{database}] {kind}: {len(workload)} searches done")
    by_kind = {
        kind: report.latency_ms(
            [s for key, values in samples.items() if key[0] == kind for s in values]
        )
        for kind in ("page", "api")
    }
    return {
        "database": database,
        "data": data,
        "queries": len(workload),
        "overall": by_kind,
        "by_role_and_language": {
            "/".join(key): report.latency_ms(values) for key, values in sorted(samples.items())
        },
        "hits_median": {
            "/".join(key): statistics.median(values) for key, values in sorted(hits.items())
        },
        "zero_hit_share": {
            "/".join(key): round(sum(1 for v in values if v == 0) / len(values), 2)
            for key, values in sorted(hits.items())
        },
        "meets_goal": all(stats["median_ms"] < GOAL_MS for stats in by_kind.values()),
    }


def _cells(stats: dict) -> list:
    return [stats["n"], stats["median_ms"], stats["p95_ms"], stats["max_ms"]]


def _print_report(result: dict) -> None:
    print(
        f"\nSearch over {result['data']['documents']} documents "
        f"({result['data']['chinese']} in Chinese), {result['database']}, "
        f"{result['queries']} queries per endpoint; goal: median under {GOAL_MS:.0f} ms"
    )
    rows = [[name, *_cells(stats)] for name, stats in result["by_role_and_language"].items()]
    rows += [[kind + " (all)", *_cells(stats)] for kind, stats in result["overall"].items()]
    print(
        report.table(
            (26, 4, 8, 8, 8), ("endpoint/role/language", "n", "median", "p95", "max"), rows
        )
    )
    print(f"median hits: {result['hits_median']}; no hits: {result['zero_hit_share']}")
    print(f"meets the goal: {'yes' if result['meets_goal'] else 'NO'}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks search", description=__doc__)
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200, help="per endpoint (page, API)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to use too")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--keep", action="store_true", help="keep the data folder / database")
    ns = parser.parse_args(argv)
    if ns.documents < 10 or not 10 <= ns.queries <= 2000:
        parser.error("use at least 10 documents and 10 to 2000 queries")
    results = []
    try:
        for url in ["", ns.database_url] if ns.database_url else [""]:
            results.append(measure(argparse.Namespace(**{**vars(ns), "database_url": url})))
            _print_report(results[-1])
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {"machine": report.machine(), "results": results},
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0 if all(result["meets_goal"] for result in results) else 3
