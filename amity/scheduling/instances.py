"""Planning problems kept as data: the seed call and a seeded generator of random ones.

The seed is the COVID-19 Multicenter CICU Response call, which was held every week at
04:00 Beijing time: the home hospital in Hangzhou and eight paediatric cardiac ICU
partners, one hour, weekly for 52 weeks from Wednesday 4 March 2026, starting at any half
hour of the Wednesday in UTC (so nobody's local day is a weekend), with the default cost
table and no hard limits.
"""

import random
from datetime import date, timedelta

from amity.scheduling.planner import MONDAY_TO_FRIDAY, Problem, Site

SEED_FIRST_DATE = date(2026, 3, 4)  # a Wednesday
SEED_WEEKS = 52
SEED_MEETING_MINUTES = 60
SEED_FIXED_TIME = "04:00 Asia/Shanghai"  # how the call was actually held

SEED_SITES = (
    Site(name="Hangzhou", zone="Asia/Shanghai"),
    Site(name="Boston", zone="America/New_York"),
    Site(name="Philadelphia", zone="America/New_York"),
    Site(name="Toronto", zone="America/Toronto"),
    Site(name="London", zone="Europe/London"),
    Site(name="Rome", zone="Europe/Rome"),
    Site(name="Melbourne", zone="Australia/Melbourne"),
    Site(name="Singapore", zone="Asia/Singapore"),
    Site(name="São Paulo", zone="America/Sao_Paulo"),
)


def seed_problem() -> Problem:
    """The CICU call of the seed data."""
    return Problem(
        sites=SEED_SITES,
        meeting_minutes=SEED_MEETING_MINUTES,
        first_date=SEED_FIRST_DATE,
        weeks=SEED_WEEKS,
        allowed_weekdays=frozenset({SEED_FIRST_DATE.weekday()}),
        slot_step_minutes=30,
    )


SUNDAY_TO_THURSDAY = frozenset({6, 0, 1, 2, 3})

# Zones where hospitals collaborate, with their working week: every DST rule of the
# northern and southern hemispheres, zones without DST, and offsets of half and three
# quarters of an hour.
ZONE_POOL: tuple[tuple[str, frozenset[int]], ...] = (
    ("America/New_York", MONDAY_TO_FRIDAY),
    ("America/Chicago", MONDAY_TO_FRIDAY),
    ("America/Denver", MONDAY_TO_FRIDAY),
    ("America/Los_Angeles", MONDAY_TO_FRIDAY),
    ("America/Toronto", MONDAY_TO_FRIDAY),
    ("America/Halifax", MONDAY_TO_FRIDAY),
    ("America/St_Johns", MONDAY_TO_FRIDAY),
    ("America/Mexico_City", MONDAY_TO_FRIDAY),
    ("America/Bogota", MONDAY_TO_FRIDAY),
    ("America/Lima", MONDAY_TO_FRIDAY),
    ("America/Santiago", MONDAY_TO_FRIDAY),
    ("America/Sao_Paulo", MONDAY_TO_FRIDAY),
    ("America/Argentina/Buenos_Aires", MONDAY_TO_FRIDAY),
    ("Pacific/Honolulu", MONDAY_TO_FRIDAY),
    ("Europe/London", MONDAY_TO_FRIDAY),
    ("Europe/Dublin", MONDAY_TO_FRIDAY),
    ("Europe/Lisbon", MONDAY_TO_FRIDAY),
    ("Europe/Paris", MONDAY_TO_FRIDAY),
    ("Europe/Berlin", MONDAY_TO_FRIDAY),
    ("Europe/Rome", MONDAY_TO_FRIDAY),
    ("Europe/Madrid", MONDAY_TO_FRIDAY),
    ("Europe/Stockholm", MONDAY_TO_FRIDAY),
    ("Europe/Athens", MONDAY_TO_FRIDAY),
    ("Europe/Istanbul", MONDAY_TO_FRIDAY),
    ("Africa/Cairo", SUNDAY_TO_THURSDAY),
    ("Africa/Lagos", MONDAY_TO_FRIDAY),
    ("Africa/Nairobi", MONDAY_TO_FRIDAY),
    ("Africa/Johannesburg", MONDAY_TO_FRIDAY),
    ("Asia/Jerusalem", SUNDAY_TO_THURSDAY),
    ("Asia/Riyadh", SUNDAY_TO_THURSDAY),
    ("Asia/Dubai", MONDAY_TO_FRIDAY),
    ("Asia/Tehran", frozenset({5, 6, 0, 1, 2})),
    ("Asia/Karachi", MONDAY_TO_FRIDAY),
    ("Asia/Kolkata", MONDAY_TO_FRIDAY),
    ("Asia/Kathmandu", MONDAY_TO_FRIDAY),
    ("Asia/Dhaka", SUNDAY_TO_THURSDAY),
    ("Asia/Bangkok", MONDAY_TO_FRIDAY),
    ("Asia/Shanghai", MONDAY_TO_FRIDAY),
    ("Asia/Singapore", MONDAY_TO_FRIDAY),
    ("Asia/Seoul", MONDAY_TO_FRIDAY),
    ("Asia/Tokyo", MONDAY_TO_FRIDAY),
    ("Australia/Perth", MONDAY_TO_FRIDAY),
    ("Australia/Adelaide", MONDAY_TO_FRIDAY),
    ("Australia/Brisbane", MONDAY_TO_FRIDAY),
    ("Australia/Sydney", MONDAY_TO_FRIDAY),
    ("Australia/Melbourne", MONDAY_TO_FRIDAY),
    ("Pacific/Auckland", MONDAY_TO_FRIDAY),
)


def random_instance(
    n_sites: int,
    seed: int,
    *,
    weeks: int = 52,
    holidays_per_site: int = 1,
    max_distinct_slots: int | None = None,
) -> Problem:
    """A reproducible random problem: ``n_sites`` sites in zones drawn from ``ZONE_POOL``
    (with repeats once the pool runs out), weights of 1 with an occasional 0.5 or 2, and
    ``holidays_per_site`` unavailable dates each; a one-hour call every week from a
    weekday of 2026 on that UTC weekday, on a 30-minute grid, with no hard limits."""
    rng = random.Random(seed)
    first_date = date(2026, 1, 5) + timedelta(days=rng.randrange(365))
    while first_date.weekday() > 4:
        first_date += timedelta(days=1)
    zones = rng.sample(ZONE_POOL, min(n_sites, len(ZONE_POOL)))
    zones += [rng.choice(ZONE_POOL) for _ in range(n_sites - len(zones))]
    sites = []
    for index, (zone, working_days) in enumerate(zones, start=1):
        holidays = frozenset(
            first_date + timedelta(days=rng.randrange(7 * weeks)) for _ in range(holidays_per_site)
        )
        sites.append(
            Site(
                name=f"Site {index} ({zone})",
                zone=zone,
                weight=rng.choice((1.0, 1.0, 1.0, 1.0, 0.5, 2.0)),
                working_days=working_days,
                unavailable_dates=holidays,
            )
        )
    return Problem(
        sites=tuple(sites),
        meeting_minutes=60,
        first_date=first_date,
        weeks=weeks,
        allowed_weekdays=frozenset({first_date.weekday()}),
        slot_step_minutes=30,
        max_distinct_slots=max_distinct_slots,
    )
