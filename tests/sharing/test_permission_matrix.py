"""Every role × every page, download and API endpoint of experience sharing, and a
partner contact who tries to reach another institution's document every way there is.

The documents (tests/sharing/conftest.py ``library``): ``covid`` for all partners,
``guideline`` for Loma Linda (the partner contact's institution; owned by the Rehabilitation
coordinator), ``gosh`` for Great Ormond Street (owned by the Cardiology staff member) and
``internal`` (office staff's, filed under Cardiology)."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from amity.accounts.models import ApiToken
from amity.accounts.services import api_token_create
from amity.sharing.models import Document, DocumentVersion, DownloadLog
from tests.matrix import (
    FORBIDDEN,
    HOME_STAFF,
    LOGIN,
    MISSING,
    MISSING_TEXT,
    OK,
    ROLES,
    assert_page,
    everyone,
    only,
)
from tests.sharing.conftest import (
    GOSH_TEXT,
    GUIDELINE_TEXT,
    INTERNAL_TEXT,
    file_bytes,
    text_file,
)

pytestmark = pytest.mark.django_db


def _doc_url(name: str, attr: str, *extra):
    return lambda lib: reverse(name, args=[getattr(lib, attr).pk, *extra])


# (page, URL from the library, the page's own text, outcomes)
PAGES = [
    (
        "document list",
        lambda lib: reverse("sharing:document_list"),
        "COVID-19 in children: the ZCH experience",
        everyone(),
    ),
    (
        "document for all partners",
        lambda lib: lib.covid.get_absolute_url(),
        "儿童新冠肺炎诊治经验",
        everyone(),
    ),
    (
        "document for the partner's institution",
        lambda lib: lib.guideline.get_absolute_url(),
        "Home speech rehabilitation guideline",
        everyone(),
    ),
    (
        "document for another institution",
        lambda lib: lib.gosh.get_absolute_url(),
        "Great Ormond Street perioperative protocol",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "internal document",
        lambda lib: lib.internal.get_absolute_url(),
        "ECMO drill checklist",
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "share a document",
        lambda lib: reverse("sharing:document_create"),
        "Describe it in English, Chinese or both",
        only(*HOME_STAFF),
    ),
    (
        "edit a document of the coordinator's department (and own)",
        _doc_url("sharing:document_edit", "guideline"),
        "Edit Home speech rehabilitation guideline",
        only("office", "coordinator"),
    ),
    (
        "edit the staff member's own document",
        _doc_url("sharing:document_edit", "gosh"),
        "Edit Great Ormond Street perioperative protocol",
        only("office", "staff", partner=MISSING),
    ),
    (
        "edit an internal document of office staff",
        _doc_url("sharing:document_edit", "internal"),
        "Edit ECMO drill checklist",
        only("office", partner=MISSING),
    ),
    (
        "edit a document for all partners",
        _doc_url("sharing:document_edit", "covid"),
        "Edit COVID-19 in children",
        only("office"),
    ),
    (
        "new version of the coordinator's document",
        _doc_url("sharing:version_add", "guideline"),
        "Upload version 2",
        only("office", "coordinator"),
    ),
    (
        "new version of the staff member's document",
        _doc_url("sharing:version_add", "gosh"),
        "Upload version 2",
        only("office", "staff", partner=MISSING),
    ),
    (
        "new version of an internal document",
        _doc_url("sharing:version_add", "internal"),
        "Upload version 2",
        only("office", partner=MISSING),
    ),
    (
        "download log",
        lambda lib: reverse("sharing:download_log"),
        "No downloads yet.",
        only("office"),
    ),
    (
        "download log of one document",
        lambda lib: reverse("sharing:download_log") + f"?document={lib.covid.pk}",
        "0 downloads of “COVID-19 in children: the ZCH experience”",
        only("office"),
    ),
]


def _cells(table):
    for name, url, expected, outcomes in table:
        for role in ROLES:
            yield pytest.param(url, expected, role, outcomes[role], id=f"{name}-{role}")


@pytest.mark.parametrize(("url", "text", "role", "outcome"), list(_cells(PAGES)))
def test_page_shows_each_role_what_it_may_see(world, library, login, url, text, role, outcome):
    client = login(world.user(role))
    target = url(library)
    _assert_page(client.get(target), url=target, text=text, outcome=outcome)


def _assert_page(response, *, url, text, outcome):
    """``tests.matrix.assert_page``, also for URLs with a query (which the login
    redirect carries encoded in ``next``)."""
    if outcome == LOGIN:
        assert response.status_code == 302
        query = urlencode({"next": url}, safe="/")
        assert response["Location"] == f"{reverse('accounts:login')}?{query}"
    else:
        assert_page(response, url=url, text=text, outcome=outcome)


# (download, URL, the file's bytes, outcomes)
DOWNLOADS = [
    (
        "current version for all partners",
        _doc_url("sharing:document_download", "covid"),
        b"%PDF-",
        everyone(),
    ),
    (
        "version 1 for the partner's institution",
        _doc_url("sharing:version_download", "guideline", 1),
        GUIDELINE_TEXT.encode(),
        everyone(),
    ),
    (
        "current version for another institution",
        _doc_url("sharing:document_download", "gosh"),
        GOSH_TEXT.encode(),
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "version 1 of an internal document",
        _doc_url("sharing:version_download", "internal", 1),
        INTERNAL_TEXT.encode(),
        only(*HOME_STAFF, partner=MISSING),
    ),
]


@pytest.mark.parametrize(("url", "content", "role", "outcome"), list(_cells(DOWNLOADS)))
def test_download_answers_each_role_and_logs_only_what_it_served(
    world, library, login, url, content, role, outcome
):
    user = world.user(role)
    client = login(user)
    target = url(library)
    response = client.get(target)
    if outcome == OK:
        assert response.status_code == 200
        assert file_bytes(response).startswith(content)
        assert response["Content-Disposition"].startswith("attachment; ")
        assert [(e.user, e.via) for e in DownloadLog.objects.all()] == [(user, "web")]
    elif outcome == MISSING:
        assert response.status_code == 404
        assert MISSING_TEXT in response.content.decode()
        assert DownloadLog.objects.count() == 0
    else:
        _assert_page(response, url=target, text="", outcome=outcome)
        assert DownloadLog.objects.count() == 0


# API: (name, path from the library, check for an allowed caller, outcomes)
API = [
    (
        "documents",
        lambda lib: "/api/v1/documents",
        lambda lib, data, role: (
            {d["title"] for d in data["items"]}
            == (
                {lib.covid.title, lib.guideline.title}
                if role == "partner"
                else {lib.covid.title, lib.guideline.title, lib.gosh.title, lib.internal.title}
            )
        ),
        everyone(),
    ),
    (
        "document for all partners",
        lambda lib: f"/api/v1/documents/{lib.covid.pk}",
        lambda lib, data, role: (
            data["title_local"] == "儿童新冠肺炎诊治经验"
            and [v["number"] for v in data["versions"]] == [1]
        ),
        everyone(),
    ),
    (
        "document for another institution",
        lambda lib: f"/api/v1/documents/{lib.gosh.pk}",
        lambda lib, data, role: data["shared_with"] == ["Great Ormond Street Hospital"],
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "internal document",
        lambda lib: f"/api/v1/documents/{lib.internal.pk}",
        lambda lib, data, role: data["scope"] == "internal",
        only(*HOME_STAFF, partner=MISSING),
    ),
]

API_DOWNLOADS = [
    (
        "download for the partner's institution",
        lambda lib: f"/api/v1/documents/{lib.guideline.pk}/download",
        GUIDELINE_TEXT.encode(),
        everyone(),
    ),
    (
        "version 1 for another institution",
        lambda lib: f"/api/v1/documents/{lib.gosh.pk}/versions/1/download",
        GOSH_TEXT.encode(),
        only(*HOME_STAFF, partner=MISSING),
    ),
    (
        "download an internal document",
        lambda lib: f"/api/v1/documents/{lib.internal.pk}/download",
        INTERNAL_TEXT.encode(),
        only(*HOME_STAFF, partner=MISSING),
    ),
]


def _bearer(client, user):
    if user is None:
        return {}
    _token, raw = api_token_create(user=user, name="matrix")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _assert_refused(response, outcome):
    if outcome == LOGIN:
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
    elif outcome == FORBIDDEN:
        assert response.status_code == 403
        assert response.json() == {"detail": "You do not have permission to do this."}
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(("url", "check", "role", "outcome"), list(_cells(API)))
def test_api_answers_each_role_with_what_it_may_see(
    world, library, client, url, check, role, outcome
):
    response = client.get(url(library), **_bearer(client, world.user(role)))
    if outcome == OK:
        assert response.status_code == 200
        assert check(library, response.json(), role)
    else:
        _assert_refused(response, outcome)


@pytest.mark.parametrize(("url", "content", "role", "outcome"), list(_cells(API_DOWNLOADS)))
def test_api_download_answers_each_role_and_logs_only_what_it_served(
    world, library, client, url, content, role, outcome
):
    user = world.user(role)
    response = client.get(url(library), **_bearer(client, user))
    if outcome == OK:
        assert response.status_code == 200
        assert file_bytes(response) == content
        assert response["X-Content-Type-Options"] == "nosniff"
        assert [(e.user, e.via) for e in DownloadLog.objects.all()] == [(user, "api")]
    else:
        _assert_refused(response, outcome)
        assert DownloadLog.objects.count() == 0
    assert ApiToken.objects.count() == (0 if user is None else 1)


def test_a_partner_contact_cannot_reach_another_institutions_document_any_way(
    world, library, login, client
):
    """Great Ormond Street's contact (institution A) tries Loma Linda's guideline and the
    internal document (institution B's and nobody's) by page, by API, by download URL and
    by guessing version numbers and ids: every answer is 404 or 403, nothing is logged."""
    intruder = library.gosh_user
    browser = login(intruder)
    targets = [library.guideline, library.internal]
    version_ids = list(
        DocumentVersion.objects.filter(document__in=targets).values_list("pk", flat=True)
    )
    numbers = sorted({1, 2, 3, *version_ids})
    page_urls = []
    for document in targets:
        page_urls += [
            document.get_absolute_url(),
            reverse("sharing:document_edit", args=[document.pk]),
            reverse("sharing:version_add", args=[document.pk]),
            reverse("sharing:document_download", args=[document.pk]),
            *(reverse("sharing:version_download", args=[document.pk, n]) for n in numbers),
        ]
    # A version id of the other document put under a document the intruder may see.
    page_urls += [
        reverse("sharing:version_download", args=[library.gosh.pk, n]) for n in version_ids
    ]
    page_urls.append(reverse("sharing:download_log") + f"?document={library.guideline.pk}")
    for url in page_urls:
        response = browser.get(url)
        assert response.status_code in {403, 404}, url
        body = b"" if response.streaming else response.content
        assert GUIDELINE_TEXT.encode() not in body and INTERNAL_TEXT.encode() not in body
        assert b"Home speech rehabilitation guideline" not in body
    # Writing is refused as well, and changes nothing.
    for document in targets:
        response = browser.post(
            reverse("sharing:document_edit", args=[document.pk]),
            {"title": "Taken over", "kind": "other", "scope": "all_partners"},
        )
        assert response.status_code == 404
        response = browser.post(
            reverse("sharing:version_add", args=[document.pk]), {"note": "Mine now"}
        )
        assert response.status_code == 404
        document.refresh_from_db()
        assert document.title != "Taken over"
        assert document.versions.count() == 1
    headers = _bearer(client, intruder)
    api_paths = []
    for document in targets:
        api_paths += [
            f"/api/v1/documents/{document.pk}",
            f"/api/v1/documents/{document.pk}/download",
            *(f"/api/v1/documents/{document.pk}/versions/{n}/download" for n in numbers),
        ]
    api_paths += [f"/api/v1/documents/{library.gosh.pk}/versions/{n}/download" for n in version_ids]
    client.logout()
    for path in api_paths:
        response = client.get(path, **headers)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    listing = client.get("/api/v1/documents", **headers).json()
    assert {d["title"] for d in listing["items"]} == {library.covid.title, library.gosh.title}
    searched = client.get("/api/v1/documents", {"q": "speech rehabilitation"}, **headers).json()
    assert searched["count"] == 0
    assert DownloadLog.objects.count() == 0


# Writes: (action, URL, form data, outcomes); refused writes change nothing.
WRITES = [
    (
        "share a document",
        lambda lib: reverse("sharing:document_create"),
        {"title": "Posted", "kind": "other", "scope": "internal", "link": ""},
        only(*HOME_STAFF),
    ),
    (
        "edit the coordinator's document",
        _doc_url("sharing:document_edit", "guideline"),
        {"title": "Posted", "kind": "guideline", "scope": "internal"},
        only("office", "coordinator"),
    ),
    (
        "new version of the staff member's document",
        _doc_url("sharing:version_add", "gosh"),
        {"note": "Posted"},
        only("office", "staff", partner=MISSING),
    ),
]


@pytest.mark.parametrize(("url", "data", "role", "outcome"), list(_cells(WRITES)))
def test_writes_answer_each_role_and_refusals_change_nothing(
    world, library, login, url, data, role, outcome
):
    client = login(world.user(role))
    target = url(library)
    before = {d.pk: (d.title, d.versions.count()) for d in Document.objects.all()}
    response = client.post(target, {**data, "file": text_file("posted.txt", "Posted text")})
    after = {d.pk: (d.title, d.versions.count()) for d in Document.objects.all()}
    if outcome == OK:
        assert response.status_code == 302
        changed = {pk: value for pk, value in after.items() if before.get(pk) != value}
        assert len(changed) == 1
        (title, versions) = next(iter(changed.values()))
        assert title == "Posted" or versions == 2
    else:
        if outcome == LOGIN:
            _assert_page(response, url=target, text="", outcome=LOGIN)
        else:
            assert response.status_code == (403 if outcome == FORBIDDEN else 404)
        assert after == before
