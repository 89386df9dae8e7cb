"""Watches in the database: adding, listing and removing them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsmon.alerts.channels import Channel
from newsmon.db.models import (
    AlertRow,
    ChannelRow,
    NotificationRow,
    RevisionRow,
    StoryRow,
    WatchRow,
)
from newsmon.kinds import AlertStatus, WatchOn


class WatchError(ValueError):
    """A watch that cannot be added or found; the message is one sentence for the user."""


@dataclass(frozen=True)
class NewWatch:
    name: str
    search: str
    channels: Sequence[Channel]
    outlet: str | None = None
    section: str | None = None
    notify_on: WatchOn = WatchOn.ALL
    # Match revisions stored from this instant on; None: only those stored from now on.
    start: datetime | None = None


@dataclass(frozen=True)
class WatchSummary:
    watch: WatchRow
    channels: list[str]  # as shown
    sent: int  # alerts delivered
    pending: int  # alerts owed


def add(engine: Engine, new: NewWatch, now: datetime) -> WatchRow:
    """Store `new`; it matches revisions stored after its position: the newest revision now,
    or the newest stored before `new.start`."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        newest = select(func.max(RevisionRow.id))
        if new.start is not None:
            newest = newest.where(RevisionRow.seen_at < new.start)
        watch = WatchRow(
            name=new.name,
            search=new.search,
            outlet=new.outlet,
            section=new.section,
            notify_on=new.notify_on,
            created_at=now,
            position=session.scalar(newest) or 0,
            channels=[ChannelRow(url=c.given, shown=c.shown) for c in new.channels],
        )
        session.add(watch)
        try:
            session.flush()
        except IntegrityError:
            raise WatchError(f"a watch named {new.name!r} exists already") from None
    return watch


def find(session: Session, name: str) -> WatchRow:
    watch = session.scalar(select(WatchRow).where(WatchRow.name == name))
    if watch is None:
        known = ", ".join(session.scalars(select(WatchRow.name).order_by(WatchRow.name)))
        raise WatchError(f"no watch named {name!r} (watches: {known or 'none yet'})")
    return watch


def _summary(session: Session, watch: WatchRow) -> WatchSummary:
    rows = session.execute(
        select(AlertRow.status, func.count())
        .join(ChannelRow, ChannelRow.id == AlertRow.channel_id)
        .where(ChannelRow.watch_id == watch.id)
        .group_by(AlertRow.status)
    )
    counts = {str(status): int(n) for status, n in rows}
    return WatchSummary(
        watch,
        [c.shown for c in watch.channels],
        counts.get(AlertStatus.SENT, 0),
        counts.get(AlertStatus.PENDING, 0),
    )


def summaries(engine: Engine) -> Iterator[WatchSummary]:
    with Session(engine) as session:
        for watch in session.scalars(select(WatchRow).order_by(WatchRow.name)):
            yield _summary(session, watch)


def remove(engine: Engine, name: str) -> WatchSummary:
    """Forget watch `name`, its channels and its alerts; returns what it had."""
    with Session(engine) as session, session.begin():
        watch = find(session, name)
        summary = _summary(session, watch)
        session.delete(watch)
    return summary


@dataclass(frozen=True)
class AlertLine:
    """One alert as `newsmon alerts` lists it."""

    matched_at: datetime
    watch: str
    channel: str  # as shown
    status: str
    sent_at: datetime | None
    tries: int
    outlet: str
    article_id: str
    kind: str
    title: str


def alert_lines(engine: Engine, watch: str | None, limit: int) -> Iterator[AlertLine]:
    """Alerts, newest first (of one watch, or all)."""
    query = (
        select(
            AlertRow.matched_at,
            WatchRow.name,
            ChannelRow.shown,
            AlertRow.status,
            NotificationRow.attempted_at,
            AlertRow.tries,
            StoryRow.source,
            StoryRow.article_id,
            RevisionRow.kind,
            RevisionRow.title,
        )
        .join(ChannelRow, ChannelRow.id == AlertRow.channel_id)
        .join(WatchRow, WatchRow.id == ChannelRow.watch_id)
        .join(RevisionRow, RevisionRow.id == AlertRow.revision_id)
        .join(StoryRow, StoryRow.id == RevisionRow.story_id)
        .outerjoin(NotificationRow, NotificationRow.id == AlertRow.notification_id)
        .order_by(AlertRow.id.desc())
        .limit(limit)
    )
    if watch is not None:
        query = query.where(WatchRow.name == watch)
    with Session(engine) as session:
        for row in session.execute(query):
            yield AlertLine(*row)


@dataclass(frozen=True)
class LastRefusal:
    """A channel's last notification, when it was refused: why its alerts are pending."""

    watch: str
    channel: str
    attempted_at: datetime
    error: str


def refusals(engine: Engine, watch: str | None) -> Iterator[LastRefusal]:
    """Channels whose last notification was refused."""
    last = (
        select(func.max(NotificationRow.id)).group_by(NotificationRow.channel_id).scalar_subquery()
    )
    query = (
        select(WatchRow.name, ChannelRow.shown, NotificationRow.attempted_at, NotificationRow.error)
        .join(ChannelRow, ChannelRow.id == NotificationRow.channel_id)
        .join(WatchRow, WatchRow.id == ChannelRow.watch_id)
        .where(NotificationRow.id.in_(last), NotificationRow.accepted.is_(False))
        .order_by(WatchRow.name, ChannelRow.id)
    )
    if watch is not None:
        query = query.where(WatchRow.name == watch)
    with Session(engine) as session:
        for name, shown, at, error in session.execute(query):
            yield LastRefusal(name, shown, at, error or "")
