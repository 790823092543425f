"""Failed-login lockout (issue #12, figure 3): 1,000 password guesses against one account
from 10 client addresses, sent at once over HTTP, and how many reach the password check.

For each database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_lockout``, created and dropped here): ``amity manage migrate``, an account
``victim`` with a random password, and ``amity serve`` (gunicorn, ``--workers`` 2 x
``--threads`` 8, Django's own PBKDF2 password hashing) on 127.0.0.1 with
``AMITY_CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR`` and ``AMITY_LOGIN_FAILURE_LIMIT`` =
``--limit`` (5). ``--clients`` (50) threads, each with a keep-alive connection and a CSRF
cookie of its own, send ``--guesses`` (1,000) wrong passwords for ``victim`` as fast as the
server answers, guess *i* from address ``10.9.0.(i mod --addresses)`` in X-Forwarded-For.

Counted exactly, inside the server: every call of ``check_password`` appends one byte to a
file (``O_APPEND``, atomic between processes and threads); the server is ``amity serve``
started through this module (``serve-counting``), which installs that counter before the
workers fork and then runs ``amity serve`` unchanged. Also read: the failures axes
recorded, the answers (200 = wrong password, 429 = locked out) and how long the 1,000
took (reported, with ``within_a_minute``; it depends on the machine). Goal: password
checks <= the limit.

``--handler stock`` runs the same with django-axes' own database handler (check the
failures, check the password, then record the failure) for comparison: under parallel
guesses it lets more through than its limit, which Amity's handler (count under a lock
before the password, ``amity/accounts/lockout.py``) does not.

    python3 dev.py bench lockout [--database sqlite postgres] [--handler amity stock]
        [--guesses 1000] [--addresses 10] [--clients 50] [--limit 5] [--rounds 3]
"""

import argparse
import http.client
import json
import os
import queue
import re
import secrets
import signal
import statistics
import sys
import threading
import time
from collections import Counter
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

DATABASES = ("sqlite", "postgres")
HANDLERS = {
    "amity": "amity.accounts.lockout.CountingDatabaseHandler",
    "stock": "axes.handlers.database.AxesDatabaseHandler",
}
PG_NAME = "amity_bench_lockout"
COUNTER_ENV = "LOCKOUT_BENCH_COUNTER"
HANDLER_ENV = "LOCKOUT_BENCH_HANDLER"
VICTIM = "victim"
GOAL_SECONDS = 60.0


# --- inside the server -------------------------------------------------------------------


def serve_counting(argv: list[str]) -> int:
    """``amity serve`` with a counter of password checks (and, for comparison, another
    lockout handler), installed before gunicorn forks its workers."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth.base_user import AbstractBaseUser

    from amity import cli

    if handler := os.environ.get(HANDLER_ENV):
        settings.AXES_HANDLER = handler
        from axes.handlers.proxy import AxesProxyHandler

        AxesProxyHandler.get_implementation(force=True)
    counter = os.environ[COUNTER_ENV]
    original = AbstractBaseUser.check_password

    def counting(self, raw_password):
        fd = os.open(counter, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, b".")
        finally:
            os.close(fd)
        return original(self, raw_password)

    AbstractBaseUser.check_password = counting
    return cli.main(["serve", *argv])


# --- set-up and checks, in subprocesses with Amity's settings ------------------------------


def _make_victim() -> dict:
    from amity.accounts.models import Role
    from amity.accounts.services import user_create

    user_create(
        username=VICTIM,
        email="victim@example.org",
        password=secrets.token_urlsafe(16),
        role=Role.OFFICE_STAFF,
    )
    return {"ok": True}


def _attempts() -> dict:
    from axes.models import AccessAttempt
    from django.db.models import Sum

    rows = AccessAttempt.objects.filter(username=VICTIM)
    return {
        "failures_recorded": rows.aggregate(n=Sum("failures_since_start"))["n"] or 0,
        "records": rows.count(),
        "addresses": rows.values("ip_address").distinct().count(),
    }


def _reset() -> dict:
    from axes.models import AccessAttempt

    return {"deleted": AccessAttempt.objects.all().delete()[0]}


ENTRIES = {"make_victim": _make_victim, "attempts": _attempts, "reset": _reset}


def _entry() -> None:
    django_setup()
    print_result(ENTRIES[sys.argv[1]]())


def _call(db, name: str) -> dict:
    return call_entry("benchmarks.lockout", "_entry", [name], db.env, db.data_dir)


# --- the guesses -------------------------------------------------------------------------


def _login_form(connection: http.client.HTTPConnection) -> tuple[str, str]:
    """GET the login page: (csrftoken cookie, form token)."""
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    body = response.read().decode()
    if response.status != 200:
        raise BenchmarkError(f"GET /accounts/login/ answered {response.status}")
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not cookie or not token:
        raise BenchmarkError("the login page set no CSRF cookie or token")
    return cookie.group(1), token.group(1)


def _guess_all(port: int, guesses: int, addresses: int, clients: int) -> dict:
    work: queue.Queue[int] = queue.Queue()
    for i in range(guesses):
        work.put(i)
    statuses: Counter = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    retries: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            cookie, token = _login_form(connection)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(repr(error))
            ready.abort()
            return
        ready.wait()
        while True:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            body = urlencode(
                {
                    "username": VICTIM,
                    "password": f"guess-{i}-{secrets.token_hex(4)}",
                    "csrfmiddlewaretoken": token,
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "X-Forwarded-For": f"10.9.0.{i % addresses}",
            }
            started = time.perf_counter()
            try:
                connection.request("POST", "/accounts/login/", body, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                # The server closed an idle keep-alive connection before reading the guess:
                # send it again on a new one (a few times at most).
                with lock:
                    retries.append(repr(error))
                    if len(retries) > guesses:
                        errors.append(repr(error))
                        break
                work.put(i)
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            with lock:
                statuses[status] += 1
                latencies.append(time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError as error:
        raise BenchmarkError(f"clients could not start: {errors[:3]}") from error
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - started
    if errors:
        raise BenchmarkError(f"{len(errors)} guesses failed: {errors[:3]}")
    return {
        "seconds": round(seconds, 2),
        "statuses": dict(sorted(statuses.items())),
        "resent_after_a_closed_connection": len(retries),
        "latency": report.latency_ms(latencies, (0.5, 0.99)),
    }


def run_round(db, ns: argparse.Namespace, handler: str) -> dict:
    counter = db.data_dir / f"password-checks-{secrets.token_hex(4)}"
    counter.touch()
    env = {**db.env, COUNTER_ENV: str(counter), HANDLER_ENV: HANDLERS[handler]}
    _call(db, "reset")
    command = [sys.executable, "-m", "benchmarks", "lockout", "serve-counting"]
    with serving(
        env, db.data_dir, workers=ns.workers, threads=ns.threads, name="serve", command=command
    ) as server:
        load = _guess_all(server.port, ns.guesses, ns.addresses, ns.clients)
    checks = counter.stat().st_size
    attempts = _call(db, "attempts")
    result = {
        "password_checks": checks,
        **attempts,
        **load,
        "limit": ns.limit,
        "within_limit": checks <= ns.limit,
        "within_a_minute": load["seconds"] <= GOAL_SECONDS,
    }
    log(
        f"[{db.kind}/{handler}] {ns.guesses} guesses in {load['seconds']} s: "
        f"{checks} password checks (limit {ns.limit}), answers {load['statuses']}"
    )
    return result


def run_database(kind: str, ns: argparse.Namespace) -> dict:
    env = {
        "AMITY_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
        "AMITY_LOGIN_FAILURE_LIMIT": str(ns.limit),
    }
    with fresh_database(
        kind,
        f"lockout-{kind}",
        prefix=f"amity-bench-lockout-{kind}-",
        postgres_url=ns.postgres,
        postgres_name=PG_NAME,
        env=env,
        keep=ns.keep,
    ) as db:
        _call(db, "make_victim")
        return {
            handler: [run_round(db, ns, handler) for _ in range(ns.rounds)]
            for handler in ns.handler
        }


def _print_report(results: dict, ns: argparse.Namespace) -> None:
    print(
        f"\nLockout: {ns.guesses} wrong passwords for one account from {ns.addresses} "
        f"addresses, {ns.clients} clients at once, limit {ns.limit}, "
        f"{ns.workers} workers x {ns.threads} threads; {ns.rounds} rounds, medians\n"
    )
    widths = [10, 8, 16, 14, 10, 10, 22]
    header = ["database", "handler", "password checks", "max of rounds", "seconds", "p50 ms"]
    header.append("answers (last round)")
    rows = []
    for kind, handlers in results.items():
        for handler, rounds in handlers.items():
            checks = [r["password_checks"] for r in rounds]
            rows.append(
                [
                    kind,
                    handler,
                    statistics.median(checks),
                    max(checks),
                    report.median(r["seconds"] for r in rounds),
                    report.median(r["latency"]["p50_ms"] for r in rounds),
                    " ".join(f"{k}:{v}" for k, v in rounds[-1]["statuses"].items()),
                ]
            )
    print(report.table(widths, header, rows))
    print(f"goal (amity handler): password checks <= {ns.limit}\n")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks lockout", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--handler", nargs="+", choices=list(HANDLERS), default=list(HANDLERS))
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432",
        help=f"server URL (no database); the benchmark creates and drops {PG_NAME}",
    )
    parser.add_argument("--guesses", type=int, default=1000)
    parser.add_argument("--addresses", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    ns = parser.parse_args(argv)
    if min(ns.guesses, ns.addresses, ns.clients, ns.limit, ns.rounds, ns.workers) < 1:
        parser.error("every count must be at least 1")
    if ns.addresses > 254:
        parser.error("--addresses: at most 254")
    return ns


def main(argv: list[str]) -> int:
    if argv and argv[0] == "serve-counting":
        return serve_counting(argv[1:])
    ns = _arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    code = report.code_version()
    started = time.perf_counter()
    try:
        results = {kind: run_database(kind, ns) for kind in ns.database}
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    _print_report(results, ns)
    print(
        json.dumps(
            {
                "benchmark": "lockout",
                "machine": report.machine(),
                "code": {"at_start": code, "at_end": report.code_version()},
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    amity = [r for handlers in results.values() for r in handlers.get("amity", [])]
    # The goal is the count; how fast the server answers depends on the machine.
    return 0 if all(r["within_limit"] for r in amity) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
