"""newsmon's Scrapy components in process (Scrapy's get_crawler), on real SQLite files: the
database's owner, the store pipeline, the run ledger's rows per outlet, the origin guard (more
of it in test_boundaries.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import outlets_crawler
from scrapy import Request
from scrapy.crawler import Crawler

from newsmon.db.checks import SCHEMA_VERSION
from newsmon.db.crawl import CrawlDatabase
from newsmon.items import PageFailure, Story
from newsmon.kinds import FailureKind, PageKind, RunStatus, Stage
from newsmon.ledger import STATUS, RunLedger
from newsmon.middlewares import OriginGuard, Refused
from newsmon.pipelines import InvalidStory, StorePipeline, ValidatePipeline
from newsmon.spiders.outlets import OutletSpider

CONFIG = """
[[outlets]]
name = "kbs-world"
site = "kbs"

[[outlets]]
name = "meridian"
site = "generic"
feed = "https://www.meridian-herald.example/politics/rss.xml"
"""
STORY = Story(
    source="kbs-world",
    lang="e",
    article_id="204156",
    url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=204156",
    title="A Title",
    body="A body.",
    section="Politics",
    written_at=datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
)


@pytest.fixture
def crawler(tmp_path: Path, reactor: None) -> Iterator[Crawler]:
    with outlets_crawler(tmp_path, CONFIG) as crawler:
        yield crawler


def rows(crawler: Crawler, query: str) -> list[tuple]:
    conn = sqlite3.connect(CrawlDatabase.of(crawler).db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def test_the_database_has_one_owner_opened_with_the_spider(crawler: Crawler) -> None:
    owner = CrawlDatabase.of(crawler)
    with pytest.raises(RuntimeError, match="opened when the spider opens"):
        _ = owner.engine
    owner.open(crawler.spider)
    engine = owner.engine
    owner.open(crawler.spider)  # the spider_opened signal may come once per spider: same engine
    assert owner.engine is engine
    assert rows(crawler, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_the_store_pipeline_counts_per_outlet(crawler: Crawler) -> None:
    CrawlDatabase.of(crawler).open()
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.process_item(STORY)
    pipeline.process_item(STORY)
    assert crawler.stats is not None
    assert crawler.stats.get_value("newsmon/kbs-world/articles/new") == 1
    assert crawler.stats.get_value("newsmon/kbs-world/articles/unchanged") == 1
    assert rows(crawler, "SELECT source, article_id, revision FROM stories") == [
        ("kbs-world", "204156", 1)
    ]


def test_validation_fills_from_the_listing_or_refuses() -> None:
    listed = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    story = Story(**{**STORY.__dict__, "written_at": None, "listed_at": listed})
    assert ValidatePipeline().process_item(story).written_at == listed
    with pytest.raises(InvalidStory) as info:
        ValidatePipeline().process_item(Story(**{**STORY.__dict__, "written_at": None}))
    assert info.value.kind == "no_written_time"


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("written_at", datetime(2999, 1, 1, tzinfo=UTC), "future_written_at"),
        ("updated_at", datetime.now(UTC) + timedelta(minutes=5), "future_updated_at"),
        ("written_at", datetime(1989, 12, 31, 23, 59, tzinfo=UTC), "early_written_at"),
        ("written_at", datetime(1, 1, 1, tzinfo=UTC), "early_written_at"),
    ],
)
def test_times_that_cannot_be_right_are_refused(field: str, value: datetime, kind: str) -> None:
    with pytest.raises(InvalidStory) as info:
        ValidatePipeline().process_item(Story(**{**STORY.__dict__, field: value}))
    assert info.value.kind == kind


def test_the_ledger_records_a_run_per_outlet(crawler: Crawler) -> None:
    spider = crawler.spider
    assert isinstance(spider, OutletSpider) and crawler.stats is not None
    CrawlDatabase.of(crawler).open(spider)
    ledger = crawler.get_extension(RunLedger)
    assert ledger is not None
    ledger.spider_opened(spider)
    assert rows(crawler, "SELECT id, outlet, status FROM runs") == [
        (1, "kbs-world", "running"),
        (2, "meridian", "running"),
    ]
    # KBS read its feed and listing; the Meridian feed was blocked
    crawler.stats.set_value("newsmon/kbs-world/pages/feed", 1)
    crawler.stats.set_value("newsmon/kbs-world/pages/listing", 1)
    feed = "https://www.meridian-herald.example/politics/rss.xml"
    ledger.page_failed(
        PageFailure(
            feed, Stage.FETCH, "http_403", "feed page: HTTP 403", "meridian", page=PageKind.FEED
        )
    )
    ledger.spider_closed(spider, "finished")
    assert rows(crawler, "SELECT outlet, status, failed, message FROM runs") == [
        ("kbs-world", "ok", 0, None),
        ("meridian", "failed", 1, f"blocked or unreachable: {feed} -> feed page: HTTP 403"),
    ]
    assert rows(crawler, "SELECT run_id, source, kind FROM failures") == [
        (2, "meridian", "http_403")
    ]
    assert crawler.stats.get_value(STATUS) is RunStatus.FAILED


def test_a_redirect_may_not_leave_its_outlet_s_hosts(crawler: Crawler) -> None:
    guard = OriginGuard.from_crawler(crawler)
    # Where RedirectMiddleware sends the request next: to another outlet's host.
    to_kbs = Request(
        "https://world.kbs.co.kr/x",
        meta={
            "newsmon_outlet": "meridian",
            "redirect_urls": ["https://www.meridian-herald.example/p/1"],
            "redirect_reasons": [302],
        },
    )
    with pytest.raises(Refused, match=r"HTTP 302.*to https://world\.kbs\.co\.kr/x") as info:
        guard.process_request(to_kbs)
    assert info.value.kind is FailureKind.OFFSITE_REDIRECT
