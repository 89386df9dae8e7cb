"""The one place engines are made, so every connection gets the same SQLite settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import NoSuchModuleError

from newsmon.db import sql
from newsmon.db.models import SCHEMA_VERSION, Base

BUSY_TIMEOUT_MS = 30_000


class DatabaseMissing(FileNotFoundError):
    """A command that only reads was pointed at a database that does not exist."""


class DatabaseUnavailable(RuntimeError):
    """`--db` names a database newsmon cannot open: an unknown dialect or a missing driver."""


def database_url(db: str) -> str:
    """`--db` takes a file path or an SQLAlchemy URL."""
    return db if "://" in db else f"sqlite:///{Path(db).expanduser()}"


def make_engine(db: str, *, create: bool = True, readonly: bool = False) -> Engine:
    """An engine for `db` (path or URL). With `create`, a missing SQLite file and its folder are
    made and the schema created; without, a missing file is an error rather than a new empty db.
    `readonly` opens SQLite read-only, for commands that only query.
    """
    url = make_url(database_url(db))
    is_sqlite = url.get_backend_name() == "sqlite"
    if is_sqlite and url.database and url.database != ":memory:":
        path = Path(url.database)
        if (readonly or not create) and not path.exists():
            raise DatabaseMissing(f"no database at {path}")
        if readonly:
            url = url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except (ImportError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(
            f"cannot open {url.render_as_string(hide_password=True)}: {exc}; install its driver "
            "(only SQLite is tested)"
        ) from None
    if is_sqlite:
        event.listen(engine, "connect", _readonly_pragmas if readonly else _sqlite_pragmas)
    if create and not readonly:
        create_schema(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a crawl writes; the busy timeout makes an overlapping writer
    # wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    _readonly_pragmas(dbapi_connection, _record)


def _readonly_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_schema(engine: Engine) -> None:
    """Make what is missing of the schema. On SQLite, `user_version` records that the whole
    schema of this version is in place, so the many engines of one run (crawl, ledger, pipeline)
    check with one query instead of repeating the DDL."""
    if engine.dialect.name != "sqlite":
        Base.metadata.create_all(engine)
        return
    with engine.connect() as conn:
        if conn.execute(text("PRAGMA user_version")).scalar() == SCHEMA_VERSION:
            return
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        sql.apply(conn)
        conn.execute(text(f"PRAGMA user_version={SCHEMA_VERSION}"))
