import io
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amity.accounts.models import Role
from amity.directory.services import person_link_user
from amity.sharing import services
from amity.sharing.demo import make_pdf
from amity.sharing.models import Document, Tag
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Every test keeps its uploads in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_file(name: str, *paragraphs: str, title: str = "Test document") -> SimpleUploadedFile:
    content = make_pdf(title=title, subtitle="", paragraphs=list(paragraphs))
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_file(name: str, *paragraphs: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, docx_bytes(*paragraphs))


def text_file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def file_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


@dataclass
class Library:
    """Four documents, one of each sharing situation, owned and filed so that every
    rule of ``amity.sharing.permissions`` matters somewhere."""

    covid: Document  # all partners; office; no department; a PDF with "cardiac" inside
    guideline: Document  # Loma Linda only; coordinator (Rehabilitation); a text file
    gosh: Document  # Great Ormond Street only; staff member (Cardiology)
    internal: Document  # internal; office; Cardiology
    covid_tag: Tag
    cicu_tag: Tag
    gosh_user: object  # a login of Great Ormond Street's contact


GUIDELINE_TEXT = "Home speech rehabilitation: practise twice a day.\n"
GOSH_TEXT = "Protocol for Great Ormond Street only.\n"
INTERNAL_TEXT = "Internal ECMO drill checklist.\n"


@pytest.fixture
def library(world) -> Library:
    covid_tag = services.tag_create(name="COVID-19", name_local="新冠肺炎")
    cicu_tag = services.tag_create(name="Cardiac ICU", name_local="心脏重症监护")
    covid = services.document_create(
        fields={
            "title": "COVID-19 in children: the ZCH experience",
            "title_local": "儿童新冠肺炎诊治经验",
            "summary": "Screening, isolation and treatment of children in early 2020.",
            "summary_local": "包括合并先天性心脏病患儿的儿童心脏重症监护经验。",
            "kind": "case",
            "scope": "all_partners",
        },
        owner=world.office,
        tags=[covid_tag],
        upload=pdf_file(
            "covid experience.pdf",
            "Children with congenital heart disease were monitored in the cardiac unit.",
        ),
    )
    guideline = services.document_create(
        fields={
            "title": "Home speech rehabilitation guideline",
            "kind": "guideline",
            "scope": "chosen",
            "department": world.rehab,
        },
        owner=world.coordinator,
        partners=[world.partner],
        upload=text_file("home-rehab.txt", GUIDELINE_TEXT),
    )
    gosh = services.document_create(
        fields={
            "title": "Great Ormond Street perioperative protocol",
            "kind": "protocol",
            "scope": "chosen",
            "department": world.cardiology,
        },
        owner=world.staff,
        tags=[cicu_tag],
        partners=[world.other_partner],
        upload=text_file("gosh.txt", GOSH_TEXT),
    )
    internal = services.document_create(
        fields={
            "title": "ECMO drill checklist",
            "title_local": "ECMO 团队演练核查表",
            "kind": "protocol",
            "scope": "internal",
            "department": world.cardiology,
        },
        owner=world.office,
        tags=[cicu_tag],
        upload=text_file("ecmo.txt", INTERNAL_TEXT),
    )
    gosh_user = UserFactory(role=Role.PARTNER_CONTACT)
    person_link_user(person=world.other_partner_contact, user=gosh_user)
    return Library(
        covid=covid,
        guideline=guideline,
        gosh=gosh,
        internal=internal,
        covid_tag=covid_tag,
        cicu_tag=cicu_tag,
        gosh_user=gosh_user,
    )
