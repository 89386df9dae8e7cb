"""Deciding what a fetched story means for the record: new, a revision, or nothing new."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, select, update
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


class _Current(Protocol):
    """What deciding needs of the stored story (a row of `stories`)."""

    title: str
    body: str
    updated_at: datetime | None


def classify(row: _Current, story: Story) -> Outcome:
    """Compare a fetched version with the stored current one, by the site's Updated time first."""
    stored, fetched = row.updated_at, story.updated_at
    if stored is not None and (fetched is None or fetched < stored):
        return Outcome.STALE
    if fetched is not None and (stored is None or fetched > stored):
        return Outcome.UPDATED
    if _same_text(row.title, story.title) and _same_text(row.body, story.body):
        return Outcome.UNCHANGED
    return Outcome.SILENT_EDIT


# SQL statements, not ORM objects: storing is what a crawl does per page, and the ORM's unit of
# work cost more than the rest of a story's way from page to row. The one SELECT reads the
# current row only; no earlier revision is loaded.
_STORIES = StoryRow.__table__
_REVISIONS = RevisionRow.__table__
# Built once, values bound at each execution: building statements was half of their cost.
_CURRENT = select(
    _STORIES.c.id,
    _STORIES.c.title,
    _STORIES.c.body,
    _STORIES.c.summary,
    _STORIES.c.section,
    _STORIES.c.updated_at,
    _STORIES.c.revision,
).where(
    _STORIES.c.source == bindparam("source"),
    _STORIES.c.lang == bindparam("lang"),
    _STORIES.c.article_id == bindparam("article_id"),
)
_INSERT_STORY = insert(_STORIES)
_INSERT_REVISION = insert(_REVISIONS)
_UPDATE_STORY = update(_STORIES).where(_STORIES.c.id == bindparam("story_id"))


def record_story(session: Session | Connection, story: Story, seen_at: datetime) -> Outcome:
    """Store one fetched version of a story, through a session or (cheaper) a connection. The
    caller commits."""
    if story.written_at is None:
        raise ValueError("a story needs written_at before it is stored")
    identity = {"source": story.source, "lang": story.lang, "article_id": story.article_id}
    current = session.execute(_CURRENT, identity).first()
    page = {name: getattr(story, name) for name in _PAGE}
    if current is None:
        inserted = session.execute(
            _INSERT_STORY,
            {
                **identity,
                "url": story.url,
                "section": story.section,
                "summary": story.summary,
                "revision": 1,
                "first_seen_at": seen_at,
                "last_seen_at": seen_at,
                "checked_at": seen_at,
                **page,
            },
        )
        story_id = inserted.inserted_primary_key[0]
        _add_revision(session, story_id, 1, Outcome.NEW, seen_at, page, story.summary)
        return Outcome.NEW

    outcome = classify(current, story)
    values: dict[str, Any] = {"checked_at": seen_at}
    if outcome is not Outcome.STALE:
        values["last_seen_at"] = seen_at
        # What a listing or feed says of a story fills gaps without making a revision: which of
        # the two a story is found through first varies from run to run.
        values["section"] = current.section or story.section
        if outcome is Outcome.UNCHANGED:
            values["summary"] = current.summary or story.summary
        else:
            summary = story.summary or current.summary
            number = current.revision + 1
            values.update(page, summary=summary, revision=number)
            _add_revision(session, current.id, number, outcome, seen_at, page, summary)
    session.execute(_UPDATE_STORY, {"story_id": current.id, **values})
    return outcome


def _add_revision(
    session: Session | Connection,
    story_id: int,
    number: int,
    outcome: Outcome,
    seen_at: datetime,
    page: dict[str, Any],
    summary: str | None,
) -> None:
    content = {**page, "summary": summary}
    session.execute(
        _INSERT_REVISION,
        {
            "story_id": story_id,
            "number": number,
            "kind": outcome.value,
            "seen_at": seen_at,
            **{name: content[name] for name in _REVISION},
        },
    )


def record_failure(
    session: Session, failure: PageFailure, occurred_at: datetime, run_id: int | None = None
) -> None:
    recorded = {k: v for k, v in asdict(failure).items() if k != "page"}
    session.add(FailureRow(run_id=run_id, occurred_at=occurred_at, **recorded))
