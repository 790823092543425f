"""Public holidays from the calendar, for the call planner: each site's days off and its
adjusted working days, from its country (and subdivision, where holidays differ by state,
province or region) through the ``holidays`` library.

The library knows China's adjusted working days: when the State Council moves a weekend day
to make a longer holiday (the Spring Festival week, National Day), the weekend day becomes a
working day (``weekend_workdays``, e.g. Saturday 14 February 2026) and the weekday a day off
("Day off (substituted from 02/14/2026)"). The planner's ``Site`` takes the days off as
``unavailable_dates`` and the moved working days as ``working_dates``; the organiser can
add or remove dates per site on top (``site_dates``).

Pure: no database, no Django. Names come in the language asked for when the library has
it for that country (Chinese for China, English for most), else in the country's own.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import holidays as calendar_library


@dataclass(frozen=True)
class SiteCalendar:
    """A site's calendar between two dates: ``days_off`` maps each public holiday (and
    substituted day off) to its name; ``working_dates`` are weekend days worked instead."""

    country: str
    subdivision: str = ""
    days_off: dict[date, str] = field(default_factory=dict)
    working_dates: frozenset[date] = frozenset()

    @property
    def known(self) -> bool:
        """Whether the library has this country's holidays."""
        return is_supported(self.country)


def is_supported(country: str) -> bool:
    return country.upper() in calendar_library.list_supported_countries()


def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes the library knows for ``country`` (empty if none or unknown)."""
    if not is_supported(country):
        return ()
    return tuple(calendar_library.country_holidays(country.upper(), years=()).subdivisions)


def library_language(country: str, language: str) -> str | None:
    """The library's language code closest to a Django language code for ``country``'s
    names: Chinese for a page in Chinese where the library has it, English for a page in
    English where it has it, else None (the country's own language)."""
    holidays_class = calendar_library.country_holidays(country.upper(), years=())
    supported = holidays_class.supported_languages
    default = holidays_class.default_language
    wanted = ("zh_CN",) if language.lower().startswith("zh") else ()
    wanted += (default,) if default and default.startswith("en") else ()
    wanted += ("en_US",)
    for code in wanted:
        if code in supported:
            return code
    return None


def site_calendar(
    country: str, subdivision: str = "", *, first: date, last: date, language: str = "en"
) -> SiteCalendar:
    """The days off and adjusted working days of a site in ``country`` (ISO 3166 code) and
    ``subdivision`` (the library's code, e.g. "MA" for Massachusetts; "" for the national
    holidays only) from ``first`` to ``last``, both included; empty when the library does
    not know the country. Raises ValueError for a subdivision the country does not have."""
    country = country.upper()
    if not is_supported(country):
        return SiteCalendar(country=country, subdivision=subdivision)
    if subdivision and subdivision not in subdivisions(country):
        raise ValueError(f"{subdivision} is not a subdivision of {country}.")
    days_off, working = _calendar(
        country, subdivision, first.year, last.year, library_language(country, language)
    )
    return SiteCalendar(
        country=country,
        subdivision=subdivision,
        days_off={day: name for day, name in days_off if first <= day <= last},
        working_dates=frozenset(day for day in working if first <= day <= last),
    )


@lru_cache(maxsize=256)
def _calendar(
    country: str, subdivision: str, first_year: int, last_year: int, language: str | None
) -> tuple[tuple[tuple[date, str], ...], tuple[date, ...]]:
    found = calendar_library.country_holidays(
        country,
        subdiv=subdivision or None,
        years=range(first_year, last_year + 1),
        language=language,
    )
    working = getattr(found, "weekend_workdays", set())
    return tuple(sorted(found.items())), tuple(sorted(working))


def site_dates(
    calendar: SiteCalendar, *, added: Iterable[date] = (), removed: Iterable[date] = ()
) -> tuple[frozenset[date], frozenset[date]]:
    """The planner's ``unavailable_dates`` and ``working_dates`` for a site: the calendar's
    days off plus the organiser's ``added`` dates, less the ``removed`` ones (a removed
    holiday costs like any other day of its weekday); the calendar's adjusted working days
    stay working days unless the organiser added them as days off."""
    added, removed = frozenset(added), frozenset(removed)
    unavailable = (frozenset(calendar.days_off) | added) - removed
    return unavailable, calendar.working_dates - added
