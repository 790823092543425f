"""Shared documents in the JSON API: the same search, filters, permissions and logged
downloads as the pages, all described in the OpenAPI document."""

import pytest

from amity.sharing import services
from amity.sharing.models import DownloadLog
from tests.sharing.conftest import file_bytes, text_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    def _as(user):
        client.logout()
        client.force_login(user)
        return client

    return _as


def test_documents_are_searched_in_chinese_and_ranked(world, library, api):
    data = api(world.partner_contact).get("/api/v1/documents", {"q": "儿童 心脏"}).json()
    assert data["count"] == 1
    (item,) = data["items"]
    assert item["title"] == library.covid.title
    # 儿童: Chinese title (8) and summary (2); 心脏: the Chinese summary (2).
    assert item["score"] == 8 + 2 + 2
    assert item["tags"] == [{"slug": "covid-19", "name": "COVID-19", "name_local": "新冠肺炎"}]
    assert item["scope"] == "all_partners"
    assert item["current_version"] == 1
    assert item["url"] == f"http://testserver/documents/{library.covid.pk}/"
    assert item["download_url"] == f"http://testserver/api/v1/documents/{library.covid.pk}/download"


def test_documents_are_filtered_and_paged(world, library, api):
    client = api(world.office)
    by_tag = client.get("/api/v1/documents", {"tag": "cardiac-icu"}).json()
    assert [d["title"] for d in by_tag["items"]] == [library.internal.title, library.gosh.title]
    by_kind = client.get("/api/v1/documents", {"kind": "guideline"}).json()
    assert [d["title"] for d in by_kind["items"]] == [library.guideline.title]
    for n in range(20):
        services.document_create(
            fields={"title": f"Handout {n}", "kind": "other", "scope": "internal"},
            owner=world.office,
            upload=text_file("h.txt", "x"),
        )
    first = client.get("/api/v1/documents").json()
    assert (first["count"], len(first["items"])) == (24, 20)
    second = client.get("/api/v1/documents", {"page": 2}).json()
    assert len(second["items"]) == 4
    assert all(item["score"] is None for item in first["items"])


def test_document_metadata_lists_every_version(world, library, api):
    services.version_add(
        document=library.guideline,
        uploaded_by=world.coordinator,
        note="Shorter sessions.",
        upload=text_file("home-rehab-v2.txt", "v2"),
    )
    data = api(world.partner_contact).get(f"/api/v1/documents/{library.guideline.pk}").json()
    assert data["shared_with"] == []  # partners are not told who else received it
    assert [
        (v["number"], v["original_name"], v["note"], v["size"], v["is_link"])
        for v in data["versions"]
    ] == [
        (2, "home-rehab-v2.txt", "Shorter sessions.", 2, False),
        (1, "home-rehab.txt", "", 50, False),
    ]
    assert data["versions"][1]["download_url"] == (
        f"http://testserver/documents/{library.guideline.pk}/versions/1/download/"
    )
    office = api(world.office).get(f"/api/v1/documents/{library.guideline.pk}").json()
    assert office["shared_with"] == ["Loma Linda University"]
    assert office["department"] == "rehabilitation"


def test_api_download_of_an_older_version_is_logged_as_api(world, library, api):
    services.version_add(
        document=library.guideline,
        uploaded_by=world.coordinator,
        note="New",
        upload=text_file("v2.txt", "v2"),
    )
    client = api(world.partner_contact)
    response = client.get(f"/api/v1/documents/{library.guideline.pk}/versions/1/download")
    assert file_bytes(response) == b"Home speech rehabilitation: practise twice a day.\n"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"home-rehab.txt\"; filename*=UTF-8''home-rehab.txt"
    )
    entry = DownloadLog.objects.get()
    assert (entry.version.number, entry.via, entry.institution) == (1, "api", world.partner)


def test_a_recording_link_is_a_redirect_in_the_api_too(world, api):
    recording = services.document_create(
        fields={"title": "Lecture recording", "kind": "recording", "scope": "all_partners"},
        owner=world.office,
        link="https://video.example.org/lecture",
    )
    response = api(world.partner_contact).get(f"/api/v1/documents/{recording.pk}/download")
    assert response.status_code == 302
    assert response["Location"] == "https://video.example.org/lecture"
    assert DownloadLog.objects.get().via == "api"


def test_openapi_describes_every_document_endpoint(world, api):
    schema = api(world.office).get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/v1/documents",
        "/api/v1/documents/{document_id}",
        "/api/v1/documents/{document_id}/download",
        "/api/v1/documents/{document_id}/versions/{number}/download",
    }
    download = paths["/api/v1/documents/{document_id}/versions/{number}/download"]["get"]
    assert download["tags"] == ["documents"]
    assert download["responses"]["200"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "404" in download["responses"]
    params = {p["name"] for p in paths["/api/v1/documents"]["get"]["parameters"]}
    assert params >= {"q", "tag", "kind", "language", "page"}
