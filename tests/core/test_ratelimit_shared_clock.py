"""The rate limit counts in the database every server shares (``AMITY_RATE_LIMIT_STORE`` is
"database", the default on PostgreSQL without Redis): two servers with caches of their own
(each its own file cache, as two machines have) let 20 a minute through between them, not
20 each — also when 100 attempts arrive at once from processes of both."""

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import RequestFactory, override_settings

from amity.core import ratelimit
from amity.core.models import SharedCounter

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 20


def _machine(folder):
    """Settings of one machine: its own file cache, the shared database counting."""
    return override_settings(
        AMITY_RATE_LIMIT_STORE="database",
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(folder),
            }
        },
    )


def _request():
    return RequestFactory().post("/", REMOTE_ADDR="198.51.100.20")


def test_rate_limit_counts_across_two_machines_in_the_database(tmp_path):
    """15 attempts on each of two machines: the first 20 go through, the other 10 are
    refused, whichever machine they reach."""
    results = []
    for _ in range(15):
        for machine in ("a", "b"):
            with _machine(tmp_path / machine):
                results.append(ratelimit.allow(_request(), "register", LIMIT))
    assert results == [True] * LIMIT + [False] * 10
    # Counted in one row per address and minute, none in the machines' folders.
    assert SharedCounter.objects.filter(key__startswith="rate:").count() == 1
    assert not (tmp_path / "a" / "rate").exists()


def _attempts(folder, start, allowed) -> None:
    with _machine(folder):
        start.wait()
        allowed.put(sum(ratelimit.allow(_request(), "burst", LIMIT) for _ in range(20)))


def test_rate_limit_in_the_database_is_exact_for_concurrent_processes_of_two_machines(tmp_path):
    connections.close_all()
    caches["default"].close()
    context = multiprocessing.get_context("fork")
    start, allowed = context.Barrier(6), context.Queue()
    workers = [
        context.Process(target=_attempts, args=(tmp_path / f"m{n % 2}", start, allowed))
        for n in range(6)
    ]
    for worker in workers:
        worker.start()
    let_through = sum(allowed.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * 6
    assert let_through == LIMIT


def test_rate_limit_minute_is_the_databases_and_starts_afresh_the_next(tmp_path, monkeypatch):
    """The minute comes from the database's clock, not the server's: a server whose clock
    is a minute off counts in the same minute as the others."""
    now = [datetime(2027, 4, 17, 8, 0, 10, tzinfo=UTC)]
    monkeypatch.setattr(ratelimit, "database_now", lambda: now[0])
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0].timestamp() - 60)
    with _machine(tmp_path / "a"):
        first = [ratelimit.allow(_request(), "register", 2) for _ in range(3)]
        now[0] += timedelta(minutes=1)
        second = [ratelimit.allow(_request(), "register", 2) for _ in range(3)]
    assert first == second == [True, True, False]
    keys = SharedCounter.objects.values_list("key", flat=True)
    assert sorted(key.split(":")[1] for key in keys) == ["30132480", "30132481"]
