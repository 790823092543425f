from django import template
from django.urls import reverse

from amity.core.history import kind_key

register = template.Library()


@register.simple_tag
def history_url(obj) -> str:
    """The address of ``obj``'s history page (``/history/events.activity/12/``)."""
    return reverse("core:object_history", args=[kind_key(type(obj)), obj.pk])
