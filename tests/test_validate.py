from dataclasses import replace
from datetime import UTC, datetime

import pytest

from newsmon.items import Story
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
