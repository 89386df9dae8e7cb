"""Reading the times pages and feeds write, as UTC instants: what is written is read, and what
is not clear is refused (BadTime), never guessed.

The forms read:

- ISO 8601 as dateutil's `isoparse` reads it (schema.org, meta tags, `<time>`, Atom), with `T`
  or a space between date and time (`2013-01-27-01` is no time: `-01` is not an hour);
- near-ISO forms, year first: `2020-9-24`, `2024/01/01` (1 January: with the year first the
  order is ISO's), `2020-12-05T23:15:0Z`, `2004-07-08 23:56:58 -00:20`, a zone right after the
  time (`2020-12-05T16:02:50CDT`, `2020-12-05T16:02:50+02:00CET`), a weekday before
  (`Fri, 2006/09/15 08:19:53 EDT`), a 12-hour clock (`AM`/`PM`, `오전`/`오후`) and Korean's
  `2004년 05월 28일 01:31:15`;
- dates with the month's name, RFC 822 (RSS) and its variants: `Mon, 25 Aug 2025 11:28:21
  +0900`, `26 January 2004 16:31`, `Thu Aug 30 2012 17:26:16 +0200`, asctime's `Sun Jan  4
  16:29:06 2004` and `Sun Jul 15 01:16:00 +0000 2012`, a two-digit year after the month as RFC
  2822 reads it (`01 Jan 04`: 00-49 are 20xx, 50-99 19xx).

Zones. An offset written is kept: `+09:00`, `+0900`, `+09`, `GMT+09:00`, `UTC+9`, with a name
or a comment after it that it makes redundant (`+02:00CET`, `+0000 (UTC)`); `-0000` is UTC (RFC
2822: the instant is UTC, only the writer's zone is unsaid). An IANA name is read with its rules
(`Europe/Paris`, `Etc/GMT`). An abbreviation is read only from this fixed table of names with
one meaning in news (`_NAMED`): Z, UT, UTC, GMT; RFC 822's own EST, EDT, CST, CDT, MST, MDT, PST,
PDT (CST as RFC 822 defines it, US Central); AKST, AKDT, HST; WET, WEST, CET, CEST, MET, MEST,
MEZ, MESZ, EET, EEST, MSK; KST, JST, HKT, SGT, AWST, ACST, ACDT, AEST, AEDT, NZST, NZDT. Others
are refused: IST (India, Israel or Ireland?), BST (British Summer or Bangladesh?), ET, PT and
their like (standard or daylight time?), the military letters but Z. Only a time written
without any zone takes the outlet's `zone`.

Refused besides: a day and month both in digits with the year last (`01/02/2024`: 1 February or
2 January?), a year of other than four digits where a day could stand, a month without a year.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser


class BadTime(ValueError):
    """A time was given but names no instant."""


def _hours(h: float) -> timezone:
    return timezone(timedelta(hours=h))


# Abbreviations with one meaning where news is written (see the module's doc for those left out).
_NAMED: dict[str, tzinfo] = {
    **dict.fromkeys(("Z", "UT", "UTC", "GMT"), UTC),
    **{"EST": _hours(-5), "EDT": _hours(-4), "CST": _hours(-6), "CDT": _hours(-5)},
    **{"MST": _hours(-7), "MDT": _hours(-6), "PST": _hours(-8), "PDT": _hours(-7)},
    **{"AKST": _hours(-9), "AKDT": _hours(-8), "HST": _hours(-10)},
    **{"WET": UTC, "WEST": _hours(1), "CET": _hours(1), "CEST": _hours(2)},
    **{"MET": _hours(1), "MEST": _hours(2), "MEZ": _hours(1), "MESZ": _hours(2)},
    **{"EET": _hours(2), "EEST": _hours(3), "MSK": _hours(3)},
    **{"KST": _hours(9), "JST": _hours(9), "HKT": _hours(8), "SGT": _hours(8)},
    **{"AWST": _hours(8), "ACST": _hours(9.5), "ACDT": _hours(10.5)},
    **{"AEST": _hours(10), "AEDT": _hours(11), "NZST": _hours(12), "NZDT": _hours(13)},
}
_IANA = r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){1,2}"  # no dot: no path out of the zone db
# What may follow a time: an offset (perhaps after GMT/UTC, perhaps with a name or a comment
# after it, which it makes redundant), or a name alone.
_ZONE = re.compile(
    rf"""(?:(?:GMT|UTC|UT)\s*)?(?P<sign>[+-])\s*(?P<hours>\d{{1,2}})(?::?(?P<minutes>\d{{2}}))?
         (?:\s*(?P<said>[A-Za-z]{{1,5}}|{_IANA}|\([^()]{{0,60}}\)))?
        |(?P<name>[A-Za-z]{{1,5}})
        |(?P<iana>{_IANA})""",
    re.VERBOSE,
)
_COMMENT = re.compile(r"\s*\(([^()]{0,60})\)\s*$")  # `+0000 (UTC)`, `GMT+0200 (CEST)`


def _named(name: str) -> tzinfo:
    if "/" in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadTime(f"{name!r} is no time zone") from None
    found = _NAMED.get(name.upper())
    if found is None:
        raise BadTime(f"{name!r} is not a time zone name newsmon reads: it has several meanings")
    return found


def _zone(text: str) -> tzinfo | None:
    """The zone written after a time; None when none is. BadTime for one that is not read."""
    text = text.strip()
    if not text:
        return None
    m = _ZONE.fullmatch(text)
    if m is None:
        raise BadTime(f"{text!r} is not a time zone")
    if m["sign"]:
        hours, minutes = int(m["hours"]), int(m["minutes"] or 0)
        if hours > 23 or minutes > 59:
            raise BadTime(f"{text!r} is not a UTC offset")
        said = m["said"]
        if said and not said.startswith("("):
            _named(said)  # a name after an offset must be one (not `-06:00Textra`)
        sign = -1 if m["sign"] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return _named(m["name"] or m["iana"])


_AMPM = r"(?:[AaPp]\.?[Mm]\.?|오전|오후)"
_CLOCK = (
    rf"(?:(?P<ampm1>{_AMPM})\s*)?"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:[.,](?P<fraction>\d+))?)?"
    rf"(?:\s*(?P<ampm2>{_AMPM})(?![A-Za-z]))?"
)
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?"
# Year first, in digits, with a time or without (then no zone).
_NUMERIC = re.compile(
    rf"""(?:{_WEEKDAY},?\s*)?
         (?:(?P<year>\d{{4}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})
           |(?P<kyear>\d{{4}})\s*년\s*(?P<kmonth>\d{{1,2}})\s*월\s*(?P<kday>\d{{1,2}})\s*일)
         (?:(?:\s*[Tt]\s*|\s+){_CLOCK}(?P<zone>.*))?""",
    re.VERBOSE | re.IGNORECASE,
)
_DAY_FIRST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME_TOKEN = re.compile(_CLOCK + r"(?P<zone>.*)", re.IGNORECASE)
_NUMBER = re.compile(r"(\d{1,4})(?:st|nd|rd|th)?", re.IGNORECASE)


def _clock(m: re.Match[str], ampm: str | None = None) -> tuple[int, int, int, int]:
    """(hour, minute, second, microsecond) of a _CLOCK match, a 12-hour clock made 24 (its AM
    or PM in the match, or given apart)."""
    hour, minute = int(m["hour"]), int(m["minute"])
    second = int(m["second"] or 0)
    micro = int((m["fraction"] or "0")[:6].ljust(6, "0"))
    ampm = (m["ampm1"] or m["ampm2"] or ampm or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise BadTime(f"hour {hour} on a 12-hour clock")
        afternoon = ampm == "오후" or ampm.startswith("p")
        hour = hour % 12 + (12 if afternoon else 0)
    return hour, minute, second, micro


# What a form's reader finds: (year, month, day, hour, minute, second, microsecond) and the
# zone written, None when none is.
Written = tuple[tuple[int, int, int, int, int, int, int], tzinfo | None]


def _numeric(m: re.Match[str]) -> Written:
    year, month, day = (
        (m["year"], m["month"], m["day"]) if m["year"] else (m["kyear"], m["kmonth"], m["kday"])
    )
    clock = _clock(m) if m["hour"] else (0, 0, 0, 0)
    return (int(year), int(month), int(day), *clock), _zone(m["zone"] or "")


def _named_month(text: str) -> Written:
    """A date whose month is written as a name; its day and year are told apart by their
    length and place (see the module's doc)."""
    month: int | None = None
    numbers: list[tuple[str, bool]] = []  # (digits, whether before the month)
    clock: re.Match[str] | None = None
    ampm: str | None = None
    zones: list[str] = []
    for token in text.replace(",", " ").split():
        word = token.rstrip(".").lower()
        if word in _MONTHS and month is None:
            month = _MONTHS[word]
        elif re.fullmatch(_WEEKDAY, token, re.IGNORECASE) and month is None and not numbers:
            continue
        elif (number := _NUMBER.fullmatch(token)) is not None:
            numbers.append((number[1], month is None))
        elif clock is None and (m := _TIME_TOKEN.fullmatch(token)) is not None:
            clock = m
            if m["zone"]:
                zones.append(m["zone"])
        elif clock is not None and ampm is None and re.fullmatch(_AMPM, token):
            ampm = token
        else:
            zones.append(token)
    if month is None:
        raise BadTime(f"{text!r} is not an ISO 8601 or RFC 822 time")
    if len(numbers) != 2:
        raise BadTime(f"{text!r} does not write one day and one year")
    (first, first_before), (second, second_before) = numbers
    if len(second) == 4 and len(first) <= 2:
        day, year = int(first), int(second)  # `01 Jan 2004`, `Aug 30 2012`
    elif len(first) == 4 and len(second) <= 2:
        day, year = int(second), int(first)  # `2012 Aug 30`
    elif len(first) <= 2 and len(second) == 2 and first_before and not second_before:
        day, year = int(first), int(second)  # RFC 822's `01 Jan 04`
        year += 2000 if year < 50 else 1900
    else:
        raise BadTime(f"{text!r}: which is the day and which the year is not clear")
    hour, minute, second_, micro = _clock(clock, ampm) if clock is not None else (0, 0, 0, 0)
    return (year, month, day, hour, minute, second_, micro), _zone(" ".join(zones))


_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?P<sep>.)")


def _iso(text: str) -> datetime | None:
    """ISO 8601 as dateutil reads it, but only with `T` or a space between date and time."""
    sep = _ISO_DATE_TIME.match(text)
    if sep is not None and sep["sep"] not in "Tt ":
        return None
    try:
        value: datetime = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        return None
    return value


def read_time(text: str | None, zone: tzinfo) -> datetime | None:
    """`text` as a UTC instant; None when there is none; BadTime when it cannot be read. A
    time written without a zone is read in `zone` (the outlet's)."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 200:  # no time is written so long; nor is a regular expression run on it
        raise BadTime(f"{text[:40]!r}... is too long to be a time")
    value = _iso(text)
    if value is None:
        comment = _COMMENT.search(text)
        bare = text[: comment.start()] if comment else text
        if (numeric := _NUMERIC.fullmatch(bare)) is not None:
            parts, written = _numeric(numeric)
        elif _DAY_FIRST.match(bare):
            raise BadTime(f"{text!r}: day and month in digits, in an order not told")
        else:
            parts, written = _named_month(bare)
        if written is None and comment:  # `10:00 (UTC)`: the comment is the zone
            written = _zone(comment[1])
        try:
            value = datetime(*parts, tzinfo=written or zone)
        except ValueError as exc:
            raise BadTime(f"{text!r} is not a time: {exc}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadTime(f"{text!r} is out of range") from None
