"""One clock and shared counters for every server: the database's.

Several app servers and workers each have a clock of their own, and two clocks never quite
agree (5 s apart is a clock that missed its time server). Whatever decides an order that
people see — a place on the waiting list, a lease that another machine checks, a feed's
version — is read from the database, which all of them share:

- ``database_now()``: the database server's clock at the moment of the call
  (PostgreSQL's ``clock_timestamp()``, not ``now()``, which is the start of the
  transaction, before a lock it waits for). Read after taking a lock, two transactions
  that the lock puts in order read it in that order. SQLite is a file of one machine:
  its own reading of that machine's clock (to the millisecond; ties go by id, which
  follows the lock too).
- ``counter_bump(key)``: add one to a shared counter and return its new value, in one
  statement (``INSERT … ON CONFLICT DO UPDATE … RETURNING``). Inside a transaction the
  row stays locked until the commit, so the values follow the order of the commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection
from django.utils import timezone


def database_now() -> datetime:
    """The database's clock now, as an aware UTC datetime."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0].astimezone(UTC)
        if connection.vendor == "sqlite":
            # SQLite's own reading of the system clock (to the millisecond), whatever this
            # process's Python believes the time is.
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            return datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
    return timezone.now()


# The table of ``amity.core.models.SharedCounter``; the same SQL on SQLite and PostgreSQL.
_BUMP = (
    'INSERT INTO core_sharedcounter ("key", value, expires_at) VALUES (%s, %s, %s) '
    'ON CONFLICT ("key") DO UPDATE SET value = core_sharedcounter.value + EXCLUDED.value '
    "RETURNING value"
)


def counter_bump(key: str, *, by: int = 1, expires_at: datetime | None = None) -> int:
    """Add ``by`` to the shared counter ``key`` (created at ``by``) and return the new value.
    Atomic between every process on every machine."""
    expires = (
        connection.ops.adapt_datetimefield_value(expires_at) if expires_at is not None else None
    )
    with connection.cursor() as cursor:
        cursor.execute(_BUMP, [key, by, expires])
        return cursor.fetchone()[0]


def counter_value(key: str) -> int:
    """The counter's value now (0 before its first bump)."""
    from amity.core.models import SharedCounter

    return SharedCounter.objects.filter(key=key).values_list("value", flat=True).first() or 0


def counters_expire() -> int:
    """Remove the counters whose time is over. Returns how many."""
    from amity.core.models import SharedCounter

    removed, _ = SharedCounter.objects.filter(expires_at__lt=database_now()).delete()
    return removed
