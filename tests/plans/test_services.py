import pytest
from django.core.exceptions import ValidationError

from amity.directory.models import Language
from amity.events.models import Activity
from amity.plans.models import ExchangePlan
from amity.plans.services import plan_create, plan_start_activity
from tests.plans.factories import ExchangePlanFactory

pytestmark = pytest.mark.django_db


def test_plan_start_activity_creates_exactly_one_activity_and_refuses_the_second_time(world, plans):
    plan = plans.cardiology_call
    activity = plan_start_activity(
        plan=plan, fields={"visibility": "partners"}, languages=Language.objects.filter(code="en")
    )
    assert Activity.objects.count() == 1
    assert (activity.title, activity.kind, activity.department, activity.visibility) == (
        "CICU nursing call with London",
        "call",
        world.cardiology,
        "partners",
    )
    assert list(activity.partners.all()) == [world.other_partner]
    assert list(activity.languages.values_list("code", flat=True)) == ["en"]
    assert (plan.activity, plan.status) == (activity, "running")
    stored = ExchangePlan.objects.get(pk=plan.pk)
    assert (stored.activity_id, stored.status) == (activity.pk, "running")

    stale = ExchangePlan.objects.get(pk=plan.pk)
    stale.activity = None  # a copy read before the first start must not start it again
    with pytest.raises(ValidationError) as error:
        plan_start_activity(plan=stale)
    assert error.value.messages == [
        "“CICU nursing call with London” has already become an activity."
    ]
    assert Activity.objects.count() == 1


def test_plan_without_partner_starts_an_activity_without_partners(world, plans):
    activity = plan_start_activity(plan=plans.rehab_idea)
    assert list(activity.partners.all()) == []
    assert activity.department == world.rehab


def test_closed_plan_is_not_started(world):
    plan = ExchangePlanFactory(department=world.rehab, title="Old idea", status="closed")
    with pytest.raises(ValidationError) as error:
        plan_start_activity(plan=plan)
    assert error.value.messages == [
        "“Old idea” is closed; reopen it before turning it into an activity."
    ]
    assert Activity.objects.count() == 0


def test_a_failing_activity_leaves_the_plan_untouched(world, plans):
    """All or nothing: an invalid activity field writes neither the activity nor the plan."""
    plan = plans.rehab_idea
    with pytest.raises(ValidationError):
        plan_start_activity(plan=plan, fields={"visibility": "nonsense"})
    assert Activity.objects.count() == 0
    plan.refresh_from_db()
    assert (plan.activity, plan.status) == (None, "idea")


def test_plan_rules_are_checked_before_writing(world):
    with pytest.raises(ValidationError) as error:
        plan_create(
            fields={
                "department": world.rehab,
                "title": "Self-exchange",
                "partner": world.home,
                "owner": world.partner_contact.person,
                "kind": "call",
            }
        )
    assert error.value.message_dict == {
        "partner": ["Choose a partner institution, not the home hospital."],
        "owner": ["The owner must be someone of the home hospital."],
    }
    assert ExchangePlan.objects.count() == 0
