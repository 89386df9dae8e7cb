"""Item pipelines: validate and normalise stories, then store them with their revisions."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsmon.account import key
from newsmon.db.crawl import CrawlDatabase
from newsmon.db.store import Outcome, record_story
from newsmon.instants import now
from newsmon.items import Story

logger = logging.getLogger(__name__)
# What a story's page brought that `-v` tells of: a change to the record. The others (no
# change, a stale copy) are logged at debug level, so an idle run's log stays short.
_TOLD = frozenset({Outcome.NEW, Outcome.UPDATED, Outcome.SILENT_EDIT})


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
    """Writes each story, with its revisions, through the crawl's database (CrawlDatabase).

    One commit per story, so a run that is stopped keeps everything it fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.database = CrawlDatabase.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Story):
            return item
        with self.database.transaction() as session:
            outcome = record_story(session, item, now())
        logger.log(
            logging.INFO if outcome in _TOLD else logging.DEBUG,
            "%s %s %s: %s",
            item.source,
            outcome.value,
            item.article_id,
            item.title,
        )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key(item.source, f"articles/{outcome.value}"))
        return item
