"""The health report an operator reads on each machine (``/health/``, ``amity manage check
--deploy``): database, storage (a file written, read back and deleted), cache, and the
workers per host with the last heartbeat and the tasks overdue. Office staff or the
health token only."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from amity.core import health
from amity.core.background import enqueue_task
from amity.core.clock import database_now
from amity.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def _beat(worker: str, host: str, seconds_ago: float) -> None:
    at = database_now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker=worker, host=host, started_at=at, seen_at=at)


def test_health_report_for_office_staff_names_every_part_and_each_workers_host(
    client, world, settings
):
    settings.AMITY_EMAIL_LEASE_SECONDS = 60
    _beat("ward-a:10:aaaaaa", "ward-a", seconds_ago=3)
    _beat("ward-b:20:bbbbbb", "ward-b", seconds_ago=600)
    client.force_login(world.office)

    response = client.get("/health/")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True
    assert abs(data["database"]["clock_offset_seconds"]) < 5
    assert data["storage"]["ok"] is True
    assert data["cache"]["ok"] is True
    assert data["server"]["secret_key"] == health.fingerprint(settings.SECRET_KEY)
    assert settings.SECRET_KEY not in response.content.decode()
    hosts = {host["host"]: host for host in data["workers"]["hosts"]}
    assert (hosts["ward-a"]["alive"], hosts["ward-b"]["alive"]) == (1, 0)
    assert data["workers"]["tasks_overdue"] == 0
    assert "no-cache" in response["Cache-Control"]


def test_health_report_says_503_with_the_storage_error_and_overdue_tasks(
    client, world, settings, monkeypatch
):
    """A storage that fails the probe and a task due for longer than a lease with no
    worker alive: 503, with what failed."""
    from amity.core import storage

    settings.AMITY_EMAIL_LEASE_SECONDS = 60
    monkeypatch.setattr(storage, "probe", lambda *args: "PermissionError: read-only mount")
    with transaction.atomic():
        enqueue_task("registrations.erase_expired")
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(enqueued_at=database_now() - timedelta(minutes=5))
    client.force_login(world.office)

    data = client.get("/health/").json()

    assert data["status"] == "error"
    assert data["storage"] | {"backend": None, "location": None} == {
        "ok": False,
        "backend": None,
        "location": None,
        "error": "PermissionError: read-only mount",
    }
    assert (data["workers"]["alive"], data["workers"]["tasks_overdue"]) == (0, 1)
    assert client.get("/health/").status_code == 503


def test_health_report_is_refused_to_others_and_given_to_the_token(client, world):
    assert client.get("/health/").status_code == 403
    client.force_login(world.staff)
    refused = client.get("/health/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Office staff only, or the health token."}
    client.logout()
    with override_settings(AMITY_HEALTH_TOKEN="monitor-7f3a9c"):
        assert client.get("/health/", headers={"authorization": "Bearer wrong"}).status_code == 403
        given = client.get("/health/", headers={"authorization": "Bearer monitor-7f3a9c"})
    assert given.json()["database"]["ok"] is True


def test_check_deploy_reports_a_storage_that_does_not_answer(monkeypatch, settings):
    from amity.core import storage

    monkeypatch.setattr(storage, "probe", lambda *args: "OSError: no such bucket")
    with pytest.raises(SystemCheckError, match="storage does not answer: OSError: no such bucket"):
        call_command("check", "--deploy", "--fail-level", "ERROR", "--tag", "amity")


def test_check_deploy_warns_when_several_machines_would_count_the_rate_limit_apart(
    monkeypatch, settings
):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setattr(health, "database_now", timezone.now)
    settings.AMITY_RATE_LIMIT_STORE = "cache"
    messages = health.check_shared_services()
    assert [m.id for m in messages if m.id.startswith("amity.W")] == ["amity.W101"]
