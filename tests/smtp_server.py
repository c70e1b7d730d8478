"""A real SMTP server for tests: aiosmtpd on loopback, on a port the system chose, keeping the
messages it receives so a test can read them back. It can be stopped and started again on the
same port (the mail server going down and coming back)."""

from __future__ import annotations

import email
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Keep:
    def __init__(self, inbox: list[EmailMessage], lock: threading.Lock) -> None:
        self.inbox = inbox
        self.lock = lock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.inbox.append(message)
        return "250 Message accepted for delivery"


class TestSmtpServer:
    __test__ = False  # Not a test class.

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            _Keep(self.inbox, self._lock), hostname="127.0.0.1", port=self.port
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def settings(self) -> dict[str, object]:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_TIMEOUT": 5}

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.inbox)

    def wait_for(self, count: int, seconds: float = 20) -> list[EmailMessage]:
        """Wait until at least `count` messages have arrived; returns them all."""
        deadline = time.monotonic() + seconds
        while len(self.messages()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} e-mail(s), received {len(self.messages())}")
            time.sleep(0.05)
        return self.messages()
