"""A story's page: its current version, with times in UTC and in its outlet's zone, every
revision, and the words that changed between any two of them. A written time that is only a
day shows as that day, in both columns: the page gave no time of day to convert."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup

from newsmon.diff import diff, html_runs
from newsmon.instants import format_instant, parse_instant
from newsmon.kinds import Precision
from newsmon.records import shown_written

COMPARED = ("title", "body", "summary")
_REVISIONS = (
    "SELECT number, kind, title, body, summary, written_at, updated_at, seen_at "
    "FROM revisions WHERE story_id = ? ORDER BY number"
)
# Comparing revisions is work for a processor, up to a second for the largest texts: it is done
# in these threads, never on Datasette's event loop (where it would hold up every other request
# meanwhile), two at a time at most (more would only share the same cores); pages asking for
# more wait their turn here without holding up the loop.
_COMPARING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="newsmon-diff")


@dataclass(frozen=True)
class Instant:
    utc: str
    local: str  # in the outlet's zone, with its offset


def _instant(text: str | None, zone: tzinfo | None) -> Instant | None:
    if not text:
        return None
    value = parse_instant(text)
    local = value.astimezone(zone) if zone else value
    return Instant(format_instant(value), local.strftime("%Y-%m-%d %H:%M:%S %Z (%z)"))


def _written(story: dict[str, Any], zone: tzinfo | None) -> Instant | None:
    if story["written_precision"] == Precision.DAY:
        day = shown_written(story["written_at"], Precision.DAY)
        return Instant(day, day)
    return _instant(story["written_at"], zone)


async def story_page(
    database: Any, story_id: int, zones: dict[str, tzinfo], choice: dict[str, str]
) -> dict[str, Any] | None:
    """What the story page shows, from a Datasette database; None when there is no story.
    `choice` holds the revisions to compare (`from`, `to`), by default the last two."""
    rows = await database.execute("SELECT * FROM stories WHERE id = ?", [story_id])
    story = rows.first()
    if story is None:
        return None
    story = dict(story)
    revisions = [dict(r) for r in await database.execute(_REVISIONS, [story_id])]
    zone = zones.get(story["source"]) or await _recorded_zone(database, story["source"])
    numbers = [r["number"] for r in revisions]
    older, newer = _chosen(choice, numbers)
    by_number = {r["number"]: r for r in revisions}
    compared = None
    if older is not None and newer is not None:
        a, b = by_number[older], by_number[newer]
        loop = asyncio.get_running_loop()
        compared = {
            "older": older,
            "newer": newer,
            "fields": [
                await loop.run_in_executor(_COMPARING, _field, name, a[name] or "", b[name] or "")
                for name in COMPARED
                if (a[name] or "") != (b[name] or "")
            ],
        }
    return {
        "story": story,
        "zone": getattr(zone, "key", None) or (zone.tzname(None) if zone else "UTC"),
        "times": {
            "written_at": _written(story, zone),
            **{
                name: _instant(story[name], zone)
                for name in ("updated_at", "first_seen_at", "last_seen_at")
            },
        },
        "revisions": [
            {**r, "updated": _instant(r["updated_at"], zone), "seen": _instant(r["seen_at"], zone)}
            for r in revisions
        ],
        "paragraphs": [p for p in (story["body"] or "").split("\n\n") if p],
        "diff": compared,
    }


def _field(name: str, old: str, new: str) -> dict[str, Any]:
    """A field's words that changed, as the page shows them; for texts too large to compare
    word by word, both versions whole and why (`too_large`)."""
    found = diff(old, new)
    return {
        "name": name,
        "html": Markup(html_runs(found.runs)),
        "too_large": None if found.compared else found.too_large(),
    }


async def _recorded_zone(database: Any, outlet: str) -> tzinfo | None:
    """The zone the outlet's last run recorded (generic outlets record theirs), for an outlet
    not in the config the UI was started with."""
    rows = await database.execute(
        "SELECT arguments FROM runs WHERE outlet = ? ORDER BY id DESC LIMIT 1", [outlet]
    )
    row = rows.first()
    try:
        return ZoneInfo(json.loads(row[0])["timezone"]) if row else None
    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError):
        return None


def _chosen(choice: dict[str, str], numbers: list[int]) -> tuple[int | None, int | None]:
    """The two revisions to compare: `from` and `to` when they are revisions of the story, else
    the last two."""
    if len(numbers) < 2:
        return None, None
    older, newer = numbers[-2], numbers[-1]
    try:
        asked = int(choice.get("from", older)), int(choice.get("to", newer))
    except ValueError:
        return older, newer
    if asked[0] in numbers and asked[1] in numbers and asked[0] != asked[1]:
        return min(asked), max(asked)
    return older, newer
