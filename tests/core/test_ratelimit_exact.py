"""The rate limit counts exactly on every cache Amity configures: 100 attempts at once from
one address against a limit of 20 a minute let exactly 20 through — across processes with
the file cache (the default) and Redis (``AMITY_REDIS_URL``), across threads with the
local-memory cache of the tests, and across processes with the database cache someone
may configure in their own settings."""

import multiprocessing
import secrets
import socket
import threading

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections
from django.test import RequestFactory

from amity.core import ratelimit

LIMIT = 20
PROCESSES = 5
EACH = 20  # 5 x 20 = 100 attempts


def _redis_answers() -> bool:
    try:
        import redis  # noqa: F401 - the "redis" extra
    except ImportError:
        return False
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


def _attempts(scope: str, start, allowed) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    start.wait()
    allowed.put(sum(ratelimit.allow(request, scope, LIMIT) for _ in range(EACH)))


def _race_processes(scope: str) -> int:
    """100 attempts from ``PROCESSES`` forked processes released at once; how many were
    let through. Connections are closed first: each process opens its own."""
    connections.close_all()
    caches["default"].close()
    context = multiprocessing.get_context("fork")
    start, allowed = context.Barrier(PROCESSES), context.Queue()
    workers = [
        context.Process(target=_attempts, args=(scope, start, allowed)) for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    let_through = sum(allowed.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    return let_through


def _scope() -> str:
    # Its own counter each run: Redis is shared with whatever else runs on this machine.
    return f"test-{secrets.token_hex(6)}"


def test_file_cache_lets_exactly_the_limit_through_from_concurrent_processes(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }

    assert _race_processes(_scope()) == LIMIT


@pytest.mark.skipif(
    not _redis_answers(), reason="needs Redis on 127.0.0.1:6379 and the redis package"
)
def test_redis_lets_exactly_the_limit_through_from_concurrent_processes(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    scope = _scope()

    let_through = _race_processes(scope)

    assert let_through == LIMIT
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    assert ratelimit.allow(request, scope, LIMIT) is False  # the 101st, later: still refused


def test_local_memory_cache_lets_exactly_the_limit_through_from_concurrent_threads(settings):
    """The tests' cache counts under its lock: exact between the threads of one process
    (and only there: each process has its own memory, which is why Amity never runs on
    it)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    scope = _scope()
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    start, allowed, lock = threading.Barrier(PROCESSES * 4), [], threading.Lock()

    def attempts() -> None:
        start.wait()
        let_through = sum(ratelimit.allow(request, scope, LIMIT) for _ in range(EACH // 4))
        with lock:
            allowed.append(let_through)

    threads = [threading.Thread(target=attempts) for _ in range(PROCESSES * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(allowed) == LIMIT
    assert len(allowed) == PROCESSES * 4


@pytest.mark.django_db(transaction=True)
def test_database_cache_lets_exactly_the_limit_through_from_concurrent_processes(settings):
    """The database cache's ``incr`` reads then writes; the limiter takes numbered slots
    with ``add`` instead, an INSERT on a unique key."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amity_test_rate_cache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
    call_command("createcachetable", verbosity=0)

    assert _race_processes(_scope()) == LIMIT
