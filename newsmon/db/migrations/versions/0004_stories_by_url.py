"""Stories found by their URL: the web UI's story history takes an id or a URL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_stories_url ON stories (url)")
    op.execute("PRAGMA user_version = 4")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
