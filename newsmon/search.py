"""Full-text search of the stories' current title and body (SQLite FTS5, the `stories_fts`
index), on a plain DB-API connection.

`newsmon search` runs it on a read-only `sqlite3` connection and loads nothing else it does
not need (no SQLAlchemy, no Scrapy): a query that SQLite answers in a millisecond should not
wait a third of a second for imports. Every value reaches SQL as a bound parameter, the query
included.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from newsmon.records import STORY_COLUMNS


class QueryError(ValueError):
    """A query the user wrote cannot be run (a malformed search, an unreadable time)."""


_HOW_TO_SEARCH = (
    'Put a phrase, or words with punctuation or hyphens, in double quotes ("N. Korea", '
    '"Seoul-Washington"); write AND, OR, NOT in capitals, NOT after a word (budget NOT pension).'
)


def check_search(match: str) -> None:
    """Refuse a full-text query SQLite cannot read, before any database is opened: it is run
    against an empty in-memory FTS5 table with the same columns as `stories_fts`."""
    if not match.strip():
        raise QueryError("the search query is empty")
    if "\x00" in match:
        raise QueryError("the search query holds a NUL character")
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE q USING fts5(title, body)")
        conn.execute("SELECT rowid FROM q WHERE q MATCH ?", (match,)).fetchall()
    except sqlite3.Error as exc:
        raise QueryError(f"cannot read the search query ({exc}). {_HOW_TO_SEARCH}") from None
    finally:
        conn.close()


@dataclass(frozen=True)
class Hit:
    story: dict[str, Any]  # STORY_COLUMNS, instants as stored (newsmon's one form)
    snippet: str
    score: float


# BM25 must score every match to find the best few (see docs/benchmarks.md); the stories
# themselves are read for those few only.
_BEST = (
    "SELECT rowid, snippet(stories_fts, -1, ?, ?, ' … ', 14), bm25(stories_fts, 5.0, 1.0) "
    "AS score FROM stories_fts WHERE stories_fts MATCH ? ORDER BY score LIMIT ?"
)
# newsmon's own column names; the ids are bound.
_STORIES = f"SELECT id, {', '.join(STORY_COLUMNS)} FROM stories WHERE id IN "  # noqa: S608
# Ids asked for at a time: SQLite takes a bounded number of bound parameters.
_IDS_AT_A_TIME = 500


def search(
    connection: Any, match: str, *, limit: int = 20, mark: tuple[str, str] = ("[", "]")
) -> list[Hit]:
    """The best `limit` matches of `match` on `connection` (DB-API, SQLite), best first (BM25,
    title weighted 5 to 1), each matched word in its snippet between the two `mark`s."""
    check_search(match)
    best = connection.execute(_BEST, (mark[0], mark[1], match, limit)).fetchall()
    stories = dict(_stories(connection, [rowid for rowid, _, _ in best]))
    return [
        Hit(stories[rowid], snippet, -score) for rowid, snippet, score in best if rowid in stories
    ]


def _stories(connection: Any, ids: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    for start in range(0, len(ids), _IDS_AT_A_TIME):
        chosen = ids[start : start + _IDS_AT_A_TIME]
        marks = ", ".join("?" * len(chosen))
        for row in connection.execute(f"{_STORIES}({marks})", chosen):
            yield row[0], dict(zip(STORY_COLUMNS, row[1:], strict=True))
