"""The planner's options, for the page and the API alike: one request in, one outcome out.

A request names the sites (with their country and subdivision for the holidays, a night
limit, dates the organiser adds or removes), the series, and the options: steady times,
limits on nights, no night two weeks running, fair at every point, other calls planned
together, and re-planning the weeks still to come of the call's sessions. ``plan`` builds
the domain's series (holidays from the calendar through ``holidays``), solves with
``rotation``, prices each option, ranks the plan under the other cost tables and explains
each result in one translated sentence. Reads only: accepting is in ``services``.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

from amity.scheduling import holidays, limits, planner, rotation

# Each solve of the page gets this long; pricing the options takes one solve per option.
PLAN_SECONDS = 10.0
PRICE_SECONDS = 4.0
# The fast solver improves its plan until its limit: the plan the office will accept gets
# longer than the variants that only price an option.
FAST_PLAN_SECONDS = 6.0
EXACT_UP_TO_SITES = 12
MAX_CALLS = 4


@dataclass(frozen=True)
class SiteRequest:
    """One site as the organiser describes it. ``country`` is an ISO 3166 code ("" for no
    holidays from the calendar), ``subdivision`` the holiday library's code ("MA");
    ``night_limit`` overrides the request's ``max_nights`` for this site; ``added`` and
    ``removed`` are days off the organiser adds to or takes from the calendar's; ``joins``
    marks a site that joins now when the weeks to come are re-planned."""

    name: str
    zone: str
    weight: float = 1.0
    country: str = ""
    subdivision: str = ""
    night_limit: int | None = None
    added: tuple[date, ...] = ()
    removed: tuple[date, ...] = ()
    joins: bool = False
    working_days: frozenset[int] = planner.MONDAY_TO_FRIDAY


@dataclass(frozen=True)
class CallRequest:
    """Another weekly call planned together with this one: its name, sites, UTC weekday
    and length; it shares the series' first week, weeks and start times."""

    name: str
    sites: tuple[SiteRequest, ...]
    weekday: int
    meeting_minutes: int


@dataclass(frozen=True)
class History:
    """The call's sessions as they stand, for re-planning: ``first_date`` (the UTC date of
    the first session), ``previous[w]`` the start of week w (None: no session or
    cancelled), ``held_weeks`` the weeks already held."""

    first_date: date
    previous: tuple[datetime | None, ...]
    held_weeks: int


@dataclass(frozen=True)
class PlanRequest:
    name: str
    sites: tuple[SiteRequest, ...]
    first_date: date
    weeks: int
    weekday: int
    meeting_minutes: int = 60
    slot_step: int = 30
    hard_limits: tuple[tuple[float, float], ...] = ()
    max_slots: int | None = None
    compare_with: str = ""
    holidays: bool = True
    steady: bool = True
    min_block_weeks: int | None = rotation.DEFAULT_MIN_BLOCK_WEEKS
    max_changes: int | None = None
    max_nights: int | None = None
    no_back_to_back: bool = False
    even_pace: bool = False
    together: tuple[CallRequest, ...] = ()
    history: History | None = None
    cancel_weeks: tuple[int, ...] = ()  # 1-based week numbers to cancel when re-planning


@dataclass(frozen=True)
class WeekRow:
    number: int
    start: datetime | None
    cells: tuple[dict, ...]


@dataclass
class Outcome:
    request: PlanRequest
    plan: rotation.RotationPlan
    prices: tuple[rotation.OptionPrice, ...]
    rankings: tuple[rotation.TableRanking, ...]
    calendars: dict[str, holidays.SiteCalendar]
    replan: rotation.Replan | None
    compared: list[dict] = field(default_factory=list)  # this call against its baselines
    shares: list[dict] = field(default_factory=list)  # each site against the baseline
    sentences: list[str] = field(default_factory=list)
    weeks: list[list[WeekRow]] = field(default_factory=list)  # one table per call

    @property
    def starts(self) -> tuple[datetime | None, ...]:
        """This call's starts, week by week (None: cancelled)."""
        return self.plan.starts[0]


class OptionsRefused(ValueError):
    """The options cannot all be kept, or ask for what the planner does not offer; the
    message says why, for the user."""


# --- Building the domain's input -------------------------------------------------------------


def _span(request: PlanRequest) -> tuple[date, date]:
    """The local dates a series may touch: a day either side of its UTC days."""
    first = (request.history.first_date if request.history else request.first_date) - timedelta(
        days=1
    )
    return first, first + timedelta(days=7 * _weeks(request) + 2)


def _weeks(request: PlanRequest) -> int:
    return len(request.history.previous) if request.history else request.weeks


def calendars_for(
    request: PlanRequest, sites: Sequence[SiteRequest]
) -> dict[str, holidays.SiteCalendar]:
    """Each site's calendar over the series, names in the page's language."""
    first, last = _span(request)
    language = get_language() or "en"
    found = {}
    for site in sites:
        if not request.holidays or not site.country:
            found[site.name] = holidays.SiteCalendar(country=site.country)
            continue
        try:
            found[site.name] = holidays.site_calendar(
                site.country, site.subdivision, first=first, last=last, language=language
            )
        except ValueError:
            raise OptionsRefused(
                _("%(code)s is not a subdivision of %(country)s known to the holiday calendar.")
                % {"code": site.subdivision, "country": site.country}
            ) from None
    return found


def _site(site: SiteRequest, calendar: holidays.SiteCalendar) -> planner.Site:
    unavailable, working = holidays.site_dates(calendar, added=site.added, removed=site.removed)
    return planner.Site(
        name=site.name,
        zone=site.zone,
        weight=site.weight,
        working_days=site.working_days,
        unavailable_dates=unavailable,
        working_dates=working,
    )


def _problem(
    request: PlanRequest,
    sites: Sequence[SiteRequest],
    calendars: dict[str, holidays.SiteCalendar],
    *,
    weekday: int,
    minutes: int,
) -> planner.Problem:
    history = request.history
    problem = planner.Problem(
        sites=tuple(_site(site, calendars[site.name]) for site in sites),
        meeting_minutes=minutes,
        first_date=history.first_date if history else request.first_date,
        weeks=_weeks(request),
        allowed_weekdays=frozenset({weekday}),
        slot_step_minutes=request.slot_step,
        hard_limits=request.hard_limits,
        max_distinct_slots=request.max_slots,
    )
    limits.check_problem(problem)
    return problem


def options_of(request: PlanRequest) -> rotation.Options:
    steadiness = None
    if request.steady and (request.min_block_weeks or request.max_changes is not None):
        # A block cannot be longer than the series: a short series is one block.
        block = request.min_block_weeks and min(request.min_block_weeks, _weeks(request))
        steadiness = rotation.Steadiness(
            min_block_weeks=block or None, max_changes=request.max_changes
        )
    per_site = tuple(
        (site.name, site.night_limit)
        for call_sites in [request.sites, *(call.sites for call in request.together)]
        for site in call_sites
        if site.night_limit is not None
    )
    nights = None
    if request.max_nights is not None or per_site or request.no_back_to_back:
        nights = rotation.NightLimits(
            max_nights=request.max_nights,
            per_site=tuple(dict(per_site).items()),
            no_back_to_back=request.no_back_to_back,
        )
    return rotation.Options(steadiness=steadiness, nights=nights, even_pace=request.even_pace)


def build_series(
    request: PlanRequest,
) -> tuple[list[rotation.Series], dict[str, holidays.SiteCalendar]]:
    """The domain's series for the request (this call first) and each site's calendar.
    Raises OptionsRefused or ValueError with a message for the user."""
    if len(request.together) + 1 > MAX_CALLS:
        raise OptionsRefused(_("Plan at most %(count)s calls together.") % {"count": MAX_CALLS})
    everyone = [*request.sites, *(site for call in request.together for site in call.sites)]
    zones: dict[str, str] = {}
    for site in everyone:
        if zones.setdefault(site.name, site.zone) != site.zone:
            raise OptionsRefused(
                _("%(site)s has two time zones in the calls planned together.")
                % {"site": site.name}
            )
    unique = list({site.name: site for site in everyone}.values())
    calendars = calendars_for(request, unique)
    staying = [site for site in request.sites if not (request.history and site.joins)]
    if not staying:
        raise OptionsRefused(_("Include at least one site."))
    series = [
        rotation.Series(
            problem=_problem(
                request,
                staying,
                calendars,
                weekday=request.weekday,
                minutes=request.meeting_minutes,
            ),
            name=request.name,
        )
    ]
    for call in request.together:
        series.append(
            rotation.Series(
                problem=_problem(
                    request,
                    call.sites,
                    calendars,
                    weekday=call.weekday,
                    minutes=call.meeting_minutes,
                ),
                name=call.name,
            )
        )
    return series, calendars


# --- Planning --------------------------------------------------------------------------------


def plan(request: PlanRequest) -> Outcome:
    """Plan the call (with the calls planned together, or re-planning the weeks to come),
    price each option, rank under the other cost tables, and explain.

    Raises OptionsRefused (the options cannot all be kept; the message says why) or
    ValueError (the request asks for what the planner does not offer)."""
    series, calendars = build_series(request)
    options = options_of(request)
    method = _method(series, options)
    # The fast solver stops at its own short limit; the exact one may take longer to prove.
    plan_seconds = PLAN_SECONDS if method == "exact" else FAST_PLAN_SECONDS
    price_seconds = PRICE_SECONDS if method == "exact" else rotation.FAST_SECONDS
    replanned = None
    try:
        if request.history:
            history = request.history
            joining = tuple(
                _site(site, calendars[site.name]) for site in request.sites if site.joins
            )
            replanned = rotation.replan(
                series[0],
                history.previous,
                held_weeks=history.held_weeks,
                join=joining,
                join_week=history.held_weeks if joining else None,
                cancel=[week - 1 for week in request.cancel_weeks],
                options=options,
                method=method,
                time_limit=plan_seconds,
            )
            result = replanned.plan
            prices: tuple[rotation.OptionPrice, ...] = ()
        else:
            target = series if len(series) > 1 else series[0]
            result = rotation.plan_rotation(target, options, method=method, time_limit=plan_seconds)
            prices = tuple(
                _with_shown_plan(price, result)
                for price in rotation.price_options(
                    target, options, method=method, time_limit=price_seconds
                )
            )
    except planner.NoFeasiblePlan as error:
        raise OptionsRefused(infeasible_message(error, request)) from None
    main = result.series[0]
    baselines = _baselines(main, typed=request.compare_with, with_options=_asks_options(request))
    rankings = rotation.rank_under_tables(
        main,
        result.starts[0],
        dict(baselines.values()),
        chosen_label=_("Amity's plan"),
    )
    if all(price.option == "all options" for price in prices):
        prices = ()  # no option asked for: nothing to price
    outcome = Outcome(
        request=request,
        plan=result,
        prices=tuple(prices),
        rankings=tuple(rankings),
        calendars=calendars,
        replan=replanned,
        compared=_compared(main, result, baselines),
    )
    outcome.sentences = explain(outcome)
    outcome.shares = shares(outcome)
    outcome.weeks = [week_rows(result, call, calendars) for call in range(len(result.series))]
    return outcome


# Steady blocks make the exact programme slow beyond small series (the seed call of 9
# sites and 52 weeks is not proven in 10 s): there the fast solver, with its reported gap.
EXACT_STEADY_UP_TO = 150  # sites × weeks


def _method(series: list[rotation.Series], choice: rotation.Options) -> str:
    sites = len({site.name for call in series for site in call.problem.sites})
    weeks = sum(call.problem.weeks for call in series)
    if sites > EXACT_UP_TO_SITES:
        return "fast"
    if choice.steadiness is not None and sites * weeks > EXACT_STEADY_UP_TO:
        return "fast"
    return "exact"


def _baselines(
    series: rotation.Series, *, typed: str, with_options: bool
) -> dict[str, tuple[str, tuple]]:
    """What the plan is compared and ranked with, by kind ("poll", "fairest", "unsteady",
    "typed"), each as (label in the page's language, starts): the same time every week as
    a poll picks it and as the worst-off site would, the best plan without the options,
    and the typed time. Held and cancelled weeks are as in the plan."""
    problem = series.problem
    plans = {
        "poll": (
            _("Same time every week, least total (what a poll picks)"),
            planner.best_fixed_slot(problem, minimise="total"),
        ),
        "fairest": (
            _("Same time every week, kindest to the worst-off site"),
            planner.best_fixed_slot(problem, minimise="max"),
        ),
    }
    if with_options:
        plans["unsteady"] = (
            _("Best plan without the options"),
            planner.solve_exact(problem, time_limit=PRICE_SECONDS),
        )
    if typed:
        plans["typed"] = (
            _("Every week at %(time)s") % {"time": typed},
            planner.wall_time_plan(problem, typed),
        )
    held = dict(series.held)
    return {
        kind: (
            label,
            tuple(
                None if week in series.cancelled else held.get(week, start)
                for week, start in enumerate(found.starts)
            ),
        )
        for kind, (label, found) in plans.items()
        if found is not None
    }


def _compared(
    series: rotation.Series,
    result: rotation.RotationPlan,
    baselines: dict[str, tuple[str, tuple]],
) -> list[dict]:
    """This call's plan and each baseline with their figures under the usual table."""
    rows = [{"kind": "plan", "label": _("Amity's plan"), "plan": _call_only(result)}]
    for kind, (label, starts) in baselines.items():
        figures = rotation.evaluate_starts(series, [starts], label=label)
        rows.append({"kind": kind, "label": label, "plan": figures})
    for row in rows:
        row["chosen"] = row["kind"] == "plan"
        row["first_start"] = next(
            (start for start in row["plan"].starts[0] if start is not None), None
        )
    return rows


def _call_only(result: rotation.RotationPlan) -> rotation.RotationPlan:
    if len(result.series) == 1:
        return result
    return rotation.evaluate_starts(result.series[0], [result.starts[0]], label=result.label)


def _asks_options(request: PlanRequest) -> bool:
    return bool(
        request.steady
        or request.max_nights is not None
        or request.no_back_to_back
        or request.even_pace
        or request.together
        or request.history
        or any(site.night_limit is not None for site in request.sites)
    )


@dataclass
class Standing:
    """A call's sessions as they stand, costed: each site's cost and night meetings, and
    the weekly table with the holidays."""

    plan: rotation.RotationPlan
    weeks: list[WeekRow]
    calendars: dict[str, holidays.SiteCalendar]

    @property
    def names(self) -> list[str]:
        return [site.name for site in self.plan.series[0].problem.sites]


def as_it_stands(
    name: str, sites: Sequence[SiteRequest], history: History, *, weekday: int, minutes: int
) -> Standing:
    """The figures of the call's sessions (``history.previous``), with each site's public
    holidays; no solving."""
    request = PlanRequest(
        name=name,
        sites=tuple(sites),
        first_date=history.first_date,
        weeks=len(history.previous),
        weekday=weekday,
        meeting_minutes=minutes,
        steady=False,
        history=history,
    )
    series, calendars = build_series(request)
    figures = rotation.evaluate_starts(series[0], [history.previous], label=name)
    return Standing(plan=figures, weeks=week_rows(figures, 0, calendars), calendars=calendars)


def _with_shown_plan(
    price: rotation.OptionPrice, result: rotation.RotationPlan
) -> rotation.OptionPrice:
    """A price whose "with" side is the plan shown: pricing solves each variant again
    (briefly, with the fast solver), and the page must not quote another figure for the
    plan it shows. A variant without the option never costs more than the plan shown."""
    return replace(
        price,
        max_with=result.max_cost,
        total_with=result.total_cost,
        worst_with=result.worst_sites,
        max_without=min(price.max_without, result.max_cost),
    )


def infeasible_message(error: planner.NoFeasiblePlan, request: PlanRequest) -> str:
    """Why no plan keeps the rules, for the form's error and the API's 422: the hard
    limits alone, or the options (with the solver's reason, which names the site)."""
    if not _asks_options(request):
        return _("No time keeps every site out of the hours you ruled out.")
    reason = str(error)
    if isinstance(error, rotation.RulesInfeasible):
        reason = _rule_reason(error.code, error.params) or reason
    return _("These options cannot all be kept: %(reason)s") % {"reason": reason}


RULE_NAMES = {
    "no back-to-back nights": lambda: _("no night meetings two weeks running"),
    "steady blocks": lambda: _("the steady times"),
    "no nights in two calls in one week": lambda: _("no night meetings in two calls in a week"),
}


def _rule_reason(code: str, params: dict) -> str | None:
    """The solver's reason in the page's language."""
    if code == "night_limit":
        return _(
            "%(site)s cannot avoid a night in %(needed)s weeks (every start time allowed "
            "then falls in its night hours), but its limit is %(limit)s."
        ) % {key: params[key] for key in ("site", "needed", "limit")}
    if code == "nights_running":
        return _(
            "%(site)s cannot avoid a night in the weeks of %(first)s and %(second)s, two "
            "weeks running."
        ) % {
            "site": params["site"],
            "first": date_format(params["first"], "DATE_FORMAT"),
            "second": date_format(params["second"], "DATE_FORMAT"),
        }
    if code == "nights_same_week":
        return _("%(site)s cannot avoid a night in two calls in the week of %(week)s.") % {
            "site": params["site"],
            "week": date_format(params["week"], "DATE_FORMAT"),
        }
    if code == "limits_together":
        needs = pgettext("between the parts of a sentence", "; ").join(
            _("%(site)s would need at least %(needed)s nights against a limit of %(limit)s")
            % {"site": site, "needed": needed, "limit": limit}
            for site, needed, limit in params["needs"]
        )
        return _("no plan keeps every night limit together with the other rules: %(needs)s.") % {
            "needs": needs
        }
    if code == "rules_together":
        rules = _(" and ").join(
            RULE_NAMES[rule]() if rule in RULE_NAMES else rule for rule in params["rules"]
        )
        return _("no plan keeps %(rules)s within the hours you ruled out.") % {"rules": rules}
    return None


# --- Explaining ------------------------------------------------------------------------------


def _points(value: float) -> str:
    return f"{value:.1f}"


OPTION_NAMES = {
    "steady blocks": lambda: _("Steady times"),
    "night limit": lambda: _("Limits on nights"),
    "no back-to-back nights": lambda: _("No night meetings two weeks running"),
    "even pace": lambda: _("Fair at every point of the year"),
    "all options": lambda: _("All options together"),
}


def option_name(option: str) -> str:
    name = OPTION_NAMES.get(option)
    return name() if name else option


def table_name(table: str) -> str:
    return {
        "default": _("the usual cost table"),
        "linear": _("a linear cost table (one point an hour away from office hours)"),
        "strict night": _("a stricter night table (nights cost twice as much)"),
    }.get(table, table)


def explain(outcome: Outcome) -> list[str]:
    """One sentence a partner coordinator understands for each result."""
    result = outcome.plan
    request = outcome.request
    weeks = len(result.starts[0])
    lines = [
        _(
            "The most burdened site (%(sites)s) carries %(cost)s points over %(weeks)s weeks; "
            "a point is an hour of meeting at an uncomfortable time, and a night hour counts "
            "ten."
        )
        % {"sites": ", ".join(result.worst_sites), "cost": _points(result.max_cost), "weeks": weeks}
    ]
    for price in outcome.prices:
        if price.option == "all options":
            continue
        sentence = _price_sentence(price, result)
        if sentence:
            lines.append(sentence)
    if request.holidays:
        hit = sum(
            1
            for line in result.sites
            for starts in line.local_starts
            for local in starts
            if local is not None and local.date() in _days_off(outcome, line.name)
        )
        lines.append(
            ngettext(
                "Public holidays come from each site's calendar; %(count)s meeting falls on a "
                "site's holiday and is costed as a day off.",
                "Public holidays come from each site's calendar; %(count)s meetings fall on a "
                "site's holiday and are costed as a day off.",
                hit,
            )
            % {"count": hit}
        )
    if len(result.series) > 1:
        lines.append(
            _(
                "The %(count)s calls are planned together: each site's nights and costs count "
                "across all of them."
            )
            % {"count": len(result.series)}
        )
    if outcome.replan is not None:
        history = request.history
        lines.append(
            ngettext(
                "%(held)s week already held keeps its time; %(changed)s of the weeks to come "
                "change.",
                "%(held)s weeks already held keep their times; %(changed)s of the weeks to "
                "come change.",
                history.held_weeks,
            )
            % {"held": history.held_weeks, "changed": len(outcome.replan.changes)}
        )
    for ranking in outcome.rankings:
        if ranking.table == "default":
            continue  # the comparison table shows it
        values = {
            "table": table_name(ranking.table),
            "rank": ranking.rank,
            "count": len(ranking.rows),
            "best": ranking.rows[0][0],
        }
        if ranking.rank == 1:
            sentence = _(
                "With %(table)s, Amity's plan is still the kindest to the worst-off site of "
                "the %(count)s plans compared, so its fairness does not hang on one table."
            )
        else:
            sentence = _(
                "With %(table)s, Amity's plan ranks %(rank)s of %(count)s by the worst-off "
                "site's cost (first: %(best)s)."
            )
        lines.append(sentence % values)
    return lines


_NONE = holidays.SiteCalendar(country="")


def _days_off(outcome: Outcome, site: str) -> dict[date, str]:
    return outcome.calendars.get(site, _NONE).days_off


def _price_sentence(price: rotation.OptionPrice, result: rotation.RotationPlan) -> str:
    values = {
        "with": _points(price.max_with),
        "without": _points(price.max_without),
        "extra": _points(max(price.extra, 0.0)),
    }
    if price.option == "steady blocks":
        changes = len(result.slot_changes[0])
        values["changes"] = changes
        return (
            ngettext(
                "Steady times: the time changes %(changes)s time over the series; this costs "
                "the worst-off site %(extra)s points (%(with)s instead of %(without)s).",
                "Steady times: the time changes %(changes)s times over the series; this costs "
                "the worst-off site %(extra)s points (%(with)s instead of %(without)s).",
                changes,
            )
            % values
        )
    if price.option == "night limit":
        values["nights"] = max((line.nights for line in result.sites), default=0)
        return (
            _(
                "Limits on nights: no site has more night meetings than its limit (the most "
                "any site has is %(nights)s); the worst-off site carries %(with)s points "
                "instead of %(without)s."
            )
            % values
        )
    if price.option == "no back-to-back nights":
        return (
            _(
                "No site has night meetings two weeks running; this costs the worst-off site "
                "%(extra)s points (%(with)s instead of %(without)s)."
            )
            % values
        )
    if price.option == "even pace":
        values["gap"] = _points(result.largest_pace_gap)
        return (
            _(
                "Fair at every point: no site runs more than %(gap)s points ahead of or "
                "behind its even share in any week; this costs the worst-off site %(extra)s "
                "points (%(with)s instead of %(without)s)."
            )
            % values
        )
    return ""


def _mornings_and_evenings(starts) -> tuple[int, int]:
    held = [local for local in starts if local is not None]
    return (
        sum(local.time() < planner.EARLY_MORNING_BEFORE for local in held),
        sum(local.time() >= planner.EVENING_FROM for local in held),
    )


def shares(outcome: Outcome) -> list[dict]:
    """Each site of this call: its early mornings, evenings and cost in the plan and in
    the baseline (the typed time if any, else what a poll picks)."""
    rows = {row["kind"]: row for row in outcome.compared}
    baseline = rows.get("typed") or rows.get("poll") or rows["plan"]
    found = []
    for line in rows["plan"]["plan"].sites:
        theirs = baseline["plan"].site(line.name)
        early, evenings = _mornings_and_evenings(line.local_starts[0])
        early_before, evenings_before = _mornings_and_evenings(theirs.local_starts[0])
        found.append(
            {
                "name": line.name,
                "early_mornings": early,
                "early_mornings_before": early_before,
                "evenings": evenings,
                "evenings_before": evenings_before,
                "total": line.total,
                "total_before": theirs.total,
            }
        )
    return found


def baseline_label(outcome: Outcome) -> str:
    rows = {row["kind"]: row for row in outcome.compared}
    return (rows.get("typed") or rows.get("poll") or rows["plan"])["label"]


# --- The weekly table ------------------------------------------------------------------------


def week_rows(
    result: rotation.RotationPlan, call: int, calendars: dict[str, holidays.SiteCalendar]
) -> list[WeekRow]:
    """One row a week of ``call``: each site's local start, flagged where it moved, where
    it is a night, and named where it falls on the site's holiday or adjusted working day."""
    problem = result.series[call].problem
    names = [site.name for site in problem.sites]
    lines = [result.site(name) for name in names]
    rows = []
    for week, start in enumerate(result.starts[call]):
        cells = []
        for line in lines:
            local = line.local_starts[call][week]
            calendar = calendars.get(line.name, _NONE)
            day = local.date() if local is not None else None
            cells.append(
                {
                    "site": line.name,
                    "local": local.replace(tzinfo=None) if local is not None else None,
                    "cost": line.costs[call][week],
                    "moved": week in line.time_changes[call],
                    "night": week in line.night_weeks[call],
                    "holiday": calendar.days_off.get(day) if day else None,
                    "working": bool(day and day in calendar.working_dates),
                }
            )
        rows.append(WeekRow(number=week + 1, start=start, cells=tuple(cells)))
    return rows
