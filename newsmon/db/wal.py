"""Keeping a WAL database readable by users who may only read it.

In WAL mode a reader needs the `-wal` and `-shm` files beside the database. A user who may only
read the database and its folder cannot create them, and SQLite deletes both when the last
connection to the database closes, so after a crawl such a user could not open it at all.

A connection opened read-only cannot delete them. So every process that writes a database also
holds a read-only connection to it until the process ends: it is the last to close, and the
files stay (SQLite gives them the database file's owner and permissions). Another program's
read-write session that closes last (say `sqlite3 news.db`) still removes them; the next crawl
puts them back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

# One read-only connection per database this process has written, never closed before exit.
_keepers: dict[Path, sqlite3.Connection] = {}


def file_uri(path: Path) -> str:
    """An SQLite URI for `path`, quoted for `?`, `#` and `%`."""
    return f"file:{quote(str(path.resolve()))}"


def keep_files(path: Path) -> None:
    """Hold a read-only connection to `path` (a database in WAL mode) until this process ends."""
    path = path.resolve()
    if path in _keepers:
        return
    keeper = sqlite3.connect(f"{file_uri(path)}?mode=ro", uri=True, check_same_thread=False)
    # A connection takes its share of the WAL index only when it first reads.
    keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    _keepers[path] = keeper
