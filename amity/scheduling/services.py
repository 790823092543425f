"""Planning a call series and turning the accepted plan into sessions."""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amity.events import services as event_services
from amity.events.models import Activity, Session, SessionStatus
from amity.scheduling import planner
from amity.scheduling.selectors import NotWeekly, call_sessions


class PlanRefused(ValueError):
    """The plan cannot be accepted; the message says why, for the user."""


@transaction.atomic
def plan_accept(
    *, activity: Activity, plan: planner.Plan, title: str = "", now: datetime | None = None
) -> list[Session]:
    """Create the call's sessions at the plan's instants, in the activity's zone. The
    calendar feed and the local-time table pick them up like any other sessions.

    Raises PlanRefused, adding nothing, when the plan's first call is not in the future,
    or when the activity already has a (not cancelled) session at one of the plan's
    instants: the same plan accepted again, or a plan that overlaps one accepted before.
    The activity's row is locked before its sessions are recounted, so two accepts of the
    same plan at once add its sessions once."""
    first = plan.starts[0]
    if first <= (now or timezone.now()):
        local = first.astimezone(ZoneInfo(activity.time_zone)).date()
        raise PlanRefused(
            _("The plan's first call, on %(date)s, is already past: choose a later first week.")
            % {"date": date_format(local, "DATE_FORMAT")}
        )
    Activity.objects.select_for_update().get(pk=activity.pk)
    taken = list(
        activity.sessions.exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__in=plan.starts)
        .values_list("starts_at", flat=True)
        .order_by("starts_at")
    )
    if len(set(taken)) == len(set(plan.starts)):
        raise PlanRefused(
            _(
                "This plan was accepted already: the call has a session at each of its "
                "%(count)s times."
            )
            % {"count": len(plan.starts)}
        )
    if taken:
        local = taken[0].astimezone(ZoneInfo(activity.time_zone))
        raise PlanRefused(
            _(
                "The call already has a session on %(date)s at %(time)s, a time of this "
                "plan: it overlaps a plan accepted before."
            )
            % {"date": date_format(local.date(), "DATE_FORMAT"), "time": f"{local:%H:%M}"}
        )
    return event_services.sessions_create_at(
        activity=activity,
        starts=plan.starts,
        duration_minutes=plan.problem.meeting_minutes,
        time_zone=activity.time_zone,
        title=title,
    )


@transaction.atomic
def plan_reschedule(
    *,
    activity: Activity,
    starts: Sequence[datetime | None],
    held_weeks: int,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Apply a re-plan to the call's sessions: from week ``held_weeks`` on, move each
    session to its week's new start, and cancel it where the week has none (cancelled).
    Sessions already held never move. Returns (moved, cancelled).

    The activity's row is locked and its sessions re-read, so the weeks are counted on the
    sessions as they are now; raises PlanRefused, changing nothing, when a session of the
    weeks to come has begun since the plan was made or the sessions no longer match it."""
    now = now or timezone.now()
    Activity.objects.select_for_update().get(pk=activity.pk)
    try:
        current = call_sessions(activity, now=now)
    except NotWeekly:
        current = None
    if current is None or len(current.by_week) != len(starts):
        raise PlanRefused(_("The call's sessions changed since this plan was made: plan again."))
    if current.history.held_weeks > held_weeks:
        raise PlanRefused(
            _("A session of the weeks to come has begun since this plan was made: plan again.")
        )
    moved = cancelled = 0
    for week in range(held_weeks, len(starts)):
        session, start = current.by_week[week], starts[week]
        if session is None or session.starts_at == start:
            continue
        if start is None:
            event_services.session_cancel(session=session)
            cancelled += 1
        else:
            event_services.session_move(session=session, starts_at=start)
            moved += 1
    return moved, cancelled
