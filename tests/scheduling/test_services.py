"""Accepting a plan: the sessions are added once, whatever the concurrency."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from amity.scheduling import planner, services
from amity.scheduling.forms import default_first_date

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_accepts_of_the_same_plan_at_once_add_its_sessions_once(cicu):
    """Two people accept the same plan at the same moment (own thread, own connection):
    one adds its 8 sessions, the other is refused, and the call has 6 + 8 sessions."""
    problem = planner.Problem(
        sites=(
            planner.Site(name="Hangzhou", zone="Asia/Shanghai"),
            planner.Site(name="London", zone="Europe/London"),
        ),
        meeting_minutes=60,
        first_date=default_first_date(timezone.localdate()),
        weeks=8,
        allowed_weekdays=frozenset({2}),
    )
    plan = planner.solve_fast(problem)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        start.wait()
        try:
            created = services.plan_accept(activity=cicu, plan=plan)
            outcomes.append(f"added {len(created)}")
        except services.PlanRefused as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == [
        "This plan was accepted already: the call has a session at each of its 8 times.",
        "added 8",
    ]
    assert cicu.sessions.count() == 6 + 8
