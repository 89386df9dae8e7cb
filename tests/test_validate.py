from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsmon.items import Story
from newsmon.kinds import Precision
from newsmon.pipelines import InvalidStory, ValidatePipeline

LISTED = datetime(2023, 10, 20, 6, 40, tzinfo=UTC)
STORY = Story(source="kbs-world", lang="e", article_id="1", url="u", title="T", body="B")


def test_the_listing_time_stands_in_for_a_missing_written_time() -> None:
    item = ValidatePipeline().process_item(replace(STORY, listed_at=LISTED))
    assert item.written_at == LISTED


def test_the_page_time_wins_over_the_listing_time() -> None:
    written = datetime(2023, 10, 20, 6, 38, 59, tzinfo=UTC)
    item = ValidatePipeline().process_item(replace(STORY, written_at=written, listed_at=LISTED))
    assert item.written_at == written


def test_a_story_with_no_time_anywhere_is_dropped() -> None:
    with pytest.raises(InvalidStory) as info:
        ValidatePipeline().process_item(STORY)
    assert info.value.kind == "no_written_time"


@pytest.mark.parametrize("name", ["title", "body"])
def test_empty_text_is_dropped(name: str) -> None:
    with pytest.raises(InvalidStory, match=f"empty {name}"):
        ValidatePipeline().process_item(replace(STORY, listed_at=LISTED, **{name: "  "}))


def test_a_day_that_has_begun_somewhere_is_not_in_the_future() -> None:
    # A day is stored as its start in UTC: read at 08:00 in Seoul, today's date there starts in
    # UTC 9 hours later. A day is in the future only once no zone (UTC+14 at most) has begun it;
    # an instant as soon as it is later than now.
    now = datetime.now(UTC)
    tomorrow = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    day = replace(STORY, written_at=tomorrow, written_precision=Precision.DAY)
    begun = now + timedelta(hours=14) >= tomorrow  # (from 10:00 UTC, Kiribati's day has begun)
    cases = [
        (day, begun),
        (replace(day, written_precision=Precision.SECOND), False),
        (replace(day, written_at=tomorrow + timedelta(days=1)), False),
    ]
    for story, accepted in cases:
        if accepted:
            assert ValidatePipeline().process_item(story).written_at == story.written_at
        else:
            with pytest.raises(InvalidStory) as info:
                ValidatePipeline().process_item(story)
            assert info.value.kind == "future_written_at"
