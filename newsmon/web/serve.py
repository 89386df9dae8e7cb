"""`newsmon serve`: Datasette on a newsmon database, read-only, with newsmon's plugin."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

# Addresses only this machine can reach: serving on them needs no --public.
_LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def datasette(path: Path, *, config: str | None, public: bool) -> Any:
    """A Datasette on `path`. Datasette opens a database file with `mode=ro`, so it never
    writes and a crawl may write meanwhile; so it never offers the file for download either
    (Datasette offers only files it may treat as immutable). `public` turns off arbitrary SQL,
    which an anonymous visitor should not have."""
    from datasette.app import Datasette

    return Datasette(
        [str(path)],
        settings={"default_allow_sql": not public, "allow_download": False},
        metadata={"plugins": {"newsmon": {"config": config}}},
    )


def serve(app: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(app.app(), host=host, port=port, log_level="warning")
