from datetime import date

import pytest
from django.urls import reverse

from amity.events.models import Activity
from amity.plans.models import ExchangePlan
from amity.plans.services import plan_start_activity
from tests.plans.factories import ExchangePlanFactory

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [plan.title for plan in response.context["page"]]


def test_plans_are_listed_in_status_order_and_filtered(world, plans, client):
    client.force_login(world.staff)
    url = reverse("plans:plan_list")
    assert _titles(client.get(url)) == [
        "Gait lab exchange",  # idea
        "CICU nursing call with London",  # preparing
        "Speech rehabilitation classroom with Loma Linda",  # agreed
    ]
    assert _titles(client.get(url, {"status": "agreed"})) == [plans.rehab_classroom.title]
    assert _titles(client.get(url, {"department": world.rehab.pk})) == [
        "Gait lab exchange",
        "Speech rehabilitation classroom with Loma Linda",
    ]
    assert _titles(client.get(url, {"department": world.rehab.pk, "status": "preparing"})) == []
    assert _titles(client.get(url, {"q": "london"})) == [plans.cardiology_call.title]
    assert _titles(client.get(url, {"q": "Loma Linda"})) == [plans.rehab_classroom.title]
    assert _titles(client.get(url, {"q": "interpretation"})) == [plans.rehab_classroom.title]
    empty = client.get(url, {"status": "closed"})
    assert "No plan matches these filters." in empty.content.decode()


def test_plan_list_groups_by_status_with_counts(world, plans, client):
    client.force_login(world.coordinator)
    response = client.get(reverse("plans:plan_list"))
    counts = {item["status"]: item["count"] for item in response.context["status_counts"]}
    assert counts == {"idea": 1, "preparing": 1, "agreed": 1, "running": 0, "closed": 0}
    body = response.content.decode()
    assert body.index("<h2>Idea") < body.index("<h2>Preparing") < body.index("<h2>Agreed")
    rehab = client.get(reverse("plans:plan_list"), {"department": world.rehab.pk})
    counts = {item["status"]: item["count"] for item in rehab.context["status_counts"]}
    assert counts == {"idea": 1, "preparing": 0, "agreed": 1, "running": 0, "closed": 0}


def test_plan_list_takes_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    for index in range(30):
        ExchangePlanFactory(
            department=world.rehab if index % 2 else world.cardiology,
            partner=world.partner,
            owner=world.rehab_colleague,
            status=["idea", "preparing", "agreed"][index % 3],
        )
    client.force_login(world.office)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("plans:plan_list"))
    assert len(response.context["page"]) == 30


def _plan_data(world, **overrides):
    data = {
        "department": world.rehab.pk,
        "title": "Hydrotherapy online exchange",
        "partner": world.partner.pk,
        "kind": "classroom",
        "owner": world.rehab_colleague.pk,
        "status": "idea",
        "target_start": "2027-05-01",
        "notes": "To be discussed with the partner.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_office_adds_a_plan_for_any_department_after_clear_errors(world, client):
    client.force_login(world.office)
    url = reverse("plans:plan_create")
    missing = client.post(url, _plan_data(world, title="", kind="", department=""))
    assert "Please correct the errors below." in missing.content.decode()
    assert missing.context["form"].errors == {
        "department": ["This field is required."],
        "title": ["This field is required."],
        "kind": ["This field is required."],
    }
    home_partner = client.post(url, _plan_data(world, partner=world.home.pk))
    assert home_partner.context["form"].errors == {
        "partner": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert ExchangePlan.objects.count() == 0

    response = client.post(url, _plan_data(world, department=world.cardiology.pk), follow=True)
    plan = ExchangePlan.objects.get()
    assert response.redirect_chain == [(plan.get_absolute_url(), 302)]
    assert "The plan “Hydrotherapy online exchange” was added." in response.content.decode()
    assert (plan.department, plan.partner, plan.kind, plan.owner, plan.status) == (
        world.cardiology,
        world.partner,
        "classroom",
        world.rehab_colleague,
        "idea",
    )
    assert plan.target_start == date(2027, 5, 1)


def test_coordinator_plans_for_their_own_department_only(world, plans, client):
    client.force_login(world.coordinator)
    url = reverse("plans:plan_create")
    form = client.get(url).context["form"]
    assert list(form.fields["department"].queryset) == [world.rehab]
    assert form.initial["department"] == world.rehab

    refused = client.post(url, _plan_data(world, department=world.cardiology.pk))
    assert refused.context["form"].errors == {
        "department": ["Select a valid choice. That choice is not one of the available choices."]
    }
    client.post(url, _plan_data(world))
    assert ExchangePlan.objects.get(title="Hydrotherapy online exchange").department == world.rehab


def test_coordinator_cannot_edit_another_departments_plan(world, plans, client):
    client.force_login(world.coordinator)
    url = reverse("plans:plan_edit", args=[plans.cardiology_call.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, _plan_data(world, title="Taken over", department=world.rehab.pk, status="closed")
    )
    assert response.status_code == 403
    assert "You do not have permission to see this page" in response.content.decode()
    plans.cardiology_call.refresh_from_db()
    assert (plans.cardiology_call.title, plans.cardiology_call.status) == (
        "CICU nursing call with London",
        "preparing",
    )
    page = client.get(plans.cardiology_call.get_absolute_url()).content.decode()
    assert "Start as an activity" not in page
    assert reverse("plans:plan_edit", args=[plans.cardiology_call.pk]) not in page


def test_coordinator_moves_their_plan_forward(world, plans, client):
    client.force_login(world.coordinator)
    plan = plans.rehab_idea
    response = client.post(
        reverse("plans:plan_edit", args=[plan.pk]),
        _plan_data(world, title=plan.title, kind="webinar", status="preparing"),
    )
    assert response["Location"] == plan.get_absolute_url()
    plan.refresh_from_db()
    assert (plan.status, plan.partner, plan.owner) == (
        "preparing",
        world.partner,
        world.rehab_colleague,
    )


def test_start_button_creates_the_activity_and_leads_to_it(world, plans, client):
    client.force_login(world.coordinator)
    plan = plans.rehab_classroom
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Start as an activity" in page

    response = client.post(reverse("plans:plan_start", args=[plan.pk]), follow=True)
    activity = Activity.objects.get()
    assert response.redirect_chain == [(activity.get_absolute_url(), 302)]
    body = response.content.decode()
    assert "“Speech rehabilitation classroom with Loma Linda” is now an activity." in body
    assert (activity.title, activity.kind, activity.department, activity.status) == (
        "Speech rehabilitation classroom with Loma Linda",
        "classroom",
        world.rehab,
        "planned",
    )
    assert list(activity.partners.all()) == [world.partner]

    plan.refresh_from_db()
    assert (plan.activity, plan.status) == (activity, "running")
    detail = client.get(plan.get_absolute_url()).content.decode()
    assert "This plan has become an activity:" in detail
    assert activity.get_absolute_url() in detail
    assert "Start as an activity" not in detail

    again = client.post(reverse("plans:plan_start", args=[plan.pk]), follow=True)
    assert again.redirect_chain == [(plan.get_absolute_url(), 302)]
    assert "has already become an activity." in again.content.decode()
    assert Activity.objects.count() == 1


def test_a_started_plan_keeps_a_running_or_closed_status(world, plans, client):
    plan = plans.rehab_classroom
    plan_start_activity(plan=plan)
    client.force_login(world.coordinator)
    url = reverse("plans:plan_edit", args=[plan.pk])
    data = _plan_data(world, title=plan.title, kind="classroom")
    refused = client.post(url, {**data, "status": "idea"})
    assert refused.status_code == 200
    assert (
        "This plan has become an activity: its status can only be running or closed."
        in refused.content.decode()
    )
    plan.refresh_from_db()
    assert plan.status == "running"

    client.post(url, {**data, "status": "closed"})
    plan.refresh_from_db()
    assert (plan.status, plan.activity_id is not None) == ("closed", True)
