"""The planner's second step (``amity.scheduling.rotation``), the four figures of issue #17.

1. The seed CICU call (52 weeks, 9 sites) with at most 6 nights per site and no two nights
   running: exact and proven optimal (goal: under 5 s). With steady blocks of at least 4
   weeks: proven optimal under 10 s, or the fast solver with a gap under 2 %.
2. Two calls × 9 sites planned jointly (the CICU call on Wednesdays and a classroom with
   the same sites on Thursdays), same night rules: exact (goal: under 10 s).
3. Re-planning the last 26 weeks of the seed call after a site (Cape Town) joins: under 1 s,
   with the night rules (exact) and with blocks of 4 weeks too (fast, 0.8 s limit).
4. 30 sites × 52 weeks (``random_instance(30, seed)``) with night limits: the fast solver
   under 2 s with a gap under 5 %.

The references are independent of ``rotation``: ``planner.solve_exact`` (planner's own
class-count programme, which knows no night rule, no block and no order) proves the
unsteady optimum of each call, a lower bound on any plan that keeps more rules; every
plan's nights, runs and held weeks are recounted here from its starts with ``zoneinfo``.
A contradiction (a plan below the bound, a broken rule) stops the run.

    .venv/bin/python -m benchmarks planner --figure 1 2 3 4 [--repeats 3] [--seeds 3]
"""

import argparse
import dataclasses
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import scipy

from amity.scheduling import planner, rotation
from amity.scheduling.instances import random_instance, seed_problem
from amity.scheduling.rotation import NightLimits, Options, Series, Steadiness
from benchmarks.harness import report
from benchmarks.harness.servers import BenchmarkError, log

TOLERANCE = 1e-6
NIGHTS = NightLimits(max_nights=6, no_back_to_back=True)
CAPE_TOWN = planner.Site(name="Cape Town", zone="Africa/Johannesburg")


def _is_night(site: planner.Site, start: datetime, minutes: int) -> bool:
    """Any minute between 00:00 and 05:00 on the site's wall clock."""
    tz = ZoneInfo(site.zone)
    return any((start + timedelta(minutes=m)).astimezone(tz).hour < 5 for m in range(minutes))


def _check_rules(plan: rotation.RotationPlan, nights: NightLimits | None, block: int) -> dict:
    """Recount nights (per site, running, two calls in a week) and runs from the starts."""
    per_site: dict[str, dict[date, int]] = {}
    for call, starts in zip(plan.series, plan.starts, strict=True):
        problem = call.problem
        for site in problem.sites:
            joined = dict(call.joined).get(site.name, 0)
            for week, start in enumerate(starts):
                if start is None or week < joined:
                    continue
                if _is_night(site, start, problem.meeting_minutes):
                    day = problem.day(week, problem.slots[0].weekday)
                    monday = day - timedelta(days=day.weekday())
                    weeks = per_site.setdefault(site.name, {})
                    weeks[monday] = weeks.get(monday, 0) + 1
        if block > 1:
            held = {w for w, _ in call.held}
            free = [s for w, s in enumerate(starts) if s is not None and w not in held]
            runs, previous = [], None
            for start in free:
                key = (start.weekday(), start.time())
                if key == previous:
                    runs[-1] += 1
                else:
                    runs.append(1)
                previous = key
            # The first run may continue the last held week's start.
            checked = runs[1:] if held else runs
            if checked and min(checked) < min(block, len(free)):
                raise BenchmarkError(f"a run shorter than {block} weeks: {runs}")
    most = 0
    for name, weeks in per_site.items():
        total = sum(weeks.values())
        most = max(most, total)
        if nights and nights.max_nights is not None and total > nights.max_nights:
            raise BenchmarkError(f"{name} has {total} nights")
        if max(weeks.values()) > 1:
            raise BenchmarkError(f"{name} has nights in two calls of one week")
        if nights and nights.no_back_to_back:
            mondays = sorted(weeks)
            if any(b - a == timedelta(days=7) for a, b in zip(mondays, mondays[1:], strict=False)):
                raise BenchmarkError(f"{name} has two nights running")
    return {"most_nights": most}


def _figures(plan: rotation.RotationPlan, seconds: float, bound: float | None = None) -> dict:
    solver = plan.solver
    result = {
        "max_cost": plan.max_cost,
        "total_cost": plan.total_cost,
        "worst_sites": list(plan.worst_sites),
        "seconds": round(seconds, 3),
        "optimal": solver.optimal,
        "bound": solver.bound,
        "gap": round(solver.gap, 5),
        "slot_changes": [len(changes) for changes in plan.slot_changes],
        "largest_pace_gap": round(plan.largest_pace_gap, 3),
    }
    if bound is not None:
        if plan.max_cost < bound - TOLERANCE or solver.bound > plan.max_cost + TOLERANCE:
            raise BenchmarkError("a plan or a bound contradicts the independent bound")
        result["independent_bound"] = bound
        result["gap_to_independent_bound"] = round((plan.max_cost - bound) / plan.max_cost, 5)
    return result


def _timed(solve, repeats: int):
    seconds, plan = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        plan = solve()
        seconds.append(time.perf_counter() - began)
    return plan, statistics.median(seconds)


def figure_1(ns: argparse.Namespace) -> dict:
    problem = seed_problem()
    series = Series(problem, name="CICU call")
    unsteady = planner.solve_exact(problem)
    assert unsteady.solver.optimal
    bound = unsteady.max_cost
    log("figure 1: night limits, exact")
    limited, seconds = _timed(
        lambda: rotation.plan_rotation(series, Options(nights=NIGHTS)), ns.repeats
    )
    nights = _check_rules(limited, NIGHTS, 1)
    steady = Options(steadiness=Steadiness(4))
    log("figure 1: blocks of 4, exact (10 s) and fast")
    blocks_exact, exact_seconds = _timed(
        lambda: rotation.plan_rotation(series, steady, time_limit=10.0), 1
    )
    blocks_fast, fast_seconds = _timed(
        lambda: rotation.plan_rotation(series, steady, method="fast"), ns.repeats
    )
    both = Options(steadiness=Steadiness(4), nights=NIGHTS)
    both_fast, both_seconds = _timed(
        lambda: rotation.plan_rotation(series, both, method="fast"), ns.repeats
    )
    for plan, rules in ((blocks_exact, None), (blocks_fast, None), (both_fast, NIGHTS)):
        _check_rules(plan, rules, 4)
    return {
        "unsteady_optimum_planner": bound,
        "night_limits_exact": {**_figures(limited, seconds, bound), **nights},
        "blocks_4_exact_10s": _figures(blocks_exact, exact_seconds, bound),
        "blocks_4_fast": _figures(blocks_fast, fast_seconds, bound),
        "blocks_4_and_night_limits_fast": _figures(both_fast, both_seconds, bound),
        "goal_night_limits": limited.solver.optimal and seconds < 5.0,
        "goal_blocks": (blocks_exact.solver.optimal and exact_seconds < 10.0)
        or (blocks_fast.solver.gap < 0.02 and fast_seconds < 2.5),
    }


def second_call() -> planner.Problem:
    seed = seed_problem()
    return dataclasses.replace(
        seed, first_date=seed.first_date + timedelta(days=1), allowed_weekdays=frozenset({3})
    )


def figure_2(ns: argparse.Namespace) -> dict:
    calls = [Series(seed_problem(), name="CICU call"), Series(second_call(), name="Classroom")]
    separately = [planner.solve_exact(call.problem) for call in calls]
    bound = max(plan.max_cost for plan in separately)  # weak but independent
    log("figure 2: two calls jointly, exact")
    joint, seconds = _timed(
        lambda: rotation.plan_rotation(calls, Options(nights=NIGHTS)), ns.repeats
    )
    rules = _check_rules(joint, NIGHTS, 1)
    summed = {}
    for plan in separately:
        for line in plan.sites:
            summed[line.site.name] = summed.get(line.site.name, 0.0) + line.total
    return {
        "joint": {**_figures(joint, seconds, bound), **rules},
        "each_call_planned_alone_worst_sum": max(summed.values()),
        "goal": joint.solver.optimal and seconds < 10.0,
    }


def figure_3(ns: argparse.Namespace) -> dict:
    series = Series(seed_problem(), name="CICU call")
    base = rotation.plan_rotation(series, Options(nights=NIGHTS))
    results = {}
    for name, options, method, limit in (
        ("night_limits_exact", Options(nights=NIGHTS), "exact", None),
        ("blocks_4_and_night_limits_fast", Options(Steadiness(4), NIGHTS), "fast", 0.8),
    ):
        log(f"figure 3: re-plan after Cape Town joins, {name}")
        result, seconds = _timed(
            lambda options=options, method=method, limit=limit: rotation.replan(
                series,
                base.starts[0],
                held_weeks=26,
                join=[CAPE_TOWN],
                options=options,
                method=method,
                time_limit=limit,
            ),
            ns.repeats,
        )
        if result.plan.starts[0][:26] != base.starts[0][:26]:
            raise BenchmarkError("a held week moved")
        _check_rules(result.plan, NIGHTS, 4 if "blocks" in name else 1)
        results[name] = {
            **_figures(result.plan, seconds),
            "weeks_changed": len(result.changes),
            "history_worst": max(result.history.values()),
            "goal": seconds < 1.0,
        }
    return results


def figure_4(ns: argparse.Namespace) -> dict:
    rows = []
    for seed in range(ns.seeds):
        problem = random_instance(30, seed)
        log(f"figure 4: 30 sites, seed {seed}: planner bound, then fast")
        reference = planner.solve_exact(problem, time_limit=10.0).solver.bound
        series = Series(problem)
        for name, nights in (
            ("night_limit_20", NightLimits(max_nights=20)),
            ("night_limit_26_none_running", NightLimits(max_nights=26, no_back_to_back=True)),
        ):
            began = time.perf_counter()
            try:
                plan = rotation.plan_rotation(series, Options(nights=nights), method="fast")
            except planner.NoFeasiblePlan as error:
                rows.append({"seed": seed, "rules": name, "error": str(error)})
                continue
            seconds = time.perf_counter() - began
            _check_rules(plan, nights, 1)
            rows.append({"seed": seed, "rules": name, **_figures(plan, seconds, reference)})
    met = [r for r in rows if r["rules"] == "night_limit_20" and "error" not in r]
    return {
        "rows": rows,
        "goal_night_limit_20": bool(met)
        and all(r["seconds"] < 2.0 and r["gap"] < 0.05 for r in met),
    }


FIGURES = {1: figure_1, 2: figure_2, 3: figure_3, 4: figure_4}


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks planner --figure", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--figure", type=int, nargs="+", choices=sorted(FIGURES), default=[1])
    parser.add_argument("--repeats", type=int, default=3, help="solves per timed figure")
    parser.add_argument("--seeds", type=int, default=3, help="random instances in figure 4")
    ns = parser.parse_args(argv)
    if ns.repeats < 1 or ns.seeds < 1:
        parser.error("--repeats and --seeds must be positive")
    results = {}
    try:
        for number in ns.figure:
            load = [round(x, 2) for x in __import__("os").getloadavg()]
            results[f"figure_{number}"] = {"load_before": load, **FIGURES[number](ns)}
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    print(
        json.dumps(
            {
                "benchmark": "planner --figure",
                "machine": report.machine(scipy=scipy.__version__),
                "settings": vars(ns),
                **results,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
