"""A real SMTP server on loopback (aiosmtpd) that can be told to fail for a while."""

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class RecordingHandler:
    messages: list[EmailMessage] = field(default_factory=list)
    failures_left: int = 0
    refused: int = 0
    delay: float = 0.0  # seconds to take over each message, like a busy server
    # Stop answering in the middle of the message after this many were received (before the
    # message is accepted), until released: the moment to kill a sender mid-way.
    hold_after: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.hold_after = None
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures_left > 0:
            self.failures_left -= 1
            self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def fail_next(self, count: int) -> None:
        self.handler.failures_left = count

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
