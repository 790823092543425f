"""Uploads are safe: size limit, type read from the content, names sanitised, files kept
under random names outside the web root, and a refused upload leaves nothing behind."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amity.core.uploads import check_upload, sanitise_filename
from amity.sharing import services
from amity.sharing.models import Document, DocumentVersion
from tests.sharing.conftest import docx_bytes, pdf_file, text_file, zip_bytes

pytestmark = pytest.mark.django_db

# The first bytes of a Windows program (MZ header with a PE offset), padded.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
TYPES = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), PNG, JPEG, MP4, plain text (.txt)"


def _refusal(upload) -> str:
    with pytest.raises(ValidationError) as error:
        check_upload(upload)
    return " ".join(error.value.messages)


def test_a_program_renamed_to_pdf_is_refused_with_a_clear_message():
    assert _refusal(SimpleUploadedFile("guideline.pdf", EXE)) == (
        "“guideline.pdf” is named like a PDF file, but its content is a .exe file "
        f"(application/x-msdownload). Amity accepts {TYPES}."
    )


def test_a_pdf_named_like_a_word_file_is_refused():
    upload = pdf_file("protocol.docx", "text")
    assert _refusal(upload) == (
        "“protocol.docx” is named like a .docx file but its content is PDF. Rename it to "
        "end in .pdf, or choose the right file."
    )


def test_a_plain_zip_named_like_a_word_file_is_refused():
    content = zip_bytes({"word/readme.txt": b"not a document", "other.bin": b"\x00" * 10})
    assert _refusal(SimpleUploadedFile("notes.docx", content)) == (
        "“notes.docx” is not a complete Word (.docx) file."
    )


def test_unknown_content_is_refused():
    assert _refusal(SimpleUploadedFile("data.bin", b"\x00\x01\x02\x03" * 50)) == (
        f"The content of “data.bin” is not a type Amity accepts. Upload {TYPES}."
    )


def test_binary_content_named_like_text_is_refused():
    assert _refusal(SimpleUploadedFile("notes.txt", b"abc\x00def")).startswith(
        "The content of “notes.txt” is not a type Amity accepts."
    )


def test_files_over_the_limit_and_empty_files_are_refused(settings):
    settings.AMITY_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    assert _refusal(big) == ("“big.txt” is 1.0 MB; the largest file Amity accepts is 1 MB.")
    assert check_upload(SimpleUploadedFile("fits.txt", b"a" * 1024 * 1024)).size == 1024 * 1024
    assert _refusal(SimpleUploadedFile("empty.txt", b"")) == "“empty.txt” is empty."


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("protocol.pdf", "application/pdf"),
        ("notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("readme.txt", "text/plain"),
        ("photo.PNG", "image/png"),
        ("photo.jpeg", "image/jpeg"),
    ],
)
def test_allowed_types_are_recognised_by_their_content(name, content_type):
    samples = {
        "application/pdf": pdf_file("x.pdf", "text").read(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": docx_bytes("x"),
        "text/plain": "儿童心脏 text\n".encode(),
        "image/png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        "image/jpeg": b"\xff\xd8\xff\xe0" + b"\x00" * 100,
    }
    assert check_upload(SimpleUploadedFile(name, samples[content_type])).content_type == (
        content_type
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\report.pdf", "report.pdf"),
        ("C:\\Users\\li\\儿童心脏重症监护方案.pdf", "儿童心脏重症监护方案.pdf"),
        ("evil\x00name\x07.pdf", "evilname.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("  ...hidden.pdf  ", "hidden.pdf"),
        ("line\nbreak\ttab.txt", "linebreaktab.txt"),
        ("many   spaces\u3000here.txt", "many spaces here.txt"),
        ("..", "file"),
        ("", "file"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_names_are_sanitised(given, kept):
    assert sanitise_filename(given) == kept


def test_a_stored_file_has_a_random_name_inside_media_sharing(world, _media):
    document = services.document_create(
        fields={"title": "Traversal", "kind": "other", "scope": "internal"},
        owner=world.office,
        upload=text_file("../../../../tmp/escape.txt", "safe"),
    )
    version = document.current_version
    assert version.original_name == "escape.txt"
    assert re.fullmatch(r"sharing/[0-9a-f]{32}", version.file.name)
    stored = Path(version.file.path).resolve()
    assert stored.is_relative_to(Path(_media).resolve() / "sharing")
    assert stored.read_bytes() == b"safe"


def test_a_refused_upload_writes_nothing(world, _media):
    with pytest.raises(ValidationError) as error:
        services.document_create(
            fields={"title": "Program", "kind": "other", "scope": "internal"},
            owner=world.office,
            upload=SimpleUploadedFile("setup.pdf", EXE),
        )
    assert list(error.value.message_dict) == ["file"]
    assert Document.objects.count() == 0
    assert DocumentVersion.objects.count() == 0
    sharing = Path(_media) / "sharing"
    assert not sharing.exists() or list(sharing.iterdir()) == []


def test_the_upload_page_shows_the_refusal_next_to_the_file_field(world, login, _media):
    client = login(world.staff)
    response = client.post(
        reverse("sharing:document_create"),
        {
            "title": "Fake",
            "kind": "guideline",
            "scope": "internal",
            "file": SimpleUploadedFile("guideline.pdf", EXE),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["file"] == [
        "“guideline.pdf” is named like a PDF file, but its content is a .exe file "
        f"(application/x-msdownload). Amity accepts {TYPES}."
    ]
    body = response.content.decode()
    assert "Please correct the errors below." in body
    assert "application/x-msdownload" in body
    assert Document.objects.count() == 0


def test_the_new_version_page_refuses_an_oversized_file(world, login, library, settings):
    settings.AMITY_MAX_UPLOAD_MB = 1
    client = login(world.office)
    response = client.post(
        reverse("sharing:version_add", args=[library.covid.pk]),
        {"note": "Bigger", "file": SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"a" * 2**20)},
    )
    assert response.context["form"].errors == {
        "file": ["“big.pdf” is 1.0 MB; the largest file Amity accepts is 1 MB."]
    }
    assert library.covid.versions.count() == 1
