"""Matching watches against what was stored, and sending each channel what it is owed.

`deliver` is what a crawl runs after its runs are closed, and `newsmon alerts send` runs alone;
either holds the database's alerts lock (see `newsmon.lock`) so that one process at a time
sends. Matching is one transaction: the alerts it makes and each watch's new position commit
together, so a revision is matched once. Sending commits once per notification, after the
channel has answered: accepted, its alerts are sent; refused, they stay pending, one try more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from newsmon.alerts import DEFAULT_TRIES, MAX_LISTED, MAX_TIME
from newsmon.alerts.channels import send
from newsmon.alerts.message import SHOWN_CHANGES, Item, compose
from newsmon.alerts.secret_store import store_of
from newsmon.db.models import AlertRow, ChannelRow, NotificationRow, RevisionRow, StoryRow, WatchRow
from newsmon.diff import changed_words
from newsmon.instants import now as _now
from newsmon.kinds import AlertStatus, Precision, WatchOn
from newsmon.output import counted
from newsmon.query import filtered
from newsmon.selection import Filters

# The revision kinds each kind of watch tells about.
_KINDS = {
    WatchOn.NEW: ("new",),
    WatchOn.UPDATED: ("updated", "silent_edit"),
    WatchOn.ALL: ("new", "updated", "silent_edit"),
}


@dataclass(frozen=True)
class Refused:
    """A channel that did not accept its notification this time; its alerts stay pending."""

    watch: str
    channel: str  # as shown
    tries: int  # failed tries, this one included
    pending: int
    error: str

    def message(self) -> str:
        times = "once" if self.tries == 1 else f"{self.tries} times"
        return (
            f"alerts of watch {self.watch} to {self.channel} failed {times}; "
            f"{self.pending} stay pending: {self.error}"
        )


@dataclass
class Outcome:
    tries: int  # failed tries after which a channel is failing
    matched: int = 0  # revisions that matched a watch
    sent: int = 0  # notifications the channels accepted
    delivered: int = 0  # alerts those carried
    refused: list[Refused] = field(default_factory=list)
    deferred: int = 0  # channels left for the next run: the time for sending was spent

    @property
    def failing(self) -> list[Refused]:
        """Channels that have failed the tries limit or more: reported, and still retried."""
        return [r for r in self.refused if r.tries >= self.tries]

    @property
    def quiet(self) -> bool:
        """Nothing matched, sent or tried: nothing worth a line."""
        return not (self.matched or self.sent or self.refused or self.deferred)

    def line(self) -> str:
        """`newsmon: alerts: 3 matched; 2 notifications sent (3 stories); 1 refused; 0 failing`"""
        return (
            f"newsmon: alerts: {self.matched} matched; {counted(self.sent, 'notification')} "
            f"sent ({counted(self.delivered, 'story', 'stories')}); {len(self.refused)} "
            f"refused; {len(self.failing)} failing"
            + (
                f"; {counted(self.deferred, 'channel')} left for the next run"
                if self.deferred
                else ""
            )
        )


_WALK_AT_MOST = 20_000  # revisions: at about 10 µs each, 0.2 s


def match(engine: Engine, now: datetime) -> int:
    """Match every watch against the revisions stored since its position; returns how many
    revisions matched (counting each watch's once)."""
    matched = 0
    with Session(engine) as session, session.begin():
        newest = session.scalar(select(func.max(RevisionRow.id))) or 0
        for watch in session.scalars(select(WatchRow).where(WatchRow.position < newest)):
            query = (
                select(RevisionRow.id)
                .join(StoryRow, StoryRow.id == RevisionRow.story_id)
                .where(RevisionRow.id > watch.position, RevisionRow.id <= newest)
                .where(RevisionRow.kind.in_(_KINDS[WatchOn(watch.notify_on)]))
                .order_by(RevisionRow.id)
            )
            filters = Filters(
                section=watch.section,
                search=watch.search,
                outlets=(watch.outlet,) if watch.outlet else (),
            )
            # After a routine run a watch has a few new revisions to look at: the full-text
            # index is asked about each one's story, rather than for every story matching (a
            # common word matches most of an archive). A long backlog lists the matches once.
            walk = newest - watch.position <= _WALK_AT_MOST
            revision_ids = session.scalars(filtered(query, filters, walk=walk)).all()
            for channel in watch.channels:
                session.add_all(
                    AlertRow(
                        channel_id=channel.id,
                        revision_id=revision_id,
                        status=AlertStatus.PENDING,
                        matched_at=now,
                        tries=0,
                    )
                    for revision_id in revision_ids
                )
            watch.position = newest
            matched += len(revision_ids)
    return matched


def _owed(session: Session, channel_id: int) -> list[Any]:
    """What channel `channel_id` is owed, oldest first by the outlet's own times (a revision's
    updated time, else its written time; then as stored): each alert's id and tries, and its
    revision with the story's outlet, section and URL. Not by the order of storing alone, which
    follows the order pages happened to arrive in."""
    return list(
        session.execute(
            select(
                AlertRow.id,
                AlertRow.tries,
                RevisionRow,
                StoryRow.source,
                StoryRow.section,
                StoryRow.url,
            )
            .join(RevisionRow, RevisionRow.id == AlertRow.revision_id)
            .join(StoryRow, StoryRow.id == RevisionRow.story_id)
            .where(AlertRow.channel_id == channel_id, AlertRow.status == AlertStatus.PENDING)
            .order_by(
                func.coalesce(RevisionRow.updated_at, RevisionRow.written_at),
                AlertRow.revision_id,
            )
        )
    )


def _item(session: Session, rev: RevisionRow, outlet: str, section: str | None, url: str) -> Item:
    """A revision as a notification lists it; a later one with the words that changed since
    the revision before it."""
    changes: dict[str, str] = {}
    if rev.number > 1:
        before = session.scalar(
            select(RevisionRow).where(
                RevisionRow.story_id == rev.story_id, RevisionRow.number == rev.number - 1
            )
        )
        if before is not None:
            changes = {
                name: changed_words(getattr(before, name) or "", getattr(rev, name) or "")
                for name in SHOWN_CHANGES
            }
    return Item(
        outlet=outlet,
        section=section,
        title=rev.title,
        url=url,
        kind=rev.kind,
        number=rev.number,
        written_at=rev.written_at,
        written_precision=Precision(rev.written_precision),
        updated_at=rev.updated_at,
        changes=changes,
    )


def _listed(
    session: Session, owed: list[Any], items: dict[int, Item], deadline: float
) -> list[Item] | None:
    """The items of the `owed` rows (as `_owed` has them); None when `deadline` passes while
    they are made. Finding the words that changed is the costly part (up to a second or so a
    field, see newsmon.diff), so each revision's item is made once for every channel owed it
    (`items` keeps them), and the time it takes counts toward the run's time for alerts: a
    channel is not sent to after that time, however long its own list took to make."""
    listed: list[Item] = []
    for row in owed:
        revision = row[2]
        if revision.id not in items:
            items[revision.id] = _item(session, *row[2:])
            if time.monotonic() >= deadline:
                return None
        listed.append(items[revision.id])
    return listed


def send_pending(
    engine: Engine, outcome: Outcome, *, run_id: int | None = None, max_time: float = MAX_TIME
) -> None:
    """Send each channel one notification of what it is owed, and record how it went; after
    `max_time` seconds, finding what changed included, start no more (the rest stay pending for
    the next run)."""
    deadline = time.monotonic() + max_time
    store = store_of(engine)  # where the channels' URLs are kept
    with Session(engine) as session:
        channel_ids = session.scalars(
            select(AlertRow.channel_id)
            .where(AlertRow.status == AlertStatus.PENDING)
            .distinct()
            .order_by(AlertRow.channel_id)
        ).all()
    items: dict[int, Item] = {}  # revision id -> as listed, for every channel owed it
    for n, channel_id in enumerate(channel_ids):
        if time.monotonic() >= deadline:
            outcome.deferred = len(channel_ids) - n
            break
        with Session(engine) as session:
            channel = session.get(ChannelRow, channel_id)
            if channel is None:  # removed meanwhile
                continue
            watch, given, shown = channel.watch.name, channel.url, channel.shown
            owed = _owed(session, channel_id)
            if not owed:
                continue
            # A long backlog (a channel down for days) lists its newest; the rest are counted.
            listed = _listed(session, owed[-MAX_LISTED:], items, deadline)
        if listed is None:  # the time ran out while finding what changed: none of it is sent
            outcome.deferred = len(channel_ids) - n
            break
        # newest first, as a reader scans a list of news
        title, body = compose(watch, listed[::-1], more=len(owed) - len(listed))
        error = send(given, title, body, store)
        ids = [row[0] for row in owed]
        with Session(engine) as session, session.begin():
            if session.get(ChannelRow, channel_id) is None:
                continue
            note = NotificationRow(
                channel_id=channel_id,
                run_id=run_id,
                attempted_at=_now(),
                accepted=error is None,
                stories=len(owed),
                error=error,
            )
            session.add(note)
            session.flush()
            owed_now = update(AlertRow).where(AlertRow.id.in_(ids))
            if error is None:
                session.execute(owed_now.values(status=AlertStatus.SENT, notification_id=note.id))
            else:
                session.execute(owed_now.values(tries=AlertRow.tries + 1))
        if error is None:
            outcome.sent += 1
            outcome.delivered += len(owed)
            continue
        most = max(row[1] for row in owed) + 1
        outcome.refused.append(Refused(watch, shown, most, len(owed), error))


def deliver(
    engine: Engine,
    *,
    run_id: int | None = None,
    tries: int = DEFAULT_TRIES,
    max_time: float = MAX_TIME,
) -> Outcome:
    """Match, then send: what a crawl does after its runs, and `newsmon alerts send`."""
    outcome = Outcome(tries, matched=match(engine, _now()))
    send_pending(engine, outcome, run_id=run_id, max_time=max_time)
    return outcome
