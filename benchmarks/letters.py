"""One letter to 300 partner contacts, through a mail server that fails for a while.

For each run (``--runs``, for each ``--retry-seconds`` value):

1. a fresh data folder in a temporary directory, ``amity manage migrate`` (SQLite; or
   ``--database-url``: an empty database that is flushed first — never one you need);
2. fixture data, made in a subprocess by ``generate()``: the home hospital, an office-staff
   login, 60 partner institutions in ten countries with five contacts each (300; those in
   Singapore and Hong Kong have Chinese names and read Chinese), and a bilingual letter
   (Chinese and English, placeholders filled per recipient) addressed to every active
   partner's contacts;
3. a local SMTP server (aiosmtpd, 127.0.0.1) that accepts ``--fail-after`` messages, then
   answers "451 try again later" to everything for ``--outage`` seconds, then accepts again;
4. ``amity serve`` (gunicorn) and the office's click on *Send to 300 recipients* over HTTP
   (logged in, with the CSRF token, exactly as the browser does);
5. ``--workers`` ``amity worker`` processes, started right after the click, until the
   progress endpoint says every letter is sent (deadline ``--deadline``).

Reported: the click's own time (the one transaction that writes 300 letters and their
queued emails), the time from the click to the last delivery, the refusals the server
answered and the retries the outbox recorded, delivered messages, duplicates (must be 0)
and whether every recipient got exactly one message with their own name in it.

The outbox's first retry waits ``AMITY_EMAIL_RETRY_SECONDS`` (30 s by default, doubling),
so a 5-second outage costs at least that long; ``--retry-seconds 30 2`` shows the
difference. Loopback only; every wait has a deadline; servers and workers are always
stopped. A table goes to stdout followed by JSON; progress goes to stderr.

    .venv/bin/python -m benchmarks letters [--recipients 300] [--workers 2] [--runs 1]
        [--fail-after 100] [--outage 5] [--retry-seconds 30 2] [--pdf] [--database-url URL]
"""

import argparse
import http.cookiejar
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from benchmarks.harness.servers import (
    ROOT,
    BenchmarkError,
    amity_command,
    amity_env,
    call_entry,
    data_folder,
    django_setup,
    free_port,
    log,
    migrate,
    print_result,
    serving,
    start_worker,
    stop,
    tail,
)
from benchmarks.harness.servers import (
    run as run_command,
)

PASSWORD = "bench-office-password-2020"  # noqa: S105 (a throw-away benchmark login)
COUNTRIES = ["US", "GB", "CA", "AU", "SG", "HK", "DE", "JP", "IT", "NL"]
ZONES = {
    "US": "America/New_York",
    "GB": "Europe/London",
    "CA": "America/Toronto",
    "AU": "Australia/Melbourne",
    "SG": "Asia/Singapore",
    "HK": "Asia/Hong_Kong",
    "DE": "Europe/Berlin",
    "JP": "Asia/Tokyo",
    "IT": "Europe/Rome",
    "NL": "Europe/Amsterdam",
}
FAMILY = ["Smith", "Brown", "Rossi", "Müller", "Tanaka", "de Vries", "Wilson", "Martin"]
GIVEN = ["Anna", "James", "Sofia", "Lukas", "Yuki", "Emma", "Noah", "Chloé"]
FAMILY_ZH = [("Chan", "陈"), ("Wong", "黄"), ("Lee", "李"), ("Tan", "陈"), ("Lim", "林")]
GIVEN_ZH = [("Wei Ling", "伟玲"), ("Ka Ho", "家豪"), ("Mei", "美"), ("Jun", "俊")]
BODY_ZH = "{salutation}：\n\n疫情期间，我们牵挂着{partner}的各位同事。\n\n杭州，{date}"
BODY_EN = "{salutation},\n\nOur thoughts are with everyone at {partner}.\n\nHangzhou, {date}"

SETUP_TIMEOUT_S = 600.0


# --- fixture data (runs in a subprocess, with the benchmark's environment) ---------------


def generate(recipients: int, seed: int, pdf: bool) -> dict:
    """The home hospital, the office login, partners with ``recipients`` contacts and a
    draft bilingual letter to all of them; returns the campaign's id and the addresses."""
    django_setup()
    from django.db import transaction

    from amity.accounts.models import Role
    from amity.accounts.services import user_create
    from amity.directory.models import Institution, Language, Person
    from amity.directory.services import institution_create, person_save
    from amity.relations.services import campaign_create

    rng = random.Random(seed)
    with transaction.atomic():
        zh, _ = Language.objects.get_or_create(code="zh", defaults={"name": "Chinese"})
        en, _ = Language.objects.get_or_create(code="en", defaults={"name": "English"})
        home = institution_create(
            fields={
                "name": "Children's Hospital of Zhejiang University School of Medicine",
                "name_local": "浙江大学医学院附属儿童医院",
                "short_name": "ZCH",
                "kind": "hospital",
                "country": "CN",
                "city": "Hangzhou",
                "time_zone": "Asia/Shanghai",
                "partnership_status": "home",
            }
        )
        office = user_create(
            username="office",
            email="office@zch.example.cn",
            password=PASSWORD,
            role=Role.OFFICE_STAFF,
        )
        person_save(
            person=None,
            fields={
                "family_name": "Wang",
                "given_name": "Lina",
                "name_order": "family_first",
                "email": "office@zch.example.cn",
                "institution": home,
                "time_zone": "Asia/Shanghai",
                "user": office,
            },
            languages=[zh, en],
            experiences=[],
            memberships=[],
        )
        per_institution = 5
        institutions = []
        for index in range((recipients + per_institution - 1) // per_institution):
            country = COUNTRIES[index % len(COUNTRIES)]
            institutions.append(
                Institution(
                    name=f"Partner Hospital {index + 1:03d} ({country})",
                    kind=rng.choice(["hospital", "hospital", "university"]),
                    country=country,
                    city="",
                    time_zone=ZONES[country],
                    partnership_status="active",
                )
            )
        Institution.objects.bulk_create(institutions)
        people, chinese = [], []
        for index in range(recipients):
            institution = institutions[index // per_institution]
            country = institution.country.code
            if country in {"SG", "HK"}:
                (family, family_zh), (given, given_zh) = rng.choice(FAMILY_ZH), rng.choice(GIVEN_ZH)
                fields = {
                    "family_name": family,
                    "given_name": given,
                    "family_name_local": family_zh,
                    "given_name_local": given_zh,
                    "name_order": "family_first",
                }
            else:
                fields = {
                    "family_name": rng.choice(FAMILY),
                    "given_name": rng.choice(GIVEN),
                    "name_order": "given_first",
                }
            person = Person(
                **fields,
                title=rng.choice(["Dr.", "Prof.", ""]),
                email=f"contact{index:04d}@partner{index // per_institution:03d}.example.org",
                institution=institution,
                time_zone=institution.time_zone,
            )
            people.append(person)
            if country in {"SG", "HK"}:
                chinese.append(person)
        Person.objects.bulk_create(people)
        through = Person.languages.through
        through.objects.bulk_create(
            [through(person_id=p.pk, language_id="en") for p in people]
            + [through(person_id=p.pk, language_id="zh") for p in chinese]
        )
        campaign = campaign_create(
            fields={
                "name": "Letter of solidarity (benchmark)",
                "partnership_statuses": ["active"],
                "delivery": "email_pdf" if pdf else "email",
                "subject_zh": "与您同在",
                "body_zh": BODY_ZH,
                "subject_en": "With you, {name}",
                "body_en": BODY_EN,
                "signature_en": "Dr. Shu Qiang\nSecretary of the Party Committee",
                "signature_zh": "舒强\n党委书记",
            },
            user=office,
        )
    return {
        "campaign": campaign.pk,
        # What each recipient's letter must name them by: family name, or Chinese name.
        "addresses": {p.email: [p.family_name, p.local_name] for p in people},
        "chinese": len(chinese),
    }


def outbox_stats() -> dict:
    """What the outbox recorded: emails by status and the attempts they took."""
    django_setup()
    from django.db.models import Count, Sum

    from amity.core.models import OutboundEmail
    from amity.relations.models import Letter

    by_status = dict(OutboundEmail.objects.values_list("status").annotate(n=Count("pk")).order_by())
    attempts = OutboundEmail.objects.aggregate(total=Sum("attempts"))["total"] or 0
    return {
        "emails": OutboundEmail.objects.count(),
        "letters": Letter.objects.count(),
        "by_status": by_status,
        "attempts": attempts,
    }


def _entry() -> None:
    """``python -c`` entry: ``generate`` or ``outbox_stats``, handed back as JSON."""
    what = sys.argv[1]
    if what == "generate":
        print_result(generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "pdf"))
    else:
        print_result(outbox_stats())


def _python_entry(args: list, env: dict, cwd: Path) -> dict:
    return call_entry("benchmarks.letters", "_entry", args, env, cwd, SETUP_TIMEOUT_S)


# --- the mail server -------------------------------------------------------------------


@dataclass
class OutageHandler:
    """Accepts ``fail_after`` messages, then refuses every message for ``outage_s``
    seconds with 451, then accepts again. Records what arrived and when."""

    fail_after: int
    outage_s: float
    accepted: list = field(default_factory=list)  # (monotonic time, recipient, message)
    refused: int = 0
    outage_started: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        now = time.monotonic()
        with self.lock:
            if self.outage_started is None and len(self.accepted) >= self.fail_after:
                self.outage_started = now
            if self.outage_started is not None and now < self.outage_started + self.outage_s:
                self.refused += 1
                return "451 4.3.0 Temporary failure, try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            for recipient in envelope.rcpt_tos:
                self.accepted.append((now, recipient, message))
        return "250 2.0.0 OK"


# --- the office's click ----------------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies, the CSRF token, forms, no redirects hidden."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str]:
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=300) as response:
            return response.status, response.read().decode()

    def log_in(self) -> None:
        self.get("/accounts/login/")
        _status, page = self.post("/accounts/login/", {"username": "office", "password": PASSWORD})
        if "Log out" not in page:
            raise BenchmarkError("could not log in as the office")


# --- one run -----------------------------------------------------------------------------


def run_once(ns: argparse.Namespace, retry_seconds: int, run: int) -> dict:
    with data_folder("amity-bench-letters-") as data_dir:
        smtp = OutageHandler(fail_after=ns.fail_after, outage_s=ns.outage)
        controller = Controller(smtp, hostname="127.0.0.1", port=free_port())
        env = amity_env(data_dir)
        env.update(
            {
                "AMITY_EMAIL_HOST": "127.0.0.1",
                "AMITY_EMAIL_PORT": str(controller.port),
                "AMITY_EMAIL_RETRY_SECONDS": str(retry_seconds),
                "AMITY_FROM_EMAIL": "International Affairs Office <office@zch.example.cn>",
                "AMITY_LOG_LEVEL": "WARNING",
            }
        )
        if ns.database_url:
            env["DATABASE_URL"] = ns.database_url
        log(f"run {run} (retry {retry_seconds} s): migrating {data_dir}")
        migrate(env, data_dir, SETUP_TIMEOUT_S)
        if ns.database_url:
            command = [*amity_command(), "manage", "flush", "--no-input"]
            run_command(command, env, data_dir, SETUP_TIMEOUT_S)
        fixture = _python_entry(
            ["generate", ns.recipients, ns.seed + run, "pdf" if ns.pdf else "email"], env, ROOT
        )
        addresses = fixture["addresses"]
        campaign = fixture["campaign"]

        controller.start()
        workers: list = []
        try:
            with serving(env, data_dir, workers=2, threads=4) as server:
                browser = Browser(server.port)
                browser.log_in()
                preview = browser.get(f"/letters/campaigns/{campaign}/preview/")
                wanted = f"Send to {len(addresses)} recipients"
                if wanted not in preview:
                    raise BenchmarkError(f"the preview does not offer “{wanted}”")

                log(f"run {run}: sending to {len(addresses)} recipients")
                clicked = time.monotonic()
                status, page = browser.post(f"/letters/campaigns/{campaign}/send/", {})
                answered = time.monotonic()
                if status != 200 or f"{len(addresses)} letters were written" not in page:
                    raise BenchmarkError(f"the send click answered {status}:\n{tail(server.log)}")
                for index in range(ns.workers):
                    workers.append(
                        start_worker(env, data_dir, f"worker-{index}", "--queues", "email")
                    )
                progress = _wait_delivered(
                    browser, campaign, len(addresses), ns.deadline, workers, data_dir
                )
                drained = time.monotonic()
        finally:
            for worker in workers:
                stop(worker)
            controller.stop()
        stats = _python_entry(["stats"], env, ROOT)

    received = Counter(recipient for _when, recipient, _message in smtp.accepted)
    named = all(
        any(
            name and name in message.get_body(("plain",)).get_content()
            for name in addresses[recipient]
        )
        for _when, recipient, message in smtp.accepted
    )
    last = max(when for when, _recipient, _message in smtp.accepted)
    return {
        "retry_seconds": retry_seconds,
        "recipients": len(addresses),
        "chinese_recipients": fixture["chinese"],
        "click_s": round(answered - clicked, 3),
        "to_last_delivery_s": round(last - clicked, 2),
        "to_all_marked_sent_s": round(drained - clicked, 2),
        "refused_by_server": smtp.refused,
        "retries_recorded": stats["attempts"] - stats["emails"],
        "delivered": sum(received.values()),
        "unique_recipients": len(received),
        "duplicates": sum(count - 1 for count in received.values()),
        "each_exactly_once": set(received) == set(addresses) and set(received.values()) == {1},
        "named_in_letter": named,
        "letters": stats["letters"],
        "outbox": stats["by_status"],
        "progress": progress,
    }


def _wait_delivered(
    browser: Browser, campaign: int, expected: int, deadline_s: float, workers, data_dir
) -> dict:
    deadline = time.monotonic() + deadline_s
    progress: dict = {}
    while time.monotonic() < deadline:
        for index, worker in enumerate(workers):
            if worker.poll() is not None:
                raise BenchmarkError(
                    f"worker {index} exited with {worker.returncode}:\n"
                    f"{tail(data_dir / f'worker-{index}.log')}"
                )
        progress = json.loads(browser.get(f"/letters/campaigns/{campaign}/progress/"))
        if progress["done"]:
            if progress["sent"] != expected:
                raise BenchmarkError(f"finished with {progress}")
            return progress
        time.sleep(0.2)
    raise BenchmarkError(f"not all delivered within {deadline_s:.0f} s: {progress}")


# --- the report --------------------------------------------------------------------------


def _table(results: list[dict]) -> str:
    lines = [
        "| first retry | click | to last delivery | refused | retries | delivered | "
        "duplicates | each once |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for retry in sorted({r["retry_seconds"] for r in results}, reverse=True):
        rows = [r for r in results if r["retry_seconds"] == retry]
        med = {
            key: statistics.median(r[key] for r in rows)
            for key in ("click_s", "to_last_delivery_s", "refused_by_server", "retries_recorded")
        }
        lines.append(
            f"| {retry} s | {med['click_s']:.2f} s | {med['to_last_delivery_s']:.1f} s | "
            f"{med['refused_by_server']:.0f} | {med['retries_recorded']:.0f} | "
            f"{min(r['delivered'] for r in rows)}–{max(r['delivered'] for r in rows)} | "
            f"{max(r['duplicates'] for r in rows)} | "
            f"{'yes' if all(r['each_exactly_once'] for r in rows) else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks letters", description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="amity worker processes")
    parser.add_argument("--runs", type=int, default=1, help="runs per retry setting")
    parser.add_argument("--fail-after", type=int, default=100, help="accepted before the outage")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds of 451 answers")
    parser.add_argument(
        "--retry-seconds",
        type=int,
        nargs="+",
        default=[30],
        help="AMITY_EMAIL_RETRY_SECONDS values to compare (the outbox's first back-off)",
    )
    parser.add_argument("--pdf", action="store_true", help="attach each letter as a PDF")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds to deliver all")
    parser.add_argument("--seed", type=int, default=20200320)
    parser.add_argument(
        "--database-url",
        default="",
        help="an EMPTY throw-away PostgreSQL database (it is flushed); default SQLite",
    )
    ns = parser.parse_args(argv)
    if not 1 <= ns.recipients <= 5000 or not 1 <= ns.workers <= 16:
        parser.error("between 1 and 5000 recipients and 1 to 16 workers")
    results = []
    try:
        for retry in ns.retry_seconds:
            for run in range(1, ns.runs + 1):
                result = run_once(ns, retry, run)
                log(
                    f"  click {result['click_s']} s, last delivery after "
                    f"{result['to_last_delivery_s']} s, {result['refused_by_server']} refused, "
                    f"{result['duplicates']} duplicates"
                )
                results.append(result)
    except BenchmarkError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    database = "PostgreSQL" if ns.database_url else "SQLite"
    print(
        f"Letter to {ns.recipients} partner contacts, {ns.workers} workers, {database}; the "
        f"server refuses for {ns.outage:g} s after {ns.fail_after} messages"
        f"{'; each with its PDF' if ns.pdf else ''} (medians of {ns.runs} run(s))"
    )
    print(_table(results))
    print(json.dumps({"results": results}, indent=1, ensure_ascii=False))
    ok = all(r["each_exactly_once"] and r["duplicates"] == 0 for r in results)
    return 0 if ok else 1
