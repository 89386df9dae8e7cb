"""Deciding what a fetched story means for the record: new, a revision, or nothing new.

A written time that is only a day (`Precision.DAY`, from a page's text or URL) gives way to an
exact one (`Precision.SECOND`) that a later fetch of the story finds, whatever that fetch's
outcome: the current row takes the exact time without a revision of its own, since it is a
better reading of the same story, not an edit by the outlet. An exact time never gives way to a
day. Each revision keeps what its version said.
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from newsmon.db.models import FailureRow
from newsmon.instants import format_instant, parse_instant
from newsmon.items import CONTENT_FIELDS, PageFailure, Story
from newsmon.kinds import Precision

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
    """What deciding needs of the stored story (a row of `stories`); read-only."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def updated_at(self) -> datetime | None: ...


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


# Plain SQL on the DB-API connection: storing is what a crawl does per page. The ORM's unit of
# work cost more than the rest of a story's way from page to row, and even prebuilt SQLAlchemy
# statements cost a quarter of a story's store in their own bookkeeping. The one SELECT reads the
# current row only; no earlier revision is loaded. Instants are bound in the form the models'
# UTCDateTime stores (newsmon.db.types), and refused when naive, as it refuses them.
_STORY_ROW = ("source", "lang", "article_id", "url", "section", "summary", "revision")
_STORY_SEEN = ("first_seen_at", "last_seen_at", "checked_at")
_CURRENT = (
    "SELECT id, title, body, summary, section, updated_at, revision, written_precision "
    "FROM stories "
    "WHERE source = ? AND lang = ? AND article_id = ?"
)


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608 (newsmon's own names)


_STORY_COLUMNS = (*_STORY_ROW, *_STORY_SEEN, *_PAGE)
_INSERT_STORY = _insert("stories", _STORY_COLUMNS)
_REVISION_COLUMNS = ("story_id", "number", "kind", "seen_at", *_REVISION)
_INSERT_REVISION = _insert("revisions", _REVISION_COLUMNS)
_INSTANTS = frozenset({"written_at", "updated_at", "seen_at", *_STORY_SEEN})


def _bound(name: str, value: Any) -> Any:
    return format_instant(value) if name in _INSTANTS and value is not None else value


class _Stored(NamedTuple):
    id: int
    title: str
    body: str
    summary: str | None
    section: str | None
    updated_at: datetime | None
    revision: int
    written_precision: Precision


def _driver(db: Session | Connection | Any) -> Any:
    """The DB-API connection under a session or an SQLAlchemy connection (in their
    transaction), or `db` itself."""
    if isinstance(db, Session):
        db = db.connection()
    if isinstance(db, Connection):
        return db.connection.driver_connection
    return db


def record_story(db: Session | Connection | Any, story: Story, seen_at: datetime) -> Outcome:
    """Store one fetched version of a story, on a DB-API connection to SQLite (or a session or
    SQLAlchemy connection, in its transaction). The caller commits."""
    if story.written_at is None:
        raise ValueError("a story needs written_at before it is stored")
    connection = _driver(db)
    identity = (story.source, story.lang, story.article_id)
    found = connection.execute(_CURRENT, identity).fetchone()
    page = {name: getattr(story, name) for name in _PAGE}
    if found is None:
        row = {
            "source": story.source,
            "lang": story.lang,
            "article_id": story.article_id,
            "url": story.url,
            "section": story.section,
            "summary": story.summary,
            "revision": 1,
            **dict.fromkeys(_STORY_SEEN, seen_at),
            **page,
        }
        inserted = connection.execute(
            _INSERT_STORY, [_bound(name, row[name]) for name in _STORY_COLUMNS]
        )
        _add_revision(connection, inserted.lastrowid, 1, Outcome.NEW, seen_at, page, story.summary)
        return Outcome.NEW

    updated_at = found[5]
    current = _Stored(
        found[0],
        found[1],
        found[2],
        found[3],
        found[4],
        parse_instant(updated_at) if updated_at else None,
        found[6],
        Precision(found[7]),
    )
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
            _add_revision(connection, current.id, number, outcome, seen_at, page, summary)
    fetched = Precision(story.written_precision)
    if current.written_precision is Precision.SECOND and fetched is Precision.DAY:
        # A new revision says the day it found; the story keeps the exact time it had.
        values.pop("written_at", None)
        values.pop("written_precision", None)
    elif current.written_precision is Precision.DAY and fetched is Precision.SECOND:
        values.update(written_at=story.written_at, written_precision=fetched)
    assignments = ", ".join(f"{name} = ?" for name in values)
    connection.execute(
        f"UPDATE stories SET {assignments} WHERE id = ?",  # noqa: S608 (newsmon's own names)
        [*(_bound(name, value) for name, value in values.items()), current.id],
    )
    return outcome


def _add_revision(
    connection: Any,
    story_id: int,
    number: int,
    outcome: Outcome,
    seen_at: datetime,
    page: dict[str, Any],
    summary: str | None,
) -> None:
    content = {**page, "summary": summary}
    row = {"story_id": story_id, "number": number, "kind": outcome.value, "seen_at": seen_at}
    row.update((name, content[name]) for name in _REVISION)
    connection.execute(_INSERT_REVISION, [_bound(name, row[name]) for name in _REVISION_COLUMNS])


def record_failure(
    session: Session, failure: PageFailure, occurred_at: datetime, run_id: int | None = None
) -> None:
    recorded = {k: v for k, v in asdict(failure).items() if k != "page"}
    session.add(FailureRow(run_id=run_id, occurred_at=occurred_at, **recorded))
