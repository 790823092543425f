"""Reminders before a site's ethics approval expires: queued when the approval is recorded,
sent once per offset by the worker or the daily command, through a real SMTP server."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.core.models import OutboundEmail
from amity.research import reminders, services
from amity.research.models import ApprovalReminder

TASK_PATH = "amity.research.tasks.remind_approval_expiry"


@pytest.fixture(autouse=True)
def _default_offsets(settings):
    settings.AMITY_APPROVAL_REMINDER_DAYS = [60, 14]


def _approval(world, *, site=None, days_left=30, **fields):
    today = timezone.localdate()
    return services.approval_record(
        by=world.office,
        site=site or world.partner_site,
        committee=fields.pop("committee", "Loma Linda University IRB"),
        reference=fields.pop("reference", "5200123"),
        approved_on=fields.pop("approved_on", today - timedelta(days=335)),
        expires_on=fields.pop("expires_on", today + timedelta(days=days_left)),
        **fields,
    )


def _coordinator_with_email(world):
    world.partner_person.email = "ana.rivera@llu.example.org"
    world.partner_person.save()


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_office_and_the_site_once_though_the_task_runs_twice(
    research_world, smtp_server, run_worker
):
    w = research_world
    _coordinator_with_email(w)
    approval = _approval(w)  # 30 days left: the 60-day reminder is due at once
    duplicate = DBTaskResult.objects.get(task_path=TASK_PATH, run_after__year=9999)
    duplicate.pk = duplicate.id = None  # the same task queued a second time
    duplicate.save()

    run_worker()
    run_worker()

    (message,) = smtp_server.messages
    assert message["Subject"] == (
        "Ethics approval expires in 30 days: PEDCOV at Loma Linda University"
    )
    assert sorted(a.strip() for a in message["To"].split(",")) == sorted(
        [w.office.email, w.pi_person.email, "ana.rivera@llu.example.org"]
    )
    body = message.get_content()
    assert "The ethics approval 5200123 of Loma Linda University IRB" in body
    assert "at Loma Linda University expires on" in body
    assert f"/research/{w.study.pk}/#site-{w.partner_site.pk}" in body
    assert "60, 14" in body
    reminder = ApprovalReminder.objects.get()
    assert (reminder.approval, reminder.days_before) == (approval, 60)
    assert reminder.email.status == OutboundEmail.Status.SENT


def test_recording_an_approval_queues_a_task_at_nine_for_each_offset(research_world):
    w = research_world
    approval = _approval(w, days_left=100)
    tasks = DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("run_after")
    expiry = approval.expires_on
    assert [timezone.localtime(t.run_after).replace(tzinfo=None) for t in tasks] == [
        datetime.combine(expiry - timedelta(days=60), time(9, 0)),
        datetime.combine(expiry - timedelta(days=14), time(9, 0)),
    ]


def test_the_fourteen_day_reminder_follows_the_sixty_day_one(research_world):
    w = research_world
    approval = _approval(w, days_left=90)
    expiry = approval.expires_on
    remind = reminders.approval_remind
    assert remind(approval_id=approval.pk, today=expiry - timedelta(days=61)) is None
    assert remind(approval_id=approval.pk, today=expiry - timedelta(days=60)).days_before == 60
    assert remind(approval_id=approval.pk, today=expiry - timedelta(days=30)) is None
    assert remind(approval_id=approval.pk, today=expiry - timedelta(days=14)).days_before == 14
    assert remind(approval_id=approval.pk, today=expiry) is None
    assert sorted(ApprovalReminder.objects.values_list("days_before", flat=True)) == [14, 60]


def test_an_approval_recorded_close_to_expiry_gets_only_the_most_urgent_reminder(research_world):
    approval = _approval(research_world, days_left=10)
    assert reminders.approval_remind(approval_id=approval.pk).days_before == 14
    assert reminders.approval_remind(approval_id=approval.pk) is None
    assert OutboundEmail.objects.count() == 1


def test_a_renewed_approval_silences_the_old_one(research_world):
    w = research_world
    old = _approval(w, days_left=20, approved_on=date(2025, 1, 1))
    _approval(w, reference="5200123-R1", days_left=380)
    assert reminders.approval_remind(approval_id=old.pk) is None
    assert ApprovalReminder.objects.count() == 0


@pytest.mark.parametrize("closed", ["site", "study"])
def test_no_reminder_for_a_closed_site_or_study(research_world, closed):
    w = research_world
    approval = _approval(w)
    if closed == "site":
        services.site_update(by=w.office, site=w.partner_site, status="closed")
    else:
        services.study_set_status(by=w.office, study=w.study, status="closed")
    assert reminders.approval_remind(approval_id=approval.pk) is None
    assert OutboundEmail.objects.count() == 0


def test_a_task_queued_for_an_old_expiry_date_does_nothing(research_world):
    approval = _approval(research_world)
    assert reminders.approval_remind(approval_id=approval.pk, expires_on=date(2030, 1, 1)) is None


def test_the_offsets_can_be_given_in_the_environment(settings, monkeypatch):
    del settings.AMITY_APPROVAL_REMINDER_DAYS
    monkeypatch.setenv("AMITY_APPROVAL_REMINDER_DAYS", "7, 90,30")
    assert reminders.reminder_days() == [90, 30, 7]
    monkeypatch.delenv("AMITY_APPROVAL_REMINDER_DAYS")
    assert reminders.reminder_days() == [60, 14]


def test_the_daily_command_sends_what_is_due_once(research_world, capsys):
    w = research_world
    _approval(w)  # due
    _approval(w, site=w.domestic_site, reference="SCMC-2020-7", days_left=300)  # not yet

    call_command("approval_reminders")
    call_command("approval_reminders")

    assert capsys.readouterr().out.splitlines() == [
        "Queued 1 approval expiry reminders (days before: 60, 14).",
        "Queued 0 approval expiry reminders (days before: 60, 14).",
    ]
    assert list(ApprovalReminder.objects.values_list("approval__reference", flat=True)) == [
        "5200123"
    ]
