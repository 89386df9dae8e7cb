"""The schema of newsmon 0.1.0, the first release, as it made it.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Every statement is `IF NOT EXISTS`: a database made by 0.1.0 (which recorded no Alembic version,
only `PRAGMA user_version = 1`) passes through this step unchanged on its way to the next ones,
and a new database gets exactly what 0.1.0 made.
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS stories (
    id INTEGER NOT NULL,
    source VARCHAR(40) NOT NULL,
    lang VARCHAR(8) NOT NULL,
    article_id VARCHAR(40) NOT NULL,
    url TEXT NOT NULL,
    section VARCHAR(80),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT,
    reporter TEXT,
    photo_credit TEXT,
    image_url TEXT,
    written_at DATETIME NOT NULL,
    updated_at DATETIME,
    revision INTEGER NOT NULL,
    first_seen_at DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    checked_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_stories_identity UNIQUE (source, lang, article_id)
)""",
    """CREATE TABLE IF NOT EXISTS runs (
    id INTEGER NOT NULL,
    started_at DATETIME NOT NULL,
    ended_at DATETIME,
    status VARCHAR(16) NOT NULL,
    arguments TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    new INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    dropped INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    message TEXT,
    PRIMARY KEY (id)
)""",
    """CREATE TABLE IF NOT EXISTS feeds (
    name VARCHAR(80) NOT NULL,
    position INTEGER NOT NULL,
    exported_at DATETIME NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (name)
)""",
    """CREATE TABLE IF NOT EXISTS revisions (
    id INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    kind VARCHAR(16) NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT,
    reporter TEXT,
    photo_credit TEXT,
    image_url TEXT,
    written_at DATETIME NOT NULL,
    updated_at DATETIME,
    seen_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_revisions_number UNIQUE (story_id, number),
    FOREIGN KEY(story_id) REFERENCES stories (id) ON DELETE CASCADE
)""",
    """CREATE TABLE IF NOT EXISTS failures (
    id INTEGER NOT NULL,
    run_id INTEGER,
    url TEXT NOT NULL,
    source VARCHAR(40),
    lang VARCHAR(8),
    article_id VARCHAR(40),
    section VARCHAR(80),
    listed_at DATETIME,
    stage VARCHAR(16) NOT NULL,
    kind VARCHAR(40) NOT NULL,
    reason TEXT NOT NULL,
    occurred_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE SET NULL
)""",
    "CREATE INDEX IF NOT EXISTS ix_stories_written_at ON stories (written_at)",
    "CREATE INDEX IF NOT EXISTS ix_failures_story ON failures (source, lang, article_id)",
    "CREATE INDEX IF NOT EXISTS ix_failures_occurred_at ON failures (occurred_at)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS stories_fts USING fts5(
        title, body, content='stories', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_delete AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_update AFTER UPDATE OF title, body ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO stories_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE VIEW IF NOT EXISTS current_stories AS
    SELECT id, source, lang, article_id, url, section, title, body, summary, reporter,
           photo_credit, image_url, written_at, updated_at, revision AS revisions,
           first_seen_at, last_seen_at
    FROM stories""",
    """CREATE VIEW IF NOT EXISTS story_revisions AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, r.number AS revision, r.kind,
           r.title, r.body, r.summary, r.reporter, r.photo_credit, r.image_url, r.written_at,
           r.updated_at, r.seen_at, r.story_id, r.id AS revision_id
    FROM revisions r JOIN stories s ON s.id = r.story_id""",
    """CREATE VIEW IF NOT EXISTS changed_last_day AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, s.title, s.written_at,
           s.updated_at, s.revision AS revisions, MAX(r.seen_at) AS changed_at
    FROM stories s JOIN revisions r ON r.story_id = s.id
    WHERE r.seen_at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 day')
    GROUP BY s.id""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    op.execute("PRAGMA user_version = 1")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
