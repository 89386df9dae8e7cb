"""Item pipelines: validate and normalise stories, then store them with their revisions."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.exc import DBAPIError

from newsmon.account import key
from newsmon.db.crawl import CrawlDatabase
from newsmon.db.store import Outcome, record_story
from newsmon.instants import EARLIEST, FURTHEST_AHEAD, format_instant, now
from newsmon.items import STORY_FIELDS, Story
from newsmon.kinds import FailureKind, Precision
from newsmon.sites.text import LONE_SURROGATE

logger = logging.getLogger(__name__)
# What a story's page brought that `-v` tells of: a change to the record. The others (no
# change, a stale copy) are logged at debug level, so an idle run's log stays short.
_TOLD = frozenset({Outcome.NEW, Outcome.UPDATED, Outcome.SILENT_EDIT})


class Unstored(DropItem):
    """A story the database could not take (see CrawlDatabase.failed_to_write): not a fault of
    the page, so not recorded as one; the next run fetches it again."""


class InvalidStory(DropItem):
    """A story that read but cannot be stored; `kind` is a short slug for counting."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class ValidatePipeline:
    """Fills what the page left out from what the listing said, and refuses text that is no
    Unicode, partial stories and times that cannot be right: before 1990, or later than now (a
    story is retried on the re-check schedule, so a site whose clock runs a little fast loses
    nothing)."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Story):
            return item
        for name in STORY_FIELDS:
            value = getattr(item, name)
            # (stored, it would fail between the pipelines, and the story vanish unrecorded)
            if isinstance(value, str) and (bad := LONE_SURROGATE.search(value)):
                raise InvalidStory(
                    FailureKind.BAD_TEXT,
                    f"{name} holds {bad.group()!a}, half of a UTF-16 pair, which is no text",
                )
        if item.written_at is None:
            if item.listed_at is None:
                raise InvalidStory(
                    "no_written_time", "no Written time on the page, the listing or the feed"
                )
            item.written_at = item.listed_at
        for name in ("title", "body"):
            if not getattr(item, name).strip():
                raise InvalidStory(f"no_{name}", f"empty {name}")
        latest = now()
        for name in ("written_at", "updated_at"):
            value = getattr(item, name)
            if value is None:
                continue
            # A day (its start in UTC) has begun somewhere once it is 14 hours ahead of UTC.
            day = name == "written_at" and item.written_precision is Precision.DAY
            if value > (latest + FURTHEST_AHEAD if day else latest):
                raise InvalidStory(
                    f"future_{name}", f"{name} {format_instant(value)} is later than now"
                )
            if value < EARLIEST:
                raise InvalidStory(
                    f"early_{name}", f"{name} {format_instant(value)} is before 1990"
                )
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
        try:
            with self.database.writing() as connection:
                outcome = record_story(connection, item, now())
        except (DBAPIError, sqlite3.Error) as exc:
            raise Unstored(self.database.failed_to_write(exc)) from None
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
