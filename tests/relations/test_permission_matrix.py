"""Every role × every page, download and API endpoint of agreements and letters: the page
itself (recognised by its own text), "not allowed" (403), "does not exist" (404) or the
login page. A partner contact reads their own institution's agreements and the letters
addressed to them — and nothing of another institution, however the URL is reached."""

import pytest
from django.urls import reverse

from amity.accounts.models import ApiToken
from amity.relations.models import Letter
from tests.matrix import (
    FORBIDDEN,
    FORBIDDEN_TEXT,
    HOME_STAFF,
    LOGIN,
    MISSING,
    MISSING_TEXT,
    OK,
    ROLES,
    assert_page,
    cells,
    everyone,
    only,
)

pytestmark = pytest.mark.django_db


def _url(name, attr=None):
    return lambda c: reverse(f"relations:{name}", args=[getattr(c, attr).pk] if attr else [])


# (page, URL from the correspondence, the page's own text, outcomes)
PAGES = [
    ("agreement list", _url("agreement_list"), "Speech rehabilitation exchange", everyone()),
    (
        "own institution's agreement",
        _url("agreement_detail", "own_agreement"),
        "Speech rehabilitation exchange",
        everyone(),
    ),
    (
        "another institution's agreement",
        _url("agreement_detail", "other_agreement"),
        "Neonatal nursing research",
        only(*HOME_STAFF, partner=MISSING),
    ),
    ("add agreement", _url("agreement_create"), "Add agreement", only("office")),
    (
        "edit agreement",
        _url("agreement_edit", "own_agreement"),
        "Edit Speech rehabilitation exchange",
        only("office"),
    ),
    ("letters", _url("campaign_list"), "Letters to partners", only(*HOME_STAFF)),
    ("write a letter", _url("campaign_create"), "Write a letter", only("office")),
    (
        "sent campaign with its progress",
        _url("campaign_detail", "campaign"),
        "Delivered to the mail server",
        only(*HOME_STAFF),
    ),
    (
        "draft campaign",
        _url("campaign_detail", "draft"),
        "Thanks for the masks",
        only(*HOME_STAFF),
    ),
    (
        "edit draft",
        _url("campaign_edit", "draft"),
        "Edit Thanks for the masks",
        only("office"),
    ),
    (
        "preview draft",
        _url("campaign_preview", "draft"),
        "Preview: Thanks for the masks",
        only("office"),
    ),
    (
        "letter to the partner contact",
        _url("letter_detail", "own_letter"),
        "With you, Emily Carter",
        everyone(),
    ),
    (
        "letter to another institution",
        _url("letter_detail", "other_letter"),
        "With you, Oliver Hughes",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "record a reply",
        _url("reply_create", "own_letter"),
        "Record a reply",
        only("office"),
    ),
    (
        "log a letter received",
        lambda c: reverse("relations:incoming_create", args=[c.own_letter.institution_id]),
        "Log a letter received",
        only("office"),
    ),
    ("templates", _url("template_list"), "Season&#x27;s greetings", only("office")),
    ("add template", _url("template_create"), "Add template", only("office")),
    (
        "edit template",
        _url("template_edit", "template"),
        "Edit Season&#x27;s greetings",
        only("office"),
    ),
    ("recipient lists", _url("list_list"), "CICU call sites", only("office")),
    ("add recipient list", _url("list_create"), "Add list", only("office")),
    (
        "edit recipient list",
        _url("list_edit", "recipient_list"),
        "Edit CICU call sites",
        only("office"),
    ),
]


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(cells(PAGES)))
def test_page_shows_each_role_what_it_may_see(
    world, correspondence, login, url, text, role, outcome
):
    client = login(world.user(role))
    target = url(correspondence)
    assert_page(client.get(target), url=target, text=text, outcome=outcome)


# Downloads: (name, URL, bytes or text the file holds, outcomes)
DOWNLOADS = [
    (
        "own agreement's signed copy",
        _url("agreement_file", "own_agreement"),
        b"Loma Linda agreement",
        everyone(),
    ),
    (
        "another institution's signed copy",
        _url("agreement_file", "other_agreement"),
        b"GOSH agreement",
        only(*HOME_STAFF, partner=MISSING),
    ),
    ("own letter as PDF", _url("letter_pdf", "own_letter"), "Dear Emily Carter,", everyone()),
    (
        "another institution's letter as PDF",
        _url("letter_pdf", "other_letter"),
        "Dear Oliver Hughes,",
        only(*HOME_STAFF, partner=MISSING),
    ),
    ("scan of a reply", _url("reply_file", "reply"), b"Reply", only(*HOME_STAFF)),
    (
        "scan of a letter received",
        _url("incoming_file", "received"),
        b"Materials",
        only(*HOME_STAFF),
    ),
    (
        "all letters of a campaign",
        _url("campaign_pdf", "campaign"),
        "Dear Oliver Hughes,",
        only(*HOME_STAFF),
    ),
]


def _pdf_contains(content: bytes, expected) -> bool:
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    if isinstance(expected, bytes):
        # Uploaded files: the test PDFs were written with the text as a content string.
        return expected.decode() in text
    return expected in text


def _download_cells():
    for name, url, expected, outcomes in DOWNLOADS:
        for role in ROLES:
            yield pytest.param(url, expected, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "expected", "role", "outcome"), list(_download_cells()))
def test_download_gives_the_file_only_to_who_may_read_it(
    world, correspondence, login, url, expected, role, outcome
):
    client = login(world.user(role))
    target = url(correspondence)
    response = client.get(target)
    if outcome == OK:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert _pdf_contains(content, expected)
    elif outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
    else:
        assert response.status_code == {FORBIDDEN: 403, MISSING: 404}[outcome]
        assert (FORBIDDEN_TEXT if outcome == FORBIDDEN else MISSING_TEXT) in (
            response.content.decode()
        )


@pytest.mark.parametrize(
    ("role", "outcome"),
    [(role, {"anonymous": LOGIN, "office": OK}.get(role, FORBIDDEN)) for role in ROLES],
)
def test_only_office_staff_send_a_letter(world, correspondence, login, role, outcome):
    client = login(world.user(role))
    target = reverse("relations:campaign_send", args=[correspondence.draft.pk])
    response = client.post(target)
    letters = Letter.objects.filter(campaign=correspondence.draft).count()
    if outcome == OK:
        assert response["Location"] == correspondence.draft.get_absolute_url()
        assert letters == 2
    elif outcome == LOGIN:
        assert response["Location"] == f"{reverse('accounts:login')}?next={target}"
        assert letters == 0
    else:
        assert response.status_code == 403
        assert letters == 0


@pytest.mark.parametrize(
    ("role", "outcome"),
    [(role, {"anonymous": LOGIN, "partner": FORBIDDEN}.get(role, OK)) for role in ROLES],
)
def test_progress_counts_are_for_hospital_staff(world, correspondence, login, role, outcome):
    client = login(world.user(role))
    response = client.get(reverse("relations:campaign_progress", args=[correspondence.campaign.pk]))
    if outcome == OK:
        assert response.json() == {
            "sent": 0,
            "queued": 2,
            "sending": 0,
            "retrying": 0,
            "failed": 0,
            "pdf": 0,
            "total": 2,
            "done": False,
        }
    else:
        assert response.status_code == {LOGIN: 302, FORBIDDEN: 403}[outcome]


# API: (name, URL, JSON check for an allowed caller, outcomes)
API = [
    (
        "agreements",
        lambda c: "/api/v1/agreements",
        lambda c, data, role: (
            [a["title"] for a in data["items"]]
            == (
                ["Speech rehabilitation exchange"]
                if role == "partner"
                else ["Neonatal nursing research", "Speech rehabilitation exchange"]
            )
        ),
        everyone(),
    ),
    (
        "own institution's agreement",
        lambda c: f"/api/v1/agreements/{c.own_agreement.pk}",
        lambda c, data, role: (
            data["status"] == "active"
            and data["partners"][0]["name"] == "Loma Linda University"
            and data["file_url"].endswith(f"/agreements/{c.own_agreement.pk}/file/")
        ),
        everyone(),
    ),
    (
        "another institution's agreement",
        lambda c: f"/api/v1/agreements/{c.other_agreement.pk}",
        lambda c, data, role: data["title"] == "Neonatal nursing research",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "letters",
        lambda c: "/api/v1/letters",
        lambda c, data, role: (
            sorted(letter["recipient"]["full_name"] for letter in data["items"])
            == (["Emily Carter"] if role == "partner" else ["Emily Carter", "Oliver Hughes"])
        ),
        everyone(),
    ),
    (
        "letter to the partner contact",
        lambda c: f"/api/v1/letters/{c.own_letter.pk}",
        lambda c, data, role: (
            data["subject"] == "With you, Emily Carter" and data["delivery"] == "queued"
        ),
        everyone(),
    ),
    (
        "letter to another institution",
        lambda c: f"/api/v1/letters/{c.other_letter.pk}",
        lambda c, data, role: data["institution"]["name"] == "Great Ormond Street Hospital",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "own institution's timeline",
        lambda c: f"/api/v1/partners/{c.own_letter.institution_id}/timeline",
        lambda c, data, role: (
            [(e["kind"], e["what"]) for e in data["items"]]
            == (
                [
                    ("agreement", "Agreement expires"),
                    ("letter", "Letter sent"),
                    ("agreement", "Agreement signed"),
                ]
                if role == "partner"
                else [
                    ("agreement", "Agreement expires"),
                    ("letter", "Letter sent"),
                    ("agreement", "Agreement signed"),
                    ("letter", "Letter received"),
                    ("letter", "Reply received"),
                ]
            )
        ),
        everyone(),
    ),
    (
        "another institution's timeline",
        lambda c: f"/api/v1/partners/{c.other_letter.institution_id}/timeline",
        lambda c, data, role: data["count"] == 4,
        only(*HOME_STAFF, partner=MISSING),
    ),
]


def _api_cells():
    for name, url, check, outcomes in API:
        for role in ROLES:
            yield pytest.param(url, check, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_api_cells()))
def test_api_answers_each_role_with_what_it_may_see(
    world, correspondence, client, url, check, role, outcome
):
    from amity.accounts.services import api_token_create

    headers = {}
    user = world.user(role)
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix")
        headers["Authorization"] = f"Bearer {raw}"
    response = client.get(url(correspondence), headers=headers)
    if outcome == OK:
        assert response.status_code == 200
        assert check(correspondence, response.json(), role)
    elif outcome == LOGIN:
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
    elif outcome == MISSING:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == (0 if user is None else 1)


def test_a_partner_contact_guessing_urls_reads_nothing_of_another_institution(
    world, correspondence, login
):
    """Every id of the other institution's agreements, letters and files, by page,
    download and API: never a byte of it."""
    client = login(world.partner_contact)
    c = correspondence
    guesses = [
        reverse("relations:agreement_detail", args=[c.other_agreement.pk]),
        reverse("relations:agreement_edit", args=[c.other_agreement.pk]),
        reverse("relations:agreement_file", args=[c.other_agreement.pk]),
        reverse("relations:letter_detail", args=[c.other_letter.pk]),
        reverse("relations:letter_pdf", args=[c.other_letter.pk]),
        reverse("relations:reply_create", args=[c.other_letter.pk]),
        reverse("relations:incoming_file", args=[c.other_received.pk]),
        reverse("relations:incoming_create", args=[world.other_partner.pk]),
        reverse("relations:campaign_pdf", args=[c.campaign.pk]),
        world.other_partner.get_absolute_url(),
        world.other_partner.get_absolute_url() + "?kind=agreement",
        f"/api/v1/agreements/{c.other_agreement.pk}",
        f"/api/v1/agreements?institution={world.other_partner.pk}",
        f"/api/v1/letters/{c.other_letter.pk}",
        f"/api/v1/letters?institution={world.other_partner.pk}",
        f"/api/v1/partners/{world.other_partner.pk}/timeline",
    ]
    secrets = [
        "Neonatal nursing research",
        "GOSH agreement",
        "Oliver Hughes",
        "Masks arrived",
        "Great Ormond Street",
    ]
    for url in guesses:
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode(errors="replace")
        assert response.status_code in {200, 403, 404}, url
        if response.status_code == 200:  # only the API's filtered lists answer
            assert response.json()["count"] == 0, url
        for secret in secrets:
            assert secret not in body, (url, secret)
