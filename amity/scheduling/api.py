"""The call planner in the JSON API: the same problem, solver and acceptance as the page."""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status

from amity.core.schemas import InputSchema
from amity.events import permissions
from amity.scheduling import planner, services

router = Router(tags=["call planner"])


class SiteIn(InputSchema):
    name: str
    zone: str = Field(..., description="IANA time zone, e.g. Asia/Shanghai")
    weight: float = Field(1.0, ge=0, le=10)
    working_days: list[int] = Field([0, 1, 2, 3, 4], description="Local weekdays, Monday = 0")
    unavailable_dates: list[date] = Field(default_factory=list)


class PlanIn(InputSchema):
    sites: list[SiteIn]
    first_date: date
    weeks: int = Field(52, ge=1, le=104)
    weekdays: list[int] = Field([2], description="UTC weekdays the call may start on")
    meeting_minutes: int = Field(60, ge=15, le=240)
    slot_step_minutes: int = Field(30, description="15 or 30")
    hard_limits: list[tuple[float, float]] = Field(
        default_factory=list, description="Local hour windows nobody meets in, e.g. [[0, 5]]"
    )
    max_distinct_slots: int | None = Field(None, ge=1)
    compare_with: str = Field("", description='A wall-clock time, e.g. "04:00 Asia/Shanghai"')
    accept: bool = Field(False, description="Create the sessions of Amity's plan")


class SiteOut(Schema):
    name: str
    zone: str
    total: float
    worst_week: int | None
    local_starts: list[datetime]
    weeks_with_time_change: list[int]


class PlanOut(Schema):
    label: str
    max_cost: float
    total_cost: float
    gini: float
    starts: list[datetime]
    worst_sites: list[str]
    optimal: bool | None = None
    gap: float | None = None
    sites: list[SiteOut]


class ComparisonOut(Schema):
    plan: PlanOut
    poll: PlanOut | None
    fairest_fixed: PlanOut | None
    typed: PlanOut | None
    sessions_created: int


class Problem(Schema):
    detail: str


def _plan_out(plan: planner.Plan | None) -> dict | None:
    if plan is None:
        return None
    return {
        "label": plan.label,
        "max_cost": plan.max_cost,
        "total_cost": plan.total_cost,
        "gini": plan.gini,
        "starts": list(plan.starts),
        "worst_sites": list(plan.worst_sites),
        "optimal": plan.solver.optimal if plan.solver else None,
        "gap": plan.solver.gap if plan.solver else None,
        "sites": [
            {
                "name": report.site.name,
                "zone": report.site.zone,
                "total": report.total,
                "worst_week": report.worst_week,
                "local_starts": list(report.local_starts),
                "weeks_with_time_change": list(report.time_changes),
            }
            for report in plan.sites
        ],
    }


@router.post(
    "/activities/{activity_id}/call-plan",
    response={200: ComparisonOut, 403: Problem, 404: Problem, 422: Problem},
)
def plan_call(request, activity_id: int, payload: PlanIn):
    """Plan the weekly call so the inconvenient hours are shared; compare with fixed times;
    with ``accept`` create the sessions of the plan."""
    activity = permissions.get_activity_for_edit(request.user, activity_id)
    try:
        problem = planner.Problem(
            sites=tuple(
                planner.Site(
                    name=site.name,
                    zone=site.zone,
                    weight=site.weight,
                    working_days=frozenset(site.working_days),
                    unavailable_dates=frozenset(site.unavailable_dates),
                )
                for site in payload.sites
            ),
            meeting_minutes=payload.meeting_minutes,
            first_date=payload.first_date,
            weeks=payload.weeks,
            allowed_weekdays=frozenset(payload.weekdays),
            slot_step_minutes=payload.slot_step_minutes,
            hard_limits=tuple(payload.hard_limits),
            max_distinct_slots=payload.max_distinct_slots,
        )
        comparison = services.plan_compare(problem=problem, compare_with=payload.compare_with)
        created = (
            services.plan_accept(activity=activity, plan=comparison.plan) if payload.accept else []
        )
    except ValueError as error:  # includes NoFeasiblePlan and PlanRefused
        return Status(422, {"detail": str(error)})
    return {
        "plan": _plan_out(comparison.plan),
        "poll": _plan_out(comparison.poll),
        "fairest_fixed": _plan_out(comparison.fairest_fixed),
        "typed": _plan_out(comparison.typed),
        "sessions_created": len(created),
    }
