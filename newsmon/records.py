"""What the read commands give for a story and for a revision: the columns, in order; and how a
written time is shown to people."""

from __future__ import annotations

from datetime import datetime

from newsmon.instants import format_instant
from newsmon.items import CONTENT_FIELDS, IDENTITY_FIELDS, STORY_FIELDS
from newsmon.kinds import Precision

STORY_COLUMNS = (*STORY_FIELDS, "revision", "first_seen_at", "last_seen_at")
REVISION_COLUMNS = (*IDENTITY_FIELDS, "revision", "kind", *CONTENT_FIELDS, "seen_at")
# The columns of exports made before `written_precision` was (schema 7 and earlier): still
# newsmon's exports, which a new export may replace.
EARLIER_COLUMNS = tuple(
    tuple(name for name in columns if name != "written_precision")
    for columns in (STORY_COLUMNS, REVISION_COLUMNS)
)
_DAY = len("2026-11-27")


def shown_written(written_at: datetime | str, precision: str) -> str:
    """A written time as people read it: the instant in newsmon's one form (`written_at` as a
    datetime or as stored), or for one that is only a day (`Precision.DAY`, stored as its
    start in UTC) that day, `2020-12-05`, with no time of day the page never gave. Exports keep
    the instant, beside its precision."""
    text = written_at if isinstance(written_at, str) else format_instant(written_at)
    return text[:_DAY] if precision == Precision.DAY else text
