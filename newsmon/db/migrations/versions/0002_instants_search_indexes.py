"""Instants in one fixed-width text form, a search index other tools find, indexes for every
documented query, feeds that remember their filters, and a mark that says "newsmon database".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# `newsmon.db.schema.APPLICATION_ID`, written out: a migration keeps what it did, whatever the
# code becomes later.
APPLICATION_ID = 0x6E6D6F6E  # "nmon"

INSTANT_COLUMNS = {
    "stories": ("written_at", "updated_at", "first_seen_at", "last_seen_at", "checked_at"),
    "revisions": ("written_at", "updated_at", "seen_at"),
    "runs": ("started_at", "ended_at"),
    "failures": ("listed_at", "occurred_at"),
    "feeds": ("exported_at",),
}

INDEXES = [
    # show ID, story_revisions WHERE article_id = ...
    "CREATE INDEX ix_stories_article_id ON stories (article_id)",
    # articles/export --by updated
    "CREATE INDEX ix_stories_changed ON stories (coalesce(updated_at, written_at))",
    # articles/export --section, newest first
    "CREATE INDEX ix_stories_section ON stories (lower(section), written_at)",
    # changed_last_day, and revisions seen since a time
    "CREATE INDEX ix_revisions_seen_at ON revisions (seen_at)",
    # story_revisions WHERE kind = 'silent_edit'
    "CREATE INDEX ix_revisions_kind ON revisions (kind)",
    # runs ID: a run's failures
    "CREATE INDEX ix_failures_run_id ON failures (run_id)",
]

# Datasette and sqlite-utils recognise an external-content FTS table only when `content=` is
# written with double quotes or brackets; 0.1.0 wrote single quotes.
SEARCH_INDEX = [
    "DROP TABLE stories_fts",
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, body, content="stories", content_rowid="id",
        tokenize='unicode61 remove_diacritics 2'
    )""",
    "INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')",
]

CHANGED_LAST_DAY = [
    "DROP VIEW changed_last_day",
    """CREATE VIEW changed_last_day AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, s.title, s.written_at,
           s.updated_at, s.revision AS revisions, MAX(r.seen_at) AS changed_at
    FROM revisions r JOIN stories s ON s.id = r.story_id
    WHERE r.seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')
    GROUP BY s.id""",
]


def upgrade() -> None:
    for table, columns in INSTANT_COLUMNS.items():
        for column in columns:
            # strftime gives NULL for a value it cannot read, which a NOT NULL column refuses:
            # the migration then fails whole and the file stays as it was.
            # Names from INSTANT_COLUMNS above; no input reaches this SQL.
            rewrite = f"UPDATE {table} SET {column} = strftime('%Y-%m-%dT%H:%M:%SZ', {column})"  # noqa: S608
            op.execute(f"{rewrite} WHERE {column} IS NOT NULL")
    for statement in [*SEARCH_INDEX, *CHANGED_LAST_DAY, *INDEXES]:
        op.execute(statement)
    # The filters a feed was first exported with (JSON); a feed name then keeps them.
    op.execute("ALTER TABLE feeds ADD COLUMN filters TEXT")
    op.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    op.execute("PRAGMA user_version = 2")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
