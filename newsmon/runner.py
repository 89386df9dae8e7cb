"""Running one crawl in this process (Scrapy's reactor allows one per process)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from newsmon.spiders.kbs import KbsSpider


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """newsmon's settings module, wherever the command runs from, with per-run overrides at
    command-line priority (as `scrapy crawl -s` applies them)."""
    settings = Settings()
    settings.setmodule("newsmon.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    settings: Settings, *, silence: tuple[str, ...] = (), **spider_args: Any
) -> dict[str, Any]:
    """Crawl with `KbsSpider(**spider_args)` and return the run's stats. Loggers named in
    `silence` log nothing below CRITICAL."""
    process = AsyncCrawlerProcess(settings)
    # After the process has configured logging, which resets the levels of Scrapy's loggers.
    for name in silence:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(KbsSpider)
    process.crawl(crawler, **spider_args)
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
