"""How Alembic runs newsmon's migrations.

newsmon applies them itself (`newsmon.db.schema.upgrade`), passing its own connection, inside
one transaction. Developers making a new migration run Alembic's command line from the
repository root (its settings are in pyproject.toml), on `NEWSMON_DB` or `data/newsmon.db`.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from newsmon.db.models import Base
from newsmon.db.schema import transactional_sqlite

connection = context.config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    from newsmon.db.engine import database_url

    engine = transactional_sqlite(
        create_engine(database_url(os.environ.get("NEWSMON_DB") or "data/newsmon.db"))
    )
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
