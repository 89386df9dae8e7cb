"""Real receivers of notifications on 127.0.0.1: a webhook taking Apprise's `json://` posts, and
an SMTP server taking `mailto://` mail. Each runs in a thread of the test process and stops
with its `with` block."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from newsmon.demo.server import free_port


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True  # a hanging answer does not hold up the server's stop
    block_on_close = False


class Webhook:
    """Takes JSON posts at any path; answers `status`. `on_post(message)` runs before the
    answer (a test may kill the sender there). Between `with webhook.up():` blocks it is down:
    nothing listens on its port."""

    def __init__(self, status: int = 200, delay: float = 0) -> None:
        self.port = free_port()
        self.status = status
        self.delay = delay  # seconds before it answers
        self.received: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []  # answered with a 2xx
        self.paths: list[str] = []
        self.on_post: Callable[[dict[str, Any]], None] | None = None

    def url(self, secret: str = "") -> str:
        """`json://` to this receiver; `secret` goes in as a password, as a real one would."""
        auth = f"newsmon:{secret}@" if secret else ""
        return f"json://{auth}127.0.0.1:{self.port}/hook"

    @contextmanager
    def up(self) -> Iterator[Webhook]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                message = json.loads(self.rfile.read(size))
                receiver.received.append(message)
                receiver.paths.append(self.path)
                if receiver.on_post is not None:
                    receiver.on_post(message)
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()
                if 200 <= receiver.status < 300:
                    receiver.accepted.append(message)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = _Server(("127.0.0.1", self.port), Handler)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


class Mailbox:
    """An SMTP server (aiosmtpd) keeping every message it is given."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    def url(self, to: str = "analyst@example.com") -> str:
        return f"mailto://localhost:{self.port}?smtp=127.0.0.1&from=newsmon@example.com&to={to}"

    @contextmanager
    def up(self) -> Iterator[Mailbox]:
        from aiosmtpd.controller import Controller

        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                box.messages.append(parsed)  # type: ignore[arg-type]
                box.recipients.append(list(envelope.rcpt_tos))
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()
