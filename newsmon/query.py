"""Reading the record back through SQLAlchemy: every revision of the selected stories, one
story with its history. (Current stories by time, section and words are `newsmon.selection`;
full-text search ranked by relevance is `newsmon.search`: both on sqlite3 alone.)

Every value reaches SQL as a bound parameter, including full-text queries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, and_, or_, select, text
from sqlalchemy.orm import Session

from newsmon import sites
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.items import CONTENT_FIELDS
from newsmon.records import STORY_COLUMNS
from newsmon.search import QueryError
from newsmon.selection import Filters, conditions

_REVISION_OWN = (*CONTENT_FIELDS, "seen_at")


def filtered(query: Select[Any], filters: Filters, *, walk: bool = False) -> Select[Any]:
    """`query` (of stories, or joined with them) narrowed to the stories `filters` select, by
    the same conditions `newsmon.selection` reads them with."""
    where, params = conditions(filters, walk=walk)
    if not where:
        return query
    return query.where(text(" AND ".join(where)).bindparams(**params))


def _record(row: StoryRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in STORY_COLUMNS}


def _revision_record(rev: RevisionRow) -> dict[str, Any]:
    return {
        "revision": rev.number,
        "kind": rev.kind,
        **{name: getattr(rev, name) for name in _REVISION_OWN},
    }


@dataclass(frozen=True)
class History:
    story: dict[str, Any]
    revisions: list[dict[str, Any]]


def _candidates(ident: str, lang: str | None) -> list[tuple[str | None, str]]:
    """The (lang, article_id) pairs an outlet's id or a story URL may name."""
    if re.fullmatch(r"\d+", ident, flags=re.ASCII):
        return [(lang, str(int(ident)))]
    if ident.startswith(("http://", "https://")):
        return [(lang or found, id_) for found, id_ in sites.story_ids(ident)]
    raise QueryError(f"not a story id, @N or story URL: {ident!r}")


def find_story(
    engine: Engine, ident: str, *, lang: str | None = None, outlets: Sequence[str] = ()
) -> History | None:
    """A story by its outlet's id for it (a KBS Seq_Code), by any URL of it, or by `@N`, its
    row id (as `newsmon articles` shows a story whose id is a URL, too long for a column; the
    same N as its web page, stories/N), in `lang` and `outlets` when given. QueryError when
    `ident` names stories of several outlets."""
    ident = ident.strip()
    if re.fullmatch(r"@\d+", ident, flags=re.ASCII):
        names = [and_(StoryRow.id == int(ident[1:]), *([StoryRow.lang == lang] if lang else []))]
    else:
        names = [
            and_(StoryRow.article_id == id_, *([StoryRow.lang == lg] if lg else []))
            for lg, id_ in _candidates(ident, lang)
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
