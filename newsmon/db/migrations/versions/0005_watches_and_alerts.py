"""Watches and alerts: standing searches, the channels they notify, what each owes and sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE watches (
        id INTEGER NOT NULL,
        name VARCHAR(80) NOT NULL,
        search TEXT NOT NULL,
        outlet VARCHAR(40),
        section VARCHAR(80),
        notify_on VARCHAR(16) NOT NULL,
        created_at DATETIME NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (name)
    )""",
    """CREATE TABLE watch_channels (
        id INTEGER NOT NULL,
        watch_id INTEGER NOT NULL,
        url TEXT NOT NULL,
        shown TEXT NOT NULL,
        PRIMARY KEY (id),
        FOREIGN KEY(watch_id) REFERENCES watches (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_watch_channels_watch_id ON watch_channels (watch_id)",
    """CREATE TABLE notifications (
        id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        run_id INTEGER,
        attempted_at DATETIME NOT NULL,
        accepted BOOLEAN NOT NULL,
        stories INTEGER NOT NULL,
        error TEXT,
        PRIMARY KEY (id),
        FOREIGN KEY(channel_id) REFERENCES watch_channels (id) ON DELETE CASCADE,
        FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE SET NULL
    )""",
    # newsmon alerts: a channel's notifications, newest first
    "CREATE INDEX ix_notifications_channel_id ON notifications (channel_id, id)",
    """CREATE TABLE alerts (
        id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        revision_id INTEGER NOT NULL,
        status VARCHAR(16) NOT NULL,
        matched_at DATETIME NOT NULL,
        tries INTEGER NOT NULL,
        notification_id INTEGER,
        PRIMARY KEY (id),
        CONSTRAINT uq_alerts_delivery UNIQUE (channel_id, revision_id),
        FOREIGN KEY(channel_id) REFERENCES watch_channels (id) ON DELETE CASCADE,
        FOREIGN KEY(revision_id) REFERENCES revisions (id) ON DELETE CASCADE,
        FOREIGN KEY(notification_id) REFERENCES notifications (id) ON DELETE SET NULL
    )""",
    # what each channel still owes, at every run
    "CREATE INDEX ix_alerts_pending ON alerts (status, channel_id)",
    "CREATE INDEX ix_alerts_notification_id ON alerts (notification_id)",
    "PRAGMA user_version = 5",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("newsmon migrates forward only; restore a backup to go back")
