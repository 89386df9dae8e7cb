"""Reading the record back: stories by time, section and words; one story with its history.

Every value reaches SQL as a bound parameter, including full-text queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil import parser as dateparser
from sqlalchemy import Engine, Select, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from newsmon.db.models import RevisionRow, StoryRow
from newsmon.items import CONTENT_FIELDS, IDENTITY_FIELDS, STORY_FIELDS
from newsmon.kbs import SOURCE
from newsmon.kbs.urls import SECTIONS, StoryKey, story_key

STORY_COLUMNS = (*STORY_FIELDS, "revision", "first_seen_at", "last_seen_at")
REVISION_COLUMNS = (*IDENTITY_FIELDS, "revision", "kind", *CONTENT_FIELDS, "seen_at")
_REVISION_OWN = (*CONTENT_FIELDS, "seen_at")


class QueryError(ValueError):
    """A query the user wrote cannot be run (a malformed search, an unreadable time)."""


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """`2026-11-27` (a UTC day: its start, or with `end_of_day` its end) or an ISO 8601 instant
    (UTC when it has no offset)."""
    value = value.strip()
    problem = QueryError(
        f"not a date (YYYY-MM-DD) or ISO 8601 time (2026-11-27T09:00:00+09:00): {value!r}"
    )
    try:
        if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", value, flags=re.ASCII):
            day = date.fromisoformat(value)
            start = datetime.combine(day, time(), tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        if not re.search(r"\d[T ]\d", value):  # a month or a week is neither a day nor a time
            raise problem
        parsed = dateparser.isoparse(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise problem from None


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    by: str = "written"  # or "updated": the last update, else the written time
    section: str | None = None
    search: str | None = None


def _time_column(by: str) -> Any:
    if by == "updated":
        return func.coalesce(StoryRow.updated_at, StoryRow.written_at)
    return StoryRow.written_at


def filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    column = _time_column(filters.by)
    if filters.since is not None:
        query = query.where(column >= filters.since)
    if filters.until is not None:
        query = query.where(column < filters.until)
    if filters.section:
        # A section's label (Politics) or the site's id for it (Po).
        label = SECTIONS.get(filters.section, filters.section)
        query = query.where(func.lower(StoryRow.section) == label.lower())
    if filters.search:
        matching = text("SELECT rowid FROM stories_fts WHERE stories_fts MATCH :match")
        query = query.where(StoryRow.id.in_(matching.bindparams(match=filters.search)))
    return query


def _record(row: StoryRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in STORY_COLUMNS}


def stories(
    engine: Engine,
    filters: Filters,
    *,
    limit: int | None = None,
    newest_first: bool = True,
    revised: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Current stories; with `revised` = (after, upto), only those with a revision whose id is
    in that range (feeds)."""
    column = _time_column(filters.by)
    order = (column.desc(), StoryRow.id.desc()) if newest_first else (column, StoryRow.id)
    query = filtered(select(StoryRow), filters).order_by(*order).limit(limit)
    if revised is not None:
        after, upto = revised
        changed = select(RevisionRow.story_id).where(RevisionRow.id > after, RevisionRow.id <= upto)
        query = query.where(StoryRow.id.in_(changed))
    with _reading(engine, matching=bool(filters.search)) as session:
        return [_record(row) for row in session.scalars(query)]


def _revision_record(rev: RevisionRow) -> dict[str, Any]:
    return {
        "revision": rev.number,
        "kind": rev.kind,
        **{name: getattr(rev, name) for name in _REVISION_OWN},
    }


def revisions(
    engine: Engine, filters: Filters, *, after: int = 0, upto: int | None = None
) -> list[dict[str, Any]]:
    """One record per revision of the matching stories (filters apply to the story), oldest
    first; `after`/`upto` bound revision ids (feeds)."""
    query = (
        filtered(select(RevisionRow, StoryRow).join(StoryRow), filters)
        .where(RevisionRow.id > after)
        .order_by(RevisionRow.id)
    )
    if upto is not None:
        query = query.where(RevisionRow.id <= upto)
    out = []
    with _reading(engine, matching=bool(filters.search)) as session:
        for rev, story in session.execute(query):
            out.append(
                {
                    **{name: getattr(story, name) for name in IDENTITY_FIELDS},
                    **_revision_record(rev),
                }
            )
    return out


def newest_revision_id(engine: Engine) -> int:
    with _reading(engine) as session:
        return session.scalar(select(func.max(RevisionRow.id))) or 0


@dataclass(frozen=True)
class Hit:
    story: dict[str, Any]
    snippet: str
    score: float


def search(
    engine: Engine, match: str, *, limit: int = 20, mark: tuple[str, str] = ("[", "]")
) -> list[Hit]:
    """Full-text search over title and body, best first (BM25, title weighted 5 to 1)."""
    if not match.strip():
        raise QueryError("the search query is empty")
    query = text(
        "SELECT rowid, snippet(stories_fts, -1, :open, :close, ' … ', 14) AS snippet, "
        "bm25(stories_fts, 5.0, 1.0) AS score FROM stories_fts WHERE stories_fts MATCH :match "
        "ORDER BY score LIMIT :limit"
    )
    with _reading(engine, matching=True) as session:
        rows = session.execute(
            query, {"open": mark[0], "close": mark[1], "match": match, "limit": limit}
        ).all()
        by_id = {
            row.id: row
            for row in session.scalars(
                select(StoryRow).where(StoryRow.id.in_([r[0] for r in rows]))
            )
        }
        return [Hit(_record(by_id[r.rowid]), r.snippet, -r.score) for r in rows if r.rowid in by_id]


@dataclass(frozen=True)
class History:
    story: dict[str, Any]
    revisions: list[dict[str, Any]]


def find_story(engine: Engine, ident: str, *, lang: str = "e") -> History | None:
    """A story by its Seq_Code (in `lang`) or by any URL of it."""
    ident = ident.strip()
    if re.fullmatch(r"\d+", ident, flags=re.ASCII):
        key: StoryKey | None = StoryKey(lang, str(int(ident)))
    else:
        key = story_key(ident, allowed_hosts=None, default_lang=lang)
    if key is None:
        raise QueryError(f"not a story id or story URL: {ident!r}")
    with _reading(engine) as session:
        row = session.scalar(
            select(StoryRow).where(
                StoryRow.source == SOURCE,
                StoryRow.lang == key.lang,
                StoryRow.article_id == key.article_id,
            )
        )
        if row is None:
            return None
        return History(_record(row), [_revision_record(r) for r in row.revisions])


class _reading:
    """A session in which an error from a full-text query the user wrote becomes a QueryError
    that says how to write one."""

    def __init__(self, engine: Engine, *, matching: bool = False) -> None:
        self.session = Session(engine)
        self.matching = matching

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        self.session.close()
        if self.matching and isinstance(exc, OperationalError):
            if "no such table: stories_fts" in str(exc.orig):
                raise QueryError(
                    "this database has no search index yet: one `newsmon crawl` adds it"
                ) from None
            raise QueryError(
                f"cannot read the search query ({exc.orig}). Put a phrase, or words with "
                'punctuation or hyphens, in double quotes ("N. Korea", "Seoul-Washington"); '
                "write AND, OR, NOT in capitals, NOT after a word (budget NOT pension)."
            ) from None
