"""The per-address rate limit of public forms holds across the processes of a server: with
the file cache (the default without Redis) every attempt of every process is counted once,
a new minute starts a new count, and the counts of past minutes are removed."""

import multiprocessing

import pytest
from django.test import RequestFactory

from amity.core import ratelimit

WORKERS = 4
ATTEMPTS = 60
LIMIT = 100


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    return tmp_path / "cache"


def _attempts(start, allowed) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    start.wait()
    allowed.put(sum(ratelimit.allow(request, "register", LIMIT) for _ in range(ATTEMPTS)))


def test_rate_limit_counts_every_attempt_of_concurrent_processes(file_cache):
    """Four processes of the server try 60 times each at once from one address, limit
    100 a minute: exactly 100 attempts are let through, none lost between processes."""
    context = multiprocessing.get_context("fork")
    start, allowed = context.Barrier(WORKERS), context.Queue()
    workers = [context.Process(target=_attempts, args=(start, allowed)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    let_through = sum(allowed.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)

    assert let_through == LIMIT


def test_rate_limit_starts_afresh_each_minute_and_forgets_old_minutes(file_cache, monkeypatch):
    """Two attempts a minute: the third in one minute is refused, the next minute allows
    two again (the count of the minute before is kept while it may still be in use), and
    two minutes later the counts of both are gone."""
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    now = [60 * 1000 + 5.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])

    first_minute = [ratelimit.allow(request, "register", 2) for _ in range(3)]
    now[0] += 60
    second_minute = [ratelimit.allow(request, "register", 2) for _ in range(3)]
    kept = sorted(p.name for p in (file_cache / "rate").iterdir())
    now[0] += 120
    ratelimit.allow(request, "register", 2)

    assert first_minute == [True, True, False]
    assert second_minute == [True, True, False]
    assert kept == ["1000", "1001"]
    assert sorted(p.name for p in (file_cache / "rate").iterdir()) == ["1003"]
