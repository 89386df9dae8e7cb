"""Item pipelines: validate and normalise stories, then store them with their revisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from sqlalchemy.orm import sessionmaker

from newsmon.db.engine import make_engine
from newsmon.db.store import record_story
from newsmon.items import Story


class InvalidStory(DropItem):
    """A story that read but cannot be stored; `kind` is a short slug for counting."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class ValidatePipeline:
    """Fills what the page left out from what the listing said, and refuses partial stories."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Story):
            return item
        if item.written_at is None:
            if item.listed_at is None:
                raise InvalidStory(
                    "no_written_time", "no Written time on the page, the listing or the feed"
                )
            item.written_at = item.listed_at
        for name in ("title", "body"):
            if not getattr(item, name).strip():
                raise InvalidStory(f"no_{name}", f"empty {name}")
        return item


class StorePipeline:
    """Writes each story to the database at `NEWSMON_DB`, with its revisions.

    One commit per story, so a run that is stopped keeps everything it fetched.
    """

    def __init__(self, crawler: Crawler, db: str) -> None:
        self.crawler = crawler
        self.engine = make_engine(db)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("NEWSMON_DB")
        if not db:
            raise NotConfigured("NEWSMON_DB is not set")
        return cls(crawler, db)

    def close_spider(self) -> None:
        self.engine.dispose()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Story):
            return item
        with self.sessions.begin() as session:
            outcome = record_story(session, item, datetime.now(UTC))
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/articles/{outcome.value}")
        return item
