from datetime import UTC, datetime, timedelta

import pytest

from newsmon.schedule import DEFAULT_SCHEDULE, Schedule, parse_duration

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", 15 * M),
        ("6h", 6 * H),
        ("3d", 72 * H),
        ("2w", timedelta(days=14)),
        ("1h30m", 90 * M),
        ("1.5h", 90 * M),
    ],
)
def test_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "6h junk", "-1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("age", "since_check", "due"),
    [
        (1 * H, 14 * M, False),  # young: every 15 minutes
        (1 * H, 15 * M, True),
        (5 * H, 20 * M, True),
        (7 * H, 20 * M, False),  # past 6 hours: hourly
        (7 * H, 61 * M, True),
        (47 * H, 59 * M, False),
        (3 * 24 * H, 23 * H, False),  # past 2 days: daily
        (3 * 24 * H, 25 * H, True),
        (15 * 24 * H, 30 * 24 * H, False),  # past 14 days: never
    ],
)
def test_default_schedule_decays_with_age(
    age: timedelta, since_check: timedelta, due: bool
) -> None:
    schedule = Schedule.parse(DEFAULT_SCHEDULE)
    assert schedule.is_due(NOW - age, NOW - since_check, NOW) is due


def test_never_checked_is_due_while_young() -> None:
    schedule = Schedule.parse(DEFAULT_SCHEDULE)
    assert schedule.is_due(NOW - H, None, NOW)
    assert not schedule.is_due(NOW - 20 * 24 * H, None, NOW)


@pytest.mark.parametrize("text", ["6h", "2d:1h,6h:15m", "6h:soon"])
def test_bad_schedules(text: str) -> None:
    with pytest.raises(ValueError):
        Schedule.parse(text)
