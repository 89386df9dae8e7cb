"""newsmon's one form of an instant, and what users may type for one, whatever the host's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsmon.instants import WIDTH, format_instant, parse_instant, parse_user_instant

KST = timezone(timedelta(hours=9))
CLOCK = datetime(2026, 11, 27, 10, 14, 5, 306163, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 11, 27, 10, 14, 5, tzinfo=UTC), "2026-11-27T10:14:05Z"),
        (datetime(2026, 11, 27, 10, 14, 5, 306163, tzinfo=UTC), "2026-11-27T10:14:05Z"),
        (datetime(2026, 11, 27, 0, 30, tzinfo=KST), "2026-11-26T15:30:00Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
    ],
)
def test_one_fixed_width_form(value: datetime, expected: str, host_tz: str) -> None:
    assert format_instant(value) == expected and len(expected) == WIDTH


def test_the_form_reads_back(host_tz: str) -> None:
    assert parse_instant("0999-01-02T03:04:05Z") == datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_instant(format_instant(CLOCK)) == CLOCK.replace(microsecond=0)
    with pytest.raises(ValueError):
        parse_instant("2026-11-27T10:14:05+00:00")


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        format_instant(datetime(2026, 11, 27, 10, 14, 5))


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2026-11-27", False, "2026-11-27T00:00:00Z"),
        ("2026-11-27", True, "2026-11-28T00:00:00Z"),
        ("20261127", False, "2026-11-27T00:00:00Z"),
        ("2026-11-27T09:00:00+09:00", False, "2026-11-27T00:00:00Z"),
        ("2026-11-27T09:00:00", False, "2026-11-27T09:00:00Z"),
        ("2026-11-27T09:00:00Z", True, "2026-11-27T09:00:00Z"),
        ("2026-11-27 09:00Z", False, "2026-11-27T09:00:00Z"),
        ("90m", False, "2026-11-27T08:44:05Z"),
        ("6h", True, "2026-11-27T04:14:05Z"),
        ("3d", False, "2026-11-24T10:14:05Z"),
        ("1d12h", False, "2026-11-25T22:14:05Z"),
        ("2W", False, "2026-11-13T10:14:05Z"),
    ],
)
def test_what_users_may_type(text: str, end: bool, expected: str, host_tz: str) -> None:
    parsed = parse_user_instant(text, end_of_day=end, clock=CLOCK)
    assert format_instant(parsed) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-11",
        "2026-W48",
        "2026-02-30",
        "3 days",
        "d3",
        "",
        "99999-01-01",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_what_is_not_an_instant(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date .* or a duration ago"):
        parse_user_instant(text, clock=CLOCK)
