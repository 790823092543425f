"""Background work: a task exists exactly when the change that queued it commits, and the
task of a worker that died is taken back by any worker, once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from amity.core.background import enqueue_task, recover_tasks, renew_leases, worker_id
from amity.core.emails import email_queue
from amity.core.models import OutboundEmail, TaskLease

pytestmark = pytest.mark.django_db(transaction=True)


def _queued_sends() -> list[int]:
    return sorted(
        result.args_kwargs["kwargs"]["email_id"]
        for result in DBTaskResult.objects.filter(
            task_path="amity.core.tasks.send_email", status="READY"
        )
    )


def _lease(claimed_by: str, until, email_id: int = 1) -> TaskLease:
    return TaskLease.objects.create(
        task_name="core.send_email",
        arguments={"email_id": email_id},
        claimed_by=claimed_by,
        lease_until=until,
    )


def test_background_task_queued_in_a_rolled_back_change_does_not_exist():
    """A change that rolls back leaves neither its email nor the task that would send it."""

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        email_queue(to=["a@example.org"], subject="Never", body="Rolled back.")
        raise Abort

    assert OutboundEmail.objects.count() == 0
    assert _queued_sends() == []


def test_background_task_with_another_backend_is_handed_over_after_the_commit(settings):
    """With a broker-like backend, the task is handed over only once the change commits."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "email"],
        }
    }
    from django_tasks import task_backends

    backend = task_backends["default"]
    backend.clear()
    with transaction.atomic():
        enqueue_task("core.send_email", email_id=7)
        assert backend.results == []
    assert [r.kwargs for r in backend.results] == [{"email_id": 7}]


def test_background_task_of_a_silent_worker_elsewhere_is_queued_again_once():
    """A worker on another machine that stopped renewing its lease lost its task: any
    worker queues it again, once even when two recover at the same time; a task whose lease
    still runs is left alone."""
    with transaction.atomic():
        email = email_queue(to=["a@example.org"], subject="Lost", body="Taken back.")
    DBTaskResult.objects.update(status="RUNNING", worker_ids=["elsewhere:41:abc123"])
    _lease("elsewhere:41:abc123", timezone.now() - timedelta(seconds=1), email.pk)
    _lease("elsewhere:42:abc123", timezone.now() + timedelta(minutes=4), 999)

    assert recover_tasks() == 1
    assert recover_tasks() == 0

    assert _queued_sends() == [email.pk]
    assert list(TaskLease.objects.values_list("claimed_by", flat=True)) == ["elsewhere:42:abc123"]


def test_background_task_lease_is_held_while_it_runs_and_renewed_by_its_worker(run_worker):
    """Running a task leaves no lease behind; the heartbeat extends only this process's
    leases."""
    with transaction.atomic():
        email_queue(to=["a@example.org"], subject="Done", body="Sent.")
    run_worker()
    assert TaskLease.objects.count() == 0

    soon = timezone.now() + timedelta(seconds=5)
    mine = _lease(worker_id(), soon)
    theirs = _lease("elsewhere:7:abc123", soon)

    assert renew_leases() == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.lease_until > soon + timedelta(seconds=60)
    assert theirs.lease_until == soon


def test_background_email_left_queued_without_a_task_gets_one(run_worker, smtp_server):
    """A worker that died between taking a send task and writing its lease leaves the
    email queued with no task: recovery a lease later gives it one, and it is sent once."""
    from amity.core.emails import recover_interrupted

    with transaction.atomic():
        email = email_queue(to=["a@example.org"], subject="Orphan", body="Sent once.")
    DBTaskResult.objects.all().delete()  # the lost task
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert recover_interrupted() == {
        "accepted": 0,
        "orphans": 0,
        "emails": 0,
        "tasks": 0,
        "requeued": 1,
    }
    run_worker()
    run_worker()

    assert [m["Subject"] for m in smtp_server.messages] == ["Orphan"]
