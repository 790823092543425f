"""The call planner: the seed CICU call and random instances, for both solvers.

The seed instance (``amity.scheduling.instances.seed_problem``): Hangzhou and eight
paediatric cardiac ICU partners, a one-hour call every Wednesday (UTC) for 52 weeks from
4 March 2026. For it, the largest cumulative site cost of:

- the call as it was held, 04:00 Beijing time every week;
- (a) the fixed weekly slot with the least total cost, what a poll tool picks;
- (b) the fixed weekly slot with the least cost for the worst-off site;
- Amity's plan (``solve_exact``) and the proven optimum (its bound), with the median
  solve time of ``--repeats`` runs. Goal: at most 60% of (b), proven optimal, under 5 s.

Random instances (``random_instance(n, seed)``) with ``--sizes`` sites over 52 weeks,
``--seeds`` of each: time and gap for ``solve_exact`` (``--time-limit``) and
``solve_fast``. Goals: the exact solver proves the optimum on up to 10 sites in under
10 s; the fast solver answers on 30 sites in under 2 s with a gap under 5%. The fast
solver's gap is to its own bound (the linear relaxation); its distance to the proven
optimum is reported beside it.

Every plan is checked against the others (no fixed slot beats the exact plan, the fast
plan never beats it, the bounds lie below it); a contradiction stops the run. A table goes
to stdout, followed by JSON of all figures; progress goes to stderr.

    .venv/bin/python -m benchmarks planner [--seeds 5] [--sizes 3 10 30] [--repeats 5]
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

import scipy

from amity.scheduling import planner
from amity.scheduling.instances import SEED_FIXED_TIME, random_instance, seed_problem
from benchmarks.harness import report
from benchmarks.harness.servers import BenchmarkError, log

SEED_GOAL_SHARE = 0.6
SEED_GOAL_SECONDS = 5.0
EXACT_GOAL_SITES = 10
EXACT_GOAL_SECONDS = 10.0
FAST_GOAL_SITES = 30
FAST_GOAL_SECONDS = 2.0
FAST_GOAL_GAP = 0.05
TOLERANCE = 1e-6


def _check(plan: planner.Plan, fast: planner.Plan, fixed: list[planner.Plan]) -> None:
    if plan.solver is None or fast.solver is None:
        raise BenchmarkError("a solver's plan came back without its report")
    if plan.breaches or fast.breaches:
        raise BenchmarkError("a solver's plan breaks a hard limit")
    if plan.solver.optimal:
        for other in fixed:
            if other.max_cost < plan.max_cost - TOLERANCE:
                raise BenchmarkError(f"{other.label} beats the proven optimum")
        if fast.max_cost < plan.max_cost - TOLERANCE:
            raise BenchmarkError("the fast plan beats the proven optimum")
        if fast.solver.bound > plan.max_cost + TOLERANCE:
            raise BenchmarkError("the fast solver's bound lies above the optimum")
    if plan.solver.bound > plan.max_cost + TOLERANCE:
        raise BenchmarkError("the exact solver's bound lies above its plan")


def _timed(solve: Callable[[], planner.Plan], repeats: int) -> tuple[planner.Plan, list[float]]:
    """The last of ``repeats`` solves, and the seconds each took."""
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        plan = solve()
        seconds.append(time.perf_counter() - began)
    return plan, seconds


def _figures(plan: planner.Plan) -> dict:
    return {
        "label": plan.label,
        "max_cost": plan.max_cost,
        "worst_sites": list(plan.worst_sites),
        "total_cost": plan.total_cost,
        "gini": round(plan.gini, 4),
    }


def measure_seed(ns: argparse.Namespace) -> dict:
    problem = seed_problem()
    as_held = planner.wall_time_plan(problem, SEED_FIXED_TIME)
    poll = planner.best_fixed_slot(problem, minimise="total")
    fairest = planner.best_fixed_slot(problem, minimise="max")
    log(f"seed: exact solver, {ns.repeats} runs")
    plan, exact_seconds = _timed(
        lambda: planner.solve_exact(problem, time_limit=ns.time_limit), ns.repeats
    )
    log(f"seed: fast solver, {ns.repeats} runs")
    fast, fast_seconds = _timed(lambda: planner.solve_fast(problem), ns.repeats)
    fixed = [as_held, poll, fairest]
    fixed += [planner.fixed_slot_plan(problem, slot) for slot in problem.slots]
    _check(plan, fast, fixed)
    median = statistics.median(exact_seconds)
    return {
        "as_held_04_00_beijing": _figures(as_held),
        "a_poll_slot": _figures(poll),
        "b_fairest_fixed_slot": _figures(fairest),
        "amity_plan": _figures(plan),
        "proven_optimum": plan.solver.bound if plan.solver.optimal else None,
        "optimal": plan.solver.optimal,
        "week_classes": plan.solver.week_classes,
        "share_of_b": plan.max_cost / fairest.max_cost,
        "exact_seconds_median": median,
        "exact_seconds": exact_seconds,
        "fast_plan": _figures(fast),
        "fast_gap": fast.solver.gap,
        "fast_seconds_median": statistics.median(fast_seconds),
        "explain": planner.explain(plan, as_held),
        "goal_met": (
            plan.max_cost <= SEED_GOAL_SHARE * fairest.max_cost
            and plan.solver.optimal
            and median < SEED_GOAL_SECONDS
        ),
    }


def measure_random(sites: int, seed: int, ns: argparse.Namespace) -> dict:
    problem = random_instance(sites, seed)
    began = time.perf_counter()
    fast = planner.solve_fast(problem)
    fast_seconds = time.perf_counter() - began
    began = time.perf_counter()
    plan = planner.solve_exact(problem, time_limit=ns.time_limit)
    exact_seconds = time.perf_counter() - began
    fixed = [planner.best_fixed_slot(problem, minimise=m) for m in ("total", "max")]
    _check(plan, fast, [f for f in fixed if f is not None])
    to_optimum = None
    if plan.solver.optimal and plan.max_cost > 0:
        to_optimum = (fast.max_cost - plan.max_cost) / plan.max_cost
    return {
        "sites": sites,
        "seed": seed,
        "week_classes": plan.solver.week_classes,
        "exact_seconds": exact_seconds,
        "exact_optimal": plan.solver.optimal,
        "exact_max_cost": plan.max_cost,
        "exact_bound": plan.solver.bound,
        "exact_gap": plan.solver.gap,
        "fast_seconds": fast_seconds,
        "fast_max_cost": fast.max_cost,
        "fast_bound": fast.solver.bound,
        "fast_gap": fast.solver.gap,
        "fast_above_optimum": to_optimum,
    }


def _median_max(values: list[float]) -> dict:
    return {"median": statistics.median(values), "max": max(values)} if values else {}


def summarise(rows: list[dict]) -> dict:
    by_size: dict[int, dict] = {}
    for size in sorted({row["sites"] for row in rows}):
        mine = [row for row in rows if row["sites"] == size]
        above = [r["fast_above_optimum"] for r in mine if r["fast_above_optimum"] is not None]
        by_size[size] = {
            "instances": len(mine),
            "week_classes": _median_max([r["week_classes"] for r in mine]),
            "exact_seconds": _median_max([r["exact_seconds"] for r in mine]),
            "exact_proven": sum(r["exact_optimal"] for r in mine),
            "exact_gap": _median_max([r["exact_gap"] for r in mine]),
            "fast_seconds": _median_max([r["fast_seconds"] for r in mine]),
            "fast_gap": _median_max([r["fast_gap"] for r in mine]),
            "fast_above_optimum": _median_max(above),
        }
    small = [row for row in rows if row["sites"] <= EXACT_GOAL_SITES]
    large = [row for row in rows if row["sites"] == FAST_GOAL_SITES]
    goals = {
        "exact_proves_up_to_10_sites_under_10_s": bool(small)
        and all(r["exact_optimal"] and r["exact_seconds"] < EXACT_GOAL_SECONDS for r in small),
        "fast_on_30_sites_under_2_s_gap_under_5_percent": bool(large)
        and all(
            r["fast_seconds"] < FAST_GOAL_SECONDS and r["fast_gap"] < FAST_GOAL_GAP for r in large
        ),
    }
    return {"by_size": by_size, "goals": goals}


def _print_report(seed: dict, summary: dict) -> None:
    print("Seed CICU call (9 sites, 52 weeks): largest cumulative site cost")
    rows = [
        ("04:00 Beijing every week", seed["as_held_04_00_beijing"]),
        ("(a) poll slot, least total", seed["a_poll_slot"]),
        ("(b) fixed slot, least worst", seed["b_fairest_fixed_slot"]),
        ("Amity plan (exact)", seed["amity_plan"]),
        ("Amity plan (fast)", seed["fast_plan"]),
    ]
    for name, figures in rows:
        print(
            f"  {name:<30} {figures['max_cost']:>7.1f}  total {figures['total_cost']:>7.1f}"
            f"  Gini {figures['gini']:.3f}  worst: {', '.join(figures['worst_sites'])}"
        )
    optimum = seed["proven_optimum"]
    print(
        f"  proven optimum {optimum if optimum is not None else 'not proven'};"
        f" {seed['share_of_b']:.1%} of (b); exact solve median {seed['exact_seconds_median']:.2f} s"
        f" ({seed['week_classes']} week classes); goal met: {seed['goal_met']}"
    )
    print()
    print("Random instances, 52 weeks: median / max")
    print(
        f"  {'sites':>5} {'n':>2} {'classes':>9} {'exact s':>13} {'proven':>6} {'exact gap':>15}"
        f" {'fast s':>11} {'fast gap':>15} {'fast>opt':>15}"
    )
    for size, s in summary["by_size"].items():

        def pair(entry: dict, percent: bool = False) -> str:
            if not entry:
                return "-"
            if percent:
                return f"{entry['median']:.2%}/{entry['max']:.2%}"
            return f"{entry['median']:.2f}/{entry['max']:.2f}"

        print(
            f"  {size:>5} {s['instances']:>2} {pair(s['week_classes']):>9}"
            f" {pair(s['exact_seconds']):>13} {s['exact_proven']:>3}/{s['instances']:<2}"
            f" {pair(s['exact_gap'], True):>15} {pair(s['fast_seconds']):>11}"
            f" {pair(s['fast_gap'], True):>15} {pair(s['fast_above_optimum'], True):>15}"
        )
    for goal, met in summary["goals"].items():
        print(f"  goal {goal}: {'met' if met else 'NOT met'}")
    print()


def run(argv: list[str]) -> int:
    if "--figure" in argv:  # the second step's figures (issue #17)
        from benchmarks import planner_rotation

        return planner_rotation.run(argv)
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks planner", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 10, 30], help="sites")
    parser.add_argument("--seeds", type=int, default=5, help="random instances of each size")
    parser.add_argument("--repeats", type=int, default=5, help="solves of the seed instance")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="exact solver, seconds per instance"
    )
    ns = parser.parse_args(argv)
    if min(ns.sizes) < 1 or ns.seeds < 1 or ns.repeats < 1 or ns.time_limit <= 0:
        parser.error("--sizes, --seeds, --repeats and --time-limit must be positive")
    try:
        seed = measure_seed(ns)
        rows = []
        for size in ns.sizes:
            for number in range(ns.seeds):
                log(f"random: {size} sites, seed {number}")
                rows.append(measure_random(size, number, ns))
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    summary = summarise(rows)
    _print_report(seed, summary)
    print(
        json.dumps(
            {
                "benchmark": "planner",
                "machine": report.machine(scipy=scipy.__version__),
                "settings": {
                    "sizes": ns.sizes,
                    "seeds": ns.seeds,
                    "repeats": ns.repeats,
                    "time_limit": ns.time_limit,
                },
                "seed_instance": seed,
                "random": rows,
                "summary": summary,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
