"""When a stored story is due for a re-check: more often while it is young.

A schedule is a list of (age limit, interval) steps counted from the story's written time, e.g.
`6h:15m,2d:1h,14d:1d`: every 15 minutes in the first 6 hours, hourly until 2 days, daily until
14 days, then never in routine runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_SCHEDULE = "6h:15m,2d:1h,14d:1d"

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `6h`, `3d`, `2w`, or a combination such as `1h30m`."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 6h, 3d, 2w)")
    return sum((timedelta(**{_UNITS[u]: float(n)}) for n, u in parts), timedelta())


@dataclass(frozen=True)
class Schedule:
    steps: tuple[tuple[timedelta, timedelta], ...]

    @classmethod
    def parse(cls, text: str) -> Schedule:
        steps = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            age, sep, every = part.partition(":")
            if not sep:
                raise ValueError(f"schedule step {part!r} is not AGE:INTERVAL (e.g. 6h:15m)")
            steps.append((parse_duration(age), parse_duration(every)))
        if [a for a, _ in steps] != sorted(a for a, _ in steps):
            raise ValueError(f"schedule ages must increase: {text!r}")
        return cls(tuple(steps))

    def interval(self, age: timedelta) -> timedelta | None:
        for limit, every in self.steps:
            if age < limit:
                return every
        return None

    def is_due(self, written_at: datetime, checked_at: datetime | None, now: datetime) -> bool:
        every = self.interval(now - written_at)
        if every is None:
            return False
        return checked_at is None or now - checked_at >= every
