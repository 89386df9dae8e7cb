"""The one way newsmon writes an instant: ISO 8601 in UTC, to the second, fixed width.

`2026-11-27T10:14:05Z` is what the database stores, what exports, views and the terminal show,
and what a user may paste back into SQL: every value has the same width, so instants sort and
compare correctly as text, and `pandas.to_datetime(column, utc=True)` reads a whole column
without a `format=`. The sites newsmon reads give times to the second; the sub-second part of
newsmon's own clock (when a page was seen) is dropped.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

# The same form as a strftime pattern, for SQLite (`strftime(SQL_FORMAT, 'now', '-1 day')`).
SQL_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
WIDTH = len("2026-11-27T10:14:05Z")
# No news page on the web was written before the web: an earlier time is a misreading (a
# template's `1970-01-01T00:00:00Z`, a zero timestamp).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# The zones in use furthest from UTC: Kiribati (UTC+14) and Baker Island (UTC-12).
FURTHEST_AHEAD, FURTHEST_BEHIND = timedelta(hours=14), timedelta(hours=12)


def format_instant(value: datetime) -> str:
    """An aware datetime as `YYYY-MM-DDTHH:MM:SSZ` in UTC (years below 1000 zero-padded too)."""
    if value.tzinfo is None:
        raise ValueError(f"an aware datetime is required, got {value!r}")
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def parse_instant(text: str) -> datetime:
    """An instant in newsmon's form, as stored and shown, back to an aware UTC datetime."""
    return datetime.strptime(text, SQL_FORMAT).replace(tzinfo=UTC)


def to_second(value: datetime) -> datetime:
    """An aware instant in UTC, truncated to the second: what the database keeps of it."""
    if value.tzinfo is None:
        raise ValueError(f"an aware datetime is required, got {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def now() -> datetime:
    """The current instant as newsmon records it."""
    return datetime.now(UTC).replace(microsecond=0)


_DAY = re.compile(r"\d{4}-?\d{2}-?\d{2}", flags=re.ASCII)
_AGO = re.compile(r"(\d+(?:\.\d+)?[smhdw])+", flags=re.ASCII)


def parse_user_instant(
    value: str, *, end_of_day: bool = False, clock: datetime | None = None
) -> datetime:
    """What a user may type for `--since`/`--until`: a UTC day (`2026-11-27`: its start, or with
    `end_of_day` the start of the next day), an ISO 8601 instant (UTC when it has no offset), or
    a duration meaning that long ago (`90m`, `6h`, `3d`, `2w`). Raises ValueError with a sentence
    that says which forms are accepted."""
    from dateutil import parser as dateparser

    from newsmon.schedule import parse_duration

    text = value.strip()
    problem = ValueError(
        f"{value!r} is not a date (2026-11-27), an ISO 8601 time (2026-11-27T09:00:00+09:00) "
        "or a duration ago (6h, 3d)"
    )
    try:
        if _DAY.fullmatch(text):
            start = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
            return start + timedelta(days=1) if end_of_day else start
        if _AGO.fullmatch(text.lower()):
            return to_second((clock or datetime.now(UTC)) - parse_duration(text))
        if not re.search(r"\d[T ]\d", text):  # a month or a week is neither a day nor a time
            raise problem
        parsed: datetime = dateparser.isoparse(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise problem from None
