"""Background work: how every app declares a task, queues it, and gets it back when the
worker running it dies.

- ``@background_task("registrations.notify")`` declares a task under a name. Each app's
  ``tasks.py`` declares its tasks (taking ids, fetching, calling a service) and is imported
  by the app's ``ready()``; nothing else imports it, so services never import their own
  tasks and no import cycle hides in a function.
- ``enqueue_task(name, **kwargs)`` queues a task so that it exists exactly when the
  current transaction commits, and never for a change that rolls back. With the database
  task backend (the default) the task row is written in the same transaction as the
  change, so both exist or neither does, even if the process dies right after the commit;
  any other backend (a broker) cannot join the transaction, so the task is handed over
  once the commit is done.
- While a task runs, its worker holds a lease on it in Amity's own table (``TaskLease``),
  renewed every third of ``AMITY_EMAIL_LEASE_SECONDS`` while the worker lives.
  ``recover_tasks`` queues again every task whose worker is known to be gone (same
  machine) or whose lease has ended (any machine). Every task is safe to run twice.
- A worker killed after taking a task from the queue and before writing its lease leaves
  the task "running" in the task table with no lease. Every worker writes a heartbeat
  (``WorkerHeartbeat``, by the database's clock) when it starts and with every renewal;
  one silent for longer than a lease is dead, whatever machine it ran on, and
  ``recover_silent_workers`` (any worker, on any machine) queues again what it had taken
  without a lease. A worker known to be gone from this machine (its journal, see
  ``amity.core.worker_journal``) is taken back at once by ``recover_orphaned_tasks``.
  Whoever marks the dead worker recovered does it: once.
- Leases and heartbeats are stamped and compared by the database's clock
  (``amity.core.clock``): a machine whose clock is off neither loses its tasks early nor
  keeps a dead worker's long.

The task framework is django-tasks (the backport of Django 6's ``django.tasks``); Amity
never writes its tables, only calls its public API (and reads the running tasks).
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task as django_task

from amity.core.clock import database_now

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"

_TASKS: dict = {}
_START = secrets.token_hex(3)


def worker_id() -> str:
    """Who is working: this machine, process and process start (a restarted container
    may reuse the process number)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{_START}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_here(claimer: str) -> bool:
    """True when ``claimer`` was a process of this machine that is gone."""
    host, _, rest = claimer.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return start != _START  # our number, an earlier life
    return not _pid_alive(int(pid))


def lease_length() -> timedelta:
    return timedelta(seconds=settings.AMITY_EMAIL_LEASE_SECONDS)


def tasks_live_in_database() -> bool:
    """True when task rows are kept in Amity's own database (``AMITY_TASKS_BACKEND``)."""
    return settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND


def background_task(name: str, **options):
    """Declare the decorated function as the task ``name`` (``queue_name``, ``priority``
    as django-tasks takes them). It runs under a lease while a worker runs it."""

    def declare(function):
        @functools.wraps(function)
        def leased(**kwargs):
            from amity.core.models import TaskLease

            lease = TaskLease.objects.create(
                task_name=name,
                arguments=kwargs,
                claimed_by=worker_id(),
                lease_until=database_now() + lease_length(),
            )
            # The lease goes when the task ends, by a result or an error; not when the
            # worker is being stopped mid-task (SystemExit): the task is then taken back.
            try:
                result = function(**kwargs)
            except Exception:
                TaskLease.objects.filter(pk=lease.pk).delete()
                raise
            TaskLease.objects.filter(pk=lease.pk).delete()
            return result

        declared = django_task(**options)(leased)
        if _TASKS.setdefault(name, declared) is not declared:
            raise ValueError(f"Two background tasks are called {name!r}.")
        return declared

    return declare


def enqueue_task(name: str, *, run_after: datetime | None = None, **kwargs) -> None:
    """Queue the task ``name`` with ``kwargs`` (at ``run_after``, or as soon as a worker is
    free) so that it exists exactly when the current transaction commits."""
    declared = _TASKS[name]
    queued = declared.using(run_after=run_after) if run_after is not None else declared
    if tasks_live_in_database():
        queued.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: queued.enqueue(**kwargs))


def renew_leases() -> int:
    """Extend the leases of the tasks this process is running, and write the worker's
    heartbeat (both by the database's clock, which every machine shares). The worker calls
    it when it starts, before taking any task, and every third of a lease."""
    from amity.core.models import TaskLease, WorkerHeartbeat

    now = database_now()
    WorkerHeartbeat.objects.update_or_create(
        worker=worker_id(),
        defaults={"seen_at": now, "host": socket.gethostname()[:64]},
        create_defaults={"seen_at": now, "started_at": now, "host": socket.gethostname()[:64]},
    )
    return TaskLease.objects.filter(claimed_by=worker_id()).update(lease_until=now + lease_length())


def recover_silent_workers() -> int:
    """Take back the work of every worker silent for longer than a lease, on any machine,
    or known to be gone from this one: the tasks it had taken from the queue and held no
    lease for (``recover_orphaned_tasks``; its leased tasks come back through
    ``recover_tasks`` once their leases end). Whoever marks the worker recovered does it,
    so each is taken back once. Returns how many tasks were queued again."""
    from amity.core.models import WorkerHeartbeat

    now = database_now()
    recovered = 0
    alive = WorkerHeartbeat.objects.filter(recovered_at__isnull=True)
    for beat in alive.exclude(worker=worker_id()):
        if not (beat.seen_at < now - lease_length() or dead_here(beat.worker)):
            continue
        with transaction.atomic():
            marked = WorkerHeartbeat.objects.filter(
                pk=beat.pk, seen_at=beat.seen_at, recovered_at__isnull=True
            ).update(recovered_at=now)
            if marked:
                recovered += _requeue_orphans({beat.worker})
    WorkerHeartbeat.objects.filter(recovered_at__lt=now - timedelta(days=1)).delete()
    return recovered


def recover_orphaned_tasks(dead_workers: set[str]) -> int:
    """Queue again each task that one of ``dead_workers`` (gone from this machine) took
    from the queue and held no lease for: it died between the two, or between the end of
    the task and its result. The caller forgets the dead workers afterwards (it removes
    their journals), so each such task is queued again once. Returns how many."""
    if not dead_workers or not tasks_live_in_database():
        return 0
    from amity.core.models import WorkerHeartbeat

    # A worker with a heartbeat row is taken back by whoever marks it recovered (here, or
    # ``recover_silent_workers`` on any machine): once.
    beating = set(
        WorkerHeartbeat.objects.filter(worker__in=dead_workers).values_list("worker", flat=True)
    )
    marked = {
        worker
        for worker in beating
        if WorkerHeartbeat.objects.filter(worker=worker, recovered_at__isnull=True).update(
            recovered_at=database_now()
        )
    }
    return _requeue_orphans((set(dead_workers) - beating) | marked)


def _requeue_orphans(dead_workers: set[str]) -> int:
    if not dead_workers or not tasks_live_in_database():
        return 0
    from django_tasks_db.models import DBTaskResult

    from amity.core.models import TaskLease

    names = {declared.module_path: name for name, declared in _TASKS.items()}
    leased = {
        (lease.claimed_by, lease.task_name, json.dumps(lease.arguments, sort_keys=True))
        for lease in TaskLease.objects.filter(claimed_by__in=dead_workers)
    }
    recovered = 0
    running = DBTaskResult.objects.running().only("task_path", "args_kwargs", "worker_ids")
    for result in running:
        claimer = result.worker_ids[-1] if result.worker_ids else ""
        name = names.get(result.task_path)
        if claimer not in dead_workers or name is None:
            continue
        kwargs = result.args_kwargs.get("kwargs") or {}
        if (claimer, name, json.dumps(kwargs, sort_keys=True)) in leased:
            continue  # recover_tasks queues it again
        enqueue_task(name, **kwargs)
        recovered += 1
    return recovered


def recover_tasks() -> int:
    """Queue again each task whose worker died: gone from this machine, or silent past
    its lease on any machine. Returns how many."""
    from amity.core.models import TaskLease

    now = database_now()
    recovered = 0
    for lease in TaskLease.objects.all():
        if lease.task_name not in _TASKS:
            continue
        if not (dead_here(lease.claimed_by) or lease.lease_until < now):
            continue
        with transaction.atomic():
            # Whoever deletes the row queues the task: two recovering workers queue it once.
            taken, _ = TaskLease.objects.filter(
                pk=lease.pk, claimed_by=lease.claimed_by, lease_until=lease.lease_until
            ).delete()
            if taken:
                enqueue_task(lease.task_name, **lease.arguments)
                recovered += 1
    return recovered
