"""``{{ quantity|in_packs:item }}``: a quantity of whole units shown as units and as packs,
"1,250 (25 × box of 50)" — the one place every aid page writes a quantity."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

from amity.aid.models import Item
from amity.core.bilingual import reads_chinese

register = template.Library()


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def quantity_in_packs(quantity: int | None, item: Item) -> str:
    """``quantity`` units of ``item`` as the reader's language writes units and packs;
    units only when the item is not packed (a pack of 1). A negative quantity (a
    movement out) keeps its sign on the units."""
    if quantity is None:
        return ""
    # Chinese counts with the item's measure word: 1,500只（30盒，每盒50只）, 800件.
    measure = measure_word(item)
    sign = "−" if quantity < 0 else ""
    units = sign + _number(abs(quantity)) + measure
    if item.pack_size <= 1 or quantity == 0:
        return units
    packs, rest = item.packs(abs(quantity))
    values = {
        "units": units,
        "packs": _number(packs),
        "pack": _pack_name(item),
        "size": _number(item.pack_size) + measure,
        "rest": _number(rest) + measure,
    }
    if rest == 0:
        return gettext("%(units)s (%(packs)s × %(pack)s of %(size)s)") % values
    if packs == 0:
        return units
    return gettext("%(units)s (%(packs)s × %(pack)s of %(size)s + %(rest)s)") % values


def measure_word(item: Item) -> str:
    """The measure word a Chinese reader counts ``item`` with (只, 件, 副); nothing in English."""
    return item.measure if reads_chinese() else ""


def _pack_name(item: Item) -> str:
    return item.display_pack_name or pgettext("pack of supplies, when no name is given", "pack")


def pack_label(item: Item) -> str:
    """The item's pack in the reader's language: "box of 50", "每盒50只"; "" when unpacked."""
    if item.pack_size <= 1:
        return ""
    return gettext("%(pack)s of %(size)s") % {
        "pack": _pack_name(item),
        "size": _number(item.pack_size) + measure_word(item),
    }


def unit_name(item: Item) -> str:
    """What one unit of ``item`` is called: "piece", "pair", "set"; in Chinese its measure
    word (只 for a mask, 件 for a gown), which the unit alone cannot tell."""
    return item.measure if reads_chinese() else item.get_unit_display()


@register.filter(name="pack_label")
def pack_label_filter(item: Item) -> str:
    return pack_label(item)


@register.filter(name="measure")
def measure_filter(item: Item) -> str:
    """After a number field: the measure word in Chinese (只, 件), nothing in English."""
    return measure_word(item)


@register.filter(name="unit_name")
def unit_name_filter(item: Item) -> str:
    return unit_name(item)


@register.filter
def units(quantity: int | None) -> str:
    """A count of units of several items (no single pack size applies): "6,800"."""
    return "" if quantity is None else _number(quantity)


@register.filter
def in_packs(quantity: int | None, item: Item) -> str:
    return quantity_in_packs(quantity, item)
