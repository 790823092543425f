"""The one small interface through which each domain contributes its report figures.

A *figure* is one number about a *period* ("sessions held in 2026 Q1"), together with what
explains it: a definition in words, the list of items behind it and, where useful, breakdowns
(by country, by profession, by kind). Each domain app owns its figures in its own
``figures.py`` and registers them from its ``AppConfig.ready()``::

    from amity.core import figures

    figures.register(
        figures.Figure(
            key="events.sessions_held",
            section="depth",
            label=_("Sessions held"),
            definition=_('A session counts as held when …'),
            count=lambda period: …,      # aggregate query, fast
            list_items=lambda period: …, # the rows behind it
        )
    )

The reports app reads only this registry, so a new app adds figures without editing reports.

Invariant every figure keeps (tested for each registered figure): ``value(period)`` equals
``len(items(period))`` for unit "count", and exactly the sum of the items' ``amount`` for
"hours" (each item's hours a Decimal rounded to 0.01). A figure never hides an item from
its count: an erased person is counted and listed without a name.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from amity.core.bilingual import reads_chinese

Number = int | float | Decimal
T = TypeVar("T")

SECTIONS: dict[str, Promise] = {
    "breadth": _("Breadth"),
    "depth": _("Depth"),
    "aid": _("Aid"),
    "research": _("Research"),
    "learning": _("Learning"),
}

UNITS: dict[str, Promise] = {
    "count": _("count"),
    "hours": _("hours"),
}

_CHINESE_QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole days, ``start`` and ``end`` both INCLUSIVE (2026-01-01 – 2026-03-31).

    ``stop`` is the exclusive day after ``end``; ``start_at`` / ``stop_at`` are aware datetimes
    at midnight in the site's time zone (settings.TIME_ZONE), for filtering datetime fields:
    ``field__gte=period.start_at, field__lt=period.stop_at``. Date fields:
    ``field__gte=period.start, field__lte=period.end`` (or ``field__range=(start, end)``).
    ``kind`` is "year", "quarter" or "dates" and only decides the label.
    """

    start: dt.date
    end: dt.date
    kind: str = field(default="dates", compare=False)

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A period ends on or after its start.")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("A quarter is 1, 2, 3 or 4.")
        first_month = 3 * (quarter - 1) + 1
        last_month = first_month + 2
        last_day = calendar.monthrange(year, last_month)[1]
        return cls(dt.date(year, first_month, 1), dt.date(year, last_month, last_day), "quarter")

    @classmethod
    def dates(cls, start: dt.date, end: dt.date) -> Period:
        return cls(start, end, "dates")

    @property
    def stop(self) -> dt.date:
        """The first day after the period (exclusive bound)."""
        return self.end + dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.stop - self.start).days

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), ZoneInfo(settings.TIME_ZONE))

    @property
    def stop_at(self) -> dt.datetime:
        return dt.datetime.combine(self.stop, dt.time(), ZoneInfo(settings.TIME_ZONE))

    def previous(self) -> Period:
        """The period of the same shape just before: last year, last quarter, or the same
        number of days ending the day before ``start``."""
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return (
                Period.quarter(self.start.year - 1, 4)
                if q == 1
                else Period.quarter(self.start.year, q - 1)
            )
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end, "dates")

    @property
    def quarter_number(self) -> int | None:
        return (self.start.month - 1) // 3 + 1 if self.kind == "quarter" else None

    def label(self) -> str:
        """ "2026", "2026 Q1", "1 January 2026 – 31 March 2026" in English;
        "2026年", "2026年第一季度", "2026年1月1日–2026年3月31日" in Chinese."""
        chinese = reads_chinese()
        if self.kind == "year":
            return f"{self.start.year}年" if chinese else str(self.start.year)
        if self.kind == "quarter":
            q = self.quarter_number
            return (
                f"{self.start.year}年第{_CHINESE_QUARTERS[q]}季度"
                if chinese
                else f"{self.start.year} Q{q}"
            )
        return self.dates_label()

    def dates_label(self) -> str:
        """The span as dates, whatever the kind."""
        if reads_chinese():
            return f"{_chinese_date(self.start)}–{_chinese_date(self.end)}"
        return f"{date_format(self.start, 'j F Y')} – {date_format(self.end, 'j F Y')}"

    def query(self) -> dict[str, str]:
        """URL parameters that name this period (read back by ``Period.from_query``)."""
        if self.kind == "year":
            return {"year": str(self.start.year)}
        if self.kind == "quarter":
            return {"year": str(self.start.year), "quarter": str(self.quarter_number)}
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_query(cls, params, *, default: Period | None = None) -> Period:
        """Read ``year`` (+ ``quarter``) or ``start`` + ``end`` (ISO dates) from a mapping.
        Raises ValueError with a translated message when they make no period."""
        start, end = params.get("start"), params.get("end")
        year, quarter = params.get("year"), params.get("quarter")
        if start or end:
            if not (start and end):
                raise ValueError(_t("Give both a start and an end date."))
            try:
                first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
            except ValueError:
                raise ValueError(_t("Give dates as YYYY-MM-DD.")) from None
            if last < first:
                raise ValueError(_t("The end date comes before the start date."))
            if first.year < 1900 or last.year > 2999:
                raise ValueError(_t("Give dates between 1900 and 2999."))
            return cls.dates(first, last)
        if year:
            try:
                y, q = int(year), int(quarter) if quarter else None
            except ValueError:
                raise ValueError(_t("Give the year and quarter as numbers.")) from None
            if not 1900 <= y <= 2999:
                raise ValueError(_t("Give a year between 1900 and 2999."))
            if q is not None and q not in (1, 2, 3, 4):
                raise ValueError(_t("A quarter is 1, 2, 3 or 4."))
            return cls.quarter(y, q) if q else cls.year(y)
        if quarter:
            raise ValueError(_t("Give the year of the quarter."))
        if default is not None:
            return default
        return cls.year(dt.date.today().year)


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Item:
    """One row behind a figure.

    ``label``: what a reader sees first (a name, a title; "Erased registrant" for erased people).
    ``url``: the record's page ("" when there is none the viewer could open).
    ``cells``: the explaining values, in the order of the figure's ``columns``.
    ``amount``: what this item adds to the figure (1 for counts, hours for "hours").
    """

    label: str
    url: str = ""
    cells: tuple = ()
    amount: Number = 1


@dataclass(frozen=True)
class Breakdown:
    """The figure split one way ("By country"): rows of (label, value), largest first."""

    title: str
    rows: Sequence[tuple[str, Number]]
    # What the rows are ("country", "kind", "profession", "institution", "" for other) and,
    # parallel to rows, their keys: ISO 3166-1 alpha-2 codes for "country", choice values for
    # "kind"/"profession", institution pks (as str) for "institution"; "" when unknown.
    dimension: str = ""
    keys: Sequence[str] = ()


def breakdown_of(
    title, counts, *, label: Callable[[str], str] = str, dimension: str = ""
) -> Breakdown:
    """A Breakdown from ``(key, value)`` pairs (or a dict), labelled by ``label(key)``,
    largest first, then by label. Keys may be None ("": unknown)."""
    pairs = counts.items() if isinstance(counts, dict) else counts
    rows = sorted(
        ((label(key or ""), value, str(key or "")) for key, value in pairs),
        key=lambda row: (-row[1], row[0]),
    )
    return Breakdown(
        str(title), [(row[0], row[1]) for row in rows], dimension, [row[2] for row in rows]
    )


@dataclass(frozen=True)
class Figure:
    """One registered figure. ``value``, ``items`` and ``breakdowns`` take a Period.

    ``key``: unique, "<app>.<name>" (also the URL slug: /reports/figures/<key>/).
    ``section``: one of SECTIONS ("breadth", "depth", "aid", "research", "learning").
    ``label`` / ``definition``: lazy translated strings; the definition is a full sentence
    ("An institution counts as engaged when …").
    ``unit``: one of UNITS ("count", "hours").
    ``columns``: lazy headers of the items' ``cells``.
    ``count``: Period -> number, by aggregate queries (fast; runs on the dashboard).
    ``list_items``: Period -> list[Item] (runs on the figure's own page and its exports).
    ``breakdown``: optional Period -> list[Breakdown].
    """

    key: str
    section: str
    label: Promise | str
    definition: Promise | str
    count: Callable[[Period], Number]
    list_items: Callable[[Period], list[Item]]
    unit: str = "count"
    columns: tuple = ()
    breakdown: Callable[[Period], list[Breakdown]] | None = None

    def value(self, period: Period) -> Number:
        return self.count(period)

    def items(self, period: Period) -> list[Item]:
        return list(self.list_items(period))

    def breakdowns(self, period: Period) -> list[Breakdown]:
        return list(self.breakdown(period)) if self.breakdown else []

    @property
    def section_label(self) -> Promise | str:
        return SECTIONS.get(self.section, self.section)

    @property
    def unit_label(self) -> Promise | str:
        return UNITS.get(self.unit, self.unit)


_REGISTRY: dict[str, Figure] = {}


def register(*figures: Figure) -> None:
    """Add figures to the registry, in order. Registering the same key again replaces the
    figure in place (so a reloaded app does not duplicate it)."""
    for figure in figures:
        if figure.section not in SECTIONS:
            raise ValueError(f"Unknown section {figure.section!r} for figure {figure.key!r}.")
        if figure.unit not in UNITS:
            raise ValueError(f"Unknown unit {figure.unit!r} for figure {figure.key!r}.")
        _REGISTRY[figure.key] = figure


def registered(section: str | None = None) -> list[Figure]:
    """Every registered figure in registration order (optionally of one section)."""
    return [f for f in _REGISTRY.values() if section is None or f.section == section]


def get(key: str) -> Figure | None:
    """The figure registered under ``key``, or None."""
    return _REGISTRY.get(key)


# Engagement: how an institution counts as engaged in a period. Each domain registers a
# source (a set of partner institution ids per period); "institutions engaged" and the
# figures built on it take the union, so a new app's kind of exchange is counted without
# editing the figure.
_ENGAGEMENT_SOURCES: dict[str, tuple[Promise | str, Callable[[Period], set[int]]]] = {}


def register_engagement(key: str, label: Promise | str, source: Callable[[Period], set[int]]):
    """Register one kind of exchange ("events", _("activities"), period -> institution ids).
    Sources return ids of institutions other than the home hospital, for exchanges that took
    place within the period: so a source's answer for two spans together is the union of its
    answers for each (the directory's "earlier years" rely on it)."""
    _ENGAGEMENT_SOURCES[key] = (label, source)


def engagement_kinds() -> list[tuple[str, Promise | str]]:
    """(key, label) of every registered kind of exchange, in registration order."""
    return [(key, label) for key, (label, _source) in _ENGAGEMENT_SOURCES.items()]


_MEMO: ContextVar[dict | None] = ContextVar("figures_memo", default=None)


@contextmanager
def computing():
    """Within this block, ``engaged_institutions`` and other ``memoized`` summaries are worked
    out once per period (several figures build on them); outside, every call reads afresh."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(name: str, period: Period | None, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``name`` and period within ``computing()`` (every time
    outside it). For a summary several figures read (treat the result as read-only);
    ``period`` None for one that no period changes (institutions' countries)."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if (name, period) not in memo:
        memo[name, period] = compute()
    return memo[name, period]


def recalled(name: str, period: Period | None) -> object | None:
    """What ``memoized`` has already worked out for ``name`` and period in this
    ``computing()`` block, or None. A figure whose breakdown needs a grouped summary reads its
    value from the summary when the breakdown was worked out first (the dashboard's order),
    and counts alone, more cheaply, when only the value is asked for (the period before)."""
    memo = _MEMO.get()
    return None if memo is None else memo.get((name, period))


def engaged_institutions(period: Period) -> dict[int, list[str]]:
    """Institution id -> the keys of the kinds of exchange it took part in during the period."""

    def compute() -> dict[int, list[str]]:
        engaged: dict[int, list[str]] = {}
        for key, (_label, source) in _ENGAGEMENT_SOURCES.items():
            for institution_id in source(period):
                engaged.setdefault(institution_id, []).append(key)
        return engaged

    return {pk: list(keys) for pk, keys in memoized("engaged", period, compute).items()}


# Stories: the facts of one record (an activity) as a news item tells them — who, with whom,
# when, how many, what came of it — each linking back to its record. A domain registers a
# source; the reports' news draft reads it here, never the domain's models. Sources are called
# under the language the text is written in (labels and titles in that language).


@dataclass(frozen=True)
class Fact:
    """One fact of a story. ``key`` is stable ("kind", "dates", "department", "partners",
    "countries", "speakers", "sessions", "hours", "registrants", "attendees", "materials",
    "outcome", …); ``value`` what the sentence says; ``url`` the record or the list behind a
    number ("" when none); ``links`` (text, url) per named thing (each partner, speaker)."""

    key: str
    label: str
    value: str | Number
    url: str = ""
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Story:
    """One record as a news item sees it: ``kind`` of the source, ``key`` (str(pk)), title in
    the active language, the record's page, its first and last day, and its facts."""

    kind: str
    key: str
    title: str
    url: str
    start: dt.date | None
    end: dt.date | None
    facts: tuple[Fact, ...] = ()

    def fact(self, key: str) -> Fact | None:
        return next((f for f in self.facts if f.key == key), None)


@dataclass(frozen=True)
class StorySource:
    """``get(key)``: one record's story (None when absent); ``in_period(period)``: the stories
    of the records with something in the period, most notable first."""

    kind: str
    label: Promise | str
    get: Callable[[str], Story | None]
    in_period: Callable[[Period], list[Story]]


_STORY_SOURCES: dict[str, StorySource] = {}


def register_stories(source: StorySource) -> None:
    """Register (or replace) the story source of one kind of record."""
    _STORY_SOURCES[source.kind] = source


def story_sources() -> list[StorySource]:
    return list(_STORY_SOURCES.values())


def story_source(kind: str) -> StorySource | None:
    return _STORY_SOURCES.get(kind)
