"""Reading the site's time stamps as UTC instants.

Pages show Korea Standard Time without an offset. Korea has kept UTC+9 without daylight saving
since 1988, so a fixed offset is exact for every story the site carries and, unlike a tz database
lookup, cannot vary with the host's configuration.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from dateutil import parser as dateparser

KST = timezone(timedelta(hours=9), "KST")

# `2023-10-20 15:38:59`, also `2023.10.20 오후 3:38` and `2023-10-20 3:38 PM` (a 12-hour clock,
# as the site's Korean pages and some of its others write it). No digit may touch a stamp's
# ends: `20233-10-20` or `15:388` is a stamp with a digit too many, not a shorter one.
_STAMP = (
    r"(?<!\d)(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?[ T]*"
    r"(?:(오전|오후|AM|PM)\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?(?!:?\d)(?:\s*(AM|PM)\b)?"
)
STAMP_RE = re.compile(_STAMP, flags=re.IGNORECASE)
_AFTERNOON = frozenset({"오후", "PM"})


class BadTimestamp(ValueError):
    """A time stamp was found but does not name a real instant."""


def _from_match(m: re.Match[str]) -> datetime:
    year, month, day, before, hour, minute, second, after = m.groups()
    h = int(hour)
    if meridiem := (before or after or "").upper():
        if not 1 <= h <= 12:
            raise BadTimestamp(f"{m.group(0)!r} is not a valid time: hour {h} on a 12-hour clock")
        h = h % 12 + (12 if meridiem in _AFTERNOON else 0)
    try:
        local = datetime(
            int(year), int(month), int(day), h, int(minute), int(second or 0), tzinfo=KST
        )
        # The first hours of year 1, Korea time, are year 0 in UTC: no datetime holds them.
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise BadTimestamp(f"{m.group(0)!r} is not a valid time: {exc}") from None


def find_kst(text: str) -> datetime | None:
    """The first `YYYY-MM-DD HH:MM[:SS]` Korea time in `text`, as UTC; None if there is none."""
    m = STAMP_RE.search(text)
    return _from_match(m) if m else None


def find_labelled_kst(text: str, label: str) -> datetime | None:
    """The Korea time after `label:` (e.g. `Written: 2023-10-20 15:38:59`), as UTC.

    Labels may run into the previous stamp with nothing between them, so the pattern does not
    anchor on word boundaries.
    """
    m = re.search(rf"{label}\s*:?\s*{_STAMP}", text, flags=re.IGNORECASE)
    if m is None:
        if re.search(rf"{label}\s*:", text, flags=re.IGNORECASE):
            raise BadTimestamp(f"{label} label present but no YYYY-MM-DD HH:MM time follows it")
        return None
    inner = STAMP_RE.search(m.group(0))
    assert inner is not None
    return _from_match(inner)


def parse_rfc822(text: str) -> datetime | None:
    """An RSS `pubDate` (`Mon, 25 Aug 2025 11:28:21 +0900`) as UTC; Korea time if it has no zone."""
    text = text.strip()
    if not text:
        return None
    try:
        value: datetime = dateparser.parse(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=KST)
        # (a time at either end of the calendar may not be in UTC's: 9999-12-31 23:00 -0500)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
