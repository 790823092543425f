"""Each worker's journal on this machine: the emails the mail server accepted, written down
the moment it said so, and a sign that the worker existed.

Why a file and not the database: SMTP has no way to ask a server whether it already took a
message, so the only defence against sending twice is to write down what happened before
the worker can die. A database write may wait (SQLite's write lock is held by other
writers for 8-33 ms at a time while registrations arrive); an append to a file of one's
own never waits on anyone. So the worker appends one line (``<kind> <email id> <unix
time> <Message-ID>``) when the message's last byte is handed over (``H``), when the
server accepts it (``A``) or refuses it (``R``), see ``amity.core.mail_client``, and then
records the outcome in the database. From the end of a line's ``write`` the line is the
kernel's and survives the process being killed; the ``fdatasync`` after it makes it
survive a power failure too. An email whose last line is ``A``, or ``H`` from a worker
that is gone, went out.

Every worker appends to a file of its own (``AMITY_EMAIL_JOURNAL_DIR``, one file per
process, named after ``worker_id()``), created when the worker starts and headed by its
id. Anyone may read every file: a line is the mail server's word, true whoever reads it.
Only the recovery of a worker that is gone (``amity.core.emails.recover_interrupted``, run
by every worker when it starts and every lease period) removes that worker's file, after
recording its lines in the database; a live worker empties its own file from time to time
once every line in it is recorded.

A journal's worker is dead when it was a process of this machine that is gone, or when
another worker found it silent past a lease (its ``WorkerHeartbeat`` marked recovered,
any machine). The journal folder is usually one machine's: a worker elsewhere cannot read
it (see ``amity.core.emails`` for what that leaves open). Workers that share the folder
(``AMITY_EMAIL_JOURNAL_DIR`` on a mount every machine has, each file its own) read one
another's journals, and that gap is closed between them too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from amity.core.background import dead_here, worker_id

logger = logging.getLogger(__name__)

HEADER = "amity-worker "
SUFFIX = ".journal"
HANDED_OVER, ACCEPTED, REFUSED = "H", "A", "R"
# A live worker empties its journal once it holds this many lines, all recorded.
KEEP_LINES = 1000


@dataclass
class _Own:
    pid: int
    path: Path
    fd: int
    header_length: int
    lines: int = 0
    unrecorded: int = 0


@dataclass(frozen=True)
class Line:
    kind: str
    at: float
    message_id: str


@dataclass(frozen=True)
class Journal:
    """One worker's journal as read: its file, its worker's id, whether that worker is
    known to be gone (a process of this machine that no longer runs), its lines per
    email."""

    path: Path
    worker: str
    dead: bool
    lines: dict[int, list[Line]] = field(default_factory=dict)


def went_out(journals: list[Journal], email_id: int, message_id: str) -> Line | None:
    """The last line any of ``journals`` holds on this email under this Message-ID, if it
    says the email went out: accepted, or handed over by a worker now gone (a live worker
    still waits for the answer, and will write it). Else None."""
    lines = [
        (line.at, n, line, journal.dead)
        for journal in journals
        for n, line in enumerate(journal.lines.get(email_id, ()))
        if line.message_id == message_id
    ]
    if not lines:
        return None
    # The latest by time; within one journal a later line wins a tie.
    _, _, last, dead = max(lines, key=lambda item: (item[0], item[1]))
    if last.kind == ACCEPTED or (last.kind == HANDED_OVER and dead):
        return last
    return None


_own: _Own | None = None


def folder() -> Path:
    return Path(settings.AMITY_EMAIL_JOURNAL_DIR)


def _file_name(worker: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in worker) + SUFFIX


def open_own() -> _Own:
    """This process's journal, created (with its header, made durable) on first use. The
    worker opens it when it starts, so that a worker that dies leaves its file behind."""
    global _own
    path = folder() / _file_name(worker_id())
    if _own is not None and _own.pid == os.getpid() and _own.path == path:
        return _own
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    header = f"{HEADER}{worker_id()}\n".encode()
    if os.fstat(fd).st_size == 0:
        os.write(fd, header)
        os.fsync(fd)
        _sync_folder(path.parent)
    _own = _Own(pid=os.getpid(), path=path, fd=fd, header_length=len(header))
    return _own


def _sync_folder(path: Path) -> None:
    """Make a new file's name durable (its folder's entry), where the system allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def note(kind: str, email_id: int, message_id: str) -> None:
    """Write down what just happened to ``email_id`` (one ``write``, then ``fdatasync``).
    Call it first thing at that moment: until the ``write`` returns, a worker killed would
    leave the email to be sent again."""
    own = open_own()
    os.write(own.fd, f"{kind} {email_id} {time.time():.6f} {message_id}\n".encode())
    own.lines += 1
    if kind == ACCEPTED:
        own.unrecorded += 1
    os.fdatasync(own.fd)


def open_or_log() -> None:
    """``open_own``, logging instead of raising when the folder is not writable: the
    worker then sends as it did before there was a journal (a kill between the server's
    answer and the database record repeats that email)."""
    try:
        open_own()
    except OSError:
        logger.exception("The worker's journal cannot be written in %s", folder())


def note_or_log(kind: str, email_id: int, message_id: str) -> None:
    """``note``, logging instead of raising when the journal cannot be written (a full
    disk): the message went out all the same, and the database records it next, as it
    did before there was a journal."""
    try:
        note(kind, email_id, message_id)
    except OSError:
        logger.exception("Email %s: %r not written to the journal", email_id, kind)


def noted_recorded() -> None:
    """The last accepted email is recorded in the database too. Once the journal holds
    ``KEEP_LINES`` lines, all recorded, it is emptied down to its header (a reader at that
    moment may see fewer lines: those were recorded already)."""
    own = _own
    if own is None or own.pid != os.getpid():
        return
    own.unrecorded = max(own.unrecorded - 1, 0)
    if own.lines >= KEEP_LINES and own.unrecorded == 0:
        os.ftruncate(own.fd, own.header_length)
        own.lines = 0


def read_all() -> list[Journal]:
    """Every journal in the folder (of live and of dead workers), as read now."""
    journals = []
    try:
        paths = sorted(folder().glob(f"*{SUFFIX}"))
    except OSError:
        return []
    recovered = _recovered_workers() if paths else set()
    for path in paths:
        try:
            data = path.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            continue  # removed by another worker's recovery meanwhile
        lines = data.split("\n")[:-1]  # a last line without its newline is being written
        if not lines or not lines[0].startswith(HEADER):
            continue
        per_email: dict[int, list[Line]] = {}
        for text in lines[1:]:
            kind, _, rest = text.partition(" ")
            email_id, _, rest = rest.partition(" ")
            at, _, message_id = rest.partition(" ")
            if kind not in (HANDED_OVER, ACCEPTED, REFUSED) or not email_id.isdigit():
                continue
            try:
                line = Line(kind=kind, at=float(at), message_id=message_id)
            except ValueError:
                continue
            per_email.setdefault(int(email_id), []).append(line)
        worker = lines[0][len(HEADER) :]
        dead = dead_here(worker) or worker in recovered
        journals.append(Journal(path=path, worker=worker, dead=dead, lines=per_email))
    return journals


def _recovered_workers() -> set[str]:
    """Workers another worker found silent past a lease and took back (``WorkerHeartbeat``):
    dead, whatever machine they ran on. Their journals are read only where the folder is
    shared between machines."""
    from django.db import DatabaseError

    from amity.core.models import WorkerHeartbeat

    try:
        recovered = WorkerHeartbeat.objects.filter(recovered_at__isnull=False)
        return set(recovered.values_list("worker", flat=True))
    except DatabaseError:
        logger.exception("The workers' heartbeats cannot be read")
        return set()


def remove(journal: Journal) -> None:
    """Remove a dead worker's journal once its lines are recorded in the database."""
    with contextlib.suppress(FileNotFoundError):
        journal.path.unlink()
    logger.info("Removed the journal of %s", journal.worker)
