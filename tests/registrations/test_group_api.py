"""Group registration in the JSON API: the same checks as the page, every row's problems
in one 422, nothing saved until the table is clean."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amity.registrations.models import GroupLink, GroupSubmission, Registration

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {"name_local": "傅君芬", "name_latin": "FU Junfen", "email": "fu.junfen@zju.example.cn"},
    {"name_local": "李娜", "email": "li.na@zju.example.cn", "profession": "护士"},
    {"family_name": "Chen", "given_name": "Jing", "email": "chen.jing@zju.example.cn"},
]


@pytest.fixture
def partnered(webinar, world):
    webinar.partners.add(world.partner)
    return webinar


def test_a_table_with_three_bad_rows_answers_422_naming_all_three(partnered, world, login):
    client = login(world.partner_contact)
    rows = [
        {**ROWS[0], "email": "fu.junfen(at)zju.example.cn"},
        ROWS[1],
        {**ROWS[2], "profession": "cook"},
        {**ROWS[1], "name_local": "李娜娜"},
    ]

    response = client.post(
        f"/api/v1/activities/{partnered.pk}/group-registrations",
        {"rows": rows, "consent": True},
        content_type="application/json",
    )

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "The table has problems: nothing was registered."
    assert body["errors"] == {
        "1": ["email: “fu.junfen(at)zju.example.cn” is not an email address."],
        "3": [
            "profession: “cook” is not one of the professions: Physician, Nurse, Therapist, "
            "Pharmacist, Researcher, Student or trainee, Administrator, Other."
        ],
        "4": ["email: The same email address as row 2: each person once."],
    }
    assert [p["row"] for p in body["problems"]] == [1, 3, 4]
    assert Registration.objects.count() == 0


def test_a_clean_table_registers_everyone_and_lists_them(partnered, world, login):
    client = login(world.partner_contact)

    checked = client.post(
        f"/api/v1/activities/{partnered.pk}/group-registrations",
        {"rows": ROWS, "dry_run": True},
        content_type="application/json",
    )
    assert checked.json() == {"ok": True, "people": 3, "notes": []}
    assert Registration.objects.count() == 0

    response = client.post(
        f"/api/v1/activities/{partnered.pk}/group-registrations",
        {"rows": ROWS, "consent": True},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["institution"], body["confirmed"], body["waiting"]) == (
        "Loma Linda University",
        3,
        0,
    )
    assert [r["email"] for r in body["registrations"]] == [r["email"] for r in ROWS]
    listed = client.get(f"/api/v1/activities/{partnered.pk}/group-registrations").json()
    assert [s["id"] for s in listed] == [body["id"]]


def test_without_consent_nothing_is_registered(partnered, world, login):
    response = login(world.partner_contact).post(
        f"/api/v1/activities/{partnered.pk}/group-registrations",
        {"rows": ROWS},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["consent"]
    assert Registration.objects.count() == 0


def test_an_upload_with_a_group_link_and_no_login(webinar, world, login):
    made = login(world.office).post(
        f"/api/v1/activities/{webinar.pk}/group-links",
        {"label": "Wuhan Children's Hospital, Cardiology", "days": 3},
        content_type="application/json",
    )
    assert made.status_code == 201
    token = made.json()["url"].rstrip("/").rsplit("/", 1)[1]
    table = "姓名,拼音,邮箱\n傅君芬,FU Junfen,fu.junfen@zju.example.cn\n".encode("gb18030")

    response = Client().post(
        f"/api/v1/group-links/{token}/registrations/upload",
        {"file": SimpleUploadedFile("team.csv", table), "consent": "true"},
    )

    assert response.status_code == 201
    assert response.json()["label"] == "Wuhan Children's Hospital, Cardiology"
    assert Registration.objects.get().name_local == "傅君芬"
    again = Client().post(
        f"/api/v1/group-links/{token}/registrations",
        {"rows": ROWS, "consent": True},
        content_type="application/json",
    )
    assert again.status_code == 410
    assert GroupSubmission.objects.count() == 1


def test_links_are_the_organisers_and_revoked_links_register_nobody(webinar, world, login):
    url = f"/api/v1/activities/{webinar.pk}/group-links"
    refused = login(world.partner_contact).post(
        url, {"label": "A team"}, content_type="application/json"
    )
    assert refused.status_code in (403, 404)
    office = login(world.office)
    made = office.post(url, {"label": "A team"}, content_type="application/json").json()
    token = made["url"].rstrip("/").rsplit("/", 1)[1]

    revoked = office.post(f"{url}/{made['id']}/revoke")
    response = Client().post(
        f"/api/v1/group-links/{token}/registrations",
        {"rows": ROWS, "consent": True},
        content_type="application/json",
    )

    assert revoked.json()["revoked_at"] is not None
    assert response.status_code == 410
    assert response.json()["detail"] == (
        "This group registration link has been revoked by the organisers."
    )
    assert GroupLink.objects.get().label == "A team"
    assert Registration.objects.count() == 0


def test_the_group_operations_are_in_the_openapi_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/activities/{activity_id}/group-registrations" in paths
    assert "/api/v1/activities/{activity_id}/group-registrations/upload" in paths
    assert "/api/v1/group-links/{token}/registrations" in paths
    assert "/api/v1/activities/{activity_id}/group-links/{link_id}/revoke" in paths
    upload = paths["/api/v1/activities/{activity_id}/group-registrations/upload"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "422" in upload["responses"]
