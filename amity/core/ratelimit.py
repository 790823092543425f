"""A per-address rate limit for public forms, kept in the cache (shared between processes
when the cache is Redis or files)."""

import time

from django.conf import settings
from django.core.cache import cache


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
    key = f"amity:rate:{scope}:{client_address(request)}:{window}"
    if cache.add(key, 1, timeout=90):
        return True
    try:
        return cache.incr(key) <= per_minute
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=90)
        return True
