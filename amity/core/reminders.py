"""What every "remind N days before it expires" shares (agreements, ethics approvals):
the offsets read from a setting and the moment a reminder is due."""

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SEND_AT = time(9, 0)


def offset_days(setting: str, default: tuple[int, ...]) -> list[int]:
    """The offsets in days, largest first, from ``setting`` (a Django setting, or the
    environment variable of that name: days separated by commas); ``default`` when empty."""
    value = getattr(settings, setting, None)
    if value is None:
        value = os.environ.get(setting, "")
    if isinstance(value, str):
        text = value
        try:
            value = [int(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ImproperlyConfigured(
                f"{setting} must be days separated by commas, not {text!r}"
            ) from None
        if not value and not text.strip():
            value = list(default)
    return sorted({int(days) for days in value if int(days) >= 0}, reverse=True)


def due_at(expires_on: date, days: int) -> datetime:
    """When the reminder ``days`` before ``expires_on`` is due: 09:00 in the site's zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(expires_on - timedelta(days=days), SEND_AT, zone)
