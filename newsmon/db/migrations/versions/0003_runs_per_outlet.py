"""Runs per outlet: every row of the run ledger names the outlet it crawled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Before, newsmon watched one site, KBS WORLD, under the source name `kbs-world`; every earlier
run was of that outlet.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE runs ADD COLUMN outlet VARCHAR(40)")
    op.execute("UPDATE runs SET outlet = 'kbs-world'")
    # newsmon outlets: each outlet's last run
    op.execute("CREATE INDEX ix_runs_outlet ON runs (outlet, id)")
    op.execute("PRAGMA user_version = 3")


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
