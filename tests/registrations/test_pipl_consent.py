"""Consent as PIPL asks: the form asks separately — not bundled with the privacy notice —
for sensitive personal information (when a question asks for it) and for providing the
data to a partner abroad (when the activity has one); each registration records the notice
version it accepted and each consent with its time; the organiser sees who gave which,
and the export for the partner abroad leaves out whoever refused."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from amity.registrations import services
from amity.registrations.models import PrivacyNotice, Question, Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def co_organised(webinar, world):
    """The webinar co-organised with Loma Linda (US, abroad) and a sensitive question."""
    webinar.partners.add(world.partner)
    health = services.question_save(
        question=Question(activity=webinar),
        fields={
            "label": "Do you need any accommodation for a disability?",
            "label_local": "您是否因残障需要协助？",
            "kind": "text",
            "required": True,
            "sensitive": True,
        },
    )
    role = services.question_save(
        question=Question(activity=webinar),
        fields={"label": "Your role", "kind": "text", "required": False},
    )
    webinar.health, webinar.role = health, role
    return webinar


def _page(client, activity, data):
    return client.post(f"/activities/{activity.pk}/register/", data)


def _form(activity, n, **extra):
    return {**registrant(n), "time_zone": "Asia/Shanghai", **extra}


def test_the_form_asks_each_consent_separately_and_names_the_partner_abroad(co_organised):
    page = Client().get(f"/activities/{co_organised.pk}/register/")
    html = page.text

    assert 'name="consent"' in html
    assert 'name="sensitive_consent"' in html
    assert 'name="transfer_consent"' in html
    assert "I agree to the privacy notice." in html
    assert "Loma Linda University, United States of America" in html
    assert "Sensitive: answered only with your consent below." in html
    notice = services.privacy_notice_current()
    assert "Privacy notice (version 1)" in html
    assert notice.text.split(".")[0] in html
    assert notice.text_local.split("。")[0] in html


def test_no_separate_consent_is_asked_when_none_applies(webinar, world):
    """A partner in the home country is not abroad; no sensitive question, no consent."""
    webinar.partners.add(world.home)
    html = Client().get(f"/activities/{webinar.pk}/register/").text

    assert 'name="consent"' in html
    assert 'name="sensitive_consent"' not in html
    assert 'name="transfer_consent"' not in html

    _page(Client(), webinar, _form(webinar, 1))
    registration = Registration.objects.get()
    assert (registration.sensitive_consent, registration.transfer_consent) == (None, None)
    assert (registration.sensitive_consent_at, registration.transfer_consent_at) == (None, None)
    assert registration.notice.version == 1


def test_both_consents_are_recorded_with_their_time_and_the_notice_version(co_organised):
    before = timezone.now()
    answers = {f"q{co_organised.health.pk}": "Wheelchair access", f"q{co_organised.role.pk}": "PI"}

    response = _page(
        Client(),
        co_organised,
        _form(co_organised, 1, sensitive_consent="on", transfer_consent="on", **answers),
    )

    assert response.status_code == 200
    r = Registration.objects.get()
    assert (r.sensitive_consent, r.transfer_consent, r.notice.version) == (True, True, 1)
    assert before <= r.sensitive_consent_at == r.transfer_consent_at == r.consent_at
    assert r.transfer_recipients == [{"name": "Loma Linda University", "country": "US"}]
    assert r.answers == {
        str(co_organised.health.pk): "Wheelchair access",
        str(co_organised.role.pk): "PI",
    }
    data = services.registration_export(r)
    assert (data["privacy_notice_version"], data["transfer_consent"]) == (1, True)
    own_page = Client().get(r.get_absolute_url())
    consents = own_page.text.split('data-testid="consents"')[1].split("</dd>")[0]
    assert "Privacy notice v1" in consents
    assert "Sensitive information: gave consent" in consents
    assert "Transfer abroad: gave consent" in consents


def test_refusing_the_transfer_still_registers(co_organised):
    response = _page(
        Client(),
        co_organised,
        _form(co_organised, 1, sensitive_consent="on", **{f"q{co_organised.health.pk}": "None"}),
    )

    assert response.status_code == 200
    r = Registration.objects.get()
    assert (r.status, r.transfer_consent, r.sensitive_consent) == ("confirmed", False, True)
    assert r.transfer_consent_at is not None


def test_without_the_sensitive_consent_the_sensitive_questions_stay_unanswered(co_organised):
    """An answer to a sensitive question without the consent is refused with a message;
    left empty, the person is registered (the question is then not required) and
    nothing sensitive is stored."""
    health = f"q{co_organised.health.pk}"

    refused = _page(Client(), co_organised, _form(co_organised, 1, **{health: "Asthma"}))
    assert refused.status_code == 422
    assert refused.context["form"].errors[health] == [
        "Tick the consent to sensitive personal information to answer this question, or "
        "leave it empty."
    ]
    assert Registration.objects.count() == 0

    missing = _page(Client(), co_organised, _form(co_organised, 1, sensitive_consent="on"))
    assert missing.context["form"].errors[health] == ["This field is required."]

    accepted = _page(Client(), co_organised, _form(co_organised, 1))
    assert accepted.status_code == 200
    r = Registration.objects.get()
    assert (r.sensitive_consent, r.answers) == (False, {})


def test_the_office_publishes_a_new_notice_version_shown_in_both_languages(webinar, world, login):
    _page(Client(), webinar, _form(webinar, 1))
    assert login(world.coordinator).get("/privacy-notices/").status_code == 403

    office = login(world.office)
    response = office.post(
        "/privacy-notices/",
        {
            "text": "Version two of the notice.",
            "text_local": "第二版隐私声明。",
            "effective_at": "",
        },
    )
    assert response.status_code == 302
    listing = office.get("/privacy-notices/")
    assert "Version 2 of the privacy notice is published." in listing.text
    assert [(n.version, n.accepted) for n in listing.context["notices"]] == [(2, 0), (1, 1)]

    zh = Client(headers={"accept-language": "zh-hans"}).get(f"/activities/{webinar.pk}/register/")
    assert "第二版隐私声明。" in zh.text and "Version two of the notice." in zh.text
    assert zh.text.index("第二版隐私声明。") < zh.text.index("Version two of the notice.")
    _page(Client(), webinar, _form(webinar, 2, notice_version="2"))
    versions = dict(Registration.objects.values_list("email", "notice__version"))
    assert versions == {"zhang1@hospital.example.cn": 1, "zhang2@hospital.example.cn": 2}


def test_a_notice_changed_while_filling_in_the_form_is_shown_again(webinar):
    services.privacy_notice_current()
    services.privacy_notice_publish(text="New terms.", text_local="新条款。")

    response = _page(Client(), webinar, _form(webinar, 1, notice_version="1"))

    assert response.status_code == 422
    assert response.context["form"].errors["consent"] == [
        "The privacy notice was updated while you filled in the form: read the new version "
        "and tick the box again."
    ]
    assert "New terms." in response.text
    assert Registration.objects.count() == 0


def test_a_future_notice_applies_from_its_date(webinar):
    services.privacy_notice_current()
    services.privacy_notice_publish(
        text="Later.", text_local="以后。", effective_at=timezone.now() + timedelta(days=3)
    )

    assert services.privacy_notice_current().version == 1


def test_the_organiser_sees_and_filters_who_gave_which_consent(co_organised, world, login):
    health = f"q{co_organised.health.pk}"
    _page(Client(), co_organised, _form(co_organised, 1, transfer_consent="on"))
    _page(Client(), co_organised, _form(co_organised, 2, sensitive_consent="on", **{health: "x"}))

    office = login(world.office)
    page = office.get(f"/activities/{co_organised.pk}/registrants/")
    refused = office.get(f"/activities/{co_organised.pk}/registrants/?transfer=no")

    rows = page.text.split('data-testid="consents"')[1:]
    assert (
        "Transfer abroad: gave consent" in rows[0] and "Sensitive information: refused" in rows[0]
    )
    assert "Transfer abroad: refused" in rows[1]
    assert "Sensitive information: gave consent" in rows[1]
    assert "Privacy notice v1" in rows[0]
    assert [r.email for r in refused.context["page"].object_list] == ["zhang2@hospital.example.cn"]
    assert 'data-testid="export-for-partner"' in page.text


def test_the_export_for_the_partner_leaves_out_who_refused_the_transfer(co_organised, world, login):
    _page(Client(), co_organised, _form(co_organised, 1, transfer_consent="on"))
    _page(Client(), co_organised, _form(co_organised, 2))
    office = login(world.office)

    internal = office.get(f"/activities/{co_organised.pk}/registrants.csv")
    rows = list(csv.reader(io.StringIO(internal.content.decode("utf-8-sig"))))
    column = rows[0].index("Consent to transfer abroad")
    assert [(r[5], r[column]) for r in rows[1:]] == [
        ("zhang1@hospital.example.cn", "yes"),
        ("zhang2@hospital.example.cn", "refused"),
    ]
    assert rows[0][column - 2 : column] == [
        "Privacy notice version",
        "Consent to sensitive information",
    ]

    partner = office.get(f"/activities/{co_organised.pk}/registrants.xlsx?for=partner")
    assert "-for-partner-" in partner["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(partner.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # Only what the consent names: no answers (they may be sensitive), no delivery state.
    assert values[0] == [
        "Status",
        "Registered",
        "Family name",
        "Given name",
        "Name in local script",
        "Email",
        "Institution",
        "Country",
        "Profession",
    ]
    assert [row[5] for row in values[1:]] == ["zhang1@hospital.example.cn"]

    api = office.get(
        f"/api/v1/activities/{co_organised.pk}/registrations/export?format=csv&for_partner=true"
    )
    api_rows = list(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert [r[5] for r in api_rows[1:]] == ["zhang1@hospital.example.cn"]


def test_the_api_takes_the_same_consents(co_organised, world, login):
    client = Client()
    form = client.get(f"/api/v1/activities/{co_organised.pk}/registration-form").json()
    assert form["partners_abroad"] == [
        {"name": "Loma Linda University", "name_local": "", "country": "US"}
    ]
    assert [q["sensitive"] for q in form["questions"]] == [True, False]
    assert form["notice"]["version"] == 1
    assert client.get("/api/v1/privacy-notice").json()["text_local"] == form["notice"]["text_local"]

    payload = {
        **registrant(1),
        "consent": True,
        "notice_version": 1,
        "sensitive_consent": False,
        "transfer_consent": True,
        "answers": {str(co_organised.role.pk): "Nurse"},
    }
    response = client.post(
        f"/api/v1/activities/{co_organised.pk}/registrations",
        data=json.dumps(payload),
        content_type="application/json",
    )
    stale = client.post(
        f"/api/v1/activities/{co_organised.pk}/registrations",
        data=json.dumps({**payload, "email": "b@example.org", "notice_version": 7}),
        content_type="application/json",
    )

    assert response.status_code == 202
    r = Registration.objects.get()
    assert (r.sensitive_consent, r.transfer_consent, r.notice.version) == (False, True, 1)
    assert stale.status_code == 422
    assert list(stale.json()["errors"]) == ["consent"]
    listing = (
        login(world.office)
        .get(f"/api/v1/activities/{co_organised.pk}/registrations?transfer=yes")
        .json()
    )
    item = listing["items"][0]
    assert (item["notice_version"], item["transfer_consent"], item["sensitive_consent"]) == (
        1,
        True,
        False,
    )
    assert PrivacyNotice.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("office", 200), ("coordinator", 403), ("staff", 403), ("partner", 403)],
)
def test_only_office_staff_reach_the_notice_versions(world, login, role, status):
    response = login(world.user(role)).get("/privacy-notices/")

    assert response.status_code == status
    if status == 200:
        assert "Publish a new version" in response.text
    elif status == 302:
        assert response["Location"] == "/accounts/login/?next=/privacy-notices/"
    else:
        assert "Publish a new version" not in response.text
