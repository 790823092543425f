"""Activities as stories for the reports' news draft (``amity.core.figures.StorySource``).

Written here, not in events, because a story counts registrants, which belong to this app
(registrations sits above events). Facts follow the activities' figures (``events.figures``):
a session counts as *held* when it is not cancelled, its activity is not cancelled and it
has ended; attendees are the distinct people recorded present at a held session;
registrants are the confirmed registrations. Names are read in the active language.
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from amity.core import figures
from amity.core.bilingual import in_reader_language
from amity.directory.models import PartnershipStatus
from amity.events.figures import held_activities, held_sessions
from amity.events.models import Activity, Attendance, SessionSpeaker, SessionStatus
from amity.registrations.models import Registration, RegistrationStatus

MOST_IN_PERIOD = 20


def _person_name(person) -> str:
    return in_reader_language(person.full_name, person.local_name)


def _local_day(moment) -> dt.date:
    return timezone.localtime(moment).date()


def activity_story(activity: Activity) -> figures.Story:
    """The facts of one activity (a handful of queries)."""
    url = activity.get_absolute_url()
    all_held = held_sessions(figures.Period(dt.date(1900, 1, 1), dt.date(2999, 12, 31)))
    held = all_held.filter(activity=activity)
    planned = activity.sessions.exclude(status=SessionStatus.CANCELLED)
    span = planned.order_by("starts_at").values_list("starts_at", flat=True)
    first, last = span.first(), span.last()
    facts = [figures.Fact("kind", _("Kind"), str(activity.get_kind_display()), url)]
    if first is not None:
        start, end = _local_day(first), _local_day(last)
        facts.append(figures.Fact("dates", _("Dates"), f"{start.isoformat()}/{end.isoformat()}"))
    if activity.department_id:
        department = activity.department
        facts.append(
            figures.Fact(
                "department",
                _("Department"),
                in_reader_language(department.name, department.name_local),
                department.get_absolute_url(),
            )
        )
    partners = list(
        activity.partners.exclude(partnership_status=PartnershipStatus.HOME).order_by("name")
    )
    if partners:
        links = tuple(
            (in_reader_language(p.name, p.name_local), p.get_absolute_url()) for p in partners
        )
        facts.append(
            figures.Fact("partners", _("Partners"), len(partners), links[0][1], links=links)
        )
        codes = sorted({str(p.country) for p in partners if p.country})
        if codes:
            facts.append(
                figures.Fact(
                    "countries",
                    _("Countries"),
                    len(codes),
                    links=tuple((str(countries.name(c)), "") for c in codes),
                )
            )
    speakers = (
        SessionSpeaker.objects.filter(session__activity=activity)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("person")
        .order_by("person__family_name", "person__pk")
    )
    seen = {}
    for speaker in speakers:
        seen.setdefault(speaker.person.pk, speaker.person)
    if seen:
        facts.append(
            figures.Fact(
                "speakers",
                _("Speakers"),
                len(seen),
                links=tuple((_person_name(p), p.get_absolute_url()) for p in seen.values()),
            )
        )
    totals = held.aggregate(n=Count("pk"), length=Sum(F("ends_at") - F("starts_at")))
    facts.append(figures.Fact("sessions", _("Sessions held"), totals["n"], url))
    if totals["length"]:
        hours = Decimal(totals["length"].total_seconds() / 3600).quantize(Decimal("0.1"))
        facts.append(figures.Fact("hours", _("Hours"), hours, url))
    registrants = Registration.objects.filter(
        activity=activity, status=RegistrationStatus.CONFIRMED
    ).count()
    if registrants:
        facts.append(
            figures.Fact(
                "registrants",
                _("Registrants"),
                registrants,
                reverse("registrations:registrants", args=[activity.pk]),
            )
        )
    attendees = (
        Attendance.objects.filter(session__in=held, present=True)
        .values("person")
        .distinct()
        .count()
    )
    if attendees:
        facts.append(
            figures.Fact(
                "attendees",
                _("Attendees"),
                attendees,
                reverse("registrations:attendance", args=[activity.pk]),
            )
        )
    outcome = activity.materials.aggregate(
        materials=Count("pk"),
    )["materials"]
    recordings = held.exclude(recording_url="").count()
    if outcome or recordings:
        facts.append(
            figures.Fact(
                "outcome",
                _("Materials and recordings shared"),
                outcome + recordings,
                url,
                links=(((_("%(n)s materials") % {"n": outcome}, url),) if outcome else ())
                + (((_("%(n)s recordings") % {"n": recordings}, url),) if recordings else ()),
            )
        )
    return figures.Story(
        kind="activity",
        key=str(activity.pk),
        title=activity.display_title,
        url=url,
        start=_local_day(first) if first else None,
        end=_local_day(last) if last else None,
        facts=tuple(facts),
    )


def _get(key: str) -> figures.Story | None:
    try:
        pk = int(key)
    except (TypeError, ValueError):
        return None
    activity = Activity.objects.select_related("department").filter(pk=pk).first()
    return activity_story(activity) if activity is not None else None


def _in_period(period: figures.Period) -> list[figures.Story]:
    """The activities held in the period, the most attended first."""
    held = held_sessions(period)
    activities = (
        held_activities(period)
        .select_related("department")
        .annotate(
            present=Count(
                "sessions__attendances",
                filter=Q(sessions__in=held, sessions__attendances__present=True),
            )
        )
        .order_by("-present", "pk")[:MOST_IN_PERIOD]
    )
    return [activity_story(activity) for activity in activities]


def register() -> None:
    figures.register_stories(
        figures.StorySource(
            kind="activity", label=gettext_lazy("Activity"), get=_get, in_period=_in_period
        )
    )
