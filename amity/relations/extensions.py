"""What the apps above relations add to a partner's timeline.

Relations sits below the apps that also work with partners (aid, and later research), so
it cannot import them. Each of them registers, in its ``ready()``, a timeline source: a
kind, the label of its filter, and a function returning the dated entries a user may see
for one institution. ``selectors.partner_timeline`` and the partner page merge them with
relations' own entries, and the page's filter lists their kinds. Adding a kind to the
timeline never edits relations.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from amity.accounts.models import User
from amity.directory.models import Institution


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing on a partner's timeline."""

    kind: str  # agreement, activity, letter, document, or a registered kind
    day: date
    title: str
    url: str
    what: str  # "Agreement signed", "Letter sent", "Reply received", …
    state: str = ""
    state_label: str = ""
    detail: str = ""
    upcoming: bool = False


TimelineEntries = Callable[[User, Institution, date], list[TimelineEntry]]


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    label: str  # the filter's label, usually a lazy translation
    entries: TimelineEntries


_timeline_sources: dict[str, TimelineSource] = {}


def register_timeline_source(kind: str, label: str, entries: TimelineEntries) -> TimelineSource:
    """Add ``entries(user, institution, today) -> [TimelineEntry]`` to every partner's
    timeline under ``kind`` (the entries' own ``kind``), filtered by a link labelled
    ``label``. Registering a kind again replaces it (``ready()`` may run twice in tests)."""
    source = TimelineSource(kind=kind, label=label, entries=entries)
    _timeline_sources[kind] = source
    return source


def timeline_sources() -> list[TimelineSource]:
    """The registered sources, in the order they were registered."""
    return list(_timeline_sources.values())
