"""News drafts: a short bilingual article about one activity or a period, in the register of
a hospital news item (who, with whom, when, how many, what came of it), as a starting point
for the communications office.

Template sentences only, no outside service. The facts come through ``amity.core.figures``
— a story source (``figures.story_source("activity")``) for one record, the registered
figures for a period — never from a domain's models. An article is a list of paragraphs,
each a list of segments; a segment that states a fact carries the URL of its record, so the
page links every fact back and the plain-text version turns the links into footnotes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from amity.core import figures
from amity.core.bilingual import reads_chinese
from amity.reports.charts import format_number

LANGUAGES = ("en", "zh-hans")
STORIES_IN_PERIOD = 5


@dataclass(frozen=True)
class Segment:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Article:
    language: str
    headline: tuple[Segment, ...]
    paragraphs: tuple[tuple[Segment, ...], ...]

    @property
    def headline_text(self) -> str:
        return "".join(s.text for s in self.headline)


@dataclass(frozen=True)
class Draft:
    """The same news in each language; ``kind``/``key`` name the record (empty for a
    period), ``url`` the record or the dashboard of the period."""

    title: str
    kind: str
    key: str
    url: str
    articles: tuple[Article, ...]
    period: figures.Period | None = None
    # For a period: the records it tells about, (title, kind, key), to draft each one.
    stories: tuple[tuple[str, str, str], ...] = ()


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def compose(template: str, **parts) -> tuple[Segment, ...]:
    """Fill a translated template whose placeholders stand for segments (or lists of
    segments, or plain text), keeping each part's link."""
    out: list[Segment] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            out.append(Segment(template[position : match.start()]))
        value = parts[match.group(1)]
        if isinstance(value, Segment):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out.extend(value)
        else:
            out.append(Segment(str(value)))
        position = match.end()
    if position < len(template):
        out.append(Segment(template[position:]))
    return tuple(out)


def join(items: list[Segment]) -> list[Segment]:
    """ "A, B and C" / "A、B和C", each item keeping its link."""
    if len(items) <= 1:
        return list(items)
    out: list[Segment] = []
    for n, item in enumerate(items):
        if n == len(items) - 1:
            out.append(Segment(_(" and ")))
        elif n:
            out.append(Segment(_(", ")))
        out.append(item)
    return out


def format_day(day: dt.date) -> str:
    if reads_chinese():
        return f"{day.year}年{day.month}月{day.day}日"
    return date_format(day, "j F Y")


def format_span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return format_day(start)
    return _("%(start)s to %(end)s") % {"start": format_day(start), "end": format_day(end)}


def _number(fact: figures.Fact) -> Segment:
    return Segment(format_number(fact.value), fact.url)


def story_article(story: figures.Story) -> Article:
    """One record's news item in the active language."""
    title = Segment(story.title, story.url)
    department = story.fact("department")
    who = (
        Segment(str(department.value), department.url) if department else Segment(_("the hospital"))
    )
    kind = story.fact("kind")
    paragraphs = []
    first = compose(
        _("On %(dates)s, %(who)s held “%(title)s”, %(kind)s.")
        if story.start
        else _("%(who)s held “%(title)s”, %(kind)s."),
        dates=format_span(story.start, story.end),
        who=who,
        title=title,
        kind=Segment(str(kind.value).lower() if not reads_chinese() else str(kind.value), kind.url)
        if kind
        else "",
    )
    sentences = [first]
    partners = story.fact("partners")
    if partners:
        named = [Segment(text, url) for text, url in partners.links]
        countries = story.fact("countries")
        if countries and countries.links:
            sentences.append(
                compose(
                    _("It brought together colleagues of %(partners)s (%(countries)s)."),
                    partners=join(named),
                    countries=join([Segment(text, url) for text, url in countries.links]),
                )
            )
        else:
            sentences.append(
                compose(_("It brought together colleagues of %(partners)s."), partners=join(named))
            )
    paragraphs.append(_flatten(sentences))
    counts = []
    sessions, hours = story.fact("sessions"), story.fact("hours")
    if sessions and sessions.value:
        template = ngettext(
            "%(sessions)s session was held", "%(sessions)s sessions were held", int(sessions.value)
        )
        if hours:
            counts.append(
                compose(
                    template + _(", %(hours)s hours in all."),
                    sessions=_number(sessions),
                    hours=_number(hours),
                )
            )
        else:
            counts.append(compose(template + _("."), sessions=_number(sessions)))
    registrants, attendees = story.fact("registrants"), story.fact("attendees")
    if registrants and attendees:
        counts.append(
            compose(
                ngettext(
                    "%(registrants)s person registered and %(attendees)s took part.",
                    "%(registrants)s people registered and %(attendees)s took part.",
                    int(registrants.value),
                ),
                registrants=_number(registrants),
                attendees=_number(attendees),
            )
        )
    elif attendees:
        counts.append(
            compose(
                ngettext(
                    "%(attendees)s person took part.",
                    "%(attendees)s people took part.",
                    int(attendees.value),
                ),
                attendees=_number(attendees),
            )
        )
    elif registrants:
        counts.append(
            compose(
                ngettext(
                    "%(registrants)s person registered.",
                    "%(registrants)s people registered.",
                    int(registrants.value),
                ),
                registrants=_number(registrants),
            )
        )
    speakers = story.fact("speakers")
    if speakers and speakers.links:
        counts.append(
            compose(
                _("Speakers: %(speakers)s."),
                speakers=join([Segment(text, url) for text, url in speakers.links]),
            )
        )
    if counts:
        paragraphs.append(_flatten(counts))
    outcome = story.fact("outcome")
    if outcome and outcome.links:
        paragraphs.append(
            compose(
                _("What came of it: %(items)s, open to the participants on the activity's page."),
                items=join([Segment(text, url) for text, url in outcome.links]),
            )
        )
    headline = (
        compose(
            _("%(who)s and %(partners)s: “%(title)s”"),
            who=who,
            partners=join([Segment(text, url) for text, url in partners.links][:2]),
            title=title,
        )
        if partners
        else compose(_("%(who)s holds “%(title)s”"), who=who, title=title)
    )
    return Article(translation.get_language() or "en", _capitalise(headline), tuple(paragraphs))


def _capitalise(segments: tuple[Segment, ...]) -> tuple[Segment, ...]:
    if not segments or reads_chinese():
        return segments
    first = segments[0]
    return (Segment(first.text[:1].upper() + first.text[1:], first.url), *segments[1:])


def _flatten(sentences) -> tuple[Segment, ...]:
    out: list[Segment] = []
    for n, sentence in enumerate(sentences):
        if n and not reads_chinese():
            out.append(Segment(" "))
        out.extend(_capitalise(sentence) if n == 0 else sentence)
    return tuple(out)


def figure_url(key: str, period: figures.Period) -> str:
    """The page listing the items behind a figure (reports-core's), or "" when absent."""
    try:
        return reverse("reports:figure", args=[key]) + "?" + urlencode(period.query())
    except NoReverseMatch:
        return ""


def _figure_segment(key: str, period: figures.Period) -> tuple[Segment, int] | None:
    figure = figures.get(key)
    if figure is None:
        return None
    value = figure.value(period)
    return Segment(format_number(value), figure_url(key, period)), int(value)


def period_article(period: figures.Period, stories: list[figures.Story]) -> Article:
    """A period's news item in the active language: the headline figures, then the most
    attended activities, one sentence each."""
    label = period.label()
    paragraphs = []
    activities = _figure_segment("events.activities", period)
    institutions = _figure_segment("directory.institutions_engaged", period)
    countries = _figure_segment("directory.countries_engaged", period)
    sentences = []
    if activities:
        sentences.append(
            compose(
                _("In %(period)s the hospital held %(activities)s international activities."),
                period=label,
                activities=activities[0],
            )
        )
    if institutions and countries:
        sentences.append(
            compose(
                _(
                    "It exchanged with %(institutions)s partner institutions "
                    "in %(countries)s countries."
                ),
                institutions=institutions[0],
                countries=countries[0],
            )
        )
    attendees = _figure_segment("registrations.attendees", period)
    if attendees:
        sentences.append(
            compose(
                ngettext(
                    "%(attendees)s person took part.",
                    "%(attendees)s people took part.",
                    attendees[1],
                ),
                attendees=attendees[0],
            )
        )
    if sentences:
        paragraphs.append(_flatten(sentences))
    if stories:
        highlights = []
        for story in stories[:STORIES_IN_PERIOD]:
            attended = story.fact("attendees")
            partners = story.fact("partners")
            parts = {
                "title": Segment(story.title, story.url),
                "dates": format_span(story.start, story.end),
            }
            if partners and attended:
                highlights.append(
                    compose(
                        _("“%(title)s” (%(dates)s) with %(partners)s: %(attendees)s took part."),
                        partners=join([Segment(t, u) for t, u in partners.links][:3]),
                        attendees=_number(attended),
                        **parts,
                    )
                )
            elif partners:
                highlights.append(
                    compose(
                        _("“%(title)s” (%(dates)s) with %(partners)s."),
                        partners=join([Segment(t, u) for t, u in partners.links][:3]),
                        **parts,
                    )
                )
            else:
                highlights.append(compose(_("“%(title)s” (%(dates)s)."), **parts))
        paragraphs.append(compose(_("Highlights:")))
        paragraphs.extend(highlights)
    if not paragraphs:
        paragraphs.append(compose(_("Nothing was recorded in this period.")))
    headline = compose(_("International exchange in %(period)s"), period=label)
    return Article(translation.get_language() or "en", headline, tuple(paragraphs))


def record_draft(kind: str, key: str) -> Draft | None:
    """The news draft about one record, in both languages; None when there is none."""
    source = figures.story_source(kind)
    if source is None:
        return None
    articles = []
    title = ""
    url = ""
    for language in _languages():
        with translation.override(language):
            story = source.get(str(key))
            if story is None:
                return None
            articles.append(story_article(story))
        if not title:
            title, url = story.title, story.url
    return Draft(title=title, kind=kind, key=str(key), url=url, articles=tuple(articles))


def period_draft(period: figures.Period) -> Draft:
    """The news draft about a period, in both languages."""
    articles = []
    told: list[tuple[str, str, str]] = []
    source = figures.story_source("activity")
    for language in _languages():
        with translation.override(language):
            stories = source.in_period(period) if source else []
            articles.append(period_article(period, stories))
        if not told:
            told = [(s.title, s.kind, s.key) for s in stories]
    return Draft(
        title=articles[0].headline_text,
        kind="",
        key="",
        url="",
        articles=tuple(articles),
        period=period,
        stories=tuple(told),
    )


def _languages() -> tuple[str, str]:
    """The reader's language first."""
    current = translation.get_language() or "en"
    return ("zh-hans", "en") if current.lower().startswith("zh") else LANGUAGES


def as_text(draft: Draft, *, base: str = "") -> str:
    """The draft as plain text to copy: each linked fact gets a footnote number, and the
    footnotes list the records' full addresses under each article."""
    blocks = []
    for article in draft.articles:
        notes: list[str] = []
        lines = [_render(article.headline, notes, base), ""]
        lines.extend(_render(p, notes, base) + "\n" for p in article.paragraphs)
        if notes:
            lines.append("")
            lines.extend(f"[{n}] {address}" for n, address in enumerate(notes, 1))
        blocks.append("\n".join(lines).strip())
    return "\n\n----\n\n".join(blocks) + "\n"


def _render(segments, notes: list[str], base: str) -> str:
    """Segments as text, each link as a footnote number (``notes`` gathers the addresses)."""
    out = []
    for segment in segments:
        out.append(segment.text)
        if segment.url:
            address = segment.url
            if address.startswith("/"):
                address = base.rstrip("/") + address
            if address not in notes:
                notes.append(address)
            out.append(f"[{notes.index(address) + 1}]")
    return "".join(out)
