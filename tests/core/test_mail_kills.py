"""Every queued email reaches the mail server exactly once, though the ``amity worker``
sending them is killed (SIGKILL) again and again: at the very moment the mail server takes
a message (the worker has not read its "250" yet, let alone recorded it), and at random
moments. A real worker process, a real SMTP server on loopback, the suite's database
(SQLite, or PostgreSQL when DATABASE_URL says so)."""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.utils import timezone

from amity.core import worker_journal
from amity.core.emails import email_queue, email_send, message_id, recover_interrupted
from amity.core.models import OutboundEmail
from tests.smtp import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EMAILS = 300
KILLS = 5
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Amity//EN\r\nEND:VCALENDAR\r\n"


class CountingHandler:
    """Keeps each message's Message-ID and recipient; can tell the test the moment it has
    taken the ``kill_at``-th message (before its "250" leaves)."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.kill_at: int | None = None
        self.taken = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((message["Message-ID"], message["To"]))
            if self.kill_at is not None and len(self.received) >= self.kill_at:
                self.kill_at = None
                self.taken.set()
        return "250 2.0.0 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker(smtp_port: int, log) -> subprocess.Popen:
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
    return subprocess.Popen(
        [sys.executable, "-m", "amity", "worker", "--interval", "0.05"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.005)


def test_every_email_reaches_the_server_exactly_once_though_its_worker_is_killed(tmp_path):
    """300 emails, 5 kills (3 at the moment the server takes a message, 2 at random
    moments), each killed worker replaced at once: every Message-ID arrives once, every
    email ends "sent", and the replacements found in the journal what the mail server
    had taken before its worker could record it."""
    seed = int(os.environ.get("AMITY_TEST_SEED", time.time()))
    rng = random.Random(seed)
    emails = []
    with transaction.atomic():  # queued at once: what is measured is the sending
        for n in range(EMAILS):
            emails.append(
                email_queue(
                    to=[f"registrant{n}@example.org"],
                    subject=f"You are registered ({n})",
                    body="Your link and the invitation are attached. 会议链接见附件。",
                    attachments=[("invite.ics", ICS, "text/calendar")],
                )
            )
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    logs = []

    def start():
        logs.append(tmp_path / f"worker-{len(logs)}.log")
        return _worker(controller.port, logs[-1].open("wb"))

    worker = start()
    kills = []
    try:
        for kill in range(KILLS):
            at_acceptance = kill % 2 == 0
            target = (kill + 1) * EMAILS // (KILLS + 1) + rng.randrange(-10, 10)
            if at_acceptance:
                handler.kill_at = target
                assert handler.taken.wait(timeout=60), f"seed {seed}: no message {target}"
                handler.taken.clear()
            else:
                _wait(lambda t=target: handler.count() >= t, 60, f"seed {seed}: {target} sent")
                time.sleep(rng.uniform(0, 0.02))
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            kills.append((at_acceptance, handler.count()))
            worker = start()
        _wait(
            lambda: not OutboundEmail.objects.exclude(status="sent").exists(),
            120,
            f"seed {seed}: every email sent",
        )
        time.sleep(0.5)  # anything sent late would arrive as a repeat
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()

    per_id = Counter(mid for mid, _ in handler.received)
    expected = {message_id(email) for email in emails}
    repeated = {mid: n for mid, n in per_id.items() if n > 1}
    recovered = "".join(log.read_text(errors="replace") for log in logs)
    assert len(kills) == KILLS
    assert repeated == {}, f"seed {seed}, kills {kills}"
    assert set(per_id) == expected, f"seed {seed}, kills {kills}"
    assert sorted(to for _, to in handler.received) == sorted(
        f"registrant{n}@example.org" for n in range(EMAILS)
    )
    assert OutboundEmail.objects.filter(status="sent").count() == EMAILS
    # The kills at acceptance left messages taken but not recorded, found in the journal.
    assert "'accepted': " in recovered
    assert any(int(part.split(",")[0]) > 0 for part in recovered.split("'accepted': ")[1:]), (
        recovered[-2000:]
    )


def _dead_worker_journal(lines: list[str]) -> str:
    """A journal as a worker of this machine that was killed leaves it; its id."""
    dead = f"{socket.gethostname()[:40]}:999999999:0badc0"
    folder = worker_journal.folder()
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{line}\n" for line in [f"{worker_journal.HEADER}{dead}", *lines])
    (folder / f"killed-worker{worker_journal.SUFFIX}").write_text(text)
    return dead


def test_what_a_killed_worker_handed_over_is_not_sent_again_and_what_was_refused_is(
    smtp_server, run_worker
):
    """A worker killed after handing the first email's last line to the server (its
    journal's last word "H") and after the server refused the second ("R"): the next
    worker records the first as sent without sending it, sends the second once, and
    removes the dead worker's journal."""
    with transaction.atomic():
        handed = email_queue(to=["a@example.org"], subject="Handed over", body="Once.")
        refused = email_queue(to=["b@example.org"], subject="Refused", body="Again.")
    dead = _dead_worker_journal(
        [
            f"H {handed.pk} {time.time():.6f} {message_id(handed)}",
            f"H {refused.pk} {time.time():.6f} {message_id(refused)}",
            f"R {refused.pk} {time.time():.6f} {message_id(refused)}",
        ]
    )
    OutboundEmail.objects.update(
        status="sending",
        attempts=1,
        claimed_by=dead,
        claimed_until=timezone.now() + timedelta(minutes=5),
    )

    counts = recover_interrupted()
    run_worker()

    assert counts["accepted"] == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Refused"]
    assert dict(OutboundEmail.objects.values_list("subject", "status")) == {
        "Handed over": "sent",
        "Refused": "sent",
    }
    assert list(worker_journal.folder().glob("killed-worker*")) == []


def test_no_database_lock_is_held_while_the_mail_server_answers(smtp_server):
    """While the mail server holds the message, another connection writes the email's
    own row at once: the worker holds no lock (nor SQLite's write lock) over SMTP."""
    with transaction.atomic():
        email = email_queue(to=["a@example.org"], subject="Unlocked", body="No lock.")
    waited = []

    def write_the_row() -> None:
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
            OutboundEmail.objects.filter(pk=email.pk).update(last_error="written meanwhile")
        waited.append(time.monotonic() - started)
        connection.close()

    original = smtp_server.handler.handle_DATA

    async def handle_data(server, session, envelope):
        # In a thread of its own: Django refuses database work inside an event loop.
        writer = threading.Thread(target=write_the_row)
        writer.start()
        writer.join()
        return await original(server, session, envelope)

    smtp_server.handler.handle_DATA = handle_data
    status = email_send(email_id=email.pk)

    assert status == "sent"
    assert len(waited) == 1 and waited[0] < 1.0
    assert [m["Subject"] for m in smtp_server.messages] == ["Unlocked"]
