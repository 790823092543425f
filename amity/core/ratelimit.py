"""A per-address rate limit for public forms, shared between processes and machines: one
count per address and minute that every server adds to. The count is exact on every store
Amity configures: N attempts at once against a limit of L let exactly min(N, L) through.

``AMITY_RATE_LIMIT_STORE`` says where it counts:

- ``database`` (the default on PostgreSQL without Redis): a ``SharedCounter`` row per
  address and minute, bumped by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
  (``amity.core.clock.counter_bump``), atomic between every server. Rows of past minutes
  are removed by the first attempt of each minute, one in a hundred.
- ``cache``: the cache, or — when the cache is the file cache — counter files beside it.
  A file cache belongs to one machine: use it with SQLite (one machine) or give several
  machines Redis (``AMITY_REDIS_URL``).

- File cache (the default): counter files, below.
- Redis (``AMITY_REDIS_URL``), and the local-memory cache the tests use: ``add`` then
  ``incr``, each one atomic operation of the cache (Redis: ``SET NX``, ``INCRBY``;
  local memory: under its lock, and per process, so only for tests).
- Any other cache someone configures in their own settings (the database cache, whose
  ``incr`` reads then writes): each attempt takes the first free numbered slot with
  ``add``, which such a cache does atomically (an INSERT on a unique key); never more
  than the limit get one. Exact while the cache keeps a minute's keys (a database cache
  culls beyond ``MAX_ENTRIES``: give it room).

A counter file grows by one byte per attempt, and an attempt's number is the file offset
just after its own byte. Appends are atomic between processes, so no attempt is lost (the
file cache's ``incr`` reads and rewrites a pickled value, and two processes can
interleave), and the offset belongs to this write alone (the file's size, read after the
write, may already count another process's attempt, refusing both). An attempt costs an
open, a write and a seek rather than the file cache's read, pickle, temporary file and
rename: the limit is checked on every registration of a burst. Should the folder not be
writable, the count falls back to the cache rather than refusing everyone."""

import hashlib
import logging
import os
import random
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from amity.core.clock import counter_bump, counters_expire, database_now

logger = logging.getLogger(__name__)

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
# Caches whose ``incr`` is one atomic operation.
ATOMIC_INCR = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


def client_address(request) -> str:
    header = settings.AMITY_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def allow(request, scope: str, per_minute: int) -> bool:
    """Count one attempt by this client in the current minute; False once over the limit.
    A limit of 0 means no limit."""
    if per_minute <= 0:
        return True
    window = int(time.time() // 60)
    key = f"{scope}:{client_address(request)}"
    if settings.AMITY_RATE_LIMIT_STORE == "database":
        # The minute by the database's clock, the same for every server.
        window = int(database_now().timestamp() // 60)
        return _count_in_database(key, window) <= per_minute
    config = settings.CACHES["default"]
    if config["BACKEND"] == FILE_CACHE:
        try:
            return _count_in_files(Path(config["LOCATION"]) / "rate", key, window) <= per_minute
        except OSError:
            logger.exception("Rate-limit counter files not writable; counting in the cache")
    if config["BACKEND"] in ATOMIC_INCR:
        return _count_in_cache(key, window) <= per_minute
    return _count_in_slots(key, window, per_minute) <= per_minute


def _count_in_database(key: str, window: int) -> int:
    """The attempt's number in this minute, counted in the database every server shares."""
    digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    expires = datetime.fromtimestamp((window + 2) * 60, tz=UTC)
    count = counter_bump(f"rate:{window}:{digest}", expires_at=expires)
    if count == 1 and random.random() < 0.01:
        counters_expire()
    return count


def _count_in_slots(key: str, window: int, limit: int) -> int:
    """The attempt's number among this minute's: the first of the slots 1..``limit`` it
    could ``add``, or ``limit + 1`` when all are taken. Each slot goes to one attempt
    alone, and an attempt refused found every slot from the first free one taken."""
    prefix = f"amity:rate:{key}:{window}:"
    slots = [f"{prefix}{n}" for n in range(1, limit + 1)]
    taken = cache.get_many(slots)
    first_free = next((n for n, slot in enumerate(slots) if slot not in taken), limit)
    for n in range(first_free, limit):
        if cache.add(slots[n], 1, timeout=90):
            return n + 1
    return limit + 1


def _count_in_cache(key: str, window: int) -> int:
    key = f"amity:rate:{key}:{window}"
    if cache.add(key, 1, timeout=90):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=90)
        return 1


def _count_in_files(folder: Path, key: str, window: int) -> int:
    """Count the attempt in ``folder/<window>/<hash of key>``; the first attempt of a new
    minute removes the folders of the minutes before the last one."""
    # The address may come from a header: hashed, it is always a safe file name.
    path = folder / str(window) / hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.name.isdigit() and int(old.name) < window - 1:
                shutil.rmtree(old, ignore_errors=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, b".")
        # With O_APPEND the write moved this descriptor's offset to just past its byte.
        return os.lseek(fd, 0, os.SEEK_CUR)
    finally:
        os.close(fd)
