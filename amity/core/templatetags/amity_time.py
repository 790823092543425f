"""Template helpers for time: a time in the viewer's zone with the organiser's beside it."""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import get_timezone, get_timezone_location
from django import template
from django.utils import timezone

from amity.core.bilingual import reads_chinese

register = template.Library()


@register.filter
def in_zone(value: datetime | None, zone: str):
    """The same instant on the wall clock of ``zone``."""
    if value is None or not zone:
        return value
    return value.astimezone(ZoneInfo(zone))


@register.filter
def wall(value: datetime | None):
    """The wall-clock reading of an aware datetime in its own zone, as a naive value that
    Django's date and time filters show as it is."""
    return value.replace(tzinfo=None) if value is not None else None


@register.filter
def zone_label(zone: str) -> str:
    """ "America/New_York" -> "New York", in Chinese "纽约"."""
    if not zone:
        return ""
    if reads_chinese():
        return _chinese_city(zone)
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def _chinese_city(zone: str) -> str:
    """The zone's city as Chinese writes it (Unicode CLDR, through Babel), e.g. 纽约."""
    try:
        return get_timezone_location(get_timezone(zone), locale="zh_Hans_CN", return_city=True)
    except LookupError:
        return zone.rsplit("/", 1)[-1].replace("_", " ")


@register.filter
def utc_offset(value: datetime) -> str:
    minutes = int(value.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


@register.inclusion_tag("includes/when.html")
def when(start: datetime, end: datetime | None = None, zone: str = ""):
    """A start (and end) in the viewer's zone, with the organiser's zone beside it when
    it differs. The machine-readable instant goes in <time datetime>."""
    viewer = timezone.get_current_timezone()
    local_start = timezone.localtime(start, viewer)
    local_end = timezone.localtime(end, viewer) if end else None
    organiser = start.astimezone(ZoneInfo(zone)) if zone else None
    same_offset = organiser is not None and organiser.utcoffset() == local_start.utcoffset()
    # Naive wall-clock values: Django's date filters would otherwise convert aware ones
    # back to the viewer's zone.
    return {
        "start": wall(local_start),
        "end": wall(local_end),
        "same_day": local_end is not None and local_end.date() == local_start.date(),
        "viewer_zone": str(viewer),
        "organiser": None if same_offset else wall(organiser),
        "organiser_end": wall(end.astimezone(ZoneInfo(zone))) if (zone and end) else None,
        "organiser_zone": zone,
        "iso": start.isoformat(),
    }
