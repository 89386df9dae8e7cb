"""Reading the times pages and feeds write: ISO 8601 (schema.org, meta tags, `<time>`, Atom) and
RFC 822 (RSS). A time without an offset is read in the outlet's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

from dateutil import parser as dateparser


class BadTime(ValueError):
    """A time was given but names no instant."""


def read_time(text: str | None, zone: tzinfo) -> datetime | None:
    """`text` as a UTC instant; None when there is none; BadTime when it cannot be read."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value: datetime = dateparser.isoparse(text)
    except (ValueError, OverflowError):
        try:
            value = parsedate_to_datetime(text)
        except OverflowError:  # a year of twenty digits
            raise BadTime(f"{text!r} is out of range") from None
        except (TypeError, ValueError, IndexError):
            raise BadTime(f"{text!r} is not an ISO 8601 or RFC 822 time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadTime(f"{text!r} is out of range") from None
