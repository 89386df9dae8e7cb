"""The tables: stories (the current version of each), revisions (every version), failures, runs
and feeds; watches, their channels, and the alerts and notifications they sent.

These models match the schema the migrations make (`newsmon/db/migrations`, checked by a test);
a change here needs a migration there. What models do not express lives in the migrations only:
the full-text index `stories_fts` and its triggers, the views, and two indexes on expressions
(`ix_stories_changed` on `coalesce(updated_at, written_at)`, `ix_stories_section` on
`lower(section), written_at`).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from newsmon.db.types import UTCDateTime
from newsmon.kinds import Precision


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {datetime: UTCDateTime}


class StoryRow(Base):
    """A story as it stands now: a copy of its latest revision, with when it was seen."""

    __tablename__ = "stories"
    __table_args__ = (
        UniqueConstraint("source", "lang", "article_id", name="uq_stories_identity"),
        Index("ix_stories_written_at", "written_at"),
        Index("ix_stories_article_id", "article_id"),
        Index("ix_stories_url", "url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    # The identity and section come from outlets, with no bound: a generic outlet's article_id
    # is its canonical URL, its lang and section are free text in its config (migration 0006).
    lang: Mapped[str] = mapped_column(Text)
    article_id: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    reporter: Mapped[str | None] = mapped_column(Text)
    photo_credit: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    written_at: Mapped[datetime]
    # newsmon.kinds.Precision: second (an instant), or day (only the day is known: written_at
    # is its start in UTC). A later exact time replaces a day here, without a revision.
    written_precision: Mapped[str] = mapped_column(Text, server_default=Precision.SECOND.value)
    updated_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(comment="number of the current revision (= how many)")
    first_seen_at: Mapped[datetime]
    # When a fetch last saw the story with content at least as new as stored.
    last_seen_at: Mapped[datetime]
    # When its page was last fetched, whatever came of it: drives the re-check schedule.
    checked_at: Mapped[datetime]

    revisions: Mapped[list[RevisionRow]] = relationship(
        back_populates="story", order_by="RevisionRow.number", cascade="all, delete-orphan"
    )


class RevisionRow(Base):
    """One version of a story, kept whole."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("story_id", "number", name="uq_revisions_number"),
        Index("ix_revisions_seen_at", "seen_at"),
        Index("ix_revisions_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int]
    # new: first seen; updated: a later Updated time; silent_edit: same Updated time, new text.
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    reporter: Mapped[str | None] = mapped_column(Text)
    photo_credit: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    written_at: Mapped[datetime]
    # As this version said it (newsmon.kinds.Precision), whatever the story learned later.
    written_precision: Mapped[str] = mapped_column(Text, server_default=Precision.SECOND.value)
    updated_at: Mapped[datetime | None]
    seen_at: Mapped[datetime]

    story: Mapped[StoryRow] = relationship(back_populates="revisions")


class RunRow(Base):
    """One outlet's part of one `newsmon crawl` (or `scrapy crawl`): the ledger operators read."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_outlet", "outlet", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The outlet's name (the source of its stories); null only where no outlet was recorded.
    outlet: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # newsmon.kinds.RunStatus: running, ok, failed, interrupted, locked
    status: Mapped[str] = mapped_column(String(16))
    # The run's arguments as JSON: the outlet's options, max_pages, full, recheck, since.
    arguments: Mapped[str] = mapped_column(Text)
    pid: Mapped[int]
    pages: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    dropped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)

    failures: Mapped[list[FailureRow]] = relationship(
        back_populates="run", order_by="FailureRow.id"
    )


class FailureRow(Base):
    """A page that could not be turned into a story, and why."""

    __tablename__ = "failures"
    __table_args__ = (
        Index("ix_failures_occurred_at", "occurred_at"),
        Index("ix_failures_story", "source", "lang", "article_id"),
        Index("ix_failures_run_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text)
    # The story the page was, when it was a story page: failed stories are retried.
    source: Mapped[str | None] = mapped_column(String(40))
    lang: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    # The listing's or feed's time for that story, which dates a story never fetched.
    listed_at: Mapped[datetime | None]
    # fetch: no usable response; parse: the page did not read as a story; validate: it read but
    # lacks what a stored story needs.
    stage: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]

    run: Mapped[RunRow | None] = relationship(back_populates="failures")


class FeedRow(Base):
    """Where a named export feed stands: the newest revision it has delivered."""

    __tablename__ = "feeds"

    # Any name a user gives, as `newsmon export --feed` takes it
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    # revisions.id of the newest revision already exported under this name
    position: Mapped[int]
    exported_at: Mapped[datetime]
    rows: Mapped[int] = mapped_column(comment="rows in the last export")
    # The filters it was first exported with (JSON): one name, one selection.
    filters: Mapped[str | None] = mapped_column(Text)


class WatchRow(Base):
    """A standing search: stories that match it are sent to its channels."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    # A full-text query, as `newsmon search` takes it
    search: Mapped[str] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(40))
    section: Mapped[str | None] = mapped_column(Text)
    # newsmon.kinds.WatchOn: new, updated, all
    notify_on: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # revisions.id of the newest revision already matched: matching goes on after it
    position: Mapped[int]

    channels: Mapped[list[ChannelRow]] = relationship(
        back_populates="watch", order_by="ChannelRow.id", cascade="all, delete-orphan"
    )


class ChannelRow(Base):
    """Where a watch sends: where to read its Apprise URL (env:NAME, file:PATH, or secret:KEY,
    a private file beside the database: see newsmon.alerts.secret_store)."""

    __tablename__ = "watch_channels"
    __table_args__ = (Index("ix_watch_channels_watch_id", "watch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    # Never the URL itself (migration 0007 moved those out): env:NAME, file:PATH or secret:KEY.
    # It names where a secret is, so the web UI reads it as null all the same.
    url: Mapped[str] = mapped_column(Text)
    # The same with its secrets masked: what listings, logs and the web UI show
    shown: Mapped[str] = mapped_column(Text)

    watch: Mapped[WatchRow] = relationship(back_populates="channels")


class AlertRow(Base):
    """One revision that matched a watch, owed to one of its channels."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("channel_id", "revision_id", name="uq_alerts_delivery"),
        Index("ix_alerts_pending", "status", "channel_id"),
        Index("ix_alerts_notification_id", "notification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("watch_channels.id", ondelete="CASCADE"))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"))
    # newsmon.kinds.AlertStatus: pending, sent
    status: Mapped[str] = mapped_column(String(16))
    matched_at: Mapped[datetime]
    # Failed notifications that carried it
    tries: Mapped[int] = mapped_column(default=0)
    # The notification the channel accepted with it
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )


class NotificationRow(Base):
    """One message to one channel, accepted or not: the alerts' ledger."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_channel_id", "channel_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("watch_channels.id", ondelete="CASCADE"))
    # The crawl's run that sent it (its first outlet's); null when `newsmon alerts send` did
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    attempted_at: Mapped[datetime]
    accepted: Mapped[bool]
    stories: Mapped[int]
    # Why the channel did not accept it, with secrets masked
    error: Mapped[str | None] = mapped_column(Text)
