from datetime import UTC, datetime

import pytest

from newsmon.sites.kbs.times import BadTimestamp, find_kst, find_labelled_kst, parse_rfc822


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_korea_time_is_nine_hours_ahead(host_tz: str) -> None:
    assert find_kst("2023-10-20 15:38:59") == utc(2023, 10, 20, 6, 38, 59)


def test_after_midnight_in_korea_is_the_previous_day_in_utc(host_tz: str) -> None:
    assert find_kst("Written: 2024-01-01 03:10:00") == utc(2023, 12, 31, 18, 10)


@pytest.mark.parametrize(
    ("text", "written", "updated"),
    [
        (
            "Written: 2023-10-20 15:38:59Updated: 2023-10-20 17:24:42",
            utc(2023, 10, 20, 6, 38, 59),
            utc(2023, 10, 20, 8, 24, 42),
        ),
        (
            "Written : 2023-10-20 15:38 Updated : 2023-10-20 17:24",
            utc(2023, 10, 20, 6, 38),
            utc(2023, 10, 20, 8, 24),
        ),
        ("written: 2023-10-20 15:38:59", utc(2023, 10, 20, 6, 38, 59), None),
        ("nothing here", None, None),
    ],
)
def test_labelled_times(text: str, written: datetime | None, updated: datetime | None) -> None:
    assert find_labelled_kst(text, "Written") == written
    assert find_labelled_kst(text, "Updated") == updated


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Written: 2023-10-20 오후 3:38:59", utc(2023, 10, 20, 6, 38, 59)),
        ("Written: 2023.10.20 오전 9:05", utc(2023, 10, 20, 0, 5)),
        ("Written: 2023-10-20 오전 12:05", utc(2023, 10, 19, 15, 5)),  # 12:05 after midnight
        ("Written: 2023-10-20 오후 12:05", utc(2023, 10, 20, 3, 5)),  # 12:05 after noon
        ("Written: 2023-10-20 3:38 PM", utc(2023, 10, 20, 6, 38)),
        ("Written: 2023-10-20 3:38 pm", utc(2023, 10, 20, 6, 38)),
    ],
)
def test_twelve_hour_clocks(text: str, written: datetime, host_tz: str) -> None:
    assert find_labelled_kst(text, "Written") == written


@pytest.mark.parametrize(
    "text",
    [
        "Written: 2024-13-45 25:61:00",
        "Written: soon",
        "Written: ",  # empty
        "Written: 2023-02-30 10:00",  # a day February does not have
        "Written: 20233-10-20 15:38",  # a digit too many: not year 0233
        "Written: 2023-10-20 15:388",
        "Written: 2023-10-20 15:38:5999",
        "Written: 2023-10-20 99999999999999999999:00",
        "Written: 2023-10-20 오후 13:00",  # no 13 o'clock on a 12-hour clock
        "Written: 2023-10-20 0:30 PM",
    ],
)
def test_a_label_without_a_real_time_is_an_error(text: str) -> None:
    with pytest.raises(BadTimestamp):
        find_labelled_kst(text, "Written")


def test_rss_dates_carry_their_offset(host_tz: str) -> None:
    assert parse_rfc822("Mon, 25 Aug 2025 11:28:21 +0900") == utc(2025, 8, 25, 2, 28, 21)
    assert parse_rfc822("Mon, 25 Aug 2025 11:28:21") == utc(2025, 8, 25, 2, 28, 21)
    assert parse_rfc822("not a date") is None
    assert parse_rfc822("") is None
