"""Storage: typed SQLAlchemy models, opening databases (checks, migrations), revision logic."""

# Where `newsmon` keeps its record unless told otherwise (`--db`, `NEWSMON_DB`).
DEFAULT_DB = "data/newsmon.db"
# The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
