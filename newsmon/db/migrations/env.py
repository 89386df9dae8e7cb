"""How Alembic runs newsmon's migrations.

newsmon applies them itself (`newsmon.db.schema.upgrade`), passing its own connection, inside
one transaction. Developers run Alembic's command line from the repository root (its settings
are in pyproject.toml):

- `alembic check` says whether the models and the migrations agree, and `alembic revision
  --autogenerate` drafts what differs: on `NEWSMON_DB` if it is set (a file that must exist), else
  on a database made in memory by the migrations, so a check never creates or changes a file.
- `alembic upgrade`, `downgrade` and `stamp` change `NEWSMON_DB`, else the default database
  (`data/newsmon.db`), making it if need be.
- Other commands (`current`, ...) read `NEWSMON_DB` or the default database, which must exist.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from alembic import context
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine
from sqlalchemy.exc import SAWarning

from newsmon.db import DEFAULT_DB
from newsmon.db.models import Base
from newsmon.db.schema import modelled, transactional_sqlite

# The commands that compare the models with a database, and those that change one.
COMPARING = {"check", "revision"}
WRITING = {"upgrade", "downgrade", "stamp"}
# Indexes on expressions, which only the migrations make (see newsmon/db/models.py). SQLAlchemy
# cannot reflect an index on an expression from SQLite and warns that it skipped it; the models
# do not describe them, so there is nothing the comparison misses. Any other such index still
# warns.
UNREFLECTED = ("ix_stories_changed", "ix_stories_section")


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        transactional_ddl=True,
        include_object=modelled,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        for name in UNREFLECTED:
            warnings.filterwarnings(
                "ignore",
                f"Skipped unsupported reflection of expression-based index {name}$",
                SAWarning,
            )
        context.run_migrations()


def build_from_migrations(connection: Connection) -> None:
    """Bring the empty database behind `connection` to the newest migration, in a migration
    context of its own: the command being run (a check) keeps its own for what follows."""
    script = context.script

    def to_head(revision: Any, _context: MigrationContext) -> Any:
        # As `alembic upgrade head` does.
        return script._upgrade_revs("head", revision)

    building = MigrationContext.configure(
        connection, opts={"script": script, "fn": to_head, "transactional_ddl": True}
    )
    with Operations.context(building):
        building.run_migrations()


def command_name() -> str | None:
    """The Alembic command run from its command line; None when called from Python."""
    command = getattr(context.config.cmd_opts, "cmd", None)
    return command[0].__name__ if command else None


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    from newsmon.db.engine import database_url, sqlite_path

    command = command_name()
    db = os.environ.get("NEWSMON_DB") or None
    if db is None and command in COMPARING:
        with transactional_sqlite(create_engine("sqlite://")).begin() as conn:
            build_from_migrations(conn)
            run(conn)
    else:
        named = "NEWSMON_DB" if db else "no NEWSMON_DB: the default"
        db = db or DEFAULT_DB
        path = sqlite_path(db)
        reads_only = command is not None and command not in WRITING
        if reads_only and path is not None and not path.exists():
            # Connecting would make an empty file, which later commands would take for a
            # database newsmon made.
            advice = (
                ", or unset it to check one made by the migrations" if command in COMPARING else ""
            )
            raise CommandError(
                f"no database at {path} ({named}); `alembic {command}` reads one and never "
                f"makes one: set NEWSMON_DB to an existing database{advice}"
            )
        with transactional_sqlite(create_engine(database_url(db))).begin() as conn:
            run(conn)
