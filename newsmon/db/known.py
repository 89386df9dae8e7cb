"""What the database already knows of an outlet's stories: which are stored or have failed, and
when each was last checked. The spider reads it to decide what to fetch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.db.models import FailureRow, StoryRow
from newsmon.schedule import Schedule
from newsmon.sites.base import StoryKey


@dataclass(frozen=True)
class Tracked:
    key: StoryKey
    # Written time; for a story never fetched, its listing time or else its first failure.
    written_at: datetime
    checked_at: datetime
    section: str | None = None
    summary: str | None = None


@dataclass
class Known:
    stories: dict[StoryKey, Tracked]

    def __contains__(self, key: StoryKey) -> bool:
        return key in self.stories

    def due(self, schedule: Schedule, now: datetime) -> list[Tracked]:
        return [
            t for t in self.stories.values() if schedule.is_due(t.written_at, t.checked_at, now)
        ]

    def written_since(self, start: datetime) -> list[Tracked]:
        return [t for t in self.stories.values() if t.written_at >= start]


def load_known(session: Session, *, source: str, lang: str) -> Known:
    """Every stored or failed story of `source` in `lang`. Its identity is (source, lang, id):
    a section relabelled in the config (or another section of the same outlet) does not make
    a stored story unknown."""
    stories: dict[StoryKey, Tracked] = {}
    query = select(
        StoryRow.article_id,
        StoryRow.written_at,
        StoryRow.checked_at,
        StoryRow.section,
        StoryRow.summary,
    ).where(StoryRow.source == source, StoryRow.lang == lang)
    for article_id, written_at, checked_at, section, summary in session.execute(query):
        key = StoryKey(lang, article_id)
        stories[key] = Tracked(key, written_at, checked_at, section, summary)

    failed = (
        select(
            FailureRow.article_id,
            FailureRow.section,
            func.max(FailureRow.listed_at),
            func.min(FailureRow.occurred_at),
            func.max(FailureRow.occurred_at),
        )
        .where(
            FailureRow.source == source,
            FailureRow.lang == lang,
            FailureRow.article_id.is_not(None),
        )
        .group_by(FailureRow.article_id, FailureRow.section)
    )
    for article_id, section, listed_at, first, last in session.execute(failed):
        key = StoryKey(lang, article_id)
        if key not in stories:
            # min/max keep the column's type, so these come back as aware UTC instants.
            stories[key] = Tracked(key, listed_at or first, last, section)
    return Known(stories)
