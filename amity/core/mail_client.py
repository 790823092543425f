"""The outbox's SMTP client: Django's SMTP backend, whose smtplib client writes the two
moments that decide whether a message went out into the worker's journal
(``amity.core.worker_journal``).

An SMTP server decides on a message once it has read the message's last line (the lone
"."), and answers "250" if it took it. A worker killed between handing over that last
line and reading the answer cannot know which it was; the server has, in practice, the
whole message and takes it. So the client notes "handed over" (``H``) the moment the
last byte is with the operating system (which sends it even if the process dies next),
then "accepted" (``A``) on a 250, or "refused" (``R``) on any other answer or a lost
connection. The last word on an email decides: ``A``, or ``H`` from a worker that is
gone, means sent; after ``R`` it is sent again. The moment left open is the few
microseconds between the system taking the last byte and the ``H`` line's own write.

Used only by the outbox (``amity.core.emails``) when ``EMAIL_BACKEND`` is Django's SMTP
backend; with any other backend (files in the demo, memory in tests) the outbox notes
"accepted" when the backend returns.
"""

import re
import smtplib

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from amity.core import worker_journal

DJANGO_SMTP = "django.core.mail.backends.smtp.EmailBackend"
OUTBOX_SMTP = "amity.core.mail_client.OutboxSMTPBackend"
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Noting:
    """smtplib's DATA, as the standard library writes it (the message is bytes with CRLF
    line ends from Django), with the journal's notes at the two moments. ``noting`` is the
    (email id, Message-ID) of the message being sent, set by the outbox."""

    noting: tuple[int, str] | None = None

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", msg).encode("ascii")
        payload = _LEADING_DOT.sub(b"..", msg)
        if payload[-2:] != b"\r\n":
            payload += b"\r\n"
        self.send(payload + b".\r\n")
        noting = self.noting
        if noting is not None:
            worker_journal.note_or_log(worker_journal.HANDED_OVER, *noting)
        try:
            code, reply = self.getreply()
        except Exception:
            if noting is not None:
                worker_journal.note_or_log(worker_journal.REFUSED, *noting)
            raise
        if noting is not None:
            accepted = code == 250
            outcome = worker_journal.ACCEPTED if accepted else worker_journal.REFUSED
            worker_journal.note_or_log(outcome, *noting)
        return code, reply


class _NotingSMTP(_Noting, smtplib.SMTP):
    pass


class _NotingSMTPSSL(_Noting, smtplib.SMTP_SSL):
    pass


class OutboxSMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend (same settings, same behaviour) with the noting client."""

    @property
    def connection_class(self):
        return _NotingSMTPSSL if self.use_ssl else _NotingSMTP


def noting_client(backend) -> _Noting | None:
    """The open noting client of a backend from ``OutboxSMTPBackend``, else None."""
    client = getattr(backend, "connection", None)
    return client if isinstance(client, _Noting) else None
