"""Aid in one sentence, as the overview shows it: "6,200 pieces of surgical mask and 800
sets of protective clothing to 5 partners in 4 countries", in Chinese
"向4个国家的5家合作机构送出医用外科口罩6,200只、医用防护服800套".

Each language puts the parts in its own order, so the whole sentence and each counted
part are translated strings with their own plurals; item names are the catalogue's in the
reader's language (``Item.display_name``), counted in the item's unit (in Chinese with the
item's measure word: 只, 件, 副, 套). Figures keep the thousands comma in both languages,
as donation reports write them (Django's Chinese number format groups nothing).
"""

from django.utils.translation import npgettext, pgettext

from amity.aid.models import Item, Unit
from amity.aid.selectors import AidTotals
from amity.core.bilingual import reads_chinese


def _figure(value: int) -> str:
    return f"{value:,}"


def _english_name(name: str) -> str:
    """ "Surgical mask" reads "surgical mask" inside a sentence; "N95 respirator" and
    other names starting with an abbreviation keep their capitals."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def item_quantity(item: Item, quantity: int) -> str:
    """``quantity`` units of ``item``: "6,200 pieces of surgical mask", "医用外科口罩6,200只"."""
    if reads_chinese():
        # Chinese counts each item with its own measure word (只, 件, 副…).
        return item.count_in_chinese(quantity)
    values = {"count": _figure(quantity), "item": _english_name(item.display_name)}
    if item.unit == Unit.PAIR:
        text = npgettext(
            "aid totals", "%(count)s pair of %(item)s", "%(count)s pairs of %(item)s", quantity
        )
    elif item.unit == Unit.SET:
        text = npgettext(
            "aid totals", "%(count)s set of %(item)s", "%(count)s sets of %(item)s", quantity
        )
    else:
        text = npgettext(
            "aid totals", "%(count)s piece of %(item)s", "%(count)s pieces of %(item)s", quantity
        )
    return text % values


def _listed(parts: list[str]) -> str:
    """ "a, b and c" in English, "a、b、c" in Chinese."""
    if len(parts) <= 1:
        return "".join(parts)
    between = pgettext("between the items of a list", ", ")
    last = pgettext("before the last item of a list", " and ")
    return between.join(parts[:-1]) + last + parts[-1]


def totals_sentence(totals: AidTotals) -> str:
    """What was sent to partners, in one sentence of the reader's language; "" when
    nothing has left yet."""
    if not totals.items:
        return ""
    # The most given first, as one would say it: "6,200 masks and 800 suits".
    rows = sorted(totals.items, key=lambda row: (-row.quantity, row.item.display_name))
    items = _listed([item_quantity(row.item, row.quantity) for row in rows])
    partners = npgettext(
        "aid totals", "%(count)s partner", "%(count)s partners", totals.partners
    ) % {"count": _figure(totals.partners)}
    countries = npgettext(
        "aid totals", "%(count)s country", "%(count)s countries", totals.countries
    ) % {"count": _figure(totals.countries)}
    return pgettext(
        "aid totals: items sent, to partners, in countries",
        "%(items)s to %(partners)s in %(countries)s",
    ) % {"items": items, "partners": partners, "countries": countries}
