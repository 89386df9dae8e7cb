"""Channel URLs out of the database: whoever may read the file must not read a token.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

Each URL a watch channel was given as it is (not `env:NAME` or `file:PATH`) moves to a private
file in the folder beside the database (`news.db.secrets/KEY`, see
`newsmon.alerts.secret_store`), written and flushed to disk before this transaction commits;
`watch_channels.url` then holds `secret:KEY`, and the channel delivers as before. Its `shown`
form is made again by today's masking (ntfy's `ntfy://TOPIC` showed the topic, its secret), and
so are the errors its notifications recorded. A migration that fails leaves the database as it
was (a file already written stays, private, unused).

Changing a row leaves its old bytes in the file's free space, where any reader of the file
finds them; so the rows are changed with `secure_delete` on (SQLite zeroes what it frees), the
table is made again (which drops the pages holding rows deleted before, with their leftovers),
and the free pages are overwritten with zeros: a large blob of zeros takes them all, and is
dropped. Foreign keys are off while newsmon migrates, so dropping the table cascades nothing;
every row keeps its id. A database that is no SQLite file keeps its URLs: it has no folder.
"""

from __future__ import annotations

from alembic import op

from newsmon.alerts.channels import ENV, FILE, masked, scrub
from newsmon.alerts.secret_store import STORED, SecretError, store_of
from newsmon.db.checks import DiskProblem

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As migration 0005 made it.
_TABLE = """CREATE TABLE {name} (
        id INTEGER NOT NULL,
        watch_id INTEGER NOT NULL,
        url TEXT NOT NULL,
        shown TEXT NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(watch_id) REFERENCES watches (id) ON DELETE CASCADE
    )"""
_INDEX = "CREATE INDEX ix_watch_channels_watch_id ON watch_channels (watch_id)"
# Zeros are written in blobs of this size at most (SQLite refuses a blob over 1 GB).
_ZEROS = 16 * 1024 * 1024


def upgrade() -> None:
    conn = op.get_bind()
    conn.exec_driver_sql("PRAGMA secure_delete = ON")  # this connection's, for this migration
    channels = conn.exec_driver_sql("SELECT id, url FROM watch_channels ORDER BY id").all()
    given = [(i, url) for i, url in channels if not url.startswith((ENV, FILE, STORED))]
    store = store_of(conn) if given else None
    for channel_id, url in given:
        if store is None:
            break
        try:
            reference = store.put(url)
        except SecretError as exc:
            raise DiskProblem(
                f"could not move channel URLs out of the database: {exc}; it was left as it was"
            ) from None
        shown = masked(url)
        conn.exec_driver_sql(
            "UPDATE watch_channels SET url = ?, shown = ? WHERE id = ?",
            (reference, shown, channel_id),
        )
        errors = conn.exec_driver_sql(
            "SELECT id, error FROM notifications WHERE channel_id = ? AND error IS NOT NULL",
            (channel_id,),
        ).all()
        for note_id, error in errors:
            if (clean := scrub(error, url, shown)) != error:
                conn.exec_driver_sql(
                    "UPDATE notifications SET error = ? WHERE id = ?", (clean, note_id)
                )
    op.execute(_TABLE.format(name="watch_channels_0007"))
    op.execute(
        "INSERT INTO watch_channels_0007 SELECT id, watch_id, url, shown FROM watch_channels"
    )
    op.execute("DROP TABLE watch_channels")
    op.execute("ALTER TABLE watch_channels_0007 RENAME TO watch_channels")
    op.execute(_INDEX)
    free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    if free:
        left = free * conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        op.execute("CREATE TABLE zeros_0007 (z BLOB)")
        while left > 0:
            conn.exec_driver_sql(
                "INSERT INTO zeros_0007 VALUES (zeroblob(?))", (min(left, _ZEROS),)
            )
            left -= _ZEROS
        op.execute("DROP TABLE zeros_0007")
    op.execute("PRAGMA user_version = 7")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
