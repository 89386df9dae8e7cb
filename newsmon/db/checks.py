"""What newsmon checks before it uses a database, in plain Python and `sqlite3`.

Which schema a file holds, and why it cannot be used as asked, is decided here without
SQLAlchemy, so that a command that only reads an SQLite file (`newsmon search`) can check it
and answer without loading SQLAlchemy at all. `newsmon.db.engine` makes engines on the same
checks; `newsmon.db.schema` reads the state of any database and migrates it.
"""

from __future__ import annotations

import enum
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsmon import __version__
from newsmon.db import DEFAULT_DB, SQLITE_HEADER, wal

# The number of the last migration (newsmon/db/migrations/versions), which the models match.
SCHEMA_VERSION = 8
APPLICATION_ID = 0x6E6D6F6E  # "nmon"
# newsmon's own folder, where its defaults live (data/newsmon.db, the demo's data/demo.db): the
# one folder made when missing, so that `newsmon crawl` works in a fresh working directory. Any
# other folder must exist: a typo in a cron line's --db must not quietly start a new record.
OWN_FOLDER = Path(DEFAULT_DB).parent
# What newsmon 0.1.0 made, before it marked its databases.
_RELEASE_0_1_0 = frozenset({"stories", "revisions", "runs", "failures", "feeds"})

# A database's state in one statement, so one snapshot: read apart, the header and the tables
# could straddle the commit of a migration that another process is making.
SQLITE_STATE = """
SELECT a.application_id, v.user_version, m.name
FROM pragma_application_id AS a, pragma_user_version AS v
LEFT JOIN sqlite_master AS m
    ON m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name
"""


class Access(enum.Enum):
    READ = "read"  # an existing, current database, read-only
    WRITE = "write"  # an existing database, migrated if older
    CREATE = "create"  # made if missing or empty, migrated if older


class DatabaseProblem(Exception):
    """`--db` names something newsmon cannot use. The message is one sentence for the user."""


class DatabaseMissing(DatabaseProblem):
    """A command that does not create databases was pointed at one that does not exist."""


class DatabaseUnavailable(DatabaseProblem):
    """An unknown dialect or a missing driver."""


class DiskProblem(DatabaseProblem):
    """The file cannot be read or written (a full disk, an I/O error): not the user's
    mistake, so not a usage error."""


class OlderSchema(DatabaseProblem):
    """A read-only command met a database that an older newsmon made: it never migrates."""


class Kind(enum.Enum):
    EMPTY = "empty"  # no tables at all: newsmon may make its schema here
    NEWSMON = "newsmon"
    FOREIGN = "foreign"  # another program's database: never touched


@dataclass(frozen=True)
class State:
    kind: Kind
    version: int = 0  # the newsmon schema version, for Kind.NEWSMON
    tables: tuple[str, ...] = ()

    @property
    def current(self) -> bool:
        return self.kind is Kind.NEWSMON and self.version == SCHEMA_VERSION


def sqlite_state(rows: Sequence[Sequence[Any]]) -> State:
    """What an SQLite database is, from the rows of SQLITE_STATE."""
    application_id, user_version = rows[0][0], rows[0][1] or 0
    if application_id == APPLICATION_ID:
        return State(Kind.NEWSMON, user_version)
    tables = tuple(name for _, _, name in rows if name)
    if application_id == 0 and not tables:
        return State(Kind.EMPTY)
    if application_id == 0 and user_version == 1 and set(tables) >= _RELEASE_0_1_0:
        return State(Kind.NEWSMON, 1, tables)
    return State(Kind.FOREIGN, tables=tables)


def unreadable(where: str, error: BaseException, path: Path | None = None) -> DatabaseProblem:
    """The problem SQLite's `error` makes of opening the database at `where` (the file `path`)."""
    # SQLite's own words for a WAL database it cannot share here ("attempt to write a readonly
    # database", "unable to open database file") do not say what is missing.
    if path is not None and isinstance(error, sqlite3.Error):
        missing = wal.missing_files(path)
        if missing is not None:
            return DatabaseProblem(missing)
    if isinstance(error, sqlite3.OperationalError) and "disk" in str(error):
        return DiskProblem(f"cannot use {where}: {error} (is its disk full?)")
    return DatabaseProblem(f"cannot use {where}: {error}")


def refusal(state: State, where: str, db: str) -> DatabaseProblem | None:
    """Why the database cannot be used as asked, or None."""
    if state.current:
        return None
    if state.kind is Kind.EMPTY:
        return DatabaseProblem(
            f"{where} holds no newsmon database yet; `newsmon crawl --db {db}` makes one"
        )
    if state.kind is Kind.FOREIGN:
        shown = ", ".join(state.tables[:5]) + (", …" if len(state.tables) > 5 else "")
        return DatabaseProblem(
            f"{where} is another program's SQLite database (tables: {shown}), not newsmon's; "
            "newsmon leaves it alone"
        )
    if state.version > SCHEMA_VERSION:
        return DatabaseProblem(
            f"{where} was made by a newer newsmon (schema {state.version}; newsmon "
            f"{__version__} knows up to {SCHEMA_VERSION}): upgrade newsmon to use it"
        )
    return OlderSchema(
        f"{where} has schema {state.version}, older than this newsmon's {SCHEMA_VERSION}; "
        f"`newsmon migrate --db {db}` (or the next crawl) upgrades it, keeping every row"
    )


def check_file(path: Path, access: Access) -> None:
    """What can be said of an SQLite path before SQLite opens it."""
    if path.is_dir():
        raise DatabaseProblem(f"{path} is a folder, not a database file")
    if not path.exists():
        if access is Access.CREATE:
            check_folder(path)
            return
        raise DatabaseMissing(f"no database at {path}; `newsmon crawl --db {path}` makes one")
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseProblem(f"cannot read {path}: {exc.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise DatabaseProblem(f"{path} is not an SQLite database; newsmon leaves it alone")
    if not head and access is not Access.CREATE:
        raise DatabaseProblem(
            f"{path} is an empty file, not yet a newsmon database; "
            f"`newsmon crawl --db {path}` makes one"
        )
    if access is not Access.READ and not os.access(path, os.W_OK):
        raise DatabaseProblem(f"cannot write {path}: permission denied")


def check_folder(path: Path) -> None:
    """A new database is made only in a folder that exists, or in newsmon's own (OWN_FOLDER)."""
    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise DatabaseProblem(f"{folder} is a file, not a folder: {path} cannot be made in it")
    if folder != OWN_FOLDER:
        raise DatabaseProblem(
            f"the folder {folder} does not exist; create it first, or correct the path "
            "(a new database is made only in a folder that exists)"
        )
