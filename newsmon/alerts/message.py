"""What a notification says: the stories a watch matched, each with its outlet, section,
written time and URL, and for a later revision the words that changed. Plain text, which every
channel shows as it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsmon.instants import format_instant

# How each kind of revision is announced.
HEADINGS = {"new": "NEW", "updated": "UPDATED", "silent_edit": "EDITED"}
# The fields whose changed words a notification shows, in this order.
SHOWN_CHANGES = ("title", "body")


@dataclass(frozen=True)
class Item:
    """One matched revision of a story, as a notification lists it."""

    outlet: str
    section: str | None
    title: str
    url: str
    kind: str
    number: int
    written_at: datetime
    updated_at: datetime | None
    # field -> its changed words (newsmon.diff.changed_words), for a later revision
    changes: dict[str, str] = field(default_factory=dict)


def _count(items: Sequence[Item], more: int) -> str:
    new = sum(item.kind == "new" for item in items)
    changed = len(items) - new
    parts = [f"{new} new" if new else "", f"{changed} changed" if changed else ""]
    said = ", ".join(p for p in parts if p)
    return said + (f", {more} more" if more else "")


def _item(item: Item) -> list[str]:
    heading = HEADINGS.get(item.kind, item.kind.upper())
    if item.kind != "new":
        heading += f" (revision {item.number})"
    where = ", ".join(
        part
        for part in (
            item.outlet,
            item.section or "",
            f"written {format_instant(item.written_at)}",
            f"updated {format_instant(item.updated_at)}" if item.updated_at else "",
        )
        if part
    )
    lines = [f"{heading}: {item.title}", where, item.url]
    lines += [f"{name}: {item.changes[name]}" for name in SHOWN_CHANGES if item.changes.get(name)]
    return lines


def compose(watch: str, items: Sequence[Item], *, more: int = 0) -> tuple[str, str]:
    """The title and body of watch `watch`'s notification of `items` (and `more` not listed)."""
    title = f"newsmon: {watch}: {_count(items, more)}"
    blocks = ["\n".join(_item(item)) for item in items]
    if more:
        blocks.append(f"… and {more} more: newsmon alerts --watch {watch}")
    return title, "\n\n".join(blocks)


def compose_test(watch: str, search: str, shown: str) -> tuple[str, str]:
    """The message `newsmon watch test` sends."""
    return (
        f"newsmon: {watch}: test",
        f"A test of watch {watch!r} (stories matching {search!r}) to {shown}. "
        "Its alerts will come here.",
    )
