"""IANA time zones: which names exist here, and how a form offers them."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> frozenset[str]:
    """Every zone the tz database of this Python knows (tzdata where the system has none)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("“%(value)s” is not a time zone. Use an IANA name such as Asia/Shanghai."),
            params={"value": value},
            code="invalid_time_zone",
        )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]
