"""What a notification says: the stories a watch matched, each with its outlet, section,
written time (a day, when the page gave only that) and URL, and for a later revision the words
that changed. Plain text, which every channel shows as it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from newsmon.instants import format_instant
from newsmon.kinds import Precision
from newsmon.records import shown_written

# How each kind of revision is announced.
HEADINGS = {"new": "NEW", "updated": "UPDATED", "silent_edit": "EDITED"}
# The fields whose changed words a notification shows, in this order.
SHOWN_CHANGES = ("title", "body")
# What a chat takes for a mention of many people at once, or of a user, role or channel by id:
# @everyone and @here (Discord, Slack, Mattermost), @channel, @all (Mattermost, Rocket.Chat),
# @room (Matrix), and Discord's <@id>, <@!id>, <@&role>, <#channel>, Slack's <!everyone>. A
# story's title or text may hold any of them; sent as they are, a headline would ping a whole
# server (Apprise sends Discord no `allowed_mentions` for plain text, so Discord's default,
# every mention live, applies). A zero-width space after the `@`, `#` or `!` (as Discord's own
# libraries escape mentions) leaves the text looking the same and pinging no one.
_MENTION = re.compile(r"<[@#!]|@(?=(?:everyone|here|channel|all|room)\b)", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "\u200b"


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
    written_precision: Precision  # as the revision says
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
            f"written {shown_written(item.written_at, item.written_precision)}",
            f"updated {format_instant(item.updated_at)}" if item.updated_at else "",
        )
        if part
    )
    # Text from the page is unmentioned; the URL is left whole (a path may hold `@all`), and a
    # chat does not read mentions inside a link.
    lines = [f"{heading}: {unmention(item.title)}", unmention(where), item.url]
    lines += [
        f"{name}: {unmention(item.changes[name])}"
        for name in SHOWN_CHANGES
        if item.changes.get(name)
    ]
    return lines


def unmention(text: str) -> str:
    """`text` with every mention a chat would act on made plain text (see `_MENTION`)."""
    return _MENTION.sub(lambda found: found.group() + _ZERO_WIDTH_SPACE, text)


def compose(watch: str, items: Sequence[Item], *, more: int = 0) -> tuple[str, str]:
    """The title and body of watch `watch`'s notification of `items` (and `more` not listed),
    with no live mention in them."""
    title = f"newsmon: {watch}: {_count(items, more)}"
    blocks = ["\n".join(_item(item)) for item in items]
    if more:
        blocks.append(f"… and {more} more: newsmon alerts --watch {watch}")
    return unmention(title), "\n\n".join(blocks)


def compose_test(watch: str, search: str, shown: str) -> tuple[str, str]:
    """The message `newsmon watch test` sends."""
    return (
        f"newsmon: {watch}: test",
        f"A test of watch {watch!r} (stories matching {search!r}) to {shown}. "
        "Its alerts will come here.",
    )
