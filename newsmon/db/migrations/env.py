"""How Alembic runs newsmon's migrations.

newsmon applies them itself (`newsmon.db.schema.upgrade`), passing its own connection, inside
one transaction. Developers run Alembic's command line from the repository root (its settings
are in pyproject.toml) on `NEWSMON_DB`, else the default database: `alembic check` says whether
the models and the migrations agree, `alembic revision --rev-id 0003 -m "..."` starts the next
migration.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from newsmon.db import DEFAULT_DB
from newsmon.db.models import Base
from newsmon.db.schema import modelled, transactional_sqlite


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        transactional_ddl=True,
        include_object=modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    from newsmon.db.engine import database_url

    url = database_url(os.environ.get("NEWSMON_DB") or DEFAULT_DB)
    with transactional_sqlite(create_engine(url)).begin() as conn:
        run(conn)
