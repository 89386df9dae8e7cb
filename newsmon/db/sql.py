"""What SQLAlchemy's models do not express: the full-text index and the views for SQL users.

All of it is `IF NOT EXISTS`, so applying it again is harmless; it runs whenever a database's
`user_version` is older than the schema (see `engine.create_schema`).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# An external-content FTS5 index over the current title and body of each story, kept in step by
# triggers: every insert, every new revision (which updates the story row) and every delete.
FTS = [
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
]

VIEWS = [
    # The current version of every story, with how many revisions it has had.
    """CREATE VIEW IF NOT EXISTS current_stories AS
    SELECT id, source, lang, article_id, url, section, title, body, summary, reporter,
           photo_credit, image_url, written_at, updated_at, revision AS revisions,
           first_seen_at, last_seen_at
    FROM stories""",
    # Every revision of every story, with the story's identity beside it.
    """CREATE VIEW IF NOT EXISTS story_revisions AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, r.number AS revision, r.kind,
           r.title, r.body, r.summary, r.reporter, r.photo_credit, r.image_url, r.written_at,
           r.updated_at, r.seen_at, r.story_id, r.id AS revision_id
    FROM revisions r JOIN stories s ON s.id = r.story_id""",
    # Stories that appeared or changed (a new revision was seen) in the last 24 hours.
    """CREATE VIEW IF NOT EXISTS changed_last_day AS
    SELECT s.source, s.lang, s.article_id, s.url, s.section, s.title, s.written_at,
           s.updated_at, s.revision AS revisions, MAX(r.seen_at) AS changed_at
    FROM stories s JOIN revisions r ON r.story_id = s.id
    WHERE r.seen_at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 day')
    GROUP BY s.id""",
]


def apply(conn: Connection) -> None:
    fresh_index = not conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE name = 'stories_fts'")
    ).first()
    for statement in FTS + VIEWS:
        conn.execute(text(statement))
    if fresh_index:  # index what was stored before the index existed
        conn.execute(text("INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')"))
