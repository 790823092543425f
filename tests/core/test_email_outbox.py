import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.core.emails import email_queue
from amity.core.models import OutboundEmail, TaskLease

pytestmark = pytest.mark.django_db(transaction=True)


def _make_retries_due():
    DBTaskResult.objects.filter(run_after__isnull=False).update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def test_queued_email_is_delivered_once_by_the_worker(smtp_server, run_worker):
    with transaction.atomic():
        email = email_queue(
            to=["fu.junfen@zch.example.cn"],
            subject="Forum programme",
            body="The programme is attached. 会议日程见附件。",
        )
    assert smtp_server.messages == []  # nothing leaves during the request

    run_worker()
    run_worker()  # a second worker run finds nothing left to send

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "fu.junfen@zch.example.cn"
    assert message["Subject"] == "Forum programme"
    assert "会议日程见附件" in message.get_content()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1


def test_rolled_back_change_sends_nothing(smtp_server, run_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_queue(to=["a@example.org"], subject="Never", body="never")
        raise RuntimeError("the change failed")

    run_worker()

    assert OutboundEmail.objects.count() == 0
    assert smtp_server.messages == []


def test_failing_mail_server_is_retried_until_it_accepts(smtp_server, run_worker):
    smtp_server.fail_next(2)
    with transaction.atomic():
        email = email_queue(to=["partner@example.org"], subject="Letter", body="Dear partner")

    run_worker()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.RETRYING
    assert "451" in email.last_error
    for _ in range(2):
        _make_retries_due()
        run_worker()

    email.refresh_from_db()
    assert smtp_server.handler.refused == 2
    assert len(smtp_server.messages) == 1
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 3


def test_email_gives_up_after_the_configured_attempts(smtp_server, run_worker, settings):
    settings.AMITY_EMAIL_MAX_ATTEMPTS = 2
    smtp_server.fail_next(10)
    with transaction.atomic():
        email = email_queue(to=["partner@example.org"], subject="Letter", body="Dear partner")

    for _ in range(4):
        run_worker()
        _make_retries_due()

    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED
    assert email.attempts == 2
    assert smtp_server.messages == []


def test_attachments_reach_the_mail_server(smtp_server, run_worker):
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    with transaction.atomic():
        email_queue(
            to=["a@example.org"],
            subject="Your registration",
            body="See the attachment.",
            attachments=[("lecture.ics", ics, "text/calendar")],
        )

    run_worker()

    (message,) = smtp_server.messages
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "lecture.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_payload(decode=True) == ics


def test_an_email_left_sending_by_a_dead_worker_is_sent_once_after_recovery(
    smtp_server, run_worker
):
    """A worker killed between claiming an email and sending it leaves the row "sending";
    the next worker on the machine sees its process is gone and sends the email once."""
    from amity.core.emails import recover_interrupted

    with transaction.atomic():
        email = email_queue(to=["a@example.org"], subject="Reminder", body="Tomorrow at 8.")
    # What a killed worker leaves behind: the row claimed by a process that is gone, its
    # task marked running.
    dead = f"{socket.gethostname()[:40]}:999999999"
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENDING,
        attempts=1,
        claimed_by=dead,
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now(), worker_ids=[dead])
    TaskLease.objects.create(
        task_name="core.send_email",
        arguments={"email_id": email.pk},
        claimed_by=dead,
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    run_worker()
    assert smtp_server.messages == []  # the running task is not picked up twice

    counts = recover_interrupted()
    run_worker()

    assert counts == {"accepted": 0, "orphans": 0, "emails": 1, "tasks": 1, "requeued": 0}
    assert TaskLease.objects.count() == 0
    assert [m["Subject"] for m in smtp_server.messages] == ["Reminder"]
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2


def test_an_email_claimed_by_a_live_worker_is_left_alone(smtp_server, run_worker):
    from amity.core.background import worker_id
    from amity.core.emails import email_send

    with transaction.atomic():
        email = email_queue(to=["a@example.org"], subject="Reminder", body="Tomorrow at 8.")
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENDING,
        claimed_by=worker_id(),
        claimed_until=timezone.now() + timedelta(minutes=5),
    )

    assert email_send(email_id=email.pk) is None
    assert smtp_server.messages == []
