"""Which newsmon schema a database has, and the migrations that bring it to this one.

A newsmon database says what it is in its SQLite header: `PRAGMA application_id` is newsmon's
(`nmon`), and `PRAGMA user_version` the number of its last migration. A database made by 0.1.0,
the first release, has no application id but `user_version` 1 and its five tables. Migrations
are Alembic's (`newsmon/db/migrations`) and run forward only, all in one transaction: one that
fails leaves the file as it was.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event, inspect, text

from newsmon.db.checks import SCHEMA_VERSION, SQLITE_STATE, Kind, State, sqlite_state


def read_state(conn: Connection) -> State:
    if conn.dialect.name != "sqlite":
        return _read_state_generic(conn)
    return sqlite_state(conn.exec_driver_sql(SQLITE_STATE).all())


def _read_state_generic(conn: Connection) -> State:
    tables = tuple(sorted(inspect(conn).get_table_names()))
    if not tables:
        return State(Kind.EMPTY)
    if "alembic_version" in tables and "stories" in tables:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if version and version.isdigit():
            return State(Kind.NEWSMON, int(version), tables)
    return State(Kind.FOREIGN, tables=tables)


def modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's `include_object`: what the models describe. The search index (a virtual table
    and its shadow tables) is made by the migrations alone."""
    return not (type_ == "table" and (name or "").startswith("stories_fts"))


def transactional_sqlite(engine: Engine) -> Engine:
    """Make SQLite run each transaction as `BEGIN IMMEDIATE` ... `COMMIT`, DDL included.

    Python's sqlite3 begins transactions only before data changes, so DDL would commit on its
    own (SQLAlchemy's documented recipe). IMMEDIATE takes the write lock at once: of two
    processes that would migrate the same file, the second waits and then finds it done.

    Foreign keys are not enforced meanwhile (SQLite's procedure for changing a table asks so,
    and the pragma does nothing inside a transaction): a migration that makes a table again
    drops the old one, and with them enforced that would delete every row that references it
    (ON DELETE CASCADE). Migrations keep every row's id, so every reference still holds.
    """
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # After newsmon's writer pragmas, which turn them on (listeners run in order).
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine) -> State:
    """Bring the database behind `engine` (made by `transactional_sqlite`) to this newsmon's
    schema, making it if it is empty, in one transaction. Returns the state it was found in; a
    foreign or newer database is left untouched (the caller says why, from the state)."""
    from alembic import command
    from alembic.config import Config

    with engine.begin() as conn:
        found = read_state(conn)
        if found.kind is Kind.FOREIGN or found.version >= SCHEMA_VERSION:
            return found
        config = Config()
        config.set_main_option("script_location", "newsmon.db:migrations")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return found
