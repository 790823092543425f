"""``{{ quantity|in_packs:item }}``: a quantity of whole units shown as units and as packs,
"1,250 (25 × box of 50)" — the one place every aid page writes a quantity."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from amity.aid.models import Item

register = template.Library()


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def quantity_in_packs(quantity: int | None, item: Item) -> str:
    """``quantity`` units of ``item`` as the reader's language writes units and packs;
    units only when the item is not packed (a pack of 1). A negative quantity (a
    movement out) keeps its sign on the units."""
    if quantity is None:
        return ""
    sign = "−" if quantity < 0 else ""
    units = sign + _number(abs(quantity))
    if item.pack_size <= 1:
        return units
    packs, rest = item.packs(abs(quantity))
    pack = item.pack_name or pgettext("pack of supplies, when no name is given", "pack")
    values = {
        "units": units,
        "packs": _number(packs),
        "pack": pack,
        "size": _number(item.pack_size),
        "rest": _number(rest),
    }
    if rest == 0:
        return gettext("%(units)s (%(packs)s × %(pack)s of %(size)s)") % values
    if packs == 0:
        return units
    return gettext("%(units)s (%(packs)s × %(pack)s of %(size)s + %(rest)s)") % values


@register.filter
def units(quantity: int | None) -> str:
    """A count of units of several items (no single pack size applies): "6,800"."""
    return "" if quantity is None else _number(quantity)


@register.filter
def in_packs(quantity: int | None, item: Item) -> str:
    return quantity_in_packs(quantity, item)
