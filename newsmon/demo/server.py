"""Serving a fixture site (KBS WORLD's copy, The Meridian Herald) on 127.0.0.1 from a
background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from newsmon.demo.site import Page


class Site(Protocol):
    def handle(self, target: str, host: str) -> Page:
        """The page for a request's path and query (`target`), sent to `host`."""
        ...


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        with self.server.lock:
            page = self.server.site.handle(self.path, self.headers.get("Host", ""))
        body = page.body.encode("utf-8")
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Site, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.site = site
        self.lock = threading.Lock()


@contextmanager
def serve(site: Site, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `site` until the block ends; yields its origin, e.g. `http://127.0.0.1:40123`."""
    server = _Server(site, host, port)
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
