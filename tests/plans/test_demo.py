from datetime import date

import pytest

from amity.directory.demo import load_demo
from amity.plans.demo import load_demo_plans
from amity.plans.models import ExchangePlan

pytestmark = pytest.mark.django_db


def _state():
    return sorted(
        ExchangePlan.objects.values_list(
            "department__slug", "title", "partner__name", "status", "owner__email", "target_start"
        )
    )


def test_demo_plans_are_the_departments_preparing_online_exchanges():
    load_demo(synthetic_people=0)
    assert load_demo_plans(today=date(2027, 1, 1)) == 4
    plans = {p.department.slug: p for p in ExchangePlan.objects.select_related("department")}
    assert sorted(plans) == ["endocrinology", "gynecology", "nursing", "stomatology"]
    assert {slug: plan.status for slug, plan in plans.items()} == {
        "gynecology": "idea",
        "stomatology": "preparing",
        "endocrinology": "agreed",
        "nursing": "preparing",
    }
    assert plans["endocrinology"].partner.short_name == "APPES"
    assert plans["endocrinology"].target_start == date(2027, 1, 31)
    assert plans["gynecology"].target_start is None
    assert all(plan.partner and not plan.partner.is_home for plan in plans.values())
    assert all(plan.owner.department == plan.department for plan in plans.values())
    assert ExchangePlan.objects.filter(activity__isnull=False).count() == 0


def test_loading_the_demo_plans_twice_duplicates_nothing():
    load_demo(synthetic_people=0)
    load_demo_plans(today=date(2027, 1, 1))
    first = _state()
    assert load_demo_plans(today=date(2027, 6, 1)) == 0
    assert _state() == first
    assert len(first) == 4
