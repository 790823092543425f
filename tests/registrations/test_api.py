"""Registration through the JSON API: public, rate limited, the form's validation; the
organiser's list and export need the organiser."""

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from amity.registrations.links import self_service_token
from amity.registrations.models import Registration

pytestmark = pytest.mark.django_db(transaction=True)


def _post(client, activity, payload, **headers):
    return client.post(
        f"/api/v1/activities/{activity.pk}/registrations",
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


PAYLOAD = {
    "family_name": "Fu",
    "given_name": "Junfen",
    "name_local": "傅君芬",
    "email": "Fu.Junfen@ZCH.example.cn",
    "institution": "Children's Hospital, Zhejiang University School of Medicine",
    "country": "CN",
    "profession": "physician",
    "time_zone": "Asia/Shanghai",
    "consent": True,
}


SENT = {
    "status": "email_sent",
    "detail": "Thank you. We have sent an email to fu.junfen@zch.example.cn: follow the link "
    "in it to see your registration. If it does not arrive within a few minutes, look in the "
    "spam folder.",
}


def test_public_registration_answers_alike_for_a_new_and_a_known_address(webinar):
    """The answer carries no registration: the same 202 for the first request, its retry
    with the same Idempotency-Key, and a stranger sending the same address; one
    registration is stored, reached only through the emailed link."""
    client = Client()
    response = _post(client, webinar, PAYLOAD, **{"Idempotency-Key": "abc"})

    assert (response.status_code, response.json()) == (202, SENT)
    registration = Registration.objects.get()
    assert registration.email == "fu.junfen@zch.example.cn"

    again = _post(client, webinar, PAYLOAD, **{"Idempotency-Key": "abc"})
    stranger = _post(Client(), webinar, PAYLOAD)
    assert (again.status_code, again.json()) == (202, SENT)
    assert (stranger.status_code, stranger.json()) == (202, SENT)
    assert registration.get_absolute_url() not in stranger.text
    assert Registration.objects.count() == 1


def test_bad_fields_are_named_with_the_forms_messages(webinar):
    response = _post(
        Client(), webinar, {**PAYLOAD, "email": "fu@", "time_zone": "Beijing", "consent": False}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "email": ["Enter a valid email address."],
        "time_zone": ["“Beijing” is not a time zone; use a name like Asia/Shanghai."],
        "consent": ["This field is required."],
    }
    assert Registration.objects.count() == 0


def test_public_registration_answers_in_the_language_asked_for(webinar, settings):
    """The public endpoint skips the pages' message store, not their language: a reader
    asking for Chinese (Accept-Language) is refused in Chinese, the form's messages follow
    the registrant's language, and a known address gets the same answer as a new one."""
    settings.AMITY_REGISTRATION_RATE = 4  # the fifth request of this address is refused
    client = Client()
    chinese = {"Accept-Language": "zh-hans"}

    missing = client.post(
        "/api/v1/activities/999999/registrations",
        data=json.dumps(PAYLOAD),
        content_type="application/json",
        headers=chinese,
    )
    bad = _post(client, webinar, {**PAYLOAD, "email": "fu@", "language": "zh-hans"}, **chinese)
    new = _post(Client(), webinar, {**PAYLOAD, "language": "zh-hans"}, **chinese)
    known = _post(client, webinar, {**PAYLOAD, "language": "zh-hans"}, **chinese)
    too_many = _post(client, webinar, PAYLOAD, **chinese)

    assert (missing.status_code, missing.json()["detail"]) == (404, "本活动不接受报名。")
    assert bad.status_code == 422
    assert bad.json()["detail"] == "请更正错误。"
    assert bad.json()["errors"] == {"email": ["输入一个有效的 Email 地址。"]}
    assert (known.status_code, known.json()) == (new.status_code, new.json())
    assert known.status_code == 202
    assert too_many.json()["detail"] == "来自您网络地址的报名次数过多，请稍候一分钟。"
    assert "messages" not in client.cookies


def test_cancel_with_the_token_and_not_without(webinar):
    _post(Client(), webinar, PAYLOAD)
    token = self_service_token(Registration.objects.get())

    forged = Client().post(
        "/api/v1/registrations/cancel",
        data=json.dumps({"token": token[:-2] + "xx"}),
        content_type="application/json",
    )
    assert forged.status_code == 404
    assert Registration.objects.get().status == "confirmed"

    cancelled = Client().post(
        "/api/v1/registrations/cancel",
        data=json.dumps({"token": token}),
        content_type="application/json",
    )
    assert cancelled.json()["status"] == "cancelled"
    assert Registration.objects.get().status == "cancelled"


def test_the_api_is_rate_limited_per_address(webinar, settings):
    settings.AMITY_REGISTRATION_RATE = 2
    client = Client()
    codes = [
        _post(client, webinar, {**PAYLOAD, "email": f"p{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert codes == [202, 202, 429]


def test_only_the_organiser_lists_and_exports(webinar, world, login):
    _post(Client(), webinar, PAYLOAD)
    url = f"/api/v1/activities/{webinar.pk}/registrations"

    assert Client().get(url).status_code == 401
    assert login(world.partner_contact).get(url).status_code == 403
    assert login(world.staff).get(url).status_code == 403

    office = login(world.office)
    listing = office.get(url).json()
    assert [item["email"] for item in listing["items"]] == ["fu.junfen@zch.example.cn"]
    assert listing["items"][0]["name_local"] == "傅君芬"

    exported = office.get(url + "/export?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Status", "Registered", "Family name"]
    assert rows[1][2:6] == ["Fu", "Junfen", "傅君芬", "fu.junfen@zch.example.cn"]

    xlsx = office.get(url + "/export?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][2:6] == ["Fu", "Junfen", "傅君芬", "fu.junfen@zch.example.cn"]


def test_the_endpoints_are_in_the_openapi_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/activities/{activity_id}/registrations"]
    assert "get" in paths["/api/v1/activities/{activity_id}/registrations"]
    assert "post" in paths["/api/v1/registrations/cancel"]
    assert "get" in paths["/api/v1/activities/{activity_id}/registrations/export"]
