"""`newsmon serve`: Datasette on a newsmon database, read-only, with newsmon's plugin."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Any

# Addresses only this machine can reach: serving on them needs no --public.
_LOOPBACK_NAMES = frozenset({"localhost"})
# Characters of a value that lists of rows show: a story's first two or three lines.
TRUNCATE = 200


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def not_private(host: str) -> str | None:
    """Why serving on `host` needs --public (other machines could connect), or why no address
    is known for it at all; None when it is this machine's own loopback address, or a name
    that stands only for such addresses."""
    public = "add --public, which also turns off arbitrary SQL"
    if is_loopback(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return f"{host} lets other machines connect: {public}"
    if not host.strip():  # as a socket takes it: every address of this machine
        return (
            "an empty host means every address of this machine, so other machines can "
            f"connect: {public}"
        )
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        why = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        return (
            f"no address is known for {host!r} ({why}); give this machine's address, such as "
            "127.0.0.1"
        )
    addresses = sorted({str(info[4][0]).partition("%")[0] for info in found})
    if all(ipaddress.ip_address(a).is_loopback for a in addresses):
        return None
    return (
        f"{host} is not a loopback address (it is {', '.join(addresses)}), so other machines "
        f"can connect: {public}"
    )


def datasette(path: Path, *, config: str | None, public: bool) -> Any:
    """A Datasette on `path`. Datasette opens a database file with `mode=ro`, so it never
    writes and a crawl may write meanwhile; so it never offers the file for download either
    (Datasette offers only files it may treat as immutable). `public` turns off arbitrary SQL,
    which an anonymous visitor should not have. Lists cut every value at TRUNCATE characters
    (whole bodies made the stories page 39,000 px tall); a row's page, JSON and CSV keep
    every value whole."""
    from datasette.app import Datasette

    return Datasette(
        [str(path)],
        settings={
            "default_allow_sql": not public,
            "allow_download": False,
            "truncate_cells_html": TRUNCATE,
        },
        metadata={"plugins": {"newsmon": {"config": config}}},
    )


class CannotListen(Exception):
    """`host` and `port` cannot be listened on; the message says why, for the user."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option  # the option that would fix it: "host" or "port"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, made as uvicorn makes its own, so that a port in use is
    found (and said) before newsmon announces the address, not after. The server is handed this
    very socket: between a trial bind and the server's own, another program could take the
    port."""
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    # As uvicorn does: a port whose last connections are still closing (TIME_WAIT) is free.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen()
    except socket.gaierror as exc:
        sock.close()
        raise CannotListen(
            "host", f"cannot listen on {shown}: no address is known for {host} ({exc.strerror})"
        ) from None
    except OSError as exc:
        sock.close()
        raise CannotListen(*_why(exc, host, port, shown)) from None
    return sock


def _why(exc: OSError, host: str, port: int, shown: str) -> tuple[str, str]:
    """The option that would fix `exc`, and what to tell the user."""
    if exc.errno == errno.EADDRINUSE:
        return "port", (
            f"port {port} on {host} is in use (another program listens there); pick another "
            "with --port"
        )
    if exc.errno == errno.EACCES:
        return "port", (
            f"cannot listen on {shown}: permission denied (ports below 1024 are kept for "
            "the system); pick another with --port"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return "host", f"cannot listen on {shown}: {host} is not an address of this machine"
    return "port", f"cannot listen on {shown}: {exc.strerror or exc}"


def serve(app: Any, sock: socket.socket) -> bool:
    """Serve `app` on `sock` (from `listen`) until Ctrl-C; False if the server never started
    (uvicorn has then logged why)."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app.app(), host=host, port=port, log_level="warning"))
    try:
        server.run(sockets=[sock])
    # uvicorn stops gracefully on Ctrl-C, then raises the signal again for its caller: the
    # server stopped as asked (uvicorn.run swallows it the same way).
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return server.started
