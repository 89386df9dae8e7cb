"""Keeping a WAL database readable by users who may only read it.

In WAL mode a reader needs the `-wal` and `-shm` files beside the database. A user who may only
read the database and its folder cannot create them, and SQLite deletes both when the last
connection to the database closes, so after a crawl such a user could not open it at all.

A connection opened read-only cannot delete them. So every process that writes a database also
holds a read-only connection to it until the process ends: it is the last to close, and the
files stay (SQLite gives them the database file's owner and permissions). Another program's
read-write session that closes last (say `sqlite3 news.db`) still removes them; the next crawl
puts them back.

A copy of the database file alone (without its `-wal` and `-shm`) in a folder the reader may not
write cannot be opened: SQLite must create the missing files to read a WAL database, and cannot.
SQLite's `immutable=1` would open it without them, but then SQLite takes no locks and ignores
any `-wal`: if the folder's owner (a crawl) wrote to it meanwhile, the reader would read pages
halfway through being changed, or miss the newest writes, without a word. Nothing a reader can
see proves that no writer will come, so newsmon says what is missing instead (`missing_files`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

# Bytes 18 and 19 of an SQLite file: its write and read format versions, 2 in WAL mode.
_FORMAT_VERSIONS = slice(18, 20)
_WAL_MODE = b"\x02\x02"
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


def missing_files(path: Path) -> str | None:
    """Why SQLite cannot read the database at `path` here, when the reason is that it is in WAL
    mode, a `-wal` or `-shm` file beside it is missing, and its folder is not writable, so
    SQLite cannot create it; else None. One sentence for the user."""
    try:
        with path.open("rb") as f:
            head = f.read(_FORMAT_VERSIONS.stop)
    except OSError:
        return None
    folder = path.parent
    if head[_FORMAT_VERSIONS] != _WAL_MODE or os.access(folder, os.W_OK | os.X_OK):
        return None
    companions = [f"{path.name}-wal", f"{path.name}-shm"]
    missing = [name for name in companions if not (folder / name).exists()]
    if not missing:
        return None
    return (
        f"{path} is in WAL mode and its folder is not writable: SQLite needs to create "
        f"{' and '.join(missing)} beside it; copy it into a writable folder, or copy "
        f"{' and '.join(companions)} with it"
    )
