"""Uploads and certificates in the shared storage (``amity.core.storage``), on a folder and
on S3-compatible object storage (moto's server on loopback): every kind of kept file is
written there, downloaded from there through Amity's permission-checked views with the
protective headers, and deleted there — only once the removal or erasure commits."""

import io
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from amity.core import storage
from amity.events import services as event_services
from amity.events.models import Material
from amity.registrations import services as registration_services
from amity.registrations.certify import certificates_issue
from amity.registrations.models import Certificate
from amity.relations import services as relation_services
from amity.sharing import services as sharing_services
from amity.sharing.models import DocumentVersion
from tests.machines.servers import S3_KEY_ID, S3_SECRET, S3Server, s3_server
from tests.registrations.conftest import registrant
from tests.relations.conftest import pdf_bytes
from tests.sharing.conftest import pdf_file

pytestmark = pytest.mark.django_db

SANDBOX = "sandbox; default-src 'none'"


@pytest.fixture(scope="module")
def s3() -> S3Server:
    with s3_server() as server:
        yield server


class Store:
    """The storage under test and, read without Amity's code, what it holds."""

    def __init__(self, kind: str, root: Path | None = None, s3=None, bucket: str = ""):
        self.kind, self.root, self.s3, self.bucket = kind, root, s3, bucket

    def names(self) -> list[str]:
        if self.kind == "s3":
            return self.s3.keys(self.bucket)
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file())

    def read(self, name: str) -> bytes:
        if self.kind == "s3":
            return self.s3.client().get_object(Bucket=self.bucket, Key=name)["Body"].read()
        return (self.root / name).read_bytes()


def _s3_storages(settings, monkeypatch, s3: S3Server, bucket: str) -> None:
    monkeypatch.setenv("AMITY_S3_ACCESS_KEY_ID", S3_KEY_ID)
    monkeypatch.setenv("AMITY_S3_SECRET_ACCESS_KEY", S3_SECRET)
    entry, _root = storage.storage_from_url(s3.url_for(bucket), media_root=Path("/unused"))
    settings.STORAGES = {**settings.STORAGES, "default": entry}


@pytest.fixture(params=["folder", "s3"])
def store(request, settings, tmp_path, monkeypatch) -> Store:
    """Files in a folder (MEDIA_ROOT), or in a bucket of this test's own."""
    if request.param == "folder":
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.MEDIA_ROOT.mkdir()
        entry = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
        settings.STORAGES = {**settings.STORAGES, "default": entry}
        return Store("folder", root=settings.MEDIA_ROOT)
    s3 = request.getfixturevalue("s3")
    bucket = s3.new_bucket()
    _s3_storages(settings, monkeypatch, s3, bucket)
    return Store("s3", s3=s3, bucket=bucket)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _assert_protected_attachment(response, content_type: str, name_part: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment; ")
    assert name_part in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == SANDBOX
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


# --- materials ------------------------------------------------------------------------------


def test_material_uploaded_downloaded_and_removed_through_the_storage(
    store, world, lecture, client, django_capture_on_commit_callbacks
):
    """A material uploaded through the page is kept in the storage, served from there to
    a colleague as a protected attachment, and gone from the storage once removed."""
    content = pdf_bytes("Speech therapy slides")
    client.force_login(world.office)
    client.post(
        reverse("events:material_add", args=[lecture.pk]),
        {
            "title": "Slides",
            "url": "",
            "session": "",
            "file": SimpleUploadedFile("slides.pdf", content),
        },
    )
    material = Material.objects.get(title="Slides")
    assert store.names() == [material.file.name]
    assert material.file.name.startswith("materials/") and material.file.name.endswith("slides.pdf")
    assert store.read(material.file.name) == content

    client.force_login(world.staff)
    response = client.get(reverse("events:material_download", args=[material.pk]))
    _assert_protected_attachment(response, "application/pdf", 'filename="slides.pdf"')
    assert _body(response) == content

    link = reverse("events:material_download", args=[material.pk])
    with django_capture_on_commit_callbacks(execute=True):
        event_services.material_remove(material=material)
    assert store.names() == []
    assert client.get(link).status_code == 404


def test_two_materials_of_the_same_name_keep_two_files(store, world, lecture):
    """The second "slides.pdf" of a month never replaces the first (also on S3)."""
    one, two = pdf_bytes("One"), pdf_bytes("Two")
    first = event_services.material_add(
        activity=lecture, title="One", file=SimpleUploadedFile("slides.pdf", one)
    )
    second = event_services.material_add(
        activity=lecture, title="Two", file=SimpleUploadedFile("slides.pdf", two)
    )
    assert first.file.name != second.file.name
    assert (store.read(first.file.name), store.read(second.file.name)) == (one, two)


def test_a_material_that_fails_to_save_leaves_no_file(store, world, lecture, monkeypatch):
    """The file is written before the row; when the row cannot be written the file is
    deleted again."""

    def refuse(self, *args, **kwargs):
        raise IntegrityError("the database refused the row")

    monkeypatch.setattr(Material, "save", refuse)
    with pytest.raises(IntegrityError):
        event_services.material_add(
            activity=lecture, title="Slides", file=SimpleUploadedFile("slides.pdf", pdf_bytes("x"))
        )
    assert store.names() == []


def test_a_rolled_back_removal_keeps_the_file(store, world, lecture):
    material = event_services.material_add(
        activity=lecture, title="Slides", file=SimpleUploadedFile("slides.pdf", pdf_bytes("x"))
    )
    pk, name = material.pk, material.file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        event_services.material_remove(material=material)
        raise RuntimeError("something later in the same change failed")
    assert Material.objects.filter(pk=pk).exists()
    assert store.names() == [name]


# --- shared documents -----------------------------------------------------------------------


def test_shared_document_is_kept_and_downloaded_from_the_storage(store, world, client):
    """A document's file lives under sharing/ in the storage under a random name; the
    page and the API hand it to a colleague with its original name."""
    upload = pdf_file("Sepsis bundle 脓毒症.pdf", "Give antibiotics within an hour.")
    content = upload.read()
    upload.seek(0)
    document = sharing_services.document_create(
        fields={"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=upload,
    )
    version = document.current_version
    assert store.names() == [version.file.name]
    assert version.file.name.startswith("sharing/") and "Sepsis" not in version.file.name
    assert store.read(version.file.name) == content

    client.force_login(world.staff)
    page = client.get(reverse("sharing:document_download", args=[document.pk]))
    _assert_protected_attachment(page, "application/pdf", "filename*=UTF-8''Sepsis%20bundle")
    assert _body(page) == content
    api = client.get(f"/api/v1/documents/{document.pk}/download")
    _assert_protected_attachment(api, "application/pdf", 'filename="Sepsis bundle.pdf"')
    assert _body(api) == content


def test_a_document_whose_save_fails_leaves_no_file(store, world, monkeypatch):
    def refuse(*args, **kwargs):
        raise IntegrityError("the search index could not be written")

    monkeypatch.setattr(sharing_services, "index_document", refuse)
    with pytest.raises(IntegrityError):
        sharing_services.document_create(
            fields={"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
            owner=world.office,
            upload=pdf_file("sepsis.pdf", "Antibiotics."),
        )
    assert DocumentVersion.objects.count() == 0
    assert store.names() == []


def test_a_document_whose_file_is_gone_answers_404(store, world, client):
    document = sharing_services.document_create(
        fields={"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=pdf_file("sepsis.pdf", "Antibiotics."),
    )
    default_storage.delete(document.current_version.file.name)
    client.force_login(world.office)
    response = client.get(reverse("sharing:document_download", args=[document.pk]))
    assert response.status_code == 404


# --- certificates ---------------------------------------------------------------------------


@pytest.fixture
def attended(world, settings):
    """A webinar held two years ago with one registrant who attended all of it."""
    from datetime import datetime

    from amity.events import timing

    settings.AMITY_CERTIFICATE_PROCESSES = 1
    activity = event_services.activity_create(
        fields={
            "title": "Paediatric Endocrinology Webinar",
            "kind": "webinar",
            "status": "confirmed",
            "visibility": "public",
            "department": world.rehab,
            "time_zone": "Asia/Shanghai",
        }
    )
    event_services.session_create(
        activity=activity,
        starts_at=timing.resolve_local(datetime(2024, 4, 17, 8, 0), "Asia/Shanghai"),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
    )
    registration_services.registration_settings_save(
        activity=activity,
        fields={"capacity": None, "certificate_minimum_minutes": 45, "retention_days": 3650},
    )
    fields = registrant(1, name_local="傅君芬")
    del fields["consent"]
    created = registration_services.registration_create(activity=activity, fields=fields)
    registration_services.registration_check_in(registration=created.registration, present=True)
    return activity


def test_certificate_is_written_to_the_storage_served_and_erased_with_its_holder(
    store, attended, django_capture_on_commit_callbacks
):
    """The PDF with the registrant's name is kept in the storage and sent from there; the
    registrant's erasure deletes it from the storage once committed, and their link is
    gone."""
    assert certificates_issue(activity_id=attended.pk) == 1
    certificate = Certificate.objects.select_related("registration").get()
    name = f"certificates/{attended.pk}/{certificate.file}"
    assert store.names() == [name]
    stored = store.read(name)
    assert stored.startswith(b"%PDF")

    link = certificate.registration.get_absolute_url() + "certificate.pdf"
    response = Client().get(link)
    _assert_protected_attachment(response, "application/pdf", f"certificate-{certificate.code}.pdf")
    assert _body(response) == stored

    assert certificates_issue(activity_id=attended.pk) == 0  # nothing drawn twice
    assert store.names() == [name]

    with django_capture_on_commit_callbacks(execute=True):
        registration_services.registration_erase(registration=certificate.registration)
    assert store.names() == []
    assert Certificate.objects.get().file == ""
    assert Client().get(link).status_code == 410
    certificates_issue(activity_id=attended.pk)  # a later run draws no PDF for them again
    assert store.names() == []


def test_a_rolled_back_erasure_keeps_the_certificate(store, attended):
    certificates_issue(activity_id=attended.pk)
    certificate = Certificate.objects.select_related("registration").get()
    with pytest.raises(RuntimeError), transaction.atomic():
        registration_services.registration_erase(registration=certificate.registration)
        raise RuntimeError("the erasure failed after the file was let go")
    assert store.names() == [f"certificates/{attended.pk}/{certificate.file}"]
    assert Certificate.objects.get().file == certificate.file


def test_a_lost_certificate_file_is_drawn_again(store, attended):
    """A PDF missing from the storage (a store restored without it) is written again by
    the next run, under its own name."""
    certificates_issue(activity_id=attended.pk)
    certificate = Certificate.objects.get()
    default_storage.delete(f"certificates/{attended.pk}/{certificate.file}")
    assert store.names() == []
    certificates_issue(activity_id=attended.pk)
    assert store.names() == [f"certificates/{attended.pk}/{certificate.file}"]


# --- letters and agreements -----------------------------------------------------------------


def test_letter_scan_kept_downloaded_and_replaced_file_removed(
    store, world, client, django_capture_on_commit_callbacks
):
    """A scanned letter received is kept in the storage and downloaded from it; a
    replaced signed agreement's old file leaves the storage once the change commits."""
    letter, signed = pdf_bytes("Letter"), pdf_bytes("Second")
    received = relation_services.incoming_letter_record(
        institution=world.partner,
        fields={"received_on": date(2020, 5, 2), "subject": "Course materials for May"},
        file=SimpleUploadedFile("来信.pdf", letter, "application/pdf"),
    )
    assert store.read(received.file.name) == letter
    client.force_login(world.office)
    response = client.get(reverse("relations:incoming_file", args=[received.pk]))
    _assert_protected_attachment(response, "application/pdf", "filename*=UTF-8''%E6%9D%A5")
    assert _body(response) == letter

    today = timezone.localdate()
    agreement = relation_services.agreement_create(
        fields={
            "title": "Exchange agreement",
            "kind": "exchange",
            "signed_on": today - timedelta(days=900),
            "expires_on": today + timedelta(days=60),
            "status": "active",
        },
        partners=[world.partner],
        file=SimpleUploadedFile("signed.pdf", pdf_bytes("First"), "application/pdf"),
        user=world.office,
    )
    first = agreement.file.name
    with django_capture_on_commit_callbacks(execute=True):
        relation_services.agreement_update(
            agreement=agreement,
            fields={},
            file=SimpleUploadedFile("signed.pdf", signed, "application/pdf"),
        )
    assert sorted(store.names()) == sorted([received.file.name, agreement.file.name])
    assert first not in store.names()
    assert store.read(agreement.file.name) == signed


# --- signed links, settings, moving files ---------------------------------------------------


def test_signed_links_hand_over_the_file_from_the_store_as_an_attachment(
    settings, monkeypatch, s3, world, client
):
    """With AMITY_STORAGE_SIGNED_LINKS the page checks permission, then redirects to a
    short-lived link at the store that sends the file as an attachment of its type."""
    _s3_storages(settings, monkeypatch, s3, s3.new_bucket())
    settings.AMITY_STORAGE_SIGNED_LINKS = 60
    document = sharing_services.document_create(
        fields={"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
        owner=world.office,
        upload=pdf_file("sepsis.pdf", "Antibiotics."),
    )
    client.force_login(world.staff)
    response = client.get(reverse("sharing:document_download", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(s3.endpoint_url + "/")
    assert "X-Amz-Expires=60" in response["Location"]
    with urllib.request.urlopen(response["Location"], timeout=10) as fetched:
        assert fetched.read() == storage.read_bytes(document.current_version.file.name)
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"].startswith(
            'attachment; filename="sepsis.pdf"'
        )
    client.force_login(world.partner_contact)
    refused = client.get(reverse("sharing:document_download", args=[document.pk]))
    assert refused.status_code == 404


def test_storage_url_choices(monkeypatch, tmp_path):
    monkeypatch.delenv("AMITY_S3_ACCESS_KEY_ID", raising=False)
    entry, root = storage.storage_from_url(f"file://{tmp_path}/shared", media_root=tmp_path)
    assert entry == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert root == tmp_path / "shared"
    assert storage.storage_from_url(" ", media_root=tmp_path / "media")[1] == tmp_path / "media"

    monkeypatch.setenv("AMITY_S3_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AMITY_S3_SECRET_ACCESS_KEY", "secret")
    entry, _ = storage.storage_from_url(
        "s3://amity-files?endpoint_url=https://minio.hospital.example:9000&region=cn-east-1"
        "&prefix=/amity/&addressing_style=path",
        media_root=tmp_path,
        signed_link_seconds=120,
    )
    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    options = entry["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "amity-files",
        "https://minio.hospital.example:9000",
        "cn-east-1",
    )
    assert (options["location"], options["addressing_style"]) == ("amity", "path")
    assert (options["access_key"], options["secret_key"]) == ("key", "secret")
    assert options["file_overwrite"] is False
    assert options["querystring_expire"] == 120


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file://relative/folder", "write a folder as file:///absolute/path"),
        ("ftp://files.example/", "must be file:///folder or s3://bucket"),
        ("s3://key:secret@bucket", "put the keys in AMITY_S3_ACCESS_KEY_ID"),
        ("s3://bucket?endpoint=http://x", "unknown option(s) ['endpoint']"),
    ],
)
def test_a_wrong_storage_url_is_refused_with_what_to_write(url, message):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured) as refused:
        storage.storage_from_url(url, media_root=Path("/srv/amity/media"))
    assert message in str(refused.value)


def test_move_uploads_copies_every_file_to_the_new_storage(
    settings, tmp_path, monkeypatch, s3, world, lecture
):
    """``amity manage move_uploads --to URL`` copies the folder's files to the bucket,
    byte for byte and under the same names, and a second run copies nothing again."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    content = pdf_bytes("x")
    material = event_services.material_add(
        activity=lecture, title="Slides", file=SimpleUploadedFile("slides.pdf", content)
    )
    default_storage.save("certificates/7/certificate-ABC.pdf", ContentFile(b"%PDF-cert"))
    bucket = s3.new_bucket()
    monkeypatch.setenv("AMITY_S3_ACCESS_KEY_ID", S3_KEY_ID)
    monkeypatch.setenv("AMITY_S3_SECRET_ACCESS_KEY", S3_SECRET)
    out = io.StringIO()
    call_command("move_uploads", "--to", s3.url_for(bucket), stdout=out)
    assert s3.keys(bucket) == ["certificates/7/certificate-ABC.pdf", material.file.name]
    body = s3.client().get_object(Bucket=bucket, Key=material.file.name)["Body"].read()
    assert body == content
    assert "2 files copied, 0 already there" in out.getvalue()
    again = io.StringIO()
    call_command("move_uploads", "--to", s3.url_for(bucket), stdout=again)
    assert "0 files copied, 2 already there" in again.getvalue()


def test_files_of_a_finished_inner_block_go_when_the_outer_one_fails(store, world, lecture):
    """A material added inside a larger change that then fails leaves no file."""
    with pytest.raises(RuntimeError), storage.atomic():
        event_services.material_add(
            activity=lecture, title="Slides", file=SimpleUploadedFile("slides.pdf", pdf_bytes("x"))
        )
        raise RuntimeError("the larger change failed")
    assert Material.objects.count() == 0
    assert store.names() == []


def test_the_health_probe_writes_reads_and_deletes_in_the_storage(store):
    assert storage.probe() == ""
    assert store.names() == []
    where = storage.describe()
    assert where.startswith("S3 bucket amity-" if store.kind == "s3" else "folder /")
