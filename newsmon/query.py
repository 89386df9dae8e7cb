"""Reading the record back: stories by time, section and words; one story with its history.
(Full-text search ranked by relevance is `newsmon.search`.)

Every value reaches SQL as a bound parameter, including full-text queries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    Text,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from newsmon import sites
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.db.types import UTCDateTime
from newsmon.instants import parse_user_instant
from newsmon.items import CONTENT_FIELDS, IDENTITY_FIELDS
from newsmon.output import FORMULA_STARTS
from newsmon.records import STORY_COLUMNS
from newsmon.search import QueryError, check_search

_REVISION_OWN = (*CONTENT_FIELDS, "seen_at")
# Rows fetched at a time when streaming: memory stays flat however many are exported.
_BATCH = 500


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """A `--since`/`--until` value (see `newsmon.instants.parse_user_instant`)."""
    try:
        return parse_user_instant(value, end_of_day=end_of_day)
    except ValueError as exc:
        raise QueryError(str(exc)) from None


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    by: str = "written"  # or "updated": the last update, else the written time
    section: str | None = None
    search: str | None = None
    outlets: tuple[str, ...] = ()  # stories of these outlets (sources) only; empty: all


def _time_column(by: str) -> Any:
    if by == "updated":
        return func.coalesce(StoryRow.updated_at, StoryRow.written_at)
    return StoryRow.written_at


def filtered(query: Select[Any], filters: Filters, *, walk: bool = False) -> Select[Any]:
    """`query` narrowed to the stories `filters` select. With `walk`, a search is asked of each
    story the query reaches instead of listing every match first (see `_common`)."""
    column = _time_column(filters.by)
    if filters.since is not None:
        query = query.where(column >= filters.since)
    if filters.until is not None:
        query = query.where(column < filters.until)
    if filters.section:
        query = query.where(func.lower(StoryRow.section) == _section_label(filters.section))
    if filters.outlets:
        query = query.where(StoryRow.source.in_(filters.outlets))
    if filters.search and walk:
        check_search(filters.search)
        query = query.where(_MATCHES_THIS_STORY.bindparams(match=filters.search))
    elif filters.search:
        check_search(filters.search)
        matching = text("SELECT rowid FROM stories_fts WHERE stories_fts MATCH :match")
        query = query.where(StoryRow.id.in_(matching.bindparams(match=filters.search)))
    return query


_MATCHES_THIS_STORY = text(
    "EXISTS (SELECT 1 FROM stories_fts WHERE stories_fts MATCH :match AND rowid = stories.id)"
)


def _common(connection: Connection, match: str) -> bool:
    """Whether `match` is in so many stories that the newest few are best found by walking
    stories newest first, asking the index of each (about 10 µs a story), rather than by listing
    and sorting every match (about 1 µs a match). Past sqrt(400 N) matches of N stories, the
    walk reaches its few in fewer steps; a rare term would make it walk the whole archive."""
    stories = connection.scalar(select(func.max(StoryRow.id))) or 0
    enough = max(1000, math.isqrt(400 * stories))
    counted = text(
        "SELECT count(*) FROM (SELECT rowid FROM stories_fts WHERE stories_fts MATCH :match "
        "LIMIT :enough)"
    )
    return (connection.scalar(counted, {"match": match, "enough": enough}) or 0) >= enough


def _section_label(section: str) -> str:
    """A section's label (Politics) or a site's id for it (Po, po), as stored, lower case."""
    ids = {alias.casefold(): label for alias, label in sites.section_aliases().items()}
    return ids.get(section.casefold(), section).casefold()


def check_outlets(engine: Engine, outlets: Sequence[str]) -> None:
    """Refuse an outlet no stored story is from."""
    with Session(engine) as session:
        found = set(
            session.scalars(select(StoryRow.source).where(StoryRow.source.in_(outlets)).distinct())
        )
        missing = [o for o in outlets if o not in found]
        if not missing:
            return
        stored = session.scalars(select(StoryRow.source).distinct().order_by(StoryRow.source))
        known = ", ".join(stored) or "none yet"
    raise QueryError(f"no story is from outlet {missing[0]!r}; the stored outlets are: {known}")


def check_section(engine: Engine, section: str) -> None:
    """Refuse a section no stored story is in: a filter that can never match is a typo."""
    label = _section_label(section)
    with Session(engine) as session:
        lowered = func.lower(StoryRow.section)
        if session.scalar(select(StoryRow.id).where(lowered == label).limit(1)) is not None:
            return
        stored = session.scalars(select(StoryRow.section).distinct().order_by(lowered)).all()
    known = ", ".join(s for s in stored if s) or "none yet"
    raise QueryError(f"no story is in section {section!r}; the stored sections are: {known}")


def _record(row: StoryRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in STORY_COLUMNS}


def _as_stored(name: str) -> Any:
    """A story column as a result column. Instants come as stored: on SQLite that text is
    already newsmon's one form (see newsmon.db.types), so streaming a million rows parses and
    formats none of them."""
    column = getattr(StoryRow, name)
    if isinstance(column.type, UTCDateTime):
        return type_coerce(column, Text).label(name)
    return column


def _formula_safe(name: str) -> Any:
    """A story column for CSV: a text value that a spreadsheet would run as a formula gets a
    leading `'` (as newsmon.output.neutralise does), done by SQLite as the rows are read."""
    column = getattr(StoryRow, name)
    if isinstance(column.type, UTCDateTime) or column.type.python_type is not str:
        return _as_stored(name)
    first = func.substr(column, 1, 1)
    return case((first.in_(FORMULA_STARTS), literal("'") + column), else_=column).label(name)


_STORED = tuple(_as_stored(name) for name in STORY_COLUMNS)
_STORED_SAFE = tuple(_formula_safe(name) for name in STORY_COLUMNS)


def stories(
    engine: Engine,
    filters: Filters,
    *,
    limit: int | None = None,
    newest_first: bool = True,
    revised: tuple[int, int] | None = None,
) -> Iterator[dict[str, Any]]:
    """Current stories (instants as text in the one form), streamed; with `revised` =
    (after, upto), only those with a revision whose id is in that range (feeds)."""
    for row in story_rows(engine, filters, limit=limit, newest_first=newest_first, revised=revised):
        yield dict(zip(STORY_COLUMNS, row, strict=True))


def story_rows(
    engine: Engine,
    filters: Filters,
    *,
    limit: int | None = None,
    newest_first: bool = True,
    revised: tuple[int, int] | None = None,
    formula_safe: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """`stories` as tuples of STORY_COLUMNS, and with `formula_safe` neutralised for CSV: what
    a CSV export writes as it comes, with no Python work per cell."""
    column = _time_column(filters.by)
    order = (column.desc(), StoryRow.id.desc()) if newest_first else (column, StoryRow.id)
    with engine.connect() as connection:
        walk = bool(limit and filters.search and _common(connection, filters.search))
        chosen = filtered(select(StoryRow.id), filters, walk=walk).order_by(*order).limit(limit)
        if revised is not None:
            after, upto = revised
            changed = select(RevisionRow.story_id).where(
                RevisionRow.id > after, RevisionRow.id <= upto
            )
            chosen = chosen.where(StoryRow.id.in_(changed))
        columns = _STORED_SAFE if formula_safe else _STORED
        if limit is None:  # all of them, in the order of an index: read as they come
            query = chosen.with_only_columns(*columns)
        else:
            # The few are chosen and ordered by their ids and times alone, then read whole
            # (sorting whole rows, bodies and all, cost more than choosing them).
            query = select(*columns).where(StoryRow.id.in_(chosen)).order_by(*order)
        for row in connection.execution_options(yield_per=_BATCH).execute(query):
            yield tuple(row)


def _revision_record(rev: RevisionRow) -> dict[str, Any]:
    return {
        "revision": rev.number,
        "kind": rev.kind,
        **{name: getattr(rev, name) for name in _REVISION_OWN},
    }


def revisions(
    engine: Engine, filters: Filters, *, after: int = 0, upto: int | None = None
) -> Iterator[dict[str, Any]]:
    """One record per revision of the matching stories (filters apply to the story), oldest
    first, streamed; `after`/`upto` bound revision ids (feeds)."""
    query = (
        filtered(select(RevisionRow, StoryRow).join(StoryRow), filters)
        .where(RevisionRow.id > after)
        .order_by(RevisionRow.id)
    )
    if upto is not None:
        query = query.where(RevisionRow.id <= upto)
    with Session(engine) as session:
        for rev, story in session.execute(query.execution_options(yield_per=_BATCH)):
            yield {
                **{name: getattr(story, name) for name in IDENTITY_FIELDS},
                **_revision_record(rev),
            }


def newest_revision_id(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.max(RevisionRow.id))) or 0


@dataclass(frozen=True)
class History:
    story: dict[str, Any]
    revisions: list[dict[str, Any]]


def find_story(
    engine: Engine, ident: str, *, lang: str | None = None, outlets: Sequence[str] = ()
) -> History | None:
    """A story by its outlet's id for it (a KBS Seq_Code) or by any URL of it, in `lang` and
    `outlets` when given. QueryError when `ident` names stories of several outlets."""
    ident = ident.strip()
    if re.fullmatch(r"\d+", ident, flags=re.ASCII):
        candidates: list[tuple[str | None, str]] = [(lang, str(int(ident)))]
    elif ident.startswith(("http://", "https://")):
        candidates = [(lang or found, id_) for found, id_ in sites.story_ids(ident)]
    else:
        raise QueryError(f"not a story id or story URL: {ident!r}")
    names = [
        and_(StoryRow.article_id == id_, *([StoryRow.lang == lg] if lg else []))
        for lg, id_ in candidates
    ]
    query = select(StoryRow).where(or_(*names)).limit(2)
    if outlets:
        query = query.where(StoryRow.source.in_(outlets))
    with Session(engine) as session:
        rows = session.scalars(query).all()
        if len(rows) > 1:
            which = ", ".join(f"{r.source} ({r.lang or '-'})" for r in rows)
            raise QueryError(f"{ident} names stories of several outlets: {which}; add --outlet")
        if not rows:
            return None
        row = rows[0]
        return History(_record(row), [_revision_record(r) for r in row.revisions])
