"""What the database already knows of an outlet's stories: which are stored or have failed, and
when each was last checked. The spider asks it what to fetch.

It never reads the whole archive: each question is a query an index answers (stories by written
time, by identity; failures by when they occurred), so a routine run costs the same on a
thousand stories as on millions. What counts as known is fixed when the run starts (the
highest story and failure ids then): what this run stores does not change its walk.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from newsmon.db.models import FailureRow, StoryRow
from newsmon.schedule import Schedule
from newsmon.sites.base import StoryKey

# Instants are stored to the second: the queries allow a second either way, and the schedule
# itself decides each candidate exactly.
_SLACK = timedelta(seconds=1)
# Identities asked about in one query: it binds each twice, plus six values, which stays
# under the 999 bound parameters old SQLite builds allow (newer ones allow 32766).
_BATCH = 400
_STORED_AMONG = (
    "SELECT article_id FROM stories WHERE source = ? AND lang = ? AND id <= ? AND article_id IN"
)
_FAILED_AMONG = (
    "SELECT article_id FROM failures WHERE source = ? AND lang = ? AND id <= ? AND article_id IN"
)


@dataclass(frozen=True)
class Tracked:
    key: StoryKey
    # Written time; for a story never fetched, its listing time or else its first failure.
    written_at: datetime
    checked_at: datetime
    section: str | None = None
    summary: str | None = None


class Known:
    """The stored and failed stories of one outlet (`source`) in one language, as of when it
    was made. Its identity is (source, lang, id): a section relabelled in the config (or another
    section of the same outlet) does not make a stored story unknown."""

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[Session]],
        source: str,
        lang: str,
        connection: Callable[[], AbstractContextManager[Any]],
    ) -> None:
        """`session` gives sessions, `connection` DB-API connections (for `among`)."""
        self._session = session
        self._connection = connection
        self.source, self.lang = source, lang
        with session() as s:
            self._last_story = s.scalar(select(func.max(StoryRow.id))) or 0
            self._last_failure = s.scalar(select(func.max(FailureRow.id))) or 0

    def _stories(self) -> ColumnElement[bool]:
        return and_(
            StoryRow.source == self.source,
            StoryRow.lang == self.lang,
            StoryRow.id <= self._last_story,
        )

    def _failures(self) -> ColumnElement[bool]:
        return and_(
            FailureRow.source == self.source,
            FailureRow.lang == self.lang,
            FailureRow.article_id.is_not(None),
            FailureRow.id <= self._last_failure,
        )

    def among(self, keys: Collection[StoryKey]) -> set[StoryKey]:
        """Which of `keys` are known. Asked of every listing page, in plain SQL: a session's
        bookkeeping cost more than the two index lookups."""
        ids = sorted({k.article_id for k in keys if k.lang == self.lang})
        identity = (self.source, self.lang)
        found: set[str] = set()
        with self._connection() as connection:
            for start in range(0, len(ids), _BATCH):
                batch = ids[start : start + _BATCH]
                marks = ", ".join("?" * len(batch))
                rows = connection.execute(
                    f"{_STORED_AMONG} ({marks}) UNION {_FAILED_AMONG} ({marks})",
                    (*identity, self._last_story, *batch, *identity, self._last_failure, *batch),
                )
                found.update(article_id for (article_id,) in rows)
        return {k for k in keys if k.lang == self.lang and k.article_id in found}

    def due(self, schedule: Schedule, now: datetime) -> list[Tracked]:
        """Those the schedule says to check again now."""
        steps, young = [], now
        for limit, every in schedule.steps:
            steps.append(
                and_(
                    StoryRow.written_at > now - limit - _SLACK,
                    StoryRow.written_at <= young + _SLACK,
                    StoryRow.checked_at <= now - every + _SLACK,
                )
            )
            young = now - limit
        if not steps:
            return []
        oldest = now - schedule.steps[-1][0] - _SLACK
        candidates = [*self._tracked(or_(*steps)), *self._failed(oldest)]
        return [t for t in candidates if schedule.is_due(t.written_at, t.checked_at, now)]

    def written_since(self, start: datetime) -> list[Tracked]:
        candidates = [*self._tracked(StoryRow.written_at >= start - _SLACK), *self._failed(start)]
        return [t for t in candidates if t.written_at >= start]

    def _tracked(self, condition: ColumnElement[bool]) -> Iterator[Tracked]:
        query = select(
            StoryRow.article_id,
            StoryRow.written_at,
            StoryRow.checked_at,
            StoryRow.section,
            StoryRow.summary,
        ).where(self._stories(), condition)
        with self._session() as session:
            for article_id, written_at, checked_at, section, summary in session.execute(query):
                key = StoryKey(self.lang, article_id)
                yield Tracked(key, written_at, checked_at, section, summary)

    def _failed(self, since: datetime) -> Iterator[Tracked]:
        """Stories never stored that failed since `since`, with every failure of each counted:
        as if written when listed (or else when it first failed), checked when it last failed.
        (A story listed as written after its last failure would be missed: only a site's
        clock running ahead makes one.)"""
        recent = (
            select(FailureRow.article_id)
            .where(self._failures(), FailureRow.occurred_at >= since - _SLACK)
            .distinct()
        )
        stored = exists().where(
            StoryRow.source == FailureRow.source,
            StoryRow.lang == FailureRow.lang,
            StoryRow.article_id == FailureRow.article_id,
            StoryRow.id <= self._last_story,
        )
        query = (
            select(
                FailureRow.article_id,
                FailureRow.section,
                func.max(FailureRow.listed_at),
                func.min(FailureRow.occurred_at),
                func.max(FailureRow.occurred_at),
            )
            .where(self._failures(), FailureRow.article_id.in_(recent), ~stored)
            .group_by(FailureRow.article_id, FailureRow.section)
        )
        with self._session() as session:
            for article_id, section, listed_at, first, last in session.execute(query):
                assert article_id is not None  # `in_(recent)` matches no NULL
                # min/max keep the column's type, so these come back as aware UTC instants.
                yield Tracked(StoryKey(self.lang, article_id), listed_at or first, last, section)
