"""Exports: current stories or every revision, whole or as a named feed that only carries what
is new or changed since its previous export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from newsmon import query
from newsmon.db.models import FeedRow


@dataclass(frozen=True)
class Export:
    filters: query.Filters = field(default_factory=query.Filters)
    revisions: bool = False
    feed: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return query.REVISION_COLUMNS if self.revisions else query.STORY_COLUMNS


def feed_position(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        row = session.get(FeedRow, name)
        return row.position if row else 0


def select_records(engine: Engine, export: Export) -> tuple[list[dict[str, Any]], int | None]:
    """The rows to write, oldest first, and for a feed the position it moves to once they are
    delivered (see `advance`).

    A feed carries what has a revision newer than its position; the newest revision id is read
    first, so revisions a crawl adds meanwhile wait for the next export.
    """
    if export.feed is None:
        if export.revisions:
            return query.revisions(engine, export.filters), None
        return query.stories(engine, export.filters, newest_first=False), None
    upto = query.newest_revision_id(engine)
    after = feed_position(engine, export.feed)
    if export.revisions:
        return query.revisions(engine, export.filters, after=after, upto=upto), upto
    return query.stories(engine, export.filters, newest_first=False, revised=(after, upto)), upto


def advance(engine: Engine, name: str, position: int, rows: int) -> None:
    """Move a feed on, once its output is complete."""
    with Session(engine) as session, session.begin():
        row = session.get(FeedRow, name)
        now = datetime.now(UTC)
        if row is None:
            session.add(FeedRow(name=name, position=position, exported_at=now, rows=rows))
        else:
            row.position, row.exported_at, row.rows = max(row.position, position), now, rows
