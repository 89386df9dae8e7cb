"""Ids and labels of any length: a generic outlet's story id is its canonical URL (84 characters
in the demo), which `article_id VARCHAR(40)` did not fit.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Every column whose value comes from outside newsmon with no bound becomes TEXT: the story's
identity (`lang`: a generic outlet's is free text; `article_id`) and `section`, in `stories` and
`failures`; the names users give feeds and watches, and a watch's section. Columns newsmon
bounds itself keep their length: outlet names (1 to 40 characters, checked in the config) and
newsmon's own words (`kind`, `status`, `stage`, `notify_on`).

SQLite changes a column's type only by making the table again, which Alembic's batch mode
does: a new table, every row copied with its id, the old one dropped, the new one renamed. The
copy keeps the rowids, so the full-text index (an external-content table over `stories`) stays
valid as it is. Dropping a table drops its indexes and triggers, and a view naming a table that
is missing for a moment stops SQLite's rename: so the indexes, the search index's triggers and
every view are read from `sqlite_master` first and made again, word for word, after. A dropped
parent table would also take its children's rows with it through ON DELETE CASCADE, were
foreign keys enforced: newsmon migrates with them off (`newsmon.db.schema`), as SQLite's own
procedure for changing a table asks; every row keeps its id, so every reference still holds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The tables as migration 0005 left them, written out (a migration keeps what it did, whatever
# the models become), and the columns of each that become TEXT.
_META = sa.MetaData()
BEFORE = [
    sa.Table(
        "stories",
        _META,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("article_id", sa.String(40), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("section", sa.String(80)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("reporter", sa.Text),
        sa.Column("photo_credit", sa.Text),
        sa.Column("image_url", sa.Text),
        sa.Column("written_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("source", "lang", "article_id", name="uq_stories_identity"),
    ),
    sa.Table(
        "failures",
        _META,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("source", sa.String(40)),
        sa.Column("lang", sa.String(8)),
        sa.Column("article_id", sa.String(40)),
        sa.Column("section", sa.String(80)),
        sa.Column("listed_at", sa.DateTime),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
    ),
    sa.Table(
        "feeds",
        _META,
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("exported_at", sa.DateTime, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("filters", sa.Text),
    ),
    sa.Table(
        "watches",
        _META,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("search", sa.Text, nullable=False),
        sa.Column("outlet", sa.String(40)),
        sa.Column("section", sa.String(80)),
        sa.Column("notify_on", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    ),
]
sa.Table("runs", _META, sa.Column("id", sa.Integer, primary_key=True))  # failures.run_id's
WIDENED = {
    "stories": ("lang", "article_id", "section"),
    "failures": ("lang", "article_id", "section"),
    "feeds": ("name",),
    "watches": ("name", "section"),
}

# What dropping the tables would lose, or what would stop the rename: their indexes (those
# with SQL; a UNIQUE constraint's own index comes back with the table) and triggers, and every
# view. Oldest first, so that each is made again after what it names.
_DEPENDENT = """
SELECT type, name, sql FROM sqlite_master
WHERE sql IS NOT NULL AND (type = 'view' OR (type IN ('index', 'trigger') AND tbl_name IN ({})))
ORDER BY rowid
"""


def upgrade() -> None:
    conn = op.get_bind()
    tables = ", ".join(f"'{name}'" for name in WIDENED)  # the names above, not input
    dependent = conn.exec_driver_sql(_DEPENDENT.format(tables)).all()
    for kind, name, _sql in dependent:
        if kind == "view":
            op.execute(f'DROP VIEW "{name}"')
    for table in BEFORE:
        with op.batch_alter_table(table.name, recreate="always", copy_from=table) as batch:
            for column in WIDENED[table.name]:
                before = table.c[column]
                batch.alter_column(
                    column,
                    type_=sa.Text(),
                    existing_type=before.type,
                    existing_nullable=before.nullable,
                )
    for _kind, _name, sql in dependent:
        op.execute(sql)
    op.execute("PRAGMA user_version = 6")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
