"""Planning a call series and turning the accepted plan into sessions."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amity.events import services as event_services
from amity.events.models import Activity, Session, SessionStatus
from amity.scheduling import limits, planner

EXACT_UP_TO_SITES = 12


@dataclass(frozen=True)
class Comparison:
    """Amity's plan next to what a poll tool would pick, the best fixed slot for the
    worst-off site, and a time the user typed."""

    plan: planner.Plan
    poll: planner.Plan | None
    fairest_fixed: planner.Plan | None
    typed: planner.Plan | None

    @property
    def all(self) -> list[planner.Plan]:
        return [p for p in [self.plan, self.poll, self.fairest_fixed, self.typed] if p]


def plan_compare(
    *, problem: planner.Problem, compare_with: str = "", time_limit: float = 10.0
) -> Comparison:
    """Solve (exactly up to a dozen sites, fast beyond) and compare. Raises ValueError
    with the user's message when the problem asks for what the planner page does not offer
    or for too much work (``limits.check_problem``), and planner.NoFeasiblePlan when the
    hard limits leave no time at all."""
    limits.check_problem(problem)
    if len(problem.sites) <= EXACT_UP_TO_SITES:
        plan = planner.solve_exact(problem, time_limit=time_limit)
    else:
        plan = planner.solve_fast(problem, time_limit=min(time_limit, 2.0))
    return Comparison(
        plan=plan,
        poll=planner.best_fixed_slot(problem, minimise="total"),
        fairest_fixed=planner.best_fixed_slot(problem, minimise="max"),
        typed=planner.wall_time_plan(problem, compare_with) if compare_with else None,
    )


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
