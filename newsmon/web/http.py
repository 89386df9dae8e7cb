"""newsmon's web UI over HTTP: what every answer carries, what `newsmon serve` answers at all,
and what it keeps to itself.

- Every answer of a Datasette running newsmon's plugin says `nosniff` and may not be framed
  (X-Frame-Options and the policy's frame-ancestors), under a Content-Security-Policy that
  Datasette's own pages work with: their scripts and styles are partly inline, so those stay
  allowed, but nothing loads from, is sent to or is submitted to another origin.
- Every CSV it writes (tables, views, rows, canned and arbitrary queries, streamed or not)
  neutralises formulas by newsmon's exports' own rule (`newsmon.output.neutralise`).
- `newsmon serve` answers only requests for the address it listens on and the names given
  with --allow-host (see `newsmon.web.serve.Hosts`), and shows no file's folder.

Imported once Datasette has loaded: Datasette loads this plugin while it starts, before its
`Datasette` class exists, so newsmon.web imports this module only when a hook runs.
"""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import datasette.views.base as datasette_views
from datasette.app import Datasette

from newsmon.output import neutralise
from newsmon.web.serve import Hosts

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Datasette's pages run inline scripts (a table's column menus, the SQL editor) and inline
# styles, and draw icons from data: URLs; everything else they use is their own. So a page may
# still run a script, but a script injected into one could neither load another origin's code,
# nor send what it reads elsewhere (fetch, images, forms), nor be framed to trick a click.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    # A CSV or JSON body a browser sniffed as HTML would run what a story holds.
    (b"x-content-type-options", b"nosniff"),
    # frame-ancestors is the standard; X-Frame-Options is what older browsers know.
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
)
_SECURITY_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


def secure(app: ASGIApp) -> ASGIApp:
    """`app` (Datasette's) with the security headers on every answer and formula-safe CSV:
    newsmon's `asgi_wrapper`."""
    _make_csv_formula_safe()

    async def secured(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() not in _SECURITY_HEADER_NAMES
                ]
                message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
            await send(message)

        await app(scope, receive, send_secured)

    return secured


class FormulaSafeWriter:
    """Datasette's CSV writer with every cell, the header's too, neutralised as newsmon's
    exports neutralise theirs: a value is seen here with its type, so a negative number stays
    a number, as in an export."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> Any:
        # Datasette's writer writes to an async stream: the write's awaitable is returned.
        return self._writer.writerow([neutralise(cell) for cell in row])


# Stands in for the csv module where Datasette writes CSV (its only CSV writer): Datasette has
# no hook for CSV cells, and rewriting the CSV it sent would lose the cells' types.
_FORMULA_SAFE_CSV = SimpleNamespace(writer=FormulaSafeWriter)


def _make_csv_formula_safe() -> None:
    current = getattr(datasette_views, "csv", None)
    if current is _FORMULA_SAFE_CSV:
        return
    if current is not csv:
        # Fail closed: a Datasette that writes CSV some other way would write formulas as they are.
        raise RuntimeError(
            "newsmon's web UI cannot make this Datasette's CSV formula-safe (it no longer "
            "writes CSV with datasette.views.base.csv); use the Datasette version newsmon names"
        )
    datasette_views.csv = _FORMULA_SAFE_CSV


def only_hosts(app: ASGIApp, hosts: Hosts) -> ASGIApp:
    """`app`, answering only what `hosts` answers; anything else gets 400 and one line why."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            refusal = hosts.refusal(scope.get("headers", ()), scope.get("server"))
            if refusal is not None:
                await _refuse(scope, send, refusal)
                return
        await app(scope, receive, send)

    return guarded


async def _refuse(scope: Scope, send: Send, why: str) -> None:
    if scope["type"] == "websocket":  # closing before accepting answers 403
        await send({"type": "websocket.close", "code": 1008})
        return
    body = f"{why}\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        *SECURITY_HEADERS,
    ]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Served(Datasette):  # type: ignore[misc]  # Datasette ships no types
    """Datasette as `newsmon serve` runs it. The config it was given is kept here, not in
    Datasette's metadata, which every visitor reads at /-/metadata.json; and /-/databases names
    each database's file without its folder."""

    def __init__(self, files: list[str], *, config_file: str | None, **options: Any) -> None:
        super().__init__(files, **options)
        self.newsmon_config = config_file  # --config; None: ./newsmon.toml or the built-in

    def _connected_databases(self) -> list[dict[str, Any]]:
        return [
            {**database, "path": Path(database["path"]).name if database["path"] else None}
            for database in super()._connected_databases()
        ]
