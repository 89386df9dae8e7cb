"""Which stories a query or an export covers (`Filters`), and those stories, in plain SQL on a
DB-API connection to SQLite.

`articles` and `export` run it on a read-only `sqlite3` connection and load no SQLAlchemy;
`newsmon.query.filtered` puts the same conditions into SQLAlchemy queries (alert matching,
revision exports), so a filter means one thing everywhere. Instants are compared and returned
as stored: text in newsmon's one form, whose order is time order, so streaming a million rows
parses and formats none of them. Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from newsmon.instants import format_instant, parse_user_instant
from newsmon.items import CONTENT_FIELDS, IDENTITY_FIELDS
from newsmon.output import FORMULA_STARTS
from newsmon.records import REVISION_COLUMNS, STORY_COLUMNS
from newsmon.search import QueryError, check_search


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


def _time(by: str) -> str:
    # Written so, both match the indexes on them (ix_stories_written_at, ix_stories_changed).
    if by == "updated":
        return "coalesce(stories.updated_at, stories.written_at)"
    return "stories.written_at"


def section_label(section: str) -> str:
    """A section's label (Politics) or a site's id for it (Po, po), as stored, lower case."""
    from newsmon import sites  # the profiles, loaded only when a section is named

    ids = {alias.casefold(): label for alias, label in sites.section_aliases().items()}
    return ids.get(section.casefold(), section).casefold()


_MATCHING = "stories.id IN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH :match)"
_MATCHES_THIS_STORY = (
    "EXISTS (SELECT 1 FROM stories_fts WHERE stories_fts MATCH :match AND rowid = stories.id)"
)


def conditions(filters: Filters, *, walk: bool = False) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on `stories` that hold for the stories `filters` select, and their
    parameters. With `walk`, a search is asked of each story a query reaches instead of
    listing every match first (see `common`)."""
    time = _time(filters.by)
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.since is not None:
        where.append(f"{time} >= :since")
        params["since"] = format_instant(filters.since)
    if filters.until is not None:
        where.append(f"{time} < :until")
        params["until"] = format_instant(filters.until)
    if filters.section:
        where.append("lower(stories.section) = :section")
        params["section"] = section_label(filters.section)
    if filters.outlets:
        names = {f"outlet{i}": outlet for i, outlet in enumerate(filters.outlets)}
        where.append(f"stories.source IN ({', '.join(':' + name for name in names)})")
        params.update(names)
    if filters.search:
        check_search(filters.search)
        where.append(_MATCHES_THIS_STORY if walk else _MATCHING)
        params["match"] = filters.search
    return where, params


def common(connection: Any, match: str) -> bool:
    """Whether `match` is in so many stories that the newest few are best found by walking
    stories newest first, asking the index of each (about 10 µs a story), rather than by listing
    and sorting every match (about 1 µs a match). Past sqrt(400 N) matches of N stories, the
    walk reaches its few in fewer steps; a rare term would make it walk the whole archive."""
    stories = connection.execute("SELECT max(id) FROM stories").fetchone()[0] or 0
    enough = max(1000, math.isqrt(400 * stories))
    counted = connection.execute(
        "SELECT count(*) FROM (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ? LIMIT ?)",
        (match, enough),
    ).fetchone()[0]
    return bool(counted >= enough)


def _formula_safe(name: str) -> str:
    """A text column for CSV: a value that a spreadsheet would run as a formula gets a leading
    `'` (as newsmon.output.neutralise does), done by SQLite as the rows are read."""
    starts = ", ".join("'" + c.replace("'", "''") + "'" for c in FORMULA_STARTS)
    column = f"stories.{name}"
    return f"CASE WHEN substr({column}, 1, 1) IN ({starts}) THEN '''' || {column} ELSE {column} END"


_NOT_TEXT = {"revision", "written_at", "updated_at", "first_seen_at", "last_seen_at"}
_STORED = ", ".join(f"stories.{name}" for name in STORY_COLUMNS)
_STORED_SAFE = ", ".join(
    f"stories.{name}" if name in _NOT_TEXT else f"{_formula_safe(name)} AS {name}"
    for name in STORY_COLUMNS
)


def story_rows(
    connection: Any,
    filters: Filters,
    *,
    limit: int | None = None,
    newest_first: bool = True,
    revised: tuple[int, int] | None = None,
    formula_safe: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """Current stories as tuples of STORY_COLUMNS, streamed; with `revised` = (after, upto),
    only those with a revision whose id is in that range (feeds); with `formula_safe`,
    neutralised for CSV: what a CSV export writes as it comes, with no Python work per cell."""
    time = _time(filters.by)
    order = f"{time} DESC, stories.id DESC" if newest_first else f"{time}, stories.id"
    walk = bool(limit and filters.search and common(connection, filters.search))
    where, params = conditions(filters, walk=walk)
    if revised is not None:
        where.append(
            "stories.id IN (SELECT story_id FROM revisions WHERE id > :after AND id <= :upto)"
        )
        params["after"], params["upto"] = revised
    chosen = f"FROM stories WHERE {' AND '.join(where)}" if where else "FROM stories"
    columns = _STORED_SAFE if formula_safe else _STORED
    if limit is None:  # all of them, in the order of an index: read as they come
        sql = f"SELECT {columns} {chosen} ORDER BY {order}"
    else:
        # The few are chosen and ordered by their ids and times alone, then read whole
        # (sorting whole rows, bodies and all, cost more than choosing them).
        ids = f"SELECT stories.id {chosen} ORDER BY {order} LIMIT :limit"
        sql = f"SELECT {columns} FROM stories WHERE stories.id IN ({ids}) ORDER BY {order}"  # noqa: S608
        params["limit"] = limit
    # Column names and conditions are newsmon's own; every value is bound. Not `yield from` the
    # cursor itself: closing this generator would close the cursor, which raises once the
    # connection is closed, and a generator dropped by a command that failed (say into a closed
    # pipe) is closed that late ("Exception ignored in: <generator object story_rows>").
    # islice has no close() and reads the rows as fast.
    yield from islice(connection.execute(sql, params), None)


def stories(
    connection: Any,
    filters: Filters,
    *,
    limit: int | None = None,
    newest_first: bool = True,
    revised: tuple[int, int] | None = None,
) -> Iterator[dict[str, Any]]:
    """`story_rows` as records (instants as text in the one form), streamed."""
    for row in story_rows(
        connection, filters, limit=limit, newest_first=newest_first, revised=revised
    ):
        yield dict(zip(STORY_COLUMNS, row, strict=True))


_REVISION_COLUMNS = ", ".join(
    [
        *(f"stories.{name}" for name in IDENTITY_FIELDS),
        "revisions.number",
        "revisions.kind",
        *(f"revisions.{name}" for name in CONTENT_FIELDS),
        "revisions.seen_at",
    ]
)


def revisions(
    connection: Any, filters: Filters, *, after: int = 0, upto: int | None = None
) -> Iterator[dict[str, Any]]:
    """One record (REVISION_COLUMNS) per revision of the selected stories, oldest first,
    streamed; `after`/`upto` bound revision ids (feeds)."""
    where, params = conditions(filters)
    where.append("revisions.id > :after")
    params["after"] = after
    if upto is not None:
        where.append("revisions.id <= :upto")
        params["upto"] = upto
    joined = "revisions JOIN stories ON stories.id = revisions.story_id"
    chosen = " AND ".join(where)
    sql = f"SELECT {_REVISION_COLUMNS} FROM {joined} WHERE {chosen} ORDER BY revisions.id"  # noqa: S608
    for row in connection.execute(sql, params):
        yield dict(zip(REVISION_COLUMNS, row, strict=True))


def check_outlets(connection: Any, outlets: Sequence[str]) -> None:
    """Refuse an outlet no stored story is from."""
    missing = [
        outlet
        for outlet in dict.fromkeys(outlets)
        if connection.execute(
            "SELECT 1 FROM stories WHERE source = ? LIMIT 1", (outlet,)
        ).fetchone()
        is None
    ]
    if not missing:
        return
    stored = connection.execute("SELECT DISTINCT source FROM stories ORDER BY source")
    known = ", ".join(source for (source,) in stored) or "none yet"
    raise QueryError(f"no story is from outlet {missing[0]!r}; the stored outlets are: {known}")


def check_section(connection: Any, section: str) -> None:
    """Refuse a section no stored story is in: a filter that can never match is a typo."""
    label = section_label(section)
    found = connection.execute(
        "SELECT 1 FROM stories WHERE lower(section) = ? LIMIT 1", (label,)
    ).fetchone()
    if found is not None:
        return
    stored = connection.execute(
        "SELECT DISTINCT section FROM stories ORDER BY lower(section)"
    ).fetchall()
    known = ", ".join(s for (s,) in stored if s) or "none yet"
    raise QueryError(f"no story is in section {section!r}; the stored sections are: {known}")
