"""The database's recorded migrations (Alembic). See `newsmon.db.schema`."""
