"""``{% world_map period %}``: the world map and its table for a period, for pages whose view
does not compute it (the dashboard). Cached per period and language (``maps.cached_map``)."""

from django import template
from django.utils.http import urlencode

from amity.reports import maps

register = template.Library()


@register.inclusion_tag("reports/map_partial.html", takes_context=True)
def world_map(context, period, measure_key: str = ""):
    """The map for ``period``; on the dashboard it reuses the breakdowns the page computed
    (``sections`` → ``rows`` → ``figure``/``breakdowns``) instead of counting them again."""
    known = {
        row["figure"].key: row["breakdowns"]
        for section in context.get("sections") or ()
        if isinstance(section, dict)
        for row in section.get("rows", ())
        if isinstance(row, dict) and "figure" in row and "breakdowns" in row
    }
    world = maps.cached_map(period, measure_key=measure_key, known=known or None)
    return {"world_map": world}


@register.filter
def period_query(period) -> str:
    """The URL query naming ``period`` ("year=2026&quarter=1")."""
    return urlencode(period.query()) if period else ""
