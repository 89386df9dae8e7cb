"""A static copy of the fixture site, served on 127.0.0.1 by nginx (Debian's `nginx-light`), or
by Python's threaded HTTP server where nginx is not installed (the harness says which, and
measures how fast it answers, so the crawl's figures can be read against it).

The files are the fixture site's own pages (newsmon.demo.site renders them) for a section of
N stories: robots.txt, every listing page, the feed and each story page. nginx maps the KBS
query strings onto them (`news_view.htm?Seq_Code=7` -> story/7.html).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newsmon.demo.server import free_port, wait_listening

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def write_site(root: Path, stories: list[dict[str, Any]]) -> None:
    from newsmon.demo.site import PER_PAGE, FixtureSite

    sorted_once: dict[str, list[dict[str, Any]]] = {}

    class Static(FixtureSite):
        def politics(self, section: str = "Po") -> list[dict[str, Any]]:
            # Each page lists or links others: sorting the section once keeps it linear.
            if section not in sorted_once:
                sorted_once[section] = super().politics(section)
            return sorted_once[section]

    site = Static({s["article_id"]: s for s in stories})
    for folder in ("story", "list", "rss"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text(site.robots, encoding="utf-8")
    (root / "rss" / "Po.xml").write_text(site.feed("Po"), encoding="utf-8")
    pages = -(-len(stories) // PER_PAGE)
    for page in range(1, pages + 2):  # and the empty page after the last, as the real site
        (root / "list" / f"Po-{page}.html").write_text(site.listing("Po", page), encoding="utf-8")
    for story in stories:
        path = root / "story" / f"{story['article_id']}.html"
        path.write_text(site.article(story), encoding="utf-8")


_SERVER = """
    server {{
        listen 127.0.0.1:{port};
        root {root};
        default_type text/html;
        location = /service/news_view.htm {{ try_files /story/$arg_Seq_Code.html =404; }}
        location = /service/news_list.htm {{ try_files /list/$arg_id-$arg_page.html =404; }}
        location = /rss/rss_news.htm {{
            default_type application/xml;
            try_files /rss/$arg_id.xml =404;
        }}
    }}
"""
_CONF = """
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    fastcgi_temp_path {folder}/tmp;
    uwsgi_temp_path {folder}/tmp;
    scgi_temp_path {folder}/tmp;
    keepalive_requests 100000;
    {servers}
}}
"""


def _mapped(path: str) -> str:
    """The file the nginx configuration maps a request to, for the Python server."""
    parts = urlsplit(path)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if parts.path == "/service/news_view.htm":
        return f"/story/{query.get('Seq_Code', '')}.html"
    if parts.path == "/service/news_list.htm":
        return f"/list/{query.get('id', '')}-{query.get('page', '')}.html"
    if parts.path == "/rss/rss_news.htm":
        return f"/rss/{query.get('id', '')}.xml"
    return parts.path


@contextmanager
def serve(roots: list[Path], folder: Path) -> Iterator[tuple[list[str], str]]:
    """Serve each root on a port of its own; yields their origins and the server's name."""
    ports = [free_port() for _ in roots]
    origins = [f"http://127.0.0.1:{p}" for p in ports]
    if NGINX:
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        servers = "".join(_SERVER.format(port=p, root=r) for p, r in zip(ports, roots, strict=True))
        conf = folder / "nginx.conf"
        # Started by root, nginx's workers would run as nobody, who may not read the files.
        user = "user root;" if os.geteuid() == 0 else ""
        conf.write_text(_CONF.format(user=user, folder=folder, servers=servers), encoding="utf-8")
        process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)])
        try:
            for port in ports:
                wait_listening(port, process)
            yield origins, "nginx"
        finally:
            process.terminate()
            process.wait(timeout=30)
        return
    servers = []
    for port, root in zip(ports, roots, strict=True):

        class Handler(SimpleHTTPRequestHandler):
            def translate_path(self, path: str, root: Path = root) -> str:
                return str(root) + _mapped(path)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield origins, "python http.server"
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def server_rate(origin: str, path: str, seconds: float = 2.0, clients: int = 4) -> float:
    """Requests a second the server answers for `path`, from `clients` keep-alive clients."""
    import http.client

    counts = [0] * clients
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        connection = http.client.HTTPConnection(urlsplit(origin).netloc, timeout=10)
        while time.monotonic() < deadline:
            connection.request("GET", path)
            connection.getresponse().read()
            counts[i] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started)
