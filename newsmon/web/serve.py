"""`newsmon serve`: Datasette on a newsmon database, read-only, with newsmon's plugin."""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Addresses only this machine can reach: serving on them needs no --public.
_LOOPBACK_NAMES = frozenset({"localhost"})
# Headers a reverse proxy adds to a request it forwards.
PROXY_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-forwarded-host", b"x-real-ip")
# A Host header: a name or IPv4 address, or an IPv6 address in brackets; then maybe a port.
_HOST_HEADER = re.compile(
    r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[^\[\]:]+))(?::(?P<port>\d{1,5}))?", re.ASCII
)
# What --allow-host takes: a host name (letters, digits, -, _ and dots), in lower case.
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?", re.ASCII)
# The port a Host header without one means (newsmon serve speaks plain HTTP).
_HTTP_PORT = 80
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
    from newsmon.web.http import Served

    return Served(
        [str(path)],
        settings={
            "default_allow_sql": not public,
            "allow_download": False,
            "truncate_cells_html": TRUNCATE,
        },
        config_file=config,
    )


def allowed_host(name: str, *, public: bool) -> str:
    """`name`, given with --allow-host, as `Hosts` compares it; ValueError saying why it cannot
    be one."""
    given = name.strip().lower()
    bare = given[1:-1] if given.startswith("[") and given.endswith("]") else given
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        if not _HOST_NAME.fullmatch(bare):
            raise ValueError(
                f"{name!r} is not a host name or address: give the name alone, as "
                "news.example.org, without a scheme, port or path"
            ) from None
    if not public and not is_loopback(bare):
        # A proxy's name is how the pages reach other machines: as for --host, they then
        # may not run arbitrary SQL.
        raise ValueError(
            f"{bare} is a name other machines reach this server by, through a proxy: add "
            "--public, which also turns off arbitrary SQL"
        )
    return bare


@dataclass(frozen=True)
class Hosts:
    """Whom `newsmon serve` answers: requests whose Host is the address it listens on, with
    its port (`listen`, its --host, and the address the request came to, which tells which one
    when it listens on every address); `localhost` on a loopback address; and the names of
    `allowed` (--allow-host, as `allowed_host` reads them), on any port, for a reverse proxy
    that forwards its public name.

    Any other Host is a page elsewhere reaching this server through a name of its own that
    resolves to this machine (DNS rebinding): the browser then lets that page read the answers.
    And without `public`, a request that came through a proxy: a proxy publishes the server to
    other machines, and they may not run arbitrary SQL."""

    listen: str
    allowed: frozenset[str]
    public: bool

    def refusal(
        self, headers: Iterable[tuple[bytes, bytes]], server: tuple[str, int] | None
    ) -> str | None:
        """Why a request with `headers`, which came to `server` (address, port), is refused;
        None if it is answered."""
        received = list(headers)
        given = [value.decode("latin-1") for name, value in received if name.lower() == b"host"]
        if len(given) != 1 or not self._answers(given[0], server):
            if len(given) == 1:
                shown = f"Host {given[0][:100]!r}"
            else:
                shown = f"a request with {len(given) or 'no'} Host headers"
            return (
                f"this server answers requests for {self._described(server)} only, not for "
                f"{shown}: a reverse proxy's name needs --allow-host NAME"
            )
        if not self.public:
            proxied = {name.lower() for name, _ in received} & set(PROXY_HEADERS)
            if proxied:
                shown = ", ".join(sorted(name.decode("ascii") for name in proxied))
                return (
                    f"a proxy forwarded this request ({shown}): without --public "
                    "this server answers this machine only; behind a proxy, start it with "
                    "--public and --allow-host NAME"
                )
        return None

    def _answers(self, host: str, server: tuple[str, int] | None) -> bool:
        found = _HOST_HEADER.fullmatch(host.lower())
        if found is None:
            return False
        name = found["v6"] or found["name"]
        if name in self.allowed:
            return True
        port = int(found["port"]) if found["port"] else _HTTP_PORT
        return server is not None and port == server[1] and name in self._own(server[0])

    def _own(self, address: str) -> set[str]:
        """The names of this server at `address`, where a request came to."""
        here = _unmapped(address).lower()
        own = {self.listen.lower(), here} - {""}
        if is_loopback(self.listen) or is_loopback(here):
            own.add("localhost")
        return {name for name in own if not _unspecified(name)}

    def _described(self, server: tuple[str, int] | None) -> str:
        own = sorted(self._own(server[0])) if server is not None else []
        port = server[1] if server is not None else _HTTP_PORT
        shown = [f"[{name}]:{port}" if ":" in name else f"{name}:{port}" for name in own]
        return ", ".join([*shown, *(f"{name} (any port)" for name in sorted(self.allowed))])


def _unmapped(address: str) -> str:
    """`address` with an IPv4 address that a dual-stack socket shows as IPv6
    (`::ffff:127.0.0.1`) as the IPv4 address a browser's Host names."""
    try:
        mapped = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped is not None:
        return str(mapped.ipv4_mapped)
    return address


def _unspecified(address: str) -> bool:
    """Whether `address` is 0.0.0.0 or ::, every address of this machine, which no request is
    for."""
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


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


def serve(app: Any, sock: socket.socket, hosts: Hosts) -> bool:
    """Serve `app` on `sock` (from `listen`) to what `hosts` answers until Ctrl-C; False if the
    server never started (uvicorn has then logged why)."""
    import uvicorn

    from newsmon.web.http import only_hosts

    host, port = sock.getsockname()[:2]
    guarded = only_hosts(app.app(), hosts)
    server = uvicorn.Server(uvicorn.Config(guarded, host=host, port=port, log_level="warning"))
    try:
        server.run(sockets=[sock])
    # uvicorn stops gracefully on Ctrl-C, then raises the signal again for its caller: the
    # server stopped as asked (uvicorn.run swallows it the same way).
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return server.started
