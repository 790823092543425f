"""Confirmations leave through real `amity worker` processes and a real SMTP server; a
worker killed in the middle loses nothing and repeats nothing."""

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from django.db import connection

from amity.core.models import OutboundEmail
from amity.registrations import services
from amity.registrations.models import Registration
from tests.registrations.conftest import registrant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

COUNT = 120


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(smtp_port: int, *, batch: bool = False) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AMITY_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DATABASE_URL=_database_url(),
        AMITY_DATA_DIR=os.environ["AMITY_DATA_DIR"],
        AMITY_SECRET_KEY="test-only-secret-key-not-for-production-0123456789",
        AMITY_DEBUG="1",
        AMITY_EMAIL_HOST="127.0.0.1",
        AMITY_EMAIL_PORT=str(smtp_port),
    )
    command = [sys.executable, "-m", "amity", "worker", "--interval", "0.05"]
    return subprocess.Popen(
        [*command, "--batch"] if batch else command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_every_registrant_gets_exactly_one_confirmation_though_a_worker_is_killed(
    webinar, smtp_server
):
    for n in range(COUNT):
        fields = registrant(n)
        del fields["consent"]
        services.registration_create(activity=webinar, fields=fields)
    # The server stops answering in the middle of the 41st message; the worker is killed
    # right there, with the message claimed and its task running.
    smtp_server.handler.hold_after = COUNT // 3

    first = _worker(smtp_server.port)
    try:
        assert smtp_server.handler.holding.wait(timeout=120)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        smtp_server.handler.released.set()
    killed_at = len(smtp_server.messages)
    assert OutboundEmail.objects.filter(status="sending").count() == 1
    second = _worker(smtp_server.port, batch=True)
    assert second.wait(timeout=300) == 0

    received = Counter(m["To"] for m in smtp_server.messages)
    expected = set(Registration.objects.values_list("email", flat=True))
    assert killed_at == COUNT // 3
    assert set(received) == expected
    assert [to for to, n in received.items() if n > 1] == []
    assert OutboundEmail.objects.exclude(status="sent").count() == 0
    subjects = {m["Subject"] for m in smtp_server.messages}
    assert subjects == {"You are registered: Paediatric Endocrinology Webinar"}
