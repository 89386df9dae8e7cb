"""Running one crawl in this process (Scrapy's reactor allows one per process)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

# Imported here, near the bottom of the call stack, rather than by Scrapy's engine deep in it:
# these modules build deprecated aliases with inspect.stack(), which reads the source of every
# frame on the stack; from here that is a tenth of the start-up CPU it costs from there.
import scrapy.core.downloader.handlers.http11  # noqa: F401
from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from newsmon import logs
from newsmon.spiders.outlets import OutletSpider

# An unreachable robots.txt is logged with a traceback; the run's verdict already says the site
# could not be reached, in one line. Shown with -vv.
_NOISY = ("scrapy.downloadermiddlewares.robotstxt",)


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """newsmon's settings module, wherever the command runs from, with per-run overrides at
    command-line priority (as `scrapy crawl -s` applies them)."""
    settings = Settings()
    settings.setmodule("newsmon.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    settings: Settings, *, verbose: int = 0, log_file: str | None = None, **spider_args: Any
) -> dict[str, Any]:
    """Crawl with `OutletSpider(**spider_args)`, logging as `newsmon.logs` says for `verbose`
    and `log_file`, and return the run's stats."""
    process = AsyncCrawlerProcess(settings)
    # After the process has configured logging, which resets the levels of Scrapy's loggers.
    logs.configure(verbose, log_file)
    if verbose < 2:
        for name in _NOISY:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(OutletSpider)
    process.crawl(crawler, **spider_args)
    process.start()
    assert crawler.stats is not None
    return dict(crawler.stats.get_stats())
