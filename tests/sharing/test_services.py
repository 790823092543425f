"""Documents, versions and sharing scopes as the services keep them."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from amity.sharing import extraction, permissions, selectors, services
from amity.sharing.extraction import TEXT_LIMIT
from amity.sharing.models import Document, DocumentVersion, DownloadLog
from tests.sharing.conftest import docx_file, pdf_file, text_file, zip_bytes

pytestmark = pytest.mark.django_db


def _create(world, **overrides):
    fields = {"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"}
    fields.update(overrides.pop("fields", {}))
    return services.document_create(
        fields=fields,
        owner=world.office,
        upload=overrides.pop("upload", text_file("sepsis.txt", "Give antibiotics within an hour.")),
        **overrides,
    )


def test_first_upload_becomes_version_one_with_its_checked_facts(world, _media):
    content = b"Give antibiotics within an hour.\n"
    document = _create(world, upload=text_file("Sepsis bundle.txt", content.decode()))
    version = document.current_version
    assert (version.number, version.original_name, version.content_type) == (
        1,
        "Sepsis bundle.txt",
        "text/plain",
    )
    assert version.size == len(content)
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.uploaded_by == world.office
    assert version.text == "Give antibiotics within an hour."
    stored = Path(version.file.path)
    assert stored.parent == Path(_media) / "sharing"
    assert stored.read_bytes() == content


def test_a_new_version_keeps_the_old_file_and_says_what_changed(world):
    document = _create(world)
    first = document.current_version
    second = services.version_add(
        document=document,
        uploaded_by=world.staff,
        note="Antibiotics within 60 minutes, fluids 20 ml/kg.",
        upload=text_file("sepsis v2.txt", "Fluids 20 ml/kg."),
    )
    document.refresh_from_db()
    assert document.current_version == second
    assert second.number == 2
    assert [(v.number, v.note) for v in selectors.document_versions(document)] == [
        (2, "Antibiotics within 60 minutes, fluids 20 ml/kg."),
        (1, ""),
    ]
    first.refresh_from_db()
    assert Path(first.file.path).read_bytes() == b"Give antibiotics within an hour."
    assert Path(second.file.path).read_bytes() == b"Fluids 20 ml/kg."
    assert first.file.name != second.file.name


def test_a_second_version_without_a_note_is_refused(world):
    document = _create(world)
    with pytest.raises(ValidationError) as error:
        services.version_add(
            document=document, uploaded_by=world.office, note="  ", upload=text_file("a.txt", "x")
        )
    assert error.value.message_dict == {"note": ["Say what changed in this version."]}
    assert document.versions.count() == 1


def test_a_title_in_one_language_is_required(world):
    with pytest.raises(ValidationError) as error:
        _create(world, fields={"title": "", "title_local": ""})
    message = "Give a title in English or in Chinese (or both)."
    assert error.value.message_dict == {"title": [message], "title_local": [message]}
    assert Document.objects.count() == 0
    chinese_only = _create(world, fields={"title": "", "title_local": "脓毒症集束化治疗"})
    assert chinese_only.display_title == "脓毒症集束化治疗"
    assert chinese_only.languages == ["zh"]


def test_a_summary_needs_a_title_in_its_language(world):
    with pytest.raises(ValidationError) as error:
        _create(world, fields={"title": "", "title_local": "脓毒症", "summary": "In English"})
    assert error.value.message_dict == {
        "title": ["The summary is in English: give the English title too."]
    }


def test_chosen_partners_scope_needs_partners_and_never_the_home_hospital(world):
    with pytest.raises(ValidationError) as error:
        _create(world, fields={"scope": "chosen"})
    assert error.value.message_dict == {
        "partners": ["Choose at least one partner institution, or share with all partners."]
    }
    with pytest.raises(ValidationError) as error:
        _create(world, fields={"scope": "chosen"}, partners=[world.home])
    assert error.value.message_dict == {
        "partners": [f"{world.home.name} is the home hospital, not a partner."]
    }
    assert Document.objects.count() == 0


def test_partners_are_kept_only_for_the_chosen_scope(world):
    document = _create(world, fields={"scope": "all_partners"}, partners=[world.partner])
    assert list(document.partners.all()) == []
    services.document_update(
        document=document, fields={"scope": "chosen"}, partners=[world.partner]
    )
    assert list(document.partners.all()) == [world.partner]
    services.document_update(document=document, fields={"scope": "internal"})
    assert list(document.partners.all()) == []


def test_narrowing_the_scope_hides_the_document_from_partners_at_once(world, library):
    partner = world.partner_contact
    assert library.guideline in permissions.documents_visible_to(partner)
    services.document_update(document=library.guideline, fields={"scope": "internal"})
    assert library.guideline not in permissions.documents_visible_to(partner)


def test_only_recordings_are_shared_as_links(world):
    with pytest.raises(ValidationError) as error:
        _create(world, upload=None, link="https://video.example.org/1")
    assert error.value.message_dict == {
        "link": ["Only recordings are shared as a link; upload the file instead."]
    }
    recording = _create(
        world, fields={"kind": "recording"}, upload=None, link="https://video.example.org/1"
    )
    version = recording.current_version
    assert (version.is_link, version.link, version.file.name) == (
        True,
        "https://video.example.org/1",
        "",
    )


def test_a_file_and_a_link_together_are_refused(world):
    with pytest.raises(ValidationError) as error:
        _create(
            world,
            fields={"kind": "recording"},
            upload=text_file("a.txt", "x"),
            link="https://video.example.org/1",
        )
    assert error.value.message_dict == {"link": ["Upload a file or give a link, not both."]}
    with pytest.raises(ValidationError) as error:
        _create(world, upload=None)
    assert error.value.message_dict == {
        "file": ["Upload a file (or, for a recording, give its link)."]
    }


def test_text_is_extracted_from_pdf_and_word_files(world):
    pdf = _create(
        world,
        upload=pdf_file("icu.pdf", "Cardiac output is monitored hourly.", "每小时监测心输出量。"),
    )
    assert "Cardiac output is monitored hourly." in pdf.current_version.text
    assert "每小时监测心输出量。" in pdf.current_version.text
    word = _create(
        world, upload=docx_file("notes.docx", "Echocardiography on day one.", "第一天心脏超声。")
    )
    assert word.current_version.text == "Echocardiography on day one.\n第一天心脏超声。"


def test_text_is_extracted_from_spreadsheets(world):
    workbook = Workbook()
    workbook.active.append(["Drug", "Dose"])
    workbook.active.append(["Milrinone", "0.5 µg/kg/min"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = _create(world, upload=SimpleUploadedFile("doses.xlsx", buffer.getvalue()))
    assert sheet.current_version.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert sheet.current_version.text.split() == ["Drug", "Dose", "Milrinone", "0.5", "µg/kg/min"]


def test_extracted_text_is_capped(world):
    document = _create(world, upload=text_file("long.txt", "word " * 40_000))
    assert len(document.current_version.text) == TEXT_LIMIT


def test_a_damaged_pdf_uploads_without_text(world):
    document = _create(
        world, upload=SimpleUploadedFile("broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 100)
    )
    assert document.current_version.content_type == "application/pdf"
    assert document.current_version.text == ""


def test_a_zip_bomb_office_file_is_not_unpacked(world, monkeypatch):
    monkeypatch.setattr(extraction, "OOXML_PART_LIMIT", 1000)
    content = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:t>" + b"a" * 5000 + b"</w:t>",
        }
    )
    document = _create(world, upload=SimpleUploadedFile("bomb.docx", content))
    assert document.current_version.text == ""


def test_download_is_logged_with_the_users_institution_at_the_time(world, library):
    version = library.guideline.current_version
    entry = services.download_record(version=version, user=world.partner_contact, ip="10.1.2.3")
    assert (entry.document, entry.version, entry.user, entry.institution, entry.ip, entry.via) == (
        library.guideline,
        version,
        world.partner_contact,
        world.partner,
        "10.1.2.3",
        "web",
    )
    # The contact moves to another institution later: the log still says Loma Linda.
    person = world.partner_contact.person
    person.institution = world.other_partner
    person.save()
    assert DownloadLog.objects.get().institution == world.partner


def test_shared_with_institution_lists_what_the_institution_was_given(world, library):
    def titles(user, institution):
        return [
            d.display_title
            for d in selectors.shared_with_institution(user=user, institution=institution)
        ]

    assert titles(world.office, world.partner) == [
        library.guideline.display_title,
        library.covid.display_title,
    ]
    assert titles(world.office, world.other_partner) == [
        library.gosh.display_title,
        library.covid.display_title,
    ]
    assert titles(world.office, world.home) == []
    # A partner contact looking at another institution sees only what they may see.
    assert titles(world.partner_contact, world.other_partner) == [library.covid.display_title]
    assert titles(world.partner_contact, world.partner) == [
        library.guideline.display_title,
        library.covid.display_title,
    ]


def test_version_numbers_follow_each_other(world):
    document = _create(world)
    for n in range(2, 5):
        services.version_add(
            document=document,
            uploaded_by=world.office,
            note=f"Revision {n}",
            upload=text_file(f"v{n}.txt", f"version {n}"),
        )
    assert list(
        DocumentVersion.objects.filter(document=document).values_list("number", flat=True)
    ) == [4, 3, 2, 1]
    document.refresh_from_db()
    assert document.current_version.number == 4
    assert document.current_version.text == "version 4"
