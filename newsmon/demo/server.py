"""Serving a fixture site (KBS WORLD's copy, The Meridian Herald) on 127.0.0.1 from a
background thread, with the faults a real site can have: a status, a delay, a hang, a dropped
connection, a truncated body (see `newsmon.demo.site.Page`). And the helpers that start a
server in another process (`newsmon serve`, nginx) and wait for it to listen."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from newsmon.demo.site import Fault, Page

# The longest a hanging page holds its connection when the server is not stopped first.
HANG_LIMIT = 300
# The longest a server started in another process may take to listen.
STARTUP_LIMIT = 30


class Site(Protocol):
    def handle(self, target: str, host: str) -> Page:
        """The page for a request's path and query (`target`), sent to `host`."""
        ...


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        with self.server.lock:
            page = self.server.site.handle(self.path, self.headers.get("Host", ""))
        if page.delay and self.server.stopping.wait(page.delay):
            return
        if page.fault is Fault.HANG:
            self.server.stopping.wait(HANG_LIMIT)
            self.close_connection = True
            return
        if page.fault is Fault.DROP:
            self.close_connection = True
            return
        body = page.payload
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if page.fault is Fault.TRUNCATE:
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.site = site
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # set when the server stops: hangs end


@contextmanager
def serve(site: Site, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `site` until the block ends; yields its origin, e.g. `http://127.0.0.1:40123`."""
    server = _Server(site, host, port)
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A loopback port no one listens on (for a server started in another process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[Any] | None = None) -> None:
    """Return once something listens on loopback `port`; RuntimeError if `process` (the one
    that should) exits first, or after STARTUP_LIMIT seconds."""
    deadline = time.monotonic() + STARTUP_LIMIT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"exited with {process.returncode} before listening") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port}") from None
            time.sleep(0.05)


@contextmanager
def newsmon_serve(db: str | Path, *args: str) -> Iterator[str]:
    """`newsmon serve --db DB ARGS` in a process of its own on a free loopback port, for the
    block: yields its origin (`http://127.0.0.1:PORT`)."""
    port = free_port()
    command = [sys.executable, "-m", "newsmon", "serve", "--db", str(db), "--port", str(port)]
    # Its log goes to a file, not a pipe: a pipe nobody reads would stop it once full.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([*command, *args], stdout=subprocess.DEVNULL, stderr=log)
        try:
            try:
                wait_listening(port, server)
            except RuntimeError as exc:
                log.seek(0)
                raise RuntimeError(f"newsmon serve {exc}: {log.read().decode()}") from None
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=30)
