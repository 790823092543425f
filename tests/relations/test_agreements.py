"""Agreements: parties, dates and status, the signed copy kept safely, and the reminders
office staff get before one expires."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.core.models import OutboundEmail
from amity.relations import reminders, services
from amity.relations.models import Agreement, AgreementReminder
from tests.relations.conftest import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 40


def _agreement(world, *, partners=None, file=None, **fields) -> Agreement:
    today = timezone.localdate()
    return services.agreement_create(
        fields={
            "title": "Exchange agreement: speech rehabilitation",
            "kind": "exchange",
            "signed_on": today - timedelta(days=900),
            "expires_on": today + timedelta(days=60),
            "status": "active",
            **fields,
        },
        partners=partners or [world.partner],
        file=file,
        user=world.office,
    )


def test_the_signed_copy_is_kept_under_a_random_name_outside_the_web_root(world, media, client):
    agreement = _agreement(world, file=pdf_upload("../../合作协议（签字版）.pdf"))

    assert agreement.file_name == "合作协议（签字版）.pdf"
    assert agreement.file_type == "application/pdf"
    stored = Path(agreement.file.path)
    assert stored.parent == media / "relations" / "agreement"
    assert "合作" not in stored.name and len(stored.name) == 32
    client.force_login(world.partner_contact)
    response = client.get(reverse("relations:agreement_file", args=[agreement.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored.read_bytes()
    assert "filename*=UTF-8''%E5%90%88" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "minutes.pdf",
            b"Just text pretending to be a PDF.",
            "The file's content is not a PDF, PNG or JPEG image (whatever its name says).",
        ),
        (
            "macro.pdf",
            b"PK\x03\x04" + b"\0" * 100,
            "The file's content is not a PDF, PNG or JPEG image (whatever its name says).",
        ),
        ("empty.pdf", b"", "The file is empty."),
        (
            "huge.pdf",
            pdf_bytes() + b"\0" * (1024 * 1024),
            "The file is 1.0 MB; the largest file Amity accepts is 1 MB.",
        ),
    ],
)
def test_an_upload_that_is_not_a_small_pdf_or_image_is_refused_and_nothing_is_kept(
    world, media, settings, name, content, message
):
    settings.AMITY_MAX_UPLOAD_MB = 1
    with pytest.raises(ValidationError) as error:
        _agreement(world, file=SimpleUploadedFile(name, content))
    assert error.value.message_dict == {"file": [message]}
    assert Agreement.objects.count() == 0
    assert not (media / "relations").exists()


def test_an_image_named_like_a_pdf_is_kept_as_the_image_it_is(world, media):
    agreement = _agreement(world, file=SimpleUploadedFile("scan.pdf", PNG))
    assert (agreement.file_type, agreement.file_name) == ("image/png", "scan.png")


def test_the_form_shows_upload_errors_next_to_the_file_field(world, media, client):
    client.force_login(world.office)
    response = client.post(
        reverse("relations:agreement_create"),
        {
            "title": "MoU",
            "kind": "mou",
            "partners": [world.partner.pk],
            "status": "draft",
            "upload": SimpleUploadedFile("mou.pdf", b"<html>not a pdf</html>"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The file&#x27;s content is not a PDF, PNG or JPEG image" in body
    assert Agreement.objects.count() == 0


def test_the_home_hospital_is_not_a_partner_and_an_active_agreement_is_signed(world):
    with pytest.raises(ValidationError) as error:
        _agreement(world, partners=[world.home])
    assert error.value.message_dict == {
        "partners": ["The home hospital is always a party; choose its partners."]
    }
    with pytest.raises(ValidationError) as error:
        _agreement(world, signed_on=None)
    assert error.value.message_dict == {
        "signed_on": ["An active agreement needs the date it was signed."]
    }
    with pytest.raises(ValidationError) as error:
        _agreement(world, signed_on=date(2020, 1, 1), expires_on=date(2019, 1, 1))
    assert error.value.message_dict == {
        "expires_on": ["An agreement must expire after it is signed."]
    }


def test_an_active_agreement_past_its_expiry_shows_as_expired(world, client):
    _agreement(world, title="Old MoU", signed_on=date(2008, 4, 1), expires_on=date(2013, 3, 31))
    _agreement(world, title="Current exchange")
    _agreement(world, title="Draft study", status="draft", signed_on=None, expires_on=None)
    client.force_login(world.staff)
    url = reverse("relations:agreement_list")

    def titles(**query):
        return [(a.title, a.current_state) for a in client.get(url, query).context["page"]]

    assert titles() == [
        ("Old MoU", "expired"),
        ("Current exchange", "active"),
        ("Draft study", "draft"),
    ]
    assert titles(state="expired") == [("Old MoU", "expired")]
    assert titles(state="active") == [("Current exchange", "active")]
    soon = (timezone.localdate() + timedelta(days=90)).isoformat()
    assert titles(expiring_before=soon) == [
        ("Old MoU", "expired"),
        ("Current exchange", "active"),
    ]
    assert "expires in 60 days" in client.get(url).content.decode()


# --- reminders ---------------------------------------------------------------------------


def test_saving_an_active_agreement_queues_a_reminder_at_nine_each_offset_before(world):
    today = timezone.localdate()
    agreement = _agreement(world, expires_on=today + timedelta(days=200))

    tasks = DBTaskResult.objects.filter(task_path="amity.relations.tasks.remind_agreement_expiry")
    zone = ZoneInfo("Asia/Shanghai")
    assert sorted(t.run_after for t in tasks) == [
        datetime.combine(today + timedelta(days=110), datetime.min.time(), zone).replace(hour=9),
        datetime.combine(today + timedelta(days=170), datetime.min.time(), zone).replace(hour=9),
    ]
    assert {t.args_kwargs["kwargs"]["days"] for t in tasks} == {90, 30}
    assert {t.args_kwargs["kwargs"]["agreement_id"] for t in tasks} == {agreement.pk}


def test_a_due_reminder_emails_office_staff_once(world):
    agreement = _agreement(world)  # expires in 60 days: the 90-day reminder is due

    first = reminders.agreement_remind(agreement_id=agreement.pk)
    second = reminders.agreement_remind(agreement_id=agreement.pk)

    assert (first.days_before, second) == (90, None)
    email = OutboundEmail.objects.get()
    assert email.to == [world.office.email]
    assert email.subject == (
        "Agreement expires in 60 days: Exchange agreement: speech rehabilitation"
    )
    assert "with Loma Linda University expires on" in email.body
    assert f"/agreements/{agreement.pk}/" in email.body


def test_the_thirty_day_reminder_follows_the_ninety_day_one(world):
    agreement = _agreement(world)
    expiry = agreement.expires_on
    reminders.agreement_remind(agreement_id=agreement.pk, today=expiry - timedelta(days=89))
    too_early = reminders.agreement_remind(agreement_id=agreement.pk, today=expiry - timedelta(31))
    thirty = reminders.agreement_remind(agreement_id=agreement.pk, today=expiry - timedelta(30))
    assert too_early is None
    assert thirty.days_before == 30
    assert reminders.agreement_remind(agreement_id=agreement.pk, today=expiry) is None
    assert list(AgreementReminder.objects.values_list("days_before", flat=True)) == [30, 90]


def test_an_agreement_saved_close_to_expiry_gets_only_the_most_urgent_reminder(world):
    agreement = _agreement(world, expires_on=timezone.localdate() + timedelta(days=20))
    assert reminders.agreement_remind(agreement_id=agreement.pk).days_before == 30
    assert reminders.agreement_remind(agreement_id=agreement.pk) is None
    assert OutboundEmail.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_on": timezone.localdate() + timedelta(days=120)},  # too early
        {"status": "draft"},
        {"status": "terminated"},
        {"signed_on": date(2008, 4, 1), "expires_on": date(2013, 3, 31)},  # expired
        {"expires_on": None},  # never expires
    ],
)
def test_no_reminder_when_none_is_due(world, fields):
    agreement = _agreement(world, **fields)
    assert reminders.agreement_remind(agreement_id=agreement.pk) is None
    assert OutboundEmail.objects.count() == 0


def test_a_task_queued_for_an_old_expiry_date_does_nothing(world):
    agreement = _agreement(world)
    old = agreement.expires_on
    services.agreement_update(agreement=agreement, fields={"expires_on": old + timedelta(days=365)})
    assert reminders.agreement_remind(agreement_id=agreement.pk, expires_on=old) is None
    assert AgreementReminder.objects.count() == 0


def test_a_new_expiry_date_starts_the_reminders_afresh(world):
    agreement = _agreement(world)
    reminders.agreement_remind(agreement_id=agreement.pk)
    services.agreement_update(
        agreement=agreement, fields={"expires_on": timezone.localdate() + timedelta(days=45)}
    )
    assert reminders.agreement_remind(agreement_id=agreement.pk).days_before == 90
    assert AgreementReminder.objects.count() == 2


def test_the_offsets_come_from_the_setting(world, settings):
    settings.AMITY_AGREEMENT_REMINDER_DAYS = [14]
    agreement = _agreement(world)
    assert reminders.agreement_remind(agreement_id=agreement.pk) is None
    reminder = reminders.agreement_remind(
        agreement_id=agreement.pk, today=agreement.expires_on - timedelta(days=14)
    )
    assert reminder.days_before == 14


def test_the_offsets_can_be_given_in_the_environment(settings, monkeypatch):
    del settings.AMITY_AGREEMENT_REMINDER_DAYS
    monkeypatch.setenv("AMITY_AGREEMENT_REMINDER_DAYS", "7, 60,30")
    assert reminders.reminder_days() == [60, 30, 7]
    monkeypatch.delenv("AMITY_AGREEMENT_REMINDER_DAYS")
    assert reminders.reminder_days() == [90, 30]


def test_the_daily_command_sends_what_is_due_once(world, capsys):
    _agreement(world, title="Due")
    _agreement(world, title="Later", expires_on=timezone.localdate() + timedelta(days=300))

    call_command("agreement_reminders")
    call_command("agreement_reminders")

    assert capsys.readouterr().out.splitlines() == [
        "Queued 1 agreement expiry reminders (days before: 90, 30).",
        "Queued 0 agreement expiry reminders (days before: 90, 30).",
    ]
    assert list(AgreementReminder.objects.values_list("agreement__title", flat=True)) == ["Due"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_due_reminder_once_even_when_its_task_runs_twice(
    world, run_worker, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agreement = _agreement(world)  # already due: a task to run at once
    duplicate = DBTaskResult.objects.get(
        # django-tasks-db stores "run at once" as the year 9999
        task_path="amity.relations.tasks.remind_agreement_expiry",
        run_after__year=9999,
    )
    duplicate.pk = None  # the same task queued a second time
    duplicate.id = None
    duplicate.save()

    run_worker()
    run_worker()

    assert [m.subject for m in mail.outbox] == [
        "Agreement expires in 60 days: Exchange agreement: speech rehabilitation"
    ]
    assert AgreementReminder.objects.get().agreement == agreement


def test_partner_contacts_see_their_agreements_once_signed_not_drafts(world, client):
    signed = _agreement(world, title="Current exchange")
    draft = _agreement(world, title="Draft study", status="draft", signed_on=None, expires_on=None)
    client.force_login(world.partner_contact)

    listed = client.get(reverse("relations:agreement_list")).context["page"]

    assert [a.title for a in listed] == ["Current exchange"]
    assert client.get(signed.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/agreements/{draft.pk}").status_code == 404
