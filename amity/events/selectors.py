"""Reads for activities: the agenda, the calendar grid, and each site's local time."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from amity.accounts.models import User
from amity.directory.models import Institution, Person
from amity.events import timing
from amity.events.models import Activity, Attendance, Participation, Session, SessionSpeaker
from amity.events.permissions import activities_visible_to


@dataclass(frozen=True)
class AgendaFilters:
    department: int | None = None
    partner: int | None = None
    kind: str = ""
    language: str = ""
    q: str = ""


def filter_activities(qs: QuerySet[Activity], filters: AgendaFilters) -> QuerySet[Activity]:
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.partner:
        qs = qs.filter(partners=filters.partner)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q) | qs.filter(title_local__icontains=filters.q)
    return qs


def agenda_sessions(
    *,
    user: User,
    filters: AgendaFilters,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Session]:
    """Sessions of the activities the user may see, in time order; by default the ones
    not yet over."""
    activities = filter_activities(activities_visible_to(user), filters)
    qs = (
        Session.objects.filter(activity__in=activities.values("pk"))
        .select_related("activity", "activity__department", "series")
        .order_by("starts_at", "pk")
    )
    if start is None and end is None:
        return qs.upcoming()
    if start is not None:
        qs = qs.filter(ends_at__gt=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    return qs


@dataclass
class Day:
    date: date
    in_month: bool
    sessions: list[Session] = field(default_factory=list)


def month_grid(*, user: User, filters: AgendaFilters, year: int, month: int) -> list[list[Day]]:
    """Weeks (Monday first) of the month in the viewer's zone, each day with its sessions."""
    zone = timezone.get_current_timezone()
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    days = {d: Day(date=d, in_month=d.month == month) for week in weeks for d in week}
    for session in agenda_sessions(user=user, filters=filters, start=start, end=end):
        local = session.starts_at.astimezone(zone).date()
        if local in days:
            days[local].sessions.append(session)
    return [[days[d] for d in week] for week in weeks]


def week_days(*, user: User, filters: AgendaFilters, monday: date) -> list[Day]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(monday, time.min, zone)
    end = start + timedelta(days=7)
    days = [Day(date=monday + timedelta(days=i), in_month=True) for i in range(7)]
    for session in agenda_sessions(user=user, filters=filters, start=start, end=end):
        index = (session.starts_at.astimezone(zone).date() - monday).days
        if 0 <= index < 7:
            days[index].sessions.append(session)
    return days


def activity_sessions(activity: Activity) -> list[Session]:
    return list(
        activity.sessions.select_related("series").prefetch_related(
            Prefetch(
                "speakers",
                queryset=SessionSpeaker.objects.select_related("person", "person__institution"),
            ),
            "materials",
        )
    )


def activity_participants(activity: Activity) -> list[Participation]:
    return list(
        activity.participations.select_related("person", "person__institution").order_by(
            "role", "person__family_name"
        )
    )


@dataclass(frozen=True)
class SiteTime:
    """One site's wall clock for a session: where, which zone, what time there."""

    name: str
    zone: str
    local: datetime
    day_offset: int  # days after the organiser's date
    shifts: list[timing.LocalShift]


def activity_sites(activity: Activity) -> list[tuple[str, str]]:
    """The places taking part, as (name, IANA zone): the home hospital, the partner
    institutions and the participants' institutions, named by city, each place once."""
    institutions = list(Institution.objects.filter(partnership_status="home")[:1])
    institutions += list(activity.partners.all())
    institutions += [
        p.institution
        for p in Person.objects.filter(participations__activity=activity).select_related(
            "institution"
        )
    ]
    sites: dict[tuple[str, str], None] = {}
    for institution in institutions:
        sites.setdefault(
            (institution.city or institution.display_short_name, institution.time_zone)
        )
    return list(sites)


def site_times(
    *, activity: Activity, sessions: list[Session], reference: Session | None
) -> list[SiteTime]:
    """The local time at each site taking part for ``reference``, and for recurring
    activities the dates from which a site's local time changes."""
    if reference is None:
        return []
    organiser_local = reference.starts_at.astimezone(ZoneInfo(activity.time_zone))
    scheduled = [s.starts_at for s in sessions if not s.is_cancelled]
    result = []
    for label, zone in activity_sites(activity):
        local = reference.starts_at.astimezone(ZoneInfo(zone))
        result.append(
            SiteTime(
                name=label,
                zone=zone,
                local=local,
                day_offset=timing.day_offset(local, organiser_local),
                shifts=timing.local_time_shifts(scheduled, zone) if len(scheduled) > 1 else [],
            )
        )
    return sorted(result, key=lambda s: (s.local.utcoffset(), s.name))


def personal_activities(*, user: User) -> QuerySet[Activity]:
    """What a person takes part in: as participant or speaker, and for a coordinator the
    activities of their department."""
    person = user.person
    if person is None:
        return Activity.objects.none()
    mine = Q(participations__person=person) | Q(sessions__speakers__person=person)
    if user.is_coordinator and person.department_id:
        mine |= Q(department_id=person.department_id)
    return activities_visible_to(user).filter(pk__in=Activity.objects.filter(mine).values("pk"))


def session_roll(session: Session) -> list[Person]:
    """Who is expected at a session: the activity's participants and the session's
    speakers, by name."""
    return list(
        Person.objects.filter(
            Q(participations__activity_id=session.activity_id) | Q(talks__session=session)
        )
        .distinct()
        .order_by("family_name", "given_name")
    )


def session_present_ids(session: Session) -> set[int]:
    return set(
        Attendance.objects.filter(session=session, present=True).values_list("person_id", flat=True)
    )
