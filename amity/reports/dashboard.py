"""The dashboard's content, built from the registered figures (amity.core.figures) only:
each figure's value for a period beside its value for the period before, the difference, its
breakdowns; and the same as tables for the exports. No web code here: the pages, the
exports and the API are thin layers over it."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from amity.core import figures
from amity.core.figures import Breakdown, Figure, Item, Number, Period

# Sections in the order the dashboard shows them; a section an app invents comes last.
SECTION_ORDER = ["breadth", "depth", "aid", "research", "learning"]


@dataclass(frozen=True)
class Row:
    figure: Figure
    value: Number
    previous: Number
    breakdowns: list[Breakdown]

    @property
    def difference(self) -> Number:
        return self.value - self.previous

    @property
    def key(self) -> str:
        return self.figure.key


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    rows: list[Row]


def ordered_figures() -> list[Figure]:
    """Registered figures by section (SECTION_ORDER), in registration order within one."""
    rank = {key: index for index, key in enumerate(SECTION_ORDER)}
    registered = figures.registered()
    return sorted(registered, key=lambda f: (rank.get(f.section, len(rank)), registered.index(f)))


def dashboard(period: Period, *, breakdowns: bool = True) -> list[Section]:
    """Every figure for ``period`` and ``period.previous()``, grouped by section."""
    previous = period.previous()
    sections: dict[str, Section] = {}
    with figures.computing():
        for figure in ordered_figures():
            # Breakdowns first: a figure that groups its rows for them (by country, by
            # person) then reads its value from those groups; the period before, shown as a
            # number only, is counted alone.
            split = figure.breakdowns(period) if breakdowns else []
            row = Row(
                figure=figure,
                value=figure.value(period),
                previous=figure.value(previous),
                breakdowns=split,
            )
            section = sections.get(figure.section)
            if section is None:
                section = sections[figure.section] = Section(
                    figure.section, str(figure.section_label), []
                )
            section.rows.append(row)
    return list(sections.values())


def number(value: Number) -> str:
    """A figure as a reader writes it: grouped thousands, hours with two decimals."""
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, force_grouping=True)
    return number_format(value, force_grouping=True)


def difference(value: Number) -> str:
    """+3, −2 (a true minus sign) or ±0."""
    if not value:
        return "±0"
    sign = "+" if value > 0 else "−"
    return sign + number(abs(value))


def figure_url(figure: Figure, period: Period) -> str:
    return reverse("reports:figure", args=[figure.key]) + "?" + urlencode(period.query())


# --- tables for the exports and the API ------------------------------------------------------


def all_figures_table(period: Period) -> list[list]:
    """One row per figure: what the "all figures" CSV and XLSX hold."""
    previous = period.previous()
    header = [
        _("Section"),
        _("Figure"),
        _("Key"),
        period.label(),
        previous.label(),
        _("Difference"),
        _("Unit"),
        _("Definition"),
    ]
    rows: list[list] = [header]
    for section in dashboard(period, breakdowns=False):
        for row in section.rows:
            rows.append(
                [
                    section.label,
                    str(row.figure.label),
                    row.key,
                    row.value,
                    row.previous,
                    row.difference,
                    str(row.figure.unit_label),
                    str(row.figure.definition),
                ]
            )
    return rows


def items_table(figure: Figure, period: Period, items: Iterable[Item] | None = None) -> list[list]:
    """The list behind one figure, with its columns (and hours when the unit is hours)."""
    header = [_("Item"), *(str(column) for column in figure.columns)]
    if figure.unit != "count":
        header.append(str(figure.unit_label))
    header.append(_("Link"))
    rows: list[list] = [header]
    for item in figure.items(period) if items is None else items:
        row = [item.label, *item.cells]
        if figure.unit != "count":
            row.append(item.amount)
        row.append(item.url)
        rows.append(row)
    return rows
