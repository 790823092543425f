"""Loma Linda's partner contact logs in, finds the guideline ZCH shared with their
institution, and downloads it; internal documents never appear to them."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from amity.sharing import services
from amity.sharing.demo import make_pdf
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

GUIDELINE_NAME = "居家言语康复指导 Home speech guideline.pdf"


@pytest.fixture
def shared(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = make_pdf(
        title="Home speech rehabilitation guideline",
        subtitle="居家言语康复指导",
        paragraphs=["Practise twice a day.", "每天练习两次。"],
    )
    guideline = services.document_create(
        fields={
            "title": "Home speech rehabilitation guideline",
            "title_local": "居家言语康复指导",
            "summary": "Exercises parents can lead while therapy is interrupted.",
            "kind": "guideline",
            "scope": "chosen",
            "department": world.rehab,
        },
        owner=world.coordinator,
        partners=[world.partner],
        upload=SimpleUploadedFile(GUIDELINE_NAME, pdf),
    )
    internal = services.document_create(
        fields={"title": "ECMO drill checklist", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=SimpleUploadedFile("ecmo.txt", b"Internal only.\n"),
    )
    other = services.document_create(
        fields={"title": "London perioperative protocol", "kind": "protocol", "scope": "chosen"},
        owner=world.office,
        partners=[world.other_partner],
        upload=SimpleUploadedFile("london.txt", b"For London.\n"),
    )
    return {"guideline": guideline, "pdf": pdf, "internal": internal, "other": other}


def test_partner_contact_downloads_the_shared_guideline_and_sees_nothing_internal(
    world, shared, page, tmp_path
):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(world.partner_contact.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Shared documents")
    items = page.get_by_test_id("documents").locator("li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Home speech rehabilitation guideline")
    expect(page.get_by_text("ECMO drill checklist")).to_have_count(0)
    expect(page.get_by_text("London perioperative protocol")).to_have_count(0)

    page.get_by_label("Search").fill("康复 指导")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("document-count")).to_have_text("1 document matches “康复 指导”")
    page.get_by_role("link", name="Home speech rehabilitation guideline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Home speech rehabilitation guideline"
    )
    expect(page.get_by_test_id("scope")).to_have_text("Your institution")

    with page.expect_download() as info:
        page.get_by_test_id("download-current").click()
    download = info.value
    assert download.suggested_filename == GUIDELINE_NAME
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert Path(saved).read_bytes() == shared["pdf"]

    # Guessing the internal document's address leads nowhere.
    page.goto(shared["internal"].get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("This page does not exist")
    page.goto(f"/documents/{shared['other'].pk}/download/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This page does not exist")
    expect(page).to_have_url(re.compile(rf"/documents/{shared['other'].pk}/download/$"))
