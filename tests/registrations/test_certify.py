"""Certificates: who gets one, the PDF with its code and QR, the public verification page."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from amity.registrations import services
from amity.registrations.certify import CertificatesNotYet, certificates_issue
from amity.registrations.models import Certificate, Registration
from tests.registrations.conftest import registrant

pytestmark = pytest.mark.django_db(transaction=True)


def _took_place(activity) -> None:
    """Move the activity's sessions into the past: certificates need them to have ended."""
    for session in activity.sessions.all():
        length = session.ends_at - session.starts_at
        session.starts_at -= timedelta(days=365 * 2)
        session.ends_at = session.starts_at + length
        session.save(update_fields=["starts_at", "ends_at"])


@pytest.fixture
def attended(webinar):
    _took_place(webinar)
    services.registration_settings_save(
        # Kept ten years: the link still works (it stops when the retention period ends).
        activity=webinar,
        fields={"certificate_minimum_minutes": 45, "retention_days": 3650},
    )
    for n, minutes, local in [(1, 80, "傅君芬"), (2, 30, ""), (3, None, "")]:
        fields = registrant(n, name_local=local)
        del fields["consent"]
        registration = services.registration_create(activity=webinar, fields=fields).registration
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


def test_certificates_are_refused_until_the_last_session_has_ended(
    webinar, world, login, settings, tmp_path
):
    """Before the activity's last session has ended, the service refuses (so the page, a
    task or a script cannot issue or email certificates), and the page says why."""
    settings.MEDIA_ROOT = tmp_path
    fields = registrant(41)
    del fields["consent"]
    registration = services.registration_create(activity=webinar, fields=fields).registration
    services.registration_check_in(registration=registration, present=True)

    with pytest.raises(CertificatesNotYet) as refused:
        certificates_issue(activity_id=webinar.pk)
    assert str(refused.value) == (
        "Certificates can be issued once the activity's last session has ended "
        "(17 April 2027, 09:30, Asia/Shanghai)."
    )

    client = login(world.office)
    response = client.post(f"/activities/{webinar.pk}/attendance/certificates/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [str(refused.value)]
    assert Certificate.objects.count() == 0
    assert not DBTaskResult.objects.filter(task_path__endswith="issue_certificates").exists()


def test_certificates_issued_from_the_page_reach_their_holders(
    attended, world, login, smtp_server, run_worker, settings, tmp_path
):
    """Once the activity has taken place, the organiser's button queues the issuing
    (``certificates_queue``): the page says so, and the worker then issues the two
    certificates and emails their holders."""
    settings.MEDIA_ROOT = tmp_path
    settings.AMITY_CERTIFICATE_PROCESSES = 1

    response = login(world.office).post(
        f"/activities/{attended.pk}/attendance/certificates/", follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Certificates are being issued; their holders are emailed when each is ready."
    ]
    assert Certificate.objects.count() == 0  # the worker issues them
    run_worker()
    run_worker()
    run_worker()
    holders = dict(Certificate.objects.values_list("registration__email", "minutes"))
    assert holders == {"zhang1@hospital.example.cn": 80, "zhang3@hospital.example.cn": 90}
    ready = [m["To"] for m in smtp_server.messages if "certificate" in m["Subject"]]
    assert sorted(ready) == ["zhang1@hospital.example.cn", "zhang3@hospital.example.cn"]
