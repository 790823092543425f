"""The letter pages as the office uses them: write (from a template), see errors where
they are, preview every recipient's letter a page at a time, follow the progress, record
replies and letters received; and the read-only API's filters."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amity.relations import services
from amity.relations.models import Campaign, IncomingLetter, RecipientList, Reply
from tests.factories import InstitutionFactory, PersonFactory
from tests.relations.conftest import BODY_EN, BODY_ZH, pdf_upload

pytestmark = pytest.mark.django_db


def _campaign_form(**overrides) -> dict:
    return {
        "name": "Thanks for the masks",
        "letter_date": "2020-04-10",
        "language_mode": "auto",
        "delivery": "email",
        "subject_en": "Thank you, {name}",
        "body_en": BODY_EN,
        "subject_zh": "感谢",
        "body_zh": BODY_ZH,
        **overrides,
    }


def test_writing_a_letter_with_a_typo_in_a_placeholder_shows_where(world, client):
    client.force_login(world.office)
    response = client.post(
        reverse("relations:campaign_create"), _campaign_form(body_en="Dear {nmae},")
    )
    body = response.content.decode()
    assert "Please correct the errors below." in body
    assert (
        "Unknown placeholder {nmae}. The placeholders are {partner}, {salutation}, {name}, "
        "{date}." in body
    )
    assert Campaign.objects.count() == 0


def test_a_letter_started_from_a_template_carries_its_texts(world, client):
    template = services.template_save(
        template=None,
        fields={"name": "Solidarity", "subject_en": "With you", "body_en": "{salutation},"},
    )
    client.force_login(world.office)
    url = reverse("relations:campaign_create") + f"?template={template.pk}"
    form = client.get(url).context["form"]
    assert (form["name"].value(), form["subject_en"].value()) == ("Solidarity", "With you")

    response = client.post(url, _campaign_form(name="Solidarity 2020", countries=["GB"]))

    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("relations:campaign_preview", args=[campaign.pk])
    assert (campaign.template, campaign.countries) == (template, ["GB"])


def test_the_preview_shows_every_recipients_letter_twenty_to_a_page(
    world, contacts, make_campaign, client
):
    for n in range(40):
        PersonFactory(institution=contacts.stanford, family_name=f"Zz{n:02d}", given_name="Sam")
    PersonFactory(institution=contacts.stanford, family_name="Noemail", email="")
    campaign = make_campaign()
    client.force_login(world.office)
    url = reverse("relations:campaign_preview", args=[campaign.pk])

    first = client.get(url)
    body = first.content.decode()
    assert "45 recipients will get this letter, each in their own language." in body
    assert "1 person matching the filters has no email address and is left out." in body
    assert "Send to 45 recipients" in body
    assert "Page 1 of 3" in body
    letters = first.context["letters"]
    assert len(letters) == 20
    # Institutions in alphabetical order: Great Ormond Street, Hong Kong, KKH, Loma Linda…
    assert [(p.person.full_name, p.language) for p in letters[:4]] == [
        ("Oliver Hughes", "en"),
        ("Chan Tai Man", "zh"),
        ("Tan Wei Ling", "both"),
        ("Emily Carter", "en"),
    ]
    assert "尊敬的陈大文教授：" in body and "Dear Dr. Tan," in body and "尊敬的陈伟玲博士：" in body
    last = client.get(url, {"page": 3})
    assert len(last.context["letters"]) == 5
    assert last.context["letters"][-1].parts[0][2].startswith("Dear Sam Zz39,\n\nOur thoughts")


def test_a_sent_letter_cannot_be_edited(world, correspondence, client):
    client.force_login(world.office)
    url = reverse("relations:campaign_edit", args=[correspondence.campaign.pk])
    response = client.get(url, follow=True)
    assert "This letter was sent; it cannot change." in response.content.decode()
    with pytest.raises(Exception, match="a sent letter cannot change"):
        services.campaign_update(campaign=correspondence.campaign, fields={"name": "Changed"})


def test_the_progress_page_counts_letters_by_delivery_state(world, correspondence, client):
    client.force_login(world.staff)
    response = client.get(correspondence.campaign.get_absolute_url())
    body = response.content.decode()
    assert response.context["progress"]["queued"] == 2
    assert '<strong data-count="queued">2</strong>' in body
    assert '<strong data-count="sent">0</strong>' in body
    assert "This page updates itself while letters are being sent." in body
    assert "/static/relations/letters.js" in body
    assert [letter.recipient_name for letter in response.context["page"]] == [
        "Oliver Hughes",
        "Emily Carter",
    ]


def test_a_reply_is_recorded_with_its_scan(world, correspondence, client):
    client.force_login(world.office)
    response = client.post(
        reverse("relations:reply_create", args=[correspondence.other_letter.pk]),
        {
            "received_on": "2020-04-03",
            "summary": "Thank you; the masks will go to the NICU.",
            "upload": pdf_upload("Reply from GOSH.pdf"),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "The reply was recorded." in body
    assert "Thank you; the masks will go to the NICU." in body
    reply = Reply.objects.get(letter=correspondence.other_letter)
    assert (reply.received_on, reply.file_name, reply.recorded_by) == (
        date(2020, 4, 3),
        "Reply from GOSH.pdf",
        world.office,
    )


def test_a_letter_received_is_logged_against_the_institution(world, correspondence, client):
    client.force_login(world.office)
    url = reverse("relations:incoming_create", args=[world.partner.pk])
    bad = client.post(
        url,
        {
            "received_on": "2020-06-01",
            "subject": "Invitation",
            "sender": world.other_partner_contact.pk,
            "upload": SimpleUploadedFile("invite.pdf", b"MZ\x90\x00 an executable"),
        },
    )
    assert "Select a valid choice." in bad.content.decode()  # not a Loma Linda person
    assert "The file&#x27;s content is not a PDF, PNG or JPEG image" in bad.content.decode()
    response = client.post(
        url,
        {
            "received_on": "2020-06-01",
            "subject": "Invitation to the autumn symposium",
            "sender": world.partner_contact.person.pk,
        },
        follow=True,
    )
    assert "The letter received was logged." in response.content.decode()
    assert "Invitation to the autumn symposium" in response.content.decode()
    assert IncomingLetter.objects.filter(institution=world.partner).count() == 2


def test_a_recipient_list_keeps_hospital_staff_out(world, client):
    client.force_login(world.office)
    response = client.post(
        reverse("relations:list_create"),
        {"name": "Mixed", "people": [world.partner_contact.person.pk, world.staff.person.pk]},
    )
    assert "Select a valid choice." in response.content.decode()
    client.post(
        reverse("relations:list_create"),
        {"name": "Loma Linda", "people": [world.partner_contact.person.pk]},
    )
    assert list(RecipientList.objects.get().people.all()) == [world.partner_contact.person]


def test_campaign_list_takes_a_fixed_number_of_queries(
    world, make_campaign, client, django_assert_max_num_queries
):
    for n in range(15):
        make_campaign(name=f"Letter {n}")
    client.force_login(world.office)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("relations:campaign_list"))
    assert len(response.context["page"]) == 15


# --- the API -----------------------------------------------------------------------------


def test_agreements_api_filters_by_institution_status_and_expiry(world, correspondence, client):
    zurich = InstitutionFactory(name="University Children's Hospital Zurich", country="CH")
    services.agreement_create(
        fields={
            "title": "Surgery training",
            "kind": "mou",
            "signed_on": date(2008, 4, 1),
            "expires_on": date(2013, 3, 31),
            "status": "active",
        },
        partners=[zurich],
    )
    client.force_login(world.staff)

    def titles(**query):
        return [a["title"] for a in client.get("/api/v1/agreements", query).json()["items"]]

    assert titles(status="expired") == ["Surgery training"]
    assert titles(status="active") == [
        "Neonatal nursing research",
        "Speech rehabilitation exchange",
    ]
    assert titles(institution=world.partner.pk) == ["Speech rehabilitation exchange"]
    assert titles(expiring_before="2032-06-01") == ["Surgery training", "Neonatal nursing research"]
    bad = client.get("/api/v1/agreements", {"status": "lost"})
    assert bad.status_code == 422


def test_letters_api_filters_by_campaign_and_institution(
    world, correspondence, make_campaign, client
):
    services.campaign_send(
        campaign=make_campaign(name="Masks", countries=["GB"]), user=world.office
    )
    client.force_login(world.office)
    letters = client.get("/api/v1/letters", {"campaign": correspondence.campaign.pk}).json()
    assert sorted(item["recipient"]["full_name"] for item in letters["items"]) == [
        "Emily Carter",
        "Oliver Hughes",
    ]
    gosh = client.get("/api/v1/letters", {"institution": world.other_partner.pk}).json()
    assert [item["campaign"]["name"] for item in gosh["items"]] == [
        "Masks",
        "Letter of solidarity, March 2020",
    ]
    one = client.get(f"/api/v1/letters/{correspondence.own_letter.pk}").json()
    assert one["body_en"].startswith("Dear Emily Carter,\n\nOur thoughts are with everyone at")
    assert one["language"] == "en"
    assert one["pdf_url"] == (
        f"http://testserver/letters/{correspondence.own_letter.pk}/letter.pdf"
    )


def test_openapi_lists_the_relations_endpoints(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert {
        "/api/v1/partners/{institution_id}/timeline",
        "/api/v1/agreements",
        "/api/v1/agreements/{agreement_id}",
        "/api/v1/letters",
        "/api/v1/letters/{letter_id}",
    } <= paths
