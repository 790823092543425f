"""Work survives a machine: a worker on another host that took any task (not only an
email) and died before writing its lease is recognised by its silence — its heartbeat,
stamped by the database's clock, older than a lease — and its task is queued again once,
by whichever worker notices first, on any host. A worker still beating keeps its task."""

from datetime import timedelta

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from amity.core.background import (
    enqueue_task,
    recover_orphaned_tasks,
    recover_silent_workers,
    renew_leases,
    worker_id,
)
from amity.core.clock import database_now
from amity.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)

DEAD = "ward-b:4242:c0ffee"
LIVE = "ward-c:77:beaded"


def _beat(worker: str, seconds_ago: float) -> None:
    at = database_now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(
        worker=worker, host=worker.split(":")[0], started_at=at, seen_at=at
    )


def _taken_by(worker: str, **kwargs) -> None:
    """A notify task queued, then taken from the queue by ``worker`` (no lease yet)."""
    with transaction.atomic():
        enqueue_task("registrations.notify", **kwargs)
    DBTaskResult.objects.filter(status="READY").update(status="RUNNING", worker_ids=[worker])


def _queued() -> list[dict]:
    return [
        result.args_kwargs["kwargs"]
        for result in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at")
    ]


def test_task_of_a_silent_worker_on_another_host_is_queued_again_once(settings):
    settings.AMITY_EMAIL_LEASE_SECONDS = 60
    _beat(DEAD, seconds_ago=61)
    _beat(LIVE, seconds_ago=5)
    _taken_by(DEAD, registration_id=1, kind="confirmation")
    _taken_by(LIVE, registration_id=2, kind="confirmation")

    assert recover_silent_workers() == 1
    assert recover_silent_workers() == 0  # a second worker noticing it finds it done
    # Nor does the dead worker's journal, found later on its own machine, queue it again.
    assert recover_orphaned_tasks({DEAD}) == 0

    assert _queued() == [{"registration_id": 1, "kind": "confirmation"}]
    dead = WorkerHeartbeat.objects.get(worker=DEAD)
    assert dead.recovered_at is not None
    assert WorkerHeartbeat.objects.get(worker=LIVE).recovered_at is None


def test_worker_heartbeat_is_written_by_the_database_clock_with_its_host(settings):
    import socket

    before = database_now()
    renew_leases()
    beat = WorkerHeartbeat.objects.get(worker=worker_id())
    assert beat.host == socket.gethostname()[:64]
    assert beat.started_at == beat.seen_at >= before
    renew_leases()
    beat.refresh_from_db()
    assert beat.seen_at > beat.started_at


def test_journal_in_a_shared_folder_of_a_worker_found_silent_counts_as_dead(settings, tmp_path):
    """Workers sharing the journal folder: the journal of ward-b, found silent and taken
    back by a worker elsewhere, says what it handed over — that message went out."""
    from amity.core import worker_journal

    settings.AMITY_EMAIL_JOURNAL_DIR = tmp_path
    (tmp_path / "ward-b_4242_c0ffee.journal").write_text(
        f"amity-worker {DEAD}\nH 17 1800000000.5 <amity-17.1@hospital.example.cn>\n"
    )
    _beat(DEAD, seconds_ago=600)

    (alive,) = worker_journal.read_all()
    assert alive.dead is False
    assert worker_journal.went_out([alive], 17, "<amity-17.1@hospital.example.cn>") is None

    WorkerHeartbeat.objects.filter(worker=DEAD).update(recovered_at=database_now())
    (dead,) = worker_journal.read_all()
    assert dead.dead is True
    line = worker_journal.went_out([dead], 17, "<amity-17.1@hospital.example.cn>")
    assert (line.kind, line.at) == ("H", 1800000000.5)
