"""Exports: current stories or every revision, whole or as a named feed that only carries what
is new or changed since its previous export. Rows are read on a DB-API connection to SQLite
(`newsmon.selection`); a feed's position is moved by `newsmon.feeds`.

A feed remembers the selection it was first exported with (the filters as typed, and whether it
carries stories or revisions): one name, one selection, so a consumer never gets a gap or a
duplicate from a filter that changed under the same name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from newsmon import selection
from newsmon.output import csv_cell, plain
from newsmon.records import REVISION_COLUMNS, STORY_COLUMNS


class FeedMismatch(ValueError):
    """An export under a feed's name asks for another selection than the feed's."""


@dataclass(frozen=True)
class Export:
    filters: selection.Filters = field(default_factory=selection.Filters)
    revisions: bool = False
    feed: str | None = None
    # The filters as the user typed them, which a feed keeps (relative times stay relative).
    selection: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return REVISION_COLUMNS if self.revisions else STORY_COLUMNS

    @property
    def recorded_selection(self) -> str:
        return json.dumps({**self.selection, "revisions": self.revisions}, sort_keys=True)


def describe_selection(recorded: str | None) -> str:
    """A feed's selection as the options that make it (`--section Politics --revisions`)."""
    if not recorded:
        return "(not yet recorded)"
    options = []
    for name, value in sorted(json.loads(recorded).items()):
        if value is True:
            options.append(f"--{name}")
        elif name == "outlets":
            options += [f"--outlet {outlet}" for outlet in value]
        elif value not in (None, False) and not (name == "by" and value == "written"):
            options.append(f"--{name} {value}")
    return " ".join(options) or "(everything)"


def _window(connection: Any, export: Export) -> tuple[tuple[int, int] | None, int | None]:
    """For a feed, the revision ids its export carries (after, upto) and the position it moves
    to; (None, None) for a plain export.

    A feed carries what has a revision newer than its position; the newest revision id is read
    first, so revisions a crawl adds meanwhile wait for the next export.
    """
    if export.feed is None:
        return None, None
    feed = connection.execute(
        "SELECT filters, position FROM feeds WHERE name = ?", (export.feed,)
    ).fetchone()
    recorded, position = feed if feed is not None else (None, 0)
    if recorded and recorded != export.recorded_selection:
        raise FeedMismatch(
            f"feed {export.feed!r} selects {describe_selection(recorded)}; this export "
            f"asks for {describe_selection(export.recorded_selection)}. Use the feed's options, "
            "or another feed name"
        )
    upto = connection.execute("SELECT coalesce(max(id), 0) FROM revisions").fetchone()[0]
    return (position, upto), upto


def select_records(connection: Any, export: Export) -> tuple[Iterator[dict[str, Any]], int | None]:
    """The records to write, oldest first, streamed, and for a feed the position it moves to
    once they are delivered (see `newsmon.feeds.advance`)."""
    window, upto = _window(connection, export)
    if export.revisions:
        after, last = window or (0, None)
        return selection.revisions(connection, export.filters, after=after, upto=last), upto
    stories = selection.stories(connection, export.filters, newest_first=False, revised=window)
    return stories, upto


def select_csv_rows(
    connection: Any, export: Export, *, raw: bool = False
) -> tuple[Iterator[tuple[Any, ...]], int | None]:
    """`select_records` as rows of CSV cells: instants in the one form and, unless `raw`,
    formulas neutralised. Stories come from SQLite ready to write, as fast as a plain cursor."""
    if export.revisions:
        records, upto = select_records(connection, export)
        cell = plain if raw else csv_cell
        return (tuple(cell(r.get(c)) for c in export.columns) for r in records), upto
    window, upto = _window(connection, export)
    rows = selection.story_rows(
        connection, export.filters, newest_first=False, revised=window, formula_safe=not raw
    )
    return rows, upto
