"""Named export feeds: where each stands (the newest revision it has delivered), moved on after
a complete export, listed, rewound and forgotten. The rows themselves: `newsmon.export`."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from newsmon.db.models import FeedRow
from newsmon.export import Export
from newsmon.instants import now


def advance(engine: Engine, export: Export, position: int, rows: int) -> None:
    """Move a feed on, once its output is complete, and record its selection."""
    assert export.feed is not None
    with Session(engine) as session, session.begin():
        row = session.get(FeedRow, export.feed)
        if row is None:
            row = FeedRow(name=export.feed, position=0)
            session.add(row)
        row.position = max(row.position, position)
        row.exported_at, row.rows = now(), rows
        row.filters = export.recorded_selection


def feeds(engine: Engine) -> Iterator[FeedRow]:
    with Session(engine) as session:
        yield from session.scalars(select(FeedRow).order_by(FeedRow.name))


def reset(engine: Engine, name: str) -> bool:
    """Rewind a feed to the start: its next export carries everything its selection covers."""
    with Session(engine) as session, session.begin():
        row = session.get(FeedRow, name)
        if row is None:
            return False
        row.position = 0
        return True


def remove(engine: Engine, name: str) -> bool:
    """Forget a feed, and with it its selection."""
    with Session(engine) as session, session.begin():
        row = session.get(FeedRow, name)
        if row is None:
            return False
        session.delete(row)
        return True
