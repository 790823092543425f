"""What an operator checks on each machine: that it reaches what every machine must share
(the database, the file storage, the cache), and how the background workers are doing.

Three ways to read it, the same report behind each:

- ``/healthz``: for load balancers; the database alone, cheap (``amity.core.views``).
- ``/health/``: the whole report as JSON, for office staff signed in, or with
  ``Authorization: Bearer <AMITY_HEALTH_TOKEN>`` for a monitoring system. 200 when
  nothing is wrong, 503 otherwise.
- ``amity manage check --deploy``: the same findings as Django system checks (errors for
  what does not answer, warnings for what one machine keeps to itself).

What each machine says about itself that must be equal on every machine — the secret key's
fingerprint (a hash of it, never the key), the storage's and the cache's location — can be
compared between machines by reading ``/health/`` on each. What may differ (the clock: the
report shows how far it is from the database's) is shown too.
"""

from __future__ import annotations

import hashlib
import secrets
import socket
from datetime import timedelta

from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from amity.core.background import lease_length, tasks_live_in_database
from amity.core.clock import database_now

# Caches that every machine reaches; a file or local-memory cache is one machine's.
SHARED_CACHES = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.db.DatabaseCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


def fingerprint(value: str) -> str:
    """A short hash that tells two values apart without showing either."""
    return hashlib.sha256(f"amity-health|{value}".encode()).hexdigest()[:12]


def _database() -> dict:
    try:
        now = database_now()
    except Exception as error:  # the answer is that it failed, and why
        return {"ok": False, "vendor": connection.vendor, "error": f"{type(error).__name__}"}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "name": fingerprint(str(settings.DATABASES["default"].get("NAME", ""))),
        # This machine's clock against the database's: order never depends on it.
        "clock_offset_seconds": round((timezone.now() - now).total_seconds(), 3),
    }


def _storage() -> dict:
    from django.core.files.storage import default_storage

    from amity.core import storage

    error = storage.probe(default_storage)
    backend = f"{type(default_storage).__module__}.{type(default_storage).__name__}"
    location = getattr(default_storage, "location", "") or getattr(
        default_storage, "bucket_name", ""
    )
    return {
        "ok": not error,
        "backend": backend,
        "location": fingerprint(str(location)),
        **({"error": error} if error else {}),
    }


def _cache() -> dict:
    backend = settings.CACHES["default"]["BACKEND"]
    key = f"amity:health:{secrets.token_hex(8)}"
    try:
        cache.set(key, "amity", timeout=30)
        ok = cache.get(key) == "amity"
        cache.delete(key)
        error = "" if ok else "the value read back differs from the one written"
    except Exception as error_:  # the answer is that it failed, and why
        ok, error = False, f"{type(error_).__name__}: {error_}"
    shared = backend in SHARED_CACHES
    return {
        "ok": ok,
        "backend": backend,
        "shared": shared,
        "location": fingerprint(str(settings.CACHES["default"].get("LOCATION", ""))),
        "rate_limit": settings.AMITY_RATE_LIMIT_STORE,
        "rate_limit_shared": settings.AMITY_RATE_LIMIT_STORE == "database" or shared,
        **({"error": error} if error else {}),
    }


def _workers() -> dict:
    """Per host: its workers, the last heartbeat, and whether one of them is alive (heard
    from within a lease); the tasks due for longer than a lease and not started, and the
    leases that ended without their worker (taken back at the next recovery)."""
    from amity.core.models import OutboundEmail, TaskLease, WorkerHeartbeat

    now = database_now()
    cutoff = now - lease_length()
    hosts: dict[str, dict] = {}
    for beat in WorkerHeartbeat.objects.order_by("host", "worker"):
        host = hosts.setdefault(
            beat.host, {"host": beat.host, "workers": 0, "alive": 0, "last_heartbeat": None}
        )
        alive = beat.recovered_at is None and beat.seen_at >= cutoff
        host["workers"] += 1
        host["alive"] += alive
        if host["last_heartbeat"] is None or beat.seen_at.isoformat() > host["last_heartbeat"]:
            host["last_heartbeat"] = beat.seen_at.isoformat()
    overdue = 0
    if tasks_live_in_database():
        from django.db.models import Q
        from django_tasks_db.models import DBTaskResult

        overdue = (
            DBTaskResult.objects.ready()
            .filter(Q(run_after__lt=cutoff) | Q(run_after__gt=now, enqueued_at__lt=cutoff))
            .count()
        )
    waiting = OutboundEmail.objects.filter(
        status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.RETRYING],
        created_at__lt=cutoff,
    ).count()
    alive = sum(host["alive"] for host in hosts.values())
    return {
        "ok": alive > 0 and overdue == 0,
        "alive": alive,
        "hosts": list(hosts.values()),
        "tasks_overdue": overdue,
        "leases_ended": TaskLease.objects.filter(lease_until__lt=now).count(),
        "emails_waiting_longer_than_a_lease": waiting,
        "lease_seconds": int(lease_length() / timedelta(seconds=1)),
    }


def report() -> dict:
    """The whole report, as JSON-ready data. ``status`` is "ok" when the database, the
    storage and the cache answer and a worker is alive with no task overdue."""
    database = _database()
    parts = {
        "server": {
            "host": socket.gethostname(),
            "secret_key": fingerprint(settings.SECRET_KEY),
        },
        "database": database,
        "storage": _storage(),
        "cache": _cache(),
    }
    if database["ok"]:
        try:
            parts["workers"] = _workers()
        except Exception as error:  # tables missing before the first migrate
            parts["workers"] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    ok = all(part.get("ok", True) for part in parts.values())
    return {"status": "ok" if ok else "error", **parts}


def _may_read(request) -> bool:
    token = settings.AMITY_HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    # The role lives with the logins (amity.accounts); this floor only reads the flag.
    return bool(getattr(request.user, "is_office_staff", False))


@never_cache
@require_safe
def health(request):
    """The report as JSON: 200 when all is well, 503 otherwise; 403 to anyone else than
    office staff or a holder of the health token."""
    from django.utils.translation import gettext as _

    if not _may_read(request):
        return JsonResponse({"detail": _("Office staff only, or the health token.")}, status=403)
    data = report()
    return JsonResponse(data, status=200 if data["status"] == "ok" else 503)


@checks.register("amity", deploy=True)
def check_shared_services(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """``amity manage check --deploy``: what this machine reaches, as errors and warnings."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    messages: list[checks.CheckMessage] = []
    data = report()
    for name in ("database", "storage", "cache"):
        if not data[name]["ok"]:
            messages.append(
                checks.Error(
                    _("%(part)s does not answer: %(error)s")
                    % {"part": name, "error": data[name].get("error", "")},
                    id=f"amity.E10{('database', 'storage', 'cache').index(name)}",
                )
            )
    if connection.vendor != "sqlite" and not data["cache"]["rate_limit_shared"]:
        messages.append(
            checks.Warning(
                _(
                    "The rate limit counts on this machine only; several servers need "
                    "AMITY_RATE_LIMIT_STORE=database or AMITY_REDIS_URL."
                ),
                id="amity.W101",
            )
        )
    workers = data.get("workers", {})
    if "alive" in workers and not workers["alive"]:
        # Not a warning: a check run while the workers are stopped (an upgrade) is no fault.
        messages.append(
            checks.Info(
                _("No background worker has been heard from within a lease."), id="amity.I102"
            )
        )
    if workers.get("tasks_overdue"):
        count = workers["tasks_overdue"]
        text = ngettext(
            "%(count)s background task is overdue.",
            "%(count)s background tasks are overdue.",
            count,
        )
        messages.append(checks.Warning(text % {"count": count}, id="amity.W103"))
    return messages
