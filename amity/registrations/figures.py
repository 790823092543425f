"""The registrants' figures for the reports (amity.core.figures).

Registrants are counted per activity held in the period (amity.events.figures): a confirmed
registration for an activity with a session held in the period. An erased registration still
counts (the place was taken) but is listed as "(erased)", without name or email.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from amity.core import figures
from amity.core.figures import Breakdown, Figure, Item, Period, breakdown_of
from amity.events.figures import held_sessions
from amity.registrations.models import Profession, Registration, RegistrationStatus


def registrants(period: Period) -> QuerySet[Registration]:
    """Confirmed registrations for activities held in the period."""
    # An IN over the held activities, not a correlated EXISTS per registration: the index
    # (activity, status) then reads only the registrations of those activities.
    return Registration.objects.filter(
        activity_id__in=held_sessions(period).values("activity_id"),
        status=RegistrationStatus.CONFIRMED,
    )


# Took part: checked in by hand or with minutes of attendance recorded.
TOOK_PART = Q(checked_in=True) | Q(minutes_attended__gt=0)


def attendees(period: Period) -> QuerySet[Registration]:
    """Registrants who took part: checked in by hand or with minutes of attendance recorded."""
    return registrants(period).filter(TOOK_PART)


def _summary(period: Period) -> list[tuple[str, str, bool, int]]:
    """(country, profession, attended, how many) of the period's registrants: one grouped
    query that the counts and breakdowns of both figures read."""

    def compute():
        return list(
            registrants(period)
            .order_by()
            .annotate(attended=ExpressionWrapper(TOOK_PART, output_field=BooleanField()))
            .values_list("country", "profession", "attended")
            .annotate(n=Count("*"))
        )

    return figures.memoized("registrations.summary", period, compute)


def _totals(period: Period) -> tuple[int, int]:
    """(registrants, attendees) of the period: one COUNT, with a conditional count of those
    who took part, read from the index (no grouping for the two numbers alone)."""

    def compute():
        # COUNT of activity_id (never null, in the index) where COUNT(*) takes no filter.
        totals = registrants(period).aggregate(
            everyone=Count("*"), took_part=Count("activity_id", filter=TOOK_PART)
        )
        return totals["everyone"], totals["took_part"]

    return figures.memoized("registrations.totals", period, compute)


def _count(period: Period, *, only_attended: bool) -> int:
    """From the breakdowns' groups when they were worked out (the dashboard's period), else
    from ``_totals`` (the period before, the exports)."""
    summary = figures.recalled("registrations.summary", period)
    if summary is None:
        return _totals(period)[1 if only_attended else 0]
    return sum(n for _c, _p, attended, n in summary if attended or not only_attended)


def _profession(value: str) -> str:
    return str(dict(Profession.choices).get(value, value)) if value else str(_("Not given"))


def _country(code) -> str:
    return countries.name(code) if code else str(_("Not given"))


def _items(qs: QuerySet[Registration]) -> list[Item]:
    rows = qs.select_related("activity").order_by("activity__title", "activity_id", "pk")
    return [
        Item(
            label=row.display_name,
            url=reverse("registrations:registrants", args=[row.activity_id]),
            cells=(
                row.activity.display_title,
                "" if row.erased_at else row.institution,
                _country(row.country.code),
                _profession(row.profession),
                row.minutes_attended or "",
            ),
        )
        for row in rows
    ]


def _breakdowns(*, only_attended: bool):
    def breakdown(period: Period) -> list[Breakdown]:
        by_country: dict[str, int] = {}
        by_profession: dict[str, int] = {}
        for country, profession, attended, n in _summary(period):
            if attended or not only_attended:
                by_country[country] = by_country.get(country, 0) + n
                by_profession[profession] = by_profession.get(profession, 0) + n
        return [
            breakdown_of(_("By country"), by_country, label=_country, dimension="country"),
            breakdown_of(
                _("By profession"), by_profession, label=_profession, dimension="profession"
            ),
        ]

    return breakdown


COLUMNS = (_("Activity"), _("Institution"), _("Country"), _("Profession"), _("Minutes attended"))


def register() -> None:
    figures.register(
        Figure(
            key="registrations.registrants",
            section="depth",
            label=_("Registrants"),
            definition=_(
                "A registrant is a confirmed registration for an activity held in the period; "
                "waiting and cancelled registrations are not counted. Erased registrations are "
                "counted but listed without a name."
            ),
            count=lambda period: _count(period, only_attended=False),
            list_items=lambda period: _items(registrants(period)),
            columns=COLUMNS,
            breakdown=_breakdowns(only_attended=False),
        ),
        Figure(
            key="registrations.attendees",
            section="depth",
            label=_("Attendees"),
            definition=_(
                "An attendee is a registrant (as above) who took part: checked in by hand or "
                "with minutes of attendance from a video service's report."
            ),
            count=lambda period: _count(period, only_attended=True),
            list_items=lambda period: _items(attendees(period)),
            columns=COLUMNS,
            breakdown=_breakdowns(only_attended=True),
        ),
    )
