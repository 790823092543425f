"""Template helpers for text that each language punctuates its own way."""

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def listing(items) -> str:
    """Items joined as the reader's language lists them: "English, Swedish" and
    "英语、瑞典语"."""
    return pgettext("between the items of a list", ", ").join(str(item) for item in items)
