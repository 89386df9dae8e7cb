"""Live progress of a crawl on a terminal (rich): pages fetched, stories stored, failures.

`newsmon crawl` turns it on (`NEWSMON_PROGRESS`) when standard error is a terminal and `-q` is
not given; cron, pipes and log files never see it, nor `scrapy crawl` unless `-s
NEWSMON_PROGRESS=1` asks for it. The display is erased when the run ends,
before the summary line is printed.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsmon import signals as newsmon_signals
from newsmon.account import Counts


class CrawlProgress:
    def __init__(self, crawler: Crawler) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.crawler = crawler
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            # The summary line belongs on standard output, wherever that goes.
            redirect_stdout=False,
        )
        self.task = self.progress.add_task("starting", total=None)
        self.outlets: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSMON_PROGRESS"):
            # Without a message: Scrapy logs a NotConfigured that carries one as a WARNING
            # ("Disabled ..."), and a run off a terminal is meant to have no progress.
            raise NotConfigured
        progress = cls(crawler)
        connect = crawler.signals.connect
        connect(progress.spider_opened, signal=signals.spider_opened)
        connect(progress.spider_closed, signal=signals.spider_closed)
        for signal in (
            signals.response_received,
            signals.item_scraped,
            signals.item_dropped,
            newsmon_signals.page_failed,
        ):
            connect(progress.update, signal=signal)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.outlets = [o.name for o in getattr(spider, "outlets", [])]
        self.progress.start()
        self.update()

    def update(self, *args: Any, **kwargs: Any) -> None:
        assert self.crawler.stats is not None
        counts = Counts.total(self.crawler.stats.get_stats(), self.outlets)
        self.progress.update(
            self.task,
            description=(
                f"crawling: {counts.pages} pages fetched; {counts.new} new, {counts.updated} "
                f"updated, {counts.unchanged} unchanged; {counts.dropped} dropped, "
                f"{counts.failed} failed"
            ),
        )

    def spider_closed(self, spider: Spider) -> None:
        self.progress.stop()
