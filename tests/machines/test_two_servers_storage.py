"""Two app servers that share no folder — two ``amity serve`` processes with data folders
of their own, one PostgreSQL database and one S3-compatible object store (moto's server)
— serve the same files: what is uploaded through one is downloaded through the other,
and what is erased through one is gone for both, and from the bucket."""

import re

import pytest

from tests.machines.servers import marked_json, two_machines

pytestmark = pytest.mark.slow

SANDBOX = "sandbox; default-src 'none'"
# The smallest PDF that the upload check (type read from the content) accepts.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _protected(response, content_type: str) -> None:
    assert response.status == 200, response.text[:500]
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"].startswith("attachment; ")
    assert response.headers["content-security-policy"] == SANDBOX
    assert response.headers["x-content-type-options"] == "nosniff"


def test_files_uploaded_on_one_server_are_served_and_erased_on_both(s3, shared_postgres):
    bucket = s3.new_bucket()
    env = {**s3.env, "AMITY_STORAGE_URL": s3.url_for(bucket)}
    with two_machines(database_url=shared_postgres, env=env) as (a, b):
        built = marked_json(a.python("from tests.machines.scenario import main; main(1)"))
        certificate = built["certificates"][0]
        assert s3.keys(bucket) == [certificate["key"]]
        office_a, staff_b = a.session(), b.session()
        office_a.login("office", built["password"])
        staff_b.login("staff", built["password"])

        # A material uploaded through A is downloaded through B, byte for byte.
        slides = PDF + b"% slides of the remote classroom\n"
        answer = office_a.post(
            f"/activities/{built['activity']}/materials/new/",
            {"title": "Slides", "url": "", "session": ""},
            files={"file": ("slides.pdf", slides)},
        )
        assert answer.status == 302, answer.text[:2000]
        activity_page = staff_b.get(f"/activities/{built['activity']}/")
        assert "Slides" in activity_page.text
        material = re.search(r'href="/materials/(\d+)/"', activity_page.text).group(1)
        download = staff_b.get(f"/materials/{material}/")
        _protected(download, "application/pdf")
        assert download.body == slides
        assert [k for k in s3.keys(bucket) if k.startswith("materials/")] != []

        # A document shared through A is listed and downloaded through B.
        protocol = PDF + b"% sepsis bundle: antibiotics within an hour\n"
        answer = office_a.post(
            "/documents/new/",
            {"title": "Sepsis bundle", "kind": "protocol", "scope": "internal"},
            files={"file": ("Sepsis bundle 脓毒症.pdf", protocol)},
        )
        assert answer.status == 302, answer.text[:2000]
        listing = staff_b.get("/documents/")
        assert "Sepsis bundle" in listing.text
        document = re.search(r'href="/documents/(\d+)/"', listing.text).group(1)
        shared = staff_b.get(f"/documents/{document}/download/")
        _protected(shared, "application/pdf")
        assert "filename*=UTF-8''Sepsis%20bundle%20" in shared.headers["content-disposition"]
        assert shared.body == protocol

        # The certificate is sent by both servers from the bucket.
        link = certificate["link"]
        stored = s3.client().get_object(Bucket=bucket, Key=certificate["key"])["Body"].read()
        for machine in (a, b):
            sent = machine.session().get(link + "certificate.pdf")
            _protected(sent, "application/pdf")
            assert sent.body == stored

        # The registrant erases their data through A: the PDF with their name is gone
        # from the bucket, and neither server hands anything out for the link any more.
        registrant = a.session()
        registrant.get(link)
        erased = registrant.post(link + "erase/", {"confirm": "yes"})
        assert erased.status == 200
        assert "Your data is erased" in erased.text
        assert certificate["key"] not in s3.keys(bucket)
        assert [k for k in s3.keys(bucket) if k.startswith("certificates/")] == []
        for machine in (a, b):
            gone = machine.session().get(link + "certificate.pdf")
            assert gone.status == 410
            assert b"%PDF" not in gone.body
