"""Watches in the database: adding, listing and removing them. A channel's URL given as it is
goes to the database's secret store, never into the database (see `secret_store`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsmon.alerts.channels import Channel
from newsmon.alerts.secret_store import STORED, SecretError, store_of
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


def _references(engine: Engine, channels: Sequence[Channel]) -> list[str]:
    """What the database stores of each channel: `env:NAME` and `file:PATH` as given, a URL as
    the reference to the private file it is kept in. SecretError when a URL cannot be kept."""
    if not any(c.kept for c in channels):
        return [c.given for c in channels]
    store = store_of(engine)
    if store is None:
        raise SecretError(
            "a database that is not an SQLite file keeps no channel URLs; give --notify "
            "env:NAME or file:PATH"
        )
    references: list[str] = []
    try:
        for channel in channels:
            references.append(store.put(channel.given) if channel.kept else channel.given)
    except SecretError:
        _forget(engine, references)
        raise
    return references


def _forget(engine: Engine, references: Sequence[str]) -> None:
    """Delete the kept URLs among `references` (of a watch removed, or never added)."""
    kept = [r for r in references if r.startswith(STORED)]
    store = store_of(engine) if kept else None
    if store is None:
        return
    for reference in kept:
        with contextlib.suppress(SecretError):  # not one newsmon made: no file of ours
            store.drop(reference)


def add(engine: Engine, new: NewWatch, now: datetime) -> WatchRow:
    """Store `new`; it matches revisions stored after its position: the newest revision now,
    or the newest stored before `new.start`. WatchError for a name taken, SecretError for a
    channel URL that cannot be kept."""
    references = _references(engine, new.channels)
    try:
        return _insert(engine, new, now, references)
    except BaseException:
        _forget(engine, references)
        raise


def _insert(engine: Engine, new: NewWatch, now: datetime, references: Sequence[str]) -> WatchRow:
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
            channels=[
                ChannelRow(url=reference, shown=c.shown)
                for reference, c in zip(references, new.channels, strict=True)
            ],
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
    """Forget watch `name`, its channels (and the URLs kept for them) and its alerts; returns
    what it had."""
    with Session(engine) as session, session.begin():
        watch = find(session, name)
        summary = _summary(session, watch)
        references = [c.url for c in watch.channels]
        session.delete(watch)
    _forget(engine, references)
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
            # SQLAlchemy types a select of ten or more columns as open-ended; this one has ten.
            yield AlertLine(*cast("tuple[Any, ...]", row))


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
