"""Deciding what a fetched story means for the record: new, a revision, or nothing new."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.db.models import FailureRow, RevisionRow, StoryRow
from newsmon.items import CONTENT_FIELDS, PageFailure, Story

_SPACES = re.compile(r"\s+")

# What the story page itself says: copied onto the current row and its revision.
_PAGE = tuple(name for name in CONTENT_FIELDS if name != "summary")
# Kept whole in every revision (the summary comes from the listing or feed, not the page).
_REVISION = CONTENT_FIELDS


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATED = "updated"
    SILENT_EDIT = "silent_edit"
    UNCHANGED = "unchanged"
    STALE = "stale"


def _same_text(a: str, b: str) -> bool:
    return _SPACES.sub(" ", a).strip() == _SPACES.sub(" ", b).strip()


def classify(row: StoryRow, story: Story) -> Outcome:
    """Compare a fetched version with the stored current one, by the site's Updated time first."""
    stored, fetched = row.updated_at, story.updated_at
    if stored is not None and (fetched is None or fetched < stored):
        return Outcome.STALE
    if fetched is not None and (stored is None or fetched > stored):
        return Outcome.UPDATED
    if _same_text(row.title, story.title) and _same_text(row.body, story.body):
        return Outcome.UNCHANGED
    return Outcome.SILENT_EDIT


def record_story(session: Session, story: Story, seen_at: datetime) -> Outcome:
    """Store one fetched version of a story. The caller commits."""
    if story.written_at is None:
        raise ValueError("a story needs written_at before it is stored")
    row = session.scalar(
        select(StoryRow).where(
            StoryRow.source == story.source,
            StoryRow.lang == story.lang,
            StoryRow.article_id == story.article_id,
        )
    )
    if row is None:
        row = StoryRow(
            source=story.source,
            lang=story.lang,
            article_id=story.article_id,
            url=story.url,
            section=story.section,
            summary=story.summary,
            revision=0,
            first_seen_at=seen_at,
            last_seen_at=seen_at,
            checked_at=seen_at,
            **{name: getattr(story, name) for name in _PAGE},
        )
        session.add(row)
        _add_revision(session, row, Outcome.NEW, seen_at)
        return Outcome.NEW

    outcome = classify(row, story)
    row.checked_at = seen_at
    if outcome is Outcome.STALE:
        return outcome
    row.last_seen_at = seen_at
    # What a listing or feed says of a story fills gaps without making a revision: which of the
    # two a story is found through first varies from run to run.
    row.section = row.section or story.section
    if outcome is Outcome.UNCHANGED:
        row.summary = row.summary or story.summary
    else:
        row.summary = story.summary or row.summary
        for name in _PAGE:
            setattr(row, name, getattr(story, name))
        _add_revision(session, row, outcome, seen_at)
    return outcome


def _add_revision(session: Session, row: StoryRow, outcome: Outcome, seen_at: datetime) -> None:
    row.revision += 1
    content = {name: getattr(row, name) for name in _REVISION}
    # Added to the session, not appended to `row.revisions`: appending would first load every
    # earlier revision, bodies and all.
    session.add(
        RevisionRow(story=row, number=row.revision, kind=outcome.value, seen_at=seen_at, **content)
    )


def record_failure(
    session: Session, failure: PageFailure, occurred_at: datetime, run_id: int | None = None
) -> None:
    recorded = {k: v for k, v in asdict(failure).items() if k != "page"}
    session.add(FailureRow(run_id=run_id, occurred_at=occurred_at, **recorded))
