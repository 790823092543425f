"""Materials of an activity: an uploaded file is kept only when its content is a type
Amity accepts and matches its name (the check shared documents use), and every download
is an attachment that a browser may neither sniff nor render."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amity.events import services
from amity.events.models import Material

pytestmark = pytest.mark.django_db

# The first bytes of a Windows program (MZ header), padded.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
TYPES = "PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), PNG, JPEG, MP4, plain text (.txt)"
PROGRAM_REFUSED = (
    "“program.pdf” is named like a PDF file, but its content is a .exe file "
    f"(application/x-msdownload). Amity accepts {TYPES}."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_material_upload_refuses_a_program_named_like_a_pdf(world, client, lecture):
    """The page refuses an executable named program.pdf with the same message shared
    documents give, and keeps nothing."""
    client.force_login(world.office)
    response = client.post(
        reverse("events:material_add", args=[lecture.pk]),
        {
            "title": "Programme",
            "url": "",
            "session": "",
            "file": SimpleUploadedFile("program.pdf", EXE, "application/pdf"),
        },
    )
    assert response.context["form"].errors == {"file": [PROGRAM_REFUSED]}
    assert PROGRAM_REFUSED in response.content.decode()
    assert Material.objects.count() == 0


def test_material_add_service_refuses_a_program_named_like_a_pdf(world, lecture):
    """Scripts and the API go through the same check as the page."""
    with pytest.raises(ValidationError) as error:
        services.material_add(
            activity=lecture,
            title="Programme",
            file=SimpleUploadedFile("program.pdf", EXE, "application/pdf"),
        )
    assert error.value.message_dict == {"file": [PROGRAM_REFUSED]}
    assert Material.objects.count() == 0


def test_material_download_is_an_attachment_never_sniffed_or_rendered(world, client, lecture):
    """An anonymous visitor of a public lecture gets the PDF as an attachment, with its
    checked type, nosniff and a sandbox CSP."""
    material = services.material_add(
        activity=lecture,
        title="Slides",
        file=SimpleUploadedFile("Growth 生长.pdf", PDF, "application/pdf"),
    )
    response = client.get(reverse("events:material_download", args=[material.pk]))
    assert _body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Growth.pdf\"; filename*=UTF-8''Growth_%E7%94%9F%E9%95%BF.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_material_stored_before_the_check_is_served_as_unknown_bytes(world, client, lecture):
    """A program named program.pdf that was kept before uploads were checked is never
    served as a PDF: anonymous visitors get an attachment of type
    application/octet-stream."""
    material = Material(activity=lecture, title="Programme")
    material.file.save("program.pdf", ContentFile(EXE))
    response = client.get(reverse("events:material_download", args=[material.pk]))
    assert _body(response) == EXE
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith('attachment; filename="program')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
