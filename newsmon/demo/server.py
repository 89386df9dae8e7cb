"""Serving a fixture site (KBS WORLD's copy, The Meridian Herald) on 127.0.0.1 from a
background thread, with the faults a real site can have: a status, a delay, a hang, a dropped
connection, a truncated body (see `newsmon.demo.site.Page`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from newsmon.demo.site import Fault, Page

# The longest a hanging page holds its connection when the server is not stopped first.
HANG_LIMIT = 300


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
