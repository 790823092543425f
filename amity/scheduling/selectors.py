"""Reads for the call planner: the sites of a call with their countries (for the holiday
calendar), the other calls that may be planned together, and a call's sessions as the
history a re-plan keeps."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import QuerySet
from django.utils import timezone

from amity.accounts.models import User
from amity.directory.models import Institution, Person
from amity.events import permissions
from amity.events.models import Activity, ActivityKind, Session, SessionStatus
from amity.scheduling.options import CallRequest, History, SiteRequest

RECURRING_KINDS = [ActivityKind.CALL, ActivityKind.CLASSROOM, ActivityKind.SERIES]


def call_sites(activity: Activity) -> list[dict]:
    """The places taking part (the home hospital, the partners, the participants'
    institutions), named by city, each (name, zone) once, with the institution's country
    for its public holidays."""
    institutions = list(Institution.objects.filter(partnership_status="home")[:1])
    institutions += list(activity.partners.all())
    institutions += [
        person.institution
        for person in Person.objects.filter(participations__activity=activity).select_related(
            "institution"
        )
    ]
    sites: dict[tuple[str, str], dict] = {}
    for institution in institutions:
        name = institution.city or institution.display_short_name
        sites.setdefault(
            (name, institution.time_zone),
            {
                "include": True,
                "name": name,
                "zone": str(institution.time_zone),
                "weight": 1.0,
                "country": str(institution.country or ""),
            },
        )
    return list(sites.values())


def calls_to_plan_with(user: User, activity: Activity) -> QuerySet[Activity]:
    """The other recurring activities the user may plan, that have sessions to come."""
    now = timezone.now()
    managed = [
        other.pk
        for other in permissions.activities_visible_to(user)
        .filter(kind__in=RECURRING_KINDS, sessions__starts_at__gt=now)
        .exclude(pk=activity.pk)
        .distinct()
        if permissions.can_manage_activity(user, other)
    ]
    return Activity.objects.filter(pk__in=managed).order_by("title")


def call_request(activity: Activity, *, weekday: int, minutes: int) -> CallRequest:
    """Another call as the planner takes it: its sites, and the UTC weekday and length of
    its next session (else the given ones)."""
    upcoming = (
        activity.sessions.exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    if upcoming is not None:
        weekday, minutes = upcoming.starts_at.weekday(), upcoming.duration_minutes
    return CallRequest(
        name=activity.display_title,
        sites=tuple(
            SiteRequest(name=row["name"], zone=row["zone"], country=row["country"])
            for row in call_sites(activity)
        ),
        weekday=weekday,
        meeting_minutes=minutes,
    )


@dataclass(frozen=True)
class Sessions:
    """A call's sessions week by week from its first: ``by_week[w]`` the (not cancelled)
    session of week w, or None."""

    history: History
    by_week: tuple[Session | None, ...]
    weekday: int
    minutes: int


class NotWeekly(ValueError):
    """The call's sessions are not one a week, so they cannot be re-planned as a series."""


def call_sessions(activity: Activity, *, now: datetime | None = None) -> Sessions | None:
    """The call's sessions as the history of a re-plan: weeks counted in UTC from the
    first session's date; a week is held once its session has begun. None when the call
    has no session. Raises NotWeekly when two sessions fall in one week."""
    now = now or timezone.now()
    sessions = list(activity.sessions.exclude(status=SessionStatus.CANCELLED).order_by("starts_at"))
    if not sessions:
        return None
    # Stored in UTC: the weeks and the weekday are UTC ones, as the planner counts them.
    first_date = sessions[0].starts_at.astimezone(UTC).date()
    weeks = (sessions[-1].starts_at.astimezone(UTC).date() - first_date).days // 7 + 1
    by_week: list[Session | None] = [None] * weeks
    for session in sessions:
        week = (session.starts_at.astimezone(UTC).date() - first_date).days // 7
        if by_week[week] is not None:
            raise NotWeekly(week + 1)
        by_week[week] = session
    held = 0
    for week, session in enumerate(by_week):
        if session is not None and session.starts_at <= now:
            held = week + 1
    return Sessions(
        history=History(
            first_date=first_date,
            previous=tuple(s.starts_at if s else None for s in by_week),
            held_weeks=held,
        ),
        by_week=tuple(by_week),
        weekday=first_date.weekday(),
        minutes=sessions[0].duration_minutes,
    )
