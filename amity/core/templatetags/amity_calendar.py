"""Calendar feed links: the same pair everywhere a feed is offered, webcal:// to subscribe
(calendar apps open it and keep it up to date) and https to download the .ics once."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/calendar_links.html", takes_context=True)
def calendar_links(context, path: str, label: str = "") -> dict:
    """Both links of the feed at ``path`` (may carry a query), absolute on this host."""
    url = context["request"].build_absolute_uri(path)
    return {"label": label, "https": url, "webcal": "webcal://" + url.split("://", 1)[1]}
