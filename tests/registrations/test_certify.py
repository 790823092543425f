"""Certificates: who gets one, the PDF with its code and QR, the public verification page."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from amity.registrations import services
from amity.registrations.certify import certificates_issue
from amity.registrations.models import Certificate, Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def attended(webinar):
    services.registration_settings_save(
        activity=webinar, fields={"certificate_minimum_minutes": 45}
    )
    for n, minutes, local in [(1, 80, "傅君芬"), (2, 30, ""), (3, None, "")]:
        fields = registrant(n, name_local=local)
        del fields["consent"]
        registration, _ = services.registration_create(activity=webinar, fields=fields)
        Registration.objects.filter(pk=registration.pk).update(minutes_attended=minutes)
    services.registration_check_in(
        registration=Registration.objects.get(email="zhang3@hospital.example.cn"), present=True
    )
    return webinar


def test_certificates_go_to_those_above_the_minimum_and_those_checked_in(
    attended, smtp_server, run_worker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.AMITY_CERTIFICATE_PROCESSES = 1

    assert certificates_issue(activity_id=attended.pk) == 2
    assert certificates_issue(activity_id=attended.pk) == 0  # nothing issued twice

    holders = dict(Certificate.objects.values_list("registration__email", "minutes"))
    assert holders == {"zhang1@hospital.example.cn": 80, "zhang3@hospital.example.cn": 90}
    run_worker()
    run_worker()
    ready = [m["To"] for m in smtp_server.messages if "certificate" in m["Subject"]]
    assert sorted(ready) == ["zhang1@hospital.example.cn", "zhang3@hospital.example.cn"]


def test_the_pdf_names_the_attendee_in_both_scripts_and_carries_its_code(
    attended, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.AMITY_CERTIFICATE_PROCESSES = 1
    certificates_issue(activity_id=attended.pk)
    certificate = Certificate.objects.get(registration__email="zhang1@hospital.example.cn")
    token_url = certificate.registration.get_absolute_url()

    response = Client().get(token_url + "certificate.pdf")

    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = pdf.pages[0].extract_text()
    assert "Wei Zhang1" in text
    assert "傅君芬" in text
    assert certificate.code in text
    assert "Paediatric Endocrinology Webinar" in text
    assert (tmp_path / "certificates" / str(attended.pk) / certificate.file).exists()


def test_verification_page_confirms_a_real_code_and_refuses_others(attended, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.AMITY_CERTIFICATE_PROCESSES = 1
    certificates_issue(activity_id=attended.pk)
    certificate = Certificate.objects.get(registration__email="zhang1@hospital.example.cn")

    good = Client().get(f"/certificates/{certificate.code}/")
    assert f"Certificate {certificate.code} is genuine." in good.text
    assert "傅君芬 (Wei Zhang1)" in good.text
    bad = Client().get("/certificates/0000000000/")
    assert bad.status_code == 404
    assert "No certificate has the code “0000000000”." in bad.text
