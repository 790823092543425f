"""The planner's second step (``amity.scheduling.rotation``): steady blocks, night limits,
even pace, joint calls, re-planning and robustness, on instances whose optimum is known by
hand, and against a brute force written here (costs recounted minute by minute from
``zoneinfo`` with the issue's table, not the planner's)."""

import dataclasses
import itertools
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from amity.scheduling import planner, rotation
from amity.scheduling.instances import seed_problem
from amity.scheduling.planner import NoFeasiblePlan, Problem, Site
from amity.scheduling.rotation import NightLimits, Options, Series, Steadiness

WEDNESDAY = date(2026, 1, 7)  # no DST anywhere near for the Etc zones
UTC_SITE = Site(name="Greenwich", zone="Etc/UTC")
FAR_SITE = Site(name="Fiji side", zone="Etc/GMT-12")  # UTC+12


def hour_cost(hour: int) -> int:
    """The issue's table, per minute on a working day."""
    if 8 <= hour < 18:
        return 0
    if hour in (7, 18):
        return 1
    if hour == 6 or 19 <= hour < 21:
        return 2
    if 21 <= hour < 23:
        return 4
    if hour in (5, 23):
        return 6
    return 10


def recount(site: Site, start: datetime, minutes: int) -> tuple[float, bool]:
    """A meeting's cost and whether it is a night (touches 00:00–05:00 local)."""
    tz = ZoneInfo(site.zone)
    total, night = 0.0, False
    for minute in range(minutes):
        local = (start + timedelta(minutes=minute)).astimezone(tz)
        cost = hour_cost(local.hour)
        if local.weekday() not in site.working_days or local.date() in site.unavailable_dates:
            cost += 3
        total += cost
        night |= local.hour < 5
    return total / minutes * site.weight, night


def two_sites(weeks: int) -> Problem:
    """00:00 UTC is a night in Greenwich, 12:00 UTC one at UTC+12: each week someone pays
    10 points and a night."""
    return Problem(
        sites=(UTC_SITE, FAR_SITE),
        meeting_minutes=60,
        first_date=WEDNESDAY,
        weeks=weeks,
        allowed_weekdays=frozenset({2}),
        slot_step_minutes=720,
    )


def brute_force(problem: Problem, options: Options) -> tuple[float, float] | None:
    """The least (largest site cost, total) over every assignment that keeps the rules
    (for problems without hard limits)."""
    best = None
    for choice in itertools.product(problem.slots, repeat=problem.weeks):
        starts = [problem.start(w, slot) for w, slot in enumerate(choice)]
        totals = []
        feasible = True
        for site in problem.sites:
            figures = [recount(site, s, problem.meeting_minutes) for s in starts]
            nights = [night for _, night in figures]
            limits = options.nights
            if limits and limits.limit(site.name) is not None:
                feasible &= sum(nights) <= limits.limit(site.name)
            if limits and limits.no_back_to_back:
                feasible &= not any(a and b for a, b in zip(nights, nights[1:], strict=False))
            totals.append(sum(cost for cost, _ in figures))
        steady = options.steadiness
        if steady:
            runs = [len(list(group)) for _, group in itertools.groupby(choice)]
            if steady.min_block_weeks:
                feasible &= min(runs) >= min(steady.min_block_weeks, problem.weeks)
            if steady.max_changes is not None:
                feasible &= len(runs) - 1 <= steady.max_changes
        if feasible:
            key = (round(max(totals), 9), round(sum(totals), 9))
            best = key if best is None or key < best else best
    return best


def test_night_is_any_minute_in_the_dearest_hours_of_the_table():
    assert rotation.night_hours(planner.DEFAULT_COST_TABLE) == frozenset(range(5))
    assert rotation.night_hours(rotation.STRICT_NIGHT_COST_TABLE) == frozenset(range(5))
    assert rotation.night_hours(rotation.LINEAR_COST_TABLE) == frozenset({0, 1})


def test_holiday_only_instance_moves_the_call_to_the_other_allowed_day():
    """One site in UTC, a call at noon on Wednesday or Thursday: free, except that
    Wednesday 14 January is a holiday. With both days allowed the optimum is 0 (the
    holiday week moves to Thursday); with Wednesday only it is 3 (the holiday costs like a
    weekend, and noon is still the cheapest)."""
    site = Site(name="Office", zone="Etc/UTC", unavailable_dates=frozenset({date(2026, 1, 14)}))
    both = Problem(
        sites=(site,),
        meeting_minutes=60,
        first_date=WEDNESDAY,
        weeks=4,
        allowed_weekdays=frozenset({2, 3}),
        slot_step_minutes=720,
    )
    plan = rotation.plan_rotation(Series(both))
    assert plan.max_cost == 0.0 and plan.solver.optimal
    assert plan.starts[0][1] == datetime(2026, 1, 15, 12, 0, tzinfo=planner.UTC)
    wednesday = rotation.plan_rotation(
        Series(dataclasses.replace(both, allowed_weekdays=frozenset({2})))
    )
    assert wednesday.max_cost == 3.0
    assert wednesday.site("Office").costs[0] == (0.0, 3.0, 0.0, 0.0)


def test_two_sites_share_the_nights_evenly():
    """Four weeks, one night a week: two each, 20 points each."""
    plan = rotation.plan_rotation(Series(two_sites(4)))
    assert (plan.max_cost, plan.total_cost) == (20.0, 40.0)
    assert [line.nights for line in plan.sites] == [2, 2]
    assert plan.solver.optimal and plan.solver.bound == 20.0


def test_infeasible_night_limit_names_the_site_and_its_unavoidable_nights():
    """Hard limits leave only 00:00–05:00 UTC: Greenwich has a night every week, four of
    them, and its limit is 2."""
    problem = Problem(
        sites=(UTC_SITE,),
        meeting_minutes=60,
        first_date=WEDNESDAY,
        weeks=4,
        allowed_weekdays=frozenset({2}),
        slot_step_minutes=60,
        hard_limits=((5, 24),),
    )
    with pytest.raises(NoFeasiblePlan) as error:
        rotation.plan_rotation(Series(problem), Options(nights=NightLimits(max_nights=2)))
    assert str(error.value) == (
        "Greenwich cannot avoid a night in 4 weeks (weeks 1, 2, 3, 4: every start time "
        "allowed then falls in its night hours), but its limit is 2."
    )
    assert error.value.code == "night_limit"
    assert error.value.params == {
        "site": "Greenwich",
        "limit": 2,
        "needed": 4,
        "weeks": ((1, 1), (1, 2), (1, 3), (1, 4)),
    }


def test_limits_that_only_fail_together_say_who_needs_more_nights():
    """Two sites, four nights to share, one allowed each: no single site is forced, but
    together one needs three."""
    with pytest.raises(NoFeasiblePlan) as error:
        rotation.plan_rotation(Series(two_sites(4)), Options(nights=NightLimits(max_nights=1)))
    message = str(error.value)
    assert message.startswith("No plan keeps every night limit together with the other rules")
    assert "against a limit of 1" in message
    assert error.value.code == "limits_together"
    (site, needed, limit), *_ = error.value.params["needs"]
    assert needed >= 2 and limit == 1


def test_back_to_back_nights_with_blocks_of_two_cannot_be_kept():
    """Blocks of two weeks make every night come twice running."""
    with pytest.raises(NoFeasiblePlan):
        rotation.plan_rotation(
            Series(two_sites(4)),
            Options(steadiness=Steadiness(2), nights=NightLimits(no_back_to_back=True)),
        )


def test_no_back_to_back_alternates_the_nights():
    plan = rotation.plan_rotation(Series(two_sites(6)), Options(nights=NightLimits(None, (), True)))
    assert plan.max_cost == 30.0
    for line in plan.sites:
        weeks = line.night_weeks[0]
        assert all(b - a >= 2 for a, b in zip(weeks, weeks[1:], strict=False))


def test_steady_blocks_and_their_price():
    """Blocks of three over six weeks: 3 + 3, 30 each, no dearer than unsteady. At most no
    change at all: one site takes all six nights, 60 points, 30 more than the optimum."""
    series = Series(two_sites(6))
    blocks = rotation.plan_rotation(series, Options(steadiness=Steadiness(3)))
    assert blocks.max_cost == 30.0 and blocks.solver.optimal
    assert blocks.slot_changes == ((3,),)
    fixed = Options(steadiness=Steadiness(min_block_weeks=None, max_changes=0))
    prices = rotation.price_options(series, fixed)
    assert [(p.option, p.max_with, p.max_without, p.extra) for p in prices] == [
        ("steady blocks", 60.0, 30.0, 30.0)
    ]


def test_even_pace_is_reported_week_by_week():
    """Alternating nights keep each site within 5 points of its even pace (10 per two
    weeks); blocks of two let it stray to 10."""
    series = Series(two_sites(4))
    even = rotation.plan_rotation(series, Options(even_pace=True))
    assert even.largest_pace_gap == 5.0
    assert len(even.pace_steps) == 4 and even.weekly_pace_gap[-1] == 0.0
    assert even.running_share[0][-1] == 1.0
    blocks = rotation.plan_rotation(series, Options(steadiness=Steadiness(2), even_pace=True))
    assert blocks.largest_pace_gap == 10.0
    assert blocks.max_cost == 20.0


def test_joint_calls_never_give_one_site_nights_in_both_in_one_week():
    """Two calls in the same weeks: in every week each site takes one of the two nights."""
    first = Series(two_sites(3), name="CICU call")
    second_problem = dataclasses.replace(
        two_sites(3), first_date=date(2026, 1, 8), allowed_weekdays=frozenset({3})
    )
    second = Series(second_problem, name="Classroom")
    plan = rotation.plan_rotation([first, second])
    assert plan.solver.optimal and plan.max_cost == 30.0
    for line in plan.sites:
        assert not set(line.night_weeks[0]) & set(line.night_weeks[1])
        assert line.nights == 3


def test_replan_keeps_held_weeks_and_counts_their_costs():
    """Greenwich held the first two nights: the rest go to the far site; a site that leaves
    takes its past with it, and a cancelled week has no meeting."""
    problem = two_sites(4)
    night_for_greenwich = [problem.start(w, problem.slots[0]) for w in range(4)]
    result = rotation.replan(Series(problem), night_for_greenwich, held_weeks=2)
    assert result.plan.starts[0][:2] == tuple(night_for_greenwich[:2])
    assert result.history == {"Greenwich": 20.0, "Fiji side": 0.0}
    assert result.plan.max_cost == 20.0
    assert [change.week for change in result.changes] == [2, 3]
    assert {name for name, _, _ in result.changes[0].sites} == {"Greenwich", "Fiji side"}
    alone = rotation.replan(
        Series(problem), night_for_greenwich, held_weeks=2, leave=["Fiji side"], cancel=[3]
    )
    assert alone.plan.starts[0][3] is None
    assert alone.plan.site("Greenwich").costs[0] == (10.0, 10.0, 0.0, 0.0)


def test_replan_after_a_site_joins_counts_nothing_before_it_joined():
    problem = two_sites(4)
    plan = rotation.plan_rotation(Series(problem))
    newcomer = Site(name="Greenwich too", zone="Etc/UTC")
    result = rotation.replan(Series(problem), plan.starts[0], held_weeks=2, join=[newcomer])
    assert result.history["Greenwich too"] == 0.0
    assert result.plan.site("Greenwich too").local_starts[0][:2] == (None, None)
    # Each held one night before: the two nights to come go one to each side, so the
    # newcomer shares Greenwich's night and nobody carries more than 20.
    assert result.history == {"Greenwich": 10.0, "Fiji side": 10.0, "Greenwich too": 0.0}
    assert result.plan.max_cost == 20.0
    assert result.plan.site("Greenwich too").total == 10.0


def test_robustness_ranks_the_plan_under_three_tables():
    series = Series(two_sites(4))
    plan = rotation.plan_rotation(series)
    fixed = [series.problem.start(w, series.problem.slots[0]) for w in range(4)]
    rankings = rotation.rank_under_tables(series, plan.starts[0], {"Midnight UTC": fixed})
    assert [r.table for r in rankings] == ["default", "linear", "strict night"]
    assert [r.rank for r in rankings] == [1, 1, 1]
    assert rankings[0].rows == (("Amity rotation", 20.0, 40.0), ("Midnight UTC", 40.0, 40.0))
    assert rankings[2].rows[0][1] == 40.0  # two nights at 20 under the strict table


def small_instance(seed: int) -> tuple[Problem, Options]:
    rng = random.Random(seed)
    zones = ["Etc/UTC", "Etc/GMT-12", "America/New_York", "Asia/Shanghai", "Europe/Rome"]
    sites = tuple(Site(name=f"S{i}", zone=zone) for i, zone in enumerate(rng.sample(zones, 3)))
    problem = Problem(
        sites=sites,
        meeting_minutes=60,
        first_date=date(2026, 3, 4),
        weeks=5,
        allowed_weekdays=frozenset({2}),
        slot_step_minutes=360,
    )
    options = Options(
        steadiness=rng.choice([None, Steadiness(2), Steadiness(None, 1)]),
        nights=rng.choice([None, NightLimits(2), NightLimits(3, (), True)]),
    )
    return problem, options


@pytest.mark.parametrize("seed", range(6))
def test_exact_matches_brute_force_on_small_random_instances(seed):
    problem, options = small_instance(seed)
    expected = brute_force(problem, options)
    if expected is None:
        with pytest.raises(NoFeasiblePlan):
            rotation.plan_rotation(Series(problem), options)
        return
    plan = rotation.plan_rotation(Series(problem), options)
    assert plan.solver.optimal
    assert (round(plan.max_cost, 9), round(plan.total_cost, 9)) == expected


@pytest.mark.parametrize("seed", range(6, 12))
def test_fast_plan_keeps_the_rules_and_its_bound_lies_below_the_brute_force_optimum(seed):
    """The fast solver's plan keeps every rule (recounted here), is never better than the
    brute-force optimum, its bound never above it, and its gap is what it says."""
    problem, options = small_instance(seed)
    expected = brute_force(problem, options)
    if expected is None:
        with pytest.raises(NoFeasiblePlan):
            rotation.plan_rotation(Series(problem), options, method="fast")
        return
    plan = rotation.plan_rotation(Series(problem), options, method="fast")
    assert plan.max_cost >= expected[0] - 1e-9
    assert plan.solver.bound <= expected[0] + 1e-9
    assert plan.solver.gap == pytest.approx(
        (plan.max_cost - plan.solver.bound) / plan.max_cost if plan.max_cost else 0.0
    )
    limits = options.nights
    for line in plan.sites:
        nights = line.night_weeks[0]
        if limits and limits.limit(line.name) is not None:
            assert len(nights) <= limits.limit(line.name)
        if limits and limits.no_back_to_back:
            assert all(b - a >= 2 for a, b in zip(nights, nights[1:], strict=False))
    steady = options.steadiness
    if steady:
        runs = [len(list(group)) for _, group in itertools.groupby(plan.starts[0], key=_wall)]
        if steady.min_block_weeks:
            assert min(runs) >= min(steady.min_block_weeks, problem.weeks)
        if steady.max_changes is not None:
            assert len(runs) - 1 <= steady.max_changes


def test_seed_with_six_nights_and_none_running_keeps_the_unsteady_optimum():
    """The seed call's unsteady optimum (86.5, proven by planner's own programme) needs no
    night at all, so the limits cost nothing and the plan is proven optimal."""
    series = Series(seed_problem())
    plan = rotation.plan_rotation(series, Options(nights=NightLimits(6, (), True)))
    assert plan.solver.optimal
    assert plan.max_cost == planner.solve_exact(seed_problem()).max_cost == 86.5
    assert all(line.nights <= 6 for line in plan.sites)


def test_fast_steady_plan_on_the_seed_keeps_runs_of_four_and_reports_its_gap():
    """The fast solver's plan holds each start at least four weeks running, and its bound
    lies below planner's proven unsteady optimum, which lies below the plan."""
    problem = seed_problem()
    plan = rotation.plan_rotation(Series(problem), Options(Steadiness(4)), method="fast")
    runs = [len(list(group)) for _, group in itertools.groupby(plan.starts[0], key=_wall)]
    assert min(runs) >= 4
    assert plan.slot_changes[0] == tuple(itertools.accumulate(runs[:-1]))
    optimum = planner.solve_exact(problem).max_cost
    assert plan.solver.bound <= optimum <= plan.max_cost
    assert plan.solver.gap == pytest.approx((plan.max_cost - plan.solver.bound) / plan.max_cost)
    assert plan.solver.method == "fast" and not plan.solver.optimal


def _wall(start: datetime) -> tuple:
    return start.weekday(), start.time()
