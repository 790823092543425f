"""The demo's shared experience: what each demo login finds, and loading twice adds
nothing."""

import pytest
from django.urls import reverse

from amity.accounts.models import User
from amity.directory.demo import load_demo
from amity.sharing import selectors
from amity.sharing.demo import DOCUMENTS, load_demo_sharing
from amity.sharing.models import Document, DocumentVersion, DownloadLog, Tag
from tests.sharing.conftest import file_bytes

pytestmark = pytest.mark.django_db


def _state():
    return (
        sorted(Document.objects.values_list("title", "title_local", "scope")),
        sorted(DocumentVersion.objects.values_list("document__title_local", "number", "sha256")),
        Tag.objects.count(),
    )


@pytest.fixture
def demo():
    load_demo(synthetic_people=0)
    assert load_demo_sharing() == len(DOCUMENTS) == 11
    return {user.username: user for user in User.objects.all()}


def test_loading_the_demo_twice_adds_nothing(demo):
    before = _state()
    assert load_demo_sharing() == 0
    assert _state() == before


def test_the_demo_partner_login_is_loma_linda_and_has_a_shared_guideline(demo, client):
    partner = demo["partner"]
    assert partner.person.institution.name == "Loma Linda University"
    titles = [
        d.display_title
        for d in selectors.document_list(user=partner, filters=selectors.DocumentFilters())
    ]
    assert titles == [
        "2020 PDA Management Forum: keynote slides",
        "Speech therapy by video for a child with cerebral palsy: a case",
        "Diagnosis and treatment of COVID-19 in children: the ZCH experience",
        "Home speech and language rehabilitation during COVID-19: guideline for families",
        "Care of newborns born to mothers with COVID-19",
    ]
    guideline = Document.objects.get(title__startswith="Home speech and language")
    assert (guideline.kind, guideline.scope) == ("guideline", "chosen")
    assert [p.name for p in guideline.partners.all()] == ["Loma Linda University"]
    client.force_login(partner)
    response = client.get(reverse("sharing:document_download", args=[guideline.pk]))
    assert response["Content-Disposition"].startswith(
        'attachment; filename="Home speech rehabilitation guideline.pdf"'
    )
    assert file_bytes(response).startswith(b"%PDF-")
    assert DownloadLog.objects.get().institution.name == "Loma Linda University"


def test_demo_documents_follow_the_seed(demo):
    def shared_with(title_start):
        document = Document.objects.get(title__startswith=title_start)
        return document.scope, sorted(p.short_name for p in document.partners.all())

    assert shared_with("Diagnosis and treatment of COVID-19") == ("all_partners", [])
    assert shared_with("Cardiac ICU protocol") == (
        "chosen",
        ["BCH", "CHOP", "GOSH", "KKH", "OPBG", "RCH", "SickKids"],
    )
    assert shared_with("Guideline for growth hormone") == ("chosen", ["Stanford"])
    assert shared_with("Infection prevention") == ("internal", [])
    covid = Document.objects.get(title__startswith="Diagnosis and treatment of COVID-19")
    assert [v.number for v in covid.versions.all()] == [2, 1]
    assert covid.current_version.note.startswith("Third edition")
    recording = Document.objects.get(kind="recording")
    assert recording.current_version.link.startswith("https://recordings.zch.example.org/")


def test_demo_pdfs_are_searchable_in_both_languages(demo):
    office = demo["office"]

    def titles(q):
        return [
            d.display_title
            for d in selectors.document_list(user=office, filters=selectors.DocumentFilters(q=q))
        ]

    # Only inside the PDFs' text:
    assert titles("laryngoscope") == [
        "Cardiac ICU protocol for children with COVID-19 around heart surgery"
    ]
    assert titles("负压隔离") == [
        "Cardiac ICU protocol for children with COVID-19 around heart surgery"
    ]
    assert "体外膜肺氧合（ECMO）团队演练核查表（草案）" in titles("儿童 心脏")
    assert titles("儿童 心脏")[0] == (
        "Cardiac ICU protocol for children with COVID-19 around heart surgery"
    )
    # The internal ones never reach Loma Linda's contact.
    partner = demo["partner"]
    assert [
        d.display_title
        for d in selectors.document_list(user=partner, filters=selectors.DocumentFilters(q="ECMO"))
    ] == []
