"""Read-only `sqlite3` connections for commands that only read, without SQLAlchemy.

A database file is checked as `newsmon.db.engine.open_engine(db, Access.READ)` checks it (the
same checks, the same messages), then opened read-only: SQLite itself refuses every write.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newsmon.db import BUSY_TIMEOUT_MS, wal
from newsmon.db.checks import SQLITE_STATE, Access, check_file, refusal, sqlite_state, unreadable


def plain_reader(db: str) -> sqlite3.Connection | None:
    """A read-only connection to the newsmon database file `db`, or None when `db` is a URL
    (SQLAlchemy opens those). Raises DatabaseProblem as `open_engine` does."""
    if "://" in db:
        return None
    path = Path(db).expanduser()
    check_file(path, Access.READ)
    connection = sqlite3.connect(f"{wal.file_uri(path)}?mode=ro", uri=True)
    try:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        state = sqlite_state(connection.execute(SQLITE_STATE).fetchall())
    except sqlite3.Error as exc:
        connection.close()
        raise unreadable(str(path), exc, path) from None
    problem = refusal(state, str(path), db)
    if problem is not None:
        connection.close()
        raise problem
    return connection
