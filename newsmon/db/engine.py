"""The one place engines are made: every connection gets the same SQLite settings, and no
engine is handed out before the database behind it has been checked.

`open_engine(db, Access.READ)` opens an existing, current newsmon database read-only and never
changes it. `Access.WRITE` also migrates an older newsmon database; `Access.CREATE` also makes
a missing or empty one. Anything else (a folder, another program's file, a newer newsmon's
database) is a `DatabaseProblem` whose message is one sentence for the user.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from newsmon.db import BUSY_TIMEOUT_MS, schema, wal
from newsmon.db.checks import (
    SCHEMA_VERSION,
    DatabaseProblem,
    DatabaseUnavailable,
    Kind,
    State,
    check_file,
    refusal,
    unreadable,
)

# Re-exported: open_engine's callers import Access from here.
from newsmon.db.checks import Access as Access

WAL_SIZE_LIMIT = 4 * 1024 * 1024
CHECKPOINT_WAIT_MS = 1_000


def database_url(db: str) -> str:
    """`--db` takes a file path or an SQLAlchemy URL."""
    return db if "://" in db else f"sqlite:///{Path(db).expanduser()}"


def sqlite_path(db: str) -> Path | None:
    """The file behind `db`, when it is an SQLite file."""
    url = make_url(database_url(db))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


def open_engine(db: str, access: Access = Access.READ) -> Engine:
    """An engine on `db` (path or URL), checked, and migrated or made as `access` allows.

    What is there is looked at read-only first, so nothing is written to a file newsmon will
    not use (even turning on WAL mode changes a file).
    """
    url = make_url(database_url(db))
    path = sqlite_path(db)
    where = str(path) if path is not None else url.render_as_string(hide_password=True)
    reading = url
    if path is not None:
        check_file(path, access)
        # A URI, so SQLite itself refuses every write.
        reading = url.set(database=wal.file_uri(path), query={"mode": "ro", "uri": "true"})
    exists = path is None or path.exists()
    state = _look(reading, where, path) if exists else State(Kind.EMPTY)
    if _may_migrate(state, access):
        if path is not None:  # only newsmon's own folder may be missing here (check_file)
            path.parent.mkdir(exist_ok=True)
        _upgrade(url, where)
        state = _look(reading, where, path)
    problem = refusal(state, where, db)
    if problem is not None:
        raise problem
    if access is Access.READ:
        return _engine(reading, readonly=True)
    if path is not None:
        wal.keep_files(path)
    return _engine(url, readonly=False)


def _engine(url: URL, *, readonly: bool) -> Engine:
    try:
        engine = create_engine(url)
    except (ImportError, NoSuchModuleError) as exc:
        where = url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"cannot open {where}: {exc}; install its driver (only SQLite is tested)"
        ) from None
    if engine.dialect.name != "sqlite":
        return engine
    if readonly:
        event.listen(engine, "connect", _reader_pragmas)
    else:
        event.listen(engine, "connect", _writer_pragmas)
        event.listen(engine, "close", _checkpoint)
    return engine


def _look(url: URL, where: str, path: Path | None) -> State:
    """What the database at `where` (the file `path`) is, seen through a read-only connection."""
    engine = _engine(url, readonly=True)
    try:
        with engine.connect() as conn:
            return schema.read_state(conn)
    except DBAPIError as exc:
        # SQLAlchemy raises DBAPIError only wrapping the driver's exception, which is `orig`.
        assert exc.orig is not None
        raise unreadable(where, exc.orig, path) from None
    finally:
        engine.dispose()


def _may_migrate(state: State, access: Access) -> bool:
    if access is Access.READ or state.kind is Kind.FOREIGN:
        return False
    if state.kind is Kind.EMPTY:
        return access is Access.CREATE
    return state.version < SCHEMA_VERSION


def _upgrade(url: URL, where: str) -> None:
    migrating = schema.transactional_sqlite(_engine(url, readonly=False))
    try:
        schema.upgrade(migrating)
    except DBAPIError as exc:
        raise DatabaseProblem(
            f"could not migrate {where} to schema {SCHEMA_VERSION} ({exc.orig}); "
            "it was left as it was"
        ) from None
    finally:
        migrating.dispose()


def _writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a crawl writes; the busy timeout makes an overlapping writer
    # wait instead of failing at once.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    # The -wal file stays between runs (see wal.py); a checkpoint trims it back to this size.
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _checkpoint(dbapi_connection: Any, _record: Any) -> None:
    """Before a writer's connection closes, copy the WAL into the database file and empty it.

    The -wal file outlives the crawl (see wal.py), so without this the database file alone
    (what a user copies or backs up) would lack the newest writes. A reader in the middle of a
    query may hold part of the WAL back; then this waits a second at most and leaves the rest to
    the next writer.
    """
    with contextlib.suppress(sqlite3.Error):  # closing anyway; the next writer checkpoints
        dbapi_connection.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
