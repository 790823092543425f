"""An activity names its department, partners and languages by slug, id and code. The page
and the API hand them to the same service, so an unknown one is refused by both with the
same message on the same field, and nothing is created."""

import json
import re

import pytest
from django.urls import reverse

from amity.events.models import Activity

BASE = {"title": "Reference call", "kind": "call", "status": "planned", "visibility": "staff"}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _bad_references(world) -> list[tuple[str, object, str]]:
    """(field, value as the API takes it, the message both must show)."""
    return [
        ("department", "no-such-department", "There is no department “no-such-department”."),
        ("partners", [999999], "Not a partner institution: 999999."),
        # The hospital itself exists but is no partner: the form never offered it.
        ("partners", [world.home.pk], f"Not a partner institution: {world.home.pk}."),
        ("languages", ["en", "xx"], "Unknown language code: xx."),
    ]


@pytest.mark.parametrize("case", range(4))
def test_activity_create_refuses_an_unknown_reference_with_the_same_message_on_page_and_api(
    world, client, case
):
    """The same unknown department, partner or language sent through the page and the API
    is refused with the same message, on the field it concerns; no activity is created."""
    field, value, message = _bad_references(world)[case]
    client.force_login(world.office)

    api = client.post(
        "/api/v1/activities", json.dumps({**BASE, field: value}), content_type="application/json"
    )
    page = client.post(
        reverse("events:activity_create"), {**BASE, "time_zone": "Asia/Shanghai", field: value}
    )

    assert (api.status_code, api.json()["errors"]) == (422, {field: [message]})
    assert page.context["form"].errors == {field: [message]}
    assert message in _text(page)
    assert not Activity.objects.filter(title="Reference call").exists()


def test_activity_create_page_takes_the_department_by_slug_as_the_api_does(world, client):
    """The page sends the department's slug, partners' ids and languages' codes, as the
    API does, and the activity is created with exactly those."""
    client.force_login(world.office)
    response = client.post(
        reverse("events:activity_create"),
        {
            **BASE,
            "time_zone": "Asia/Shanghai",
            "department": "cardiology",
            "partners": [world.partner.pk],
            "languages": ["en", "zh"],
        },
    )
    created = Activity.objects.get(title="Reference call")
    assert response["Location"] == created.get_absolute_url()
    assert created.department == world.cardiology
    assert list(created.partners.all()) == [world.partner]
    assert sorted(created.languages.values_list("code", flat=True)) == ["en", "zh"]


def test_activity_edit_page_shows_the_department_and_partners_chosen(world, client, cicu):
    """On the edit page the activity's own department and partners are the ones selected."""
    client.force_login(world.office)
    page = client.get(reverse("events:activity_edit", args=[cicu.pk])).content.decode()

    def selected(name: str) -> list[str]:
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        return re.findall(r'<option value="([^"]*)" selected>', select[0])

    assert selected("department") == [cicu.department.slug]
    assert selected("partners") == [str(world.other_partner.pk), str(world.partner.pk)]


@pytest.mark.parametrize("case", range(4))
def test_activity_edit_refuses_an_unknown_reference_with_the_same_message_on_page_and_api(
    world, client, cicu, case
):
    """Editing an activity through the page or a PATCH refuses the same unknown reference
    with the same message; the activity keeps its department, partners and languages."""
    field, value, message = _bad_references(world)[case]
    client.force_login(world.office)
    page_data = {
        **BASE,
        "time_zone": "Asia/Shanghai",
        "department": cicu.department.slug,
        "partners": [p.pk for p in cicu.partners.all()],
        "languages": list(cicu.languages.values_list("code", flat=True)),
    }

    api = client.patch(
        f"/api/v1/activities/{cicu.pk}",
        json.dumps({field: value}),
        content_type="application/json",
    )
    page = client.post(reverse("events:activity_edit", args=[cicu.pk]), {**page_data, field: value})

    assert (api.status_code, api.json()["errors"]) == (422, {field: [message]})
    assert page.context["form"].errors == {field: [message]}
    assert message in _text(page)
    cicu.refresh_from_db()
    assert (cicu.title, cicu.department, list(cicu.partners.order_by("name"))) == (
        "CICU Response weekly call",
        world.cardiology,
        [world.other_partner, world.partner],
    )


def test_activity_patch_changes_only_the_references_it_names(world, client, cicu):
    """A PATCH naming partners replaces them and leaves the department and languages as
    they were, as the edit page would."""
    languages = sorted(cicu.languages.values_list("code", flat=True))
    client.force_login(world.office)
    response = client.patch(
        f"/api/v1/activities/{cicu.pk}",
        json.dumps({"partners": [world.partner.pk]}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["partners"]) == (200, ["Loma Linda University"])
    cicu.refresh_from_db()
    assert cicu.department == world.cardiology
    assert list(cicu.partners.all()) == [world.partner]
    assert sorted(cicu.languages.values_list("code", flat=True)) == languages


def test_coordinator_cannot_patch_an_activity_into_another_department(world, client):
    """A coordinator's page offers only their own department; the API refuses another."""
    client.force_login(world.coordinator)
    activity = client.post(
        "/api/v1/activities",
        json.dumps({**BASE, "department": "rehabilitation"}),
        content_type="application/json",
    ).json()
    response = client.patch(
        f"/api/v1/activities/{activity['id']}",
        json.dumps({"department": "cardiology"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "You do not have permission to do this."},
    )
    assert Activity.objects.get(pk=activity["id"]).department == world.rehab


def test_activity_create_refuses_an_unknown_partner_in_chinese_on_page_and_api(world, client):
    """A Chinese-speaking user reads the same Chinese message on the page and in the API,
    whose ``detail`` names the field and its message instead of a fixed English phrase."""
    client.force_login(world.office)
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    message = "不是合作机构：999999。"

    api = client.post(
        "/api/v1/activities",
        json.dumps({**BASE, "partners": [999999]}),
        content_type="application/json",
        **chinese,
    )
    page = client.post(
        reverse("events:activity_create"),
        {**BASE, "time_zone": "Asia/Shanghai", "partners": [999999]},
        **chinese,
    )

    assert api.json() == {"detail": f"partners: {message}", "errors": {"partners": [message]}}
    assert page.context["form"].errors == {"partners": [message]}
    assert message in _text(page)
