"""Item pipelines: validate and normalise stories, then store them with their revisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Response
from sqlalchemy.orm import Session, sessionmaker

from newsmon import signals as newsmon_signals
from newsmon.db.engine import make_engine
from newsmon.db.store import record_failure, record_story
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
    """Writes each story (and each failure the crawl reports) to the database at `NEWSMON_DB`.

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
        pipeline = cls(crawler, db)
        crawler.signals.connect(pipeline.page_failed, signal=newsmon_signals.page_failed)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def close_spider(self) -> None:
        self.engine.dispose()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Story):
            return item
        with self.sessions.begin() as session:
            outcome = record_story(session, item, _now())
        self._inc(f"articles/{outcome.value}")
        return item

    def page_failed(self, url: str, stage: str, kind: str, reason: str) -> None:
        self._record(url, stage, kind, reason)

    def item_dropped(
        self, item: Any, response: Response | None, exception: Exception, spider: Spider
    ) -> None:
        if isinstance(item, Story):
            kind = getattr(exception, "kind", "dropped")
            self._record(item.fetched_url or item.url, "validate", kind, str(exception))

    def _record(self, url: str, stage: str, kind: str, reason: str) -> None:
        session: Session
        with self.sessions.begin() as session:
            record_failure(
                session, url=url, stage=stage, kind=kind, reason=reason, occurred_at=_now()
            )
        self._inc("dropped")
        self._inc(f"dropped/{kind}")

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/{key}")


def _now() -> datetime:
    return datetime.now(UTC)
