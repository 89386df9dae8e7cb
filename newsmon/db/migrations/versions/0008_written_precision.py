"""Written times that are only a day: how much of `written_at` its source gave.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

A generic outlet's page that gives no machine-readable time may still give its day, in its text
or URL (read by htmldate). Such a story is stored with `written_at` at that day's start in UTC
and `written_precision` `day`, so that what shows it shows a day and no invented time of day;
every other time is an instant, `second`. Each revision keeps what its version said, so
`revisions` has the column too. Every row stored before was an instant: the column's default,
`second`, is what each existing row gets.

`ALTER TABLE ... ADD COLUMN` changes no row's storage and no id, so the search index, its
triggers and every index stay as they are. The views name their columns one by one: the three
that show `written_at` are made again, word for word as migrations 0001 and 0002 left them,
with `written_precision` beside it.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMN = "written_precision TEXT NOT NULL DEFAULT 'second'"

VIEWS = [
    "DROP VIEW current_stories",
    """CREATE VIEW current_stories AS
    SELECT id, source, lang, article_id, url, section, title, body, summary, reporter,
           photo_credit, image_url, written_at, written_precision, updated_at,
           revision AS revisions, first_seen_at, last_seen_at
    FROM stories""",
    "DROP VIEW story_revisions",
    """CREATE VIEW story_revisions AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, r.number AS revision, r.kind,
           r.title, r.body, r.summary, r.reporter, r.photo_credit, r.image_url, r.written_at,
           r.written_precision, r.updated_at, r.seen_at, r.story_id, r.id AS revision_id
    FROM revisions r JOIN stories s ON s.id = r.story_id""",
    "DROP VIEW changed_last_day",
    """CREATE VIEW changed_last_day AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, s.title, s.written_at,
           s.written_precision, s.updated_at, s.revision AS revisions, MAX(r.seen_at) AS changed_at
    FROM revisions r JOIN stories s ON s.id = r.story_id
    WHERE r.seen_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')
    GROUP BY s.id""",
]


def upgrade() -> None:
    op.execute(f"ALTER TABLE stories ADD COLUMN {COLUMN}")
    op.execute(f"ALTER TABLE revisions ADD COLUMN {COLUMN}")
    for statement in VIEWS:
        op.execute(statement)
    op.execute("PRAGMA user_version = 8")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
