"""Planning a call series and turning the accepted plan into sessions."""

from dataclasses import dataclass

from django.db import transaction

from amity.events import services as event_services
from amity.events.models import Activity, Session
from amity.scheduling import planner

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
    """Solve (exactly up to a dozen sites, fast beyond) and compare. Raises
    planner.NoFeasiblePlan when the hard limits leave no time at all."""
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


@transaction.atomic
def plan_accept(*, activity: Activity, plan: planner.Plan, title: str = "") -> list[Session]:
    """Create the call's sessions at the plan's instants, in the activity's zone. The
    calendar feed and the local-time table pick them up like any other sessions."""
    return event_services.sessions_create_at(
        activity=activity,
        starts=plan.starts,
        duration_minutes=plan.problem.meeting_minutes,
        time_zone=activity.time_zone,
        title=title,
    )
