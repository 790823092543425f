"""The call planner in the JSON API: the same request, options, solver and acceptance as
the page (``options.plan``, ``services.plan_accept`` and ``services.plan_reschedule``), so
the two behave alike."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from amity.core.schemas import InputSchema, Problem
from amity.events import permissions
from amity.scheduling import holidays, limits, options, planner, selectors, services

router = Router(tags=["call planner"])

NON_FIELD_ERRORS = "__all__"


class SiteIn(InputSchema):
    name: str
    zone: str = Field(..., description="IANA time zone, e.g. Asia/Shanghai")
    weight: float = Field(1.0, ge=0, le=10)
    working_days: list[int] = Field([0, 1, 2, 3, 4], description="Local weekdays, Monday = 0")
    unavailable_dates: list[date] = Field(
        default_factory=list, description="Days off besides the calendar's (same as add_dates)"
    )
    country: str = Field("", description="ISO 3166 code, e.g. CN: public holidays from it")
    subdivision: str = Field("", description="Region for its holidays, e.g. MA, RM")
    night_limit: int | None = Field(None, ge=0, le=limits.MAX_WEEKS)
    add_dates: list[date] = Field(default_factory=list, description="More days off")
    remove_dates: list[date] = Field(default_factory=list, description="Not days off")
    joins: bool = Field(False, description="With replan: the site joins now")


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
    holidays: bool = Field(True, description="Public holidays from each site's country")
    steady: bool = Field(True, description="Steady times: each time holds for blocks of weeks")
    min_block_weeks: int | None = Field(4, ge=1, le=limits.MAX_WEEKS)
    max_changes: int | None = Field(None, ge=0, le=limits.MAX_WEEKS)
    max_nights: int | None = Field(
        None, ge=0, le=limits.MAX_WEEKS, description="Night meetings per site at most"
    )
    no_back_to_back: bool = Field(False, description="Never a night two weeks running")
    even_pace: bool = Field(False, description="Fair at every point of the year")
    together_with: list[int] = Field(
        default_factory=list, description="Ids of other weekly calls planned together"
    )
    replan: bool = Field(False, description="Re-plan the weeks to come of the call's sessions")
    cancel_weeks: list[int] = Field(default_factory=list, description="With replan: 1-based")
    accept: bool = Field(
        False,
        description="Create the sessions of Amity's plan (with replan: move the sessions to come)",
    )


class PlanSiteOut(Schema):
    name: str
    zone: str
    total: float
    nights: int
    worst_week: int | None
    local_starts: list[datetime | None]
    weeks_with_time_change: list[int]
    night_weeks: list[int]


class PlanOut(Schema):
    label: str
    max_cost: float
    total_cost: float
    gini: float
    starts: list[datetime | None]
    worst_sites: list[str]
    optimal: bool | None = None
    gap: float | None = None
    sites: list[PlanSiteOut]


class CallOut(Schema):
    name: str
    starts: list[datetime | None]


class HolidayOut(Schema):
    site: str
    date: date
    name: str


class PriceOut(Schema):
    option: str
    label: str
    max_with: float
    max_without: float
    extra: float
    worst_with: list[str]


class RankRowOut(Schema):
    plan: str
    max_cost: float
    total_cost: float


class RankingOut(Schema):
    table: str
    label: str
    rank: int
    rows: list[RankRowOut]


class PaceOut(Schema):
    site: str
    pace: list[float]
    running_share: list[float]


class ChangeOut(Schema):
    week: int
    before: datetime | None
    after: datetime | None


class ComparisonOut(Schema):
    plan: PlanOut
    poll: PlanOut | None
    fairest_fixed: PlanOut | None
    typed: PlanOut | None
    calls: list[CallOut]
    explanation: list[str]
    prices: list[PriceOut]
    rankings: list[RankingOut]
    holidays: list[HolidayOut]
    pace_steps: list[date]
    pace: list[PaceOut]
    largest_pace_gap: float
    changes: list[ChangeOut]
    sessions_created: int
    sessions_moved: int
    sessions_cancelled: int


def _refused(message: str) -> Status:
    return Status(422, {"detail": message, "errors": {NON_FIELD_ERRORS: [message]}})


def _plan_out(row: dict | None, problem: planner.Problem, solver=None) -> dict | None:
    if row is None:
        return None
    plan = row["plan"]
    zones = {site.name: site.zone for site in problem.sites}
    sites = []
    for line in plan.sites:
        costs = line.costs[0]
        worst = max(range(len(costs)), key=costs.__getitem__) if any(costs) else None
        sites.append(
            {
                "name": line.name,
                "zone": zones.get(line.name, ""),
                "total": line.total,
                "nights": line.nights,
                "worst_week": worst,
                "local_starts": list(line.local_starts[0]),
                "weeks_with_time_change": list(line.time_changes[0]),
                "night_weeks": list(line.night_weeks[0]),
            }
        )
    return {
        "label": row["label"],
        "max_cost": plan.max_cost,
        "total_cost": plan.total_cost,
        "gini": plan.gini,
        "starts": list(plan.starts[0]),
        "worst_sites": list(plan.worst_sites),
        "optimal": solver.optimal if solver else None,
        "gap": solver.gap if solver else None,
        "sites": sites,
    }


def _request(request, activity, payload: PlanIn) -> options.PlanRequest:
    """The planning request of the payload, as the page builds it from its form."""
    if len(payload.weekdays) != 1:
        raise ValueError(_("Choose one day (in UTC) for the call."))
    if len(payload.hard_limits) > 1 or any(
        not (float(a).is_integer() and float(b).is_integer()) for a, b in payload.hard_limits
    ):
        raise ValueError(_("Give one window of whole local hours, e.g. 0 and 5."))
    if len(payload.sites) > limits.MAX_SITES:
        raise ValueError(_("Plan for at most %(count)s sites.") % {"count": limits.MAX_SITES})
    sites = tuple(
        options.SiteRequest(
            name=site.name,
            zone=site.zone,
            weight=site.weight,
            country=site.country.upper(),
            subdivision=site.subdivision.upper(),
            night_limit=site.night_limit,
            added=tuple(sorted({*site.add_dates, *site.unavailable_dates})),
            removed=tuple(sorted(set(site.remove_dates))),
            joins=site.joins,
            working_days=frozenset(site.working_days),
        )
        for site in payload.sites
    )
    for site in sites:
        if site.country and not holidays.is_supported(site.country):
            raise ValueError(
                _("The holiday calendar does not know the country %(code)s.")
                % {"code": site.country}
            )
    history = None
    if payload.replan:
        try:
            found = selectors.call_sessions(activity)
        except selectors.NotWeekly:
            raise ValueError(
                _("This call's sessions are not one a week, so they cannot be re-planned.")
            ) from None
        if found is None or found.history.held_weeks == 0:
            raise ValueError(_("This call has no sessions held yet: plan it, not re-plan it."))
        history = found.history
    weekday = payload.weekdays[0]
    together = tuple(
        selectors.call_request(
            permissions.get_activity_for_edit(request.user, other),
            weekday=weekday,
            minutes=payload.meeting_minutes,
        )
        for other in dict.fromkeys(payload.together_with)
        if other != activity.pk
    )
    return options.PlanRequest(
        name=activity.display_title,
        sites=sites,
        first_date=payload.first_date,
        weeks=payload.weeks,
        weekday=weekday,
        meeting_minutes=payload.meeting_minutes,
        slot_step=payload.slot_step_minutes,
        hard_limits=tuple((float(a), float(b)) for a, b in payload.hard_limits),
        max_slots=payload.max_distinct_slots,
        compare_with=payload.compare_with.strip(),
        holidays=payload.holidays,
        steady=payload.steady,
        min_block_weeks=payload.min_block_weeks,
        max_changes=payload.max_changes,
        max_nights=payload.max_nights,
        no_back_to_back=payload.no_back_to_back,
        even_pace=payload.even_pace,
        together=together,
        history=history,
        cancel_weeks=tuple(sorted(set(payload.cancel_weeks))) if payload.replan else (),
    )


@router.post(
    "/activities/{activity_id}/call-plan",
    response={200: ComparisonOut, 403: Problem, 404: Problem, 422: Problem},
)
def plan_call(request, activity_id: int, payload: PlanIn):
    """Plan the weekly call so the inconvenient hours are shared, with the page's options:
    holidays from each site's calendar, steady times, limits on nights, no night two
    weeks running, fair at every point, other calls planned together, or the weeks to
    come re-planned. Returns the plan, what each option costs, the ranking under the
    other cost tables, the running share week by week and one sentence per result; with
    ``accept`` creates the sessions (or, re-planning, moves the sessions to come).
    Options that cannot all be kept are a 422 that says why."""
    activity = permissions.get_activity_for_edit(request.user, activity_id)
    created, moved, cancelled = [], 0, 0
    try:
        plan_request = _request(request, activity, payload)
        outcome = options.plan(plan_request)
        if payload.accept and outcome.replan is not None:
            moved, cancelled = services.plan_reschedule(
                activity=activity,
                starts=outcome.starts,
                held_weeks=plan_request.history.held_weeks,
            )
        elif payload.accept:
            problem = outcome.plan.series[0].problem
            accepted = planner.evaluate(problem, list(outcome.starts), label=outcome.plan.label)
            created = services.plan_accept(activity=activity, plan=accepted)
    except ValueError as error:  # OptionsRefused, NoFeasiblePlan and PlanRefused included
        return _refused(str(error))
    result = outcome.plan
    problem = result.series[0].problem
    rows = {row["kind"]: row for row in outcome.compared}
    return {
        "plan": _plan_out(rows["plan"], problem, result.solver),
        "poll": _plan_out(rows.get("poll"), problem),
        "fairest_fixed": _plan_out(rows.get("fairest"), problem),
        "typed": _plan_out(rows.get("typed"), problem),
        "calls": [
            {"name": series.name, "starts": list(starts)}
            for series, starts in zip(result.series, result.starts, strict=True)
        ],
        "explanation": outcome.sentences,
        "prices": [
            {
                "option": price.option,
                "label": options.option_name(price.option),
                "max_with": price.max_with,
                "max_without": price.max_without,
                "extra": price.extra,
                "worst_with": list(price.worst_with),
            }
            for price in outcome.prices
        ],
        "rankings": [
            {
                "table": ranking.table,
                "label": options.table_name(ranking.table),
                "rank": ranking.rank,
                "rows": [
                    {"plan": label, "max_cost": worst, "total_cost": total}
                    for label, worst, total in ranking.rows
                ],
            }
            for ranking in outcome.rankings
        ],
        "holidays": [
            {"site": name, "date": day, "name": holiday}
            for name, calendar in outcome.calendars.items()
            for day, holiday in sorted(calendar.days_off.items())
        ],
        "pace_steps": list(result.pace_steps),
        "pace": [
            {"site": line.name, "pace": list(pace), "running_share": list(share)}
            for line, pace, share in zip(
                result.sites, result.pace, result.running_share, strict=True
            )
        ],
        "largest_pace_gap": result.largest_pace_gap,
        "changes": [
            {"week": change.week + 1, "before": change.before, "after": change.after}
            for change in (outcome.replan.changes if outcome.replan else ())
        ],
        "sessions_created": len(created),
        "sessions_moved": moved,
        "sessions_cancelled": cancelled,
    }
