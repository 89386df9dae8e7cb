"""Storage: typed SQLAlchemy models, opening databases (checks, migrations), revision logic."""

# Where `newsmon` keeps its record unless told otherwise (`--db`, `NEWSMON_DB`).
DEFAULT_DB = "data/newsmon.db"
# The first bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"
# How long a connection waits for another's lock before it fails: an overlapping crawl, a
# reader during a migration.
BUSY_TIMEOUT_MS = 30_000
