"""Queueing background work from a service: the one way every app does it.

A task asked for inside a transaction must run exactly when the change that asked for it
is committed, and never for a change that rolls back. With the database task backend (the
default) the task row is written in the same transaction as the change, so both exist or
neither does, even if the process dies right after the commit. Any other backend (a
broker) cannot join the transaction, so the task is handed over once the commit is done.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def tasks_live_in_database() -> bool:
    """True when task rows are kept in Amity's own database (``AMITY_TASKS_BACKEND``)."""
    return settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND


def enqueue_task(task, *, run_after: datetime | None = None, **kwargs) -> None:
    """Queue ``task(**kwargs)`` (at ``run_after``, or as soon as a worker is free) so that
    it exists exactly when the current transaction commits."""
    queued = task.using(run_after=run_after) if run_after is not None else task
    if tasks_live_in_database():
        queued.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: queued.enqueue(**kwargs))
