"""Failed logins, counted exactly: django-axes with one change to when an attempt counts.

Axes checks the failures before the password and records a failure after it. Between the
two, any number of parallel guesses pass the same check: with a limit of 5, 100 guesses
sent at once all reach the password. Here an attempt is counted *before* the password is
checked, under a lock (lock → recount → write, as for registrations), and given back if
the password was right. So at most ``AXES_FAILURE_LIMIT`` wrong passwords are ever
checked per account and per client address within the cool-off, however many arrive at
once. The lock is SQLite's write lock (Amity opens every transaction IMMEDIATE) or, on
PostgreSQL, transaction-scoped advisory locks on the account and on the address.

The lockout ends ``AXES_COOLOFF_TIME`` after the failure that reached the limit, even if
more attempts arrive meanwhile (they are refused before any password is checked and do
not count). Whether the account exists plays no part: an unknown name is counted and
locked like any other.
"""

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_parameters,
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_query_str,
)
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from amity.core.ratelimit import client_address

RESERVED = "amity_axes_reserved_attempt"


def client_ip(request) -> str | None:
    """The client's address as the registration rate limit sees it (the last value of
    ``AMITY_CLIENT_IP_HEADER`` behind a proxy, else the connection's); None when that is
    not an IP address (axes keeps addresses in an IP column)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lock_for_login(username: str | None, ip_address: str | None) -> None:
    """Inside a transaction: wait until no other login of this account or from this
    address is being counted. SQLite already holds its one write lock (IMMEDIATE)."""
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
        for key in {f"login-user:{username}", f"login-ip:{ip_address}"}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


class CountingDatabaseHandler(AxesDatabaseHandler):
    """Axes' database handler, counting each attempt before its password is checked."""

    def is_allowed(self, request, credentials: dict | None = None) -> bool:
        if settings.AXES_ONLY_ADMIN_SITE and not self.is_admin_request(request):
            return True
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        username = get_client_username(request, credentials)
        limit = get_failure_limit(request, credentials)
        # Already locked out: refuse without waiting for the lock (the usual case in an
        # attack, and the lockout does not end while the attack goes on).
        if self.get_failures(request, credentials) >= limit:
            return False
        with transaction.atomic():
            lock_for_login(username, request.axes_ip_address)
            if self.get_failures(request, credentials) >= limit:
                return False
            self.clean_expired_user_attempts(request, credentials)
            setattr(request, RESERVED, self._count_attempt(request, username))
        return True

    def _count_attempt(self, request, username: str | None) -> int:
        """Record one failure now (given back by ``release`` if the password was right)."""
        attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
            username=username,
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            defaults={
                "get_data": "",
                "post_data": get_query_str(request.POST).replace("\0", "0x00"),
                "http_accept": request.axes_http_accept,
                "path_info": request.axes_path_info,
                "failures_since_start": 1,
                "attempt_time": request.axes_attempt_time,
            },
        )
        if not created:
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                failures_since_start=F("failures_since_start") + 1,
                attempt_time=request.axes_attempt_time,
                path_info=request.axes_path_info,
            )
        return attempt.pk

    def release(self, request) -> None:
        """The password was right: the attempt counted beforehand is not a failure."""
        pk = getattr(request, RESERVED, None)
        if pk is None:
            return
        delattr(request, RESERVED)
        with transaction.atomic():
            AccessAttempt.objects.filter(pk=pk, failures_since_start__lte=1).delete()
            AccessAttempt.objects.filter(pk=pk).update(
                failures_since_start=F("failures_since_start") - 1
            )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None and getattr(request, "axes_locked_out", False):
            # Refused before the password: nothing to record (and no write, so that an
            # attack on a locked account costs the database only reads).
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
            return None
        if request is None or getattr(request, RESERVED, None) is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        delattr(request, RESERVED)
        # Already counted; lock out at once if this failure reached the limit.
        failures = self.get_failures(request, credentials)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


def locked_until(request, credentials: dict | None) -> datetime | None:
    """When logins for these credentials from this client are possible again (the latest
    of the account's and the address's), or None if they are not locked out."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    limit = get_failure_limit(request, credentials)
    threshold = get_cool_off_threshold(request)
    username = get_client_username(request, credentials)
    until = None
    for filters in get_client_parameters(
        username, request.axes_ip_address, request.axes_user_agent, request, credentials
    ):
        rows = AccessAttempt.objects.filter(**filters, attempt_time__gte=threshold)
        total = 0
        # Newest first: the lock lifts when the row that brought the sum to the limit ages out.
        for failures, when in rows.order_by("-attempt_time").values_list(
            "failures_since_start", "attempt_time"
        ):
            total += failures
            if total >= limit:
                candidate = when + cool_off
                until = candidate if until is None else max(until, candidate)
                break
    return until


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    until: datetime


def current_lockouts() -> list[Lockout]:
    """Accounts and client addresses locked out now, the longest-locked first."""
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    lockouts = []
    for kind in ("username", "ip_address"):
        groups = (
            recent.exclude(**{f"{kind}__isnull": True})
            .values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
            .order_by(kind)
        )
        for group in groups:
            lockouts.append(Lockout(kind, group[kind], group["failures"], group["last"] + cool_off))
    return sorted(lockouts, key=lambda lockout: lockout.until, reverse=True)
