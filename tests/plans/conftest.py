from dataclasses import dataclass
from datetime import date

import pytest

from amity.plans.models import ExchangePlan, PlanStatus
from tests.plans.factories import ExchangePlanFactory


@dataclass
class Plans:
    rehab_classroom: ExchangePlan
    rehab_idea: ExchangePlan
    cardiology_call: ExchangePlan


@pytest.fixture
def plans(world) -> Plans:
    """Two Rehabilitation plans (the coordinator's department) and one of Cardiology."""
    return Plans(
        rehab_classroom=ExchangePlanFactory(
            department=world.rehab,
            title="Speech rehabilitation classroom with Loma Linda",
            partner=world.partner,
            kind="classroom",
            owner=world.coordinator.person,
            status=PlanStatus.AGREED,
            target_start=date(2027, 3, 1),
            notes="Weekly, in English with interpretation.",
        ),
        rehab_idea=ExchangePlanFactory(
            department=world.rehab,
            title="Gait lab exchange",
            kind="webinar",
            status=PlanStatus.IDEA,
        ),
        cardiology_call=ExchangePlanFactory(
            department=world.cardiology,
            title="CICU nursing call with London",
            partner=world.other_partner,
            kind="call",
            owner=world.staff.person,
            status=PlanStatus.PREPARING,
        ),
    )
