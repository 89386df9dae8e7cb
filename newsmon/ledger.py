"""The run ledger: one row per run, with its failures, under a lock that keeps runs apart."""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response
from sqlalchemy import Connection, update
from sqlalchemy.orm import sessionmaker

from newsmon import signals as newsmon_signals
from newsmon.account import Counts, DriftLimits, Verdict, judge, summary_line
from newsmon.crawl_settings import SettingError, check_newsmon_settings
from newsmon.db.engine import Access, open_engine
from newsmon.db.models import RunRow
from newsmon.db.store import record_failure
from newsmon.instants import format_instant
from newsmon.instants import now as _now
from newsmon.items import PageFailure, Story
from newsmon.lock import CrawlLock
from newsmon.logs import PRINTED

LOCKED = "locked"
logger = logging.getLogger(__name__)


class RunLedger:
    """Takes the database's crawl lock when the spider opens (or closes the spider as `locked`),
    records the run and every failure the crawl reports, and at the end writes the run's verdict,
    prints its summary line, and leaves the status in stats (`newsmon/run/status`)."""

    def __init__(self, crawler: Crawler, db: str) -> None:
        self.crawler = crawler
        # The first of a crawl's components to open the database: it makes or migrates it.
        self.engine = open_engine(db, Access.CREATE)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.lock = CrawlLock(db)
        self.run_id: int | None = None
        self.failures: list[PageFailure] = []
        settings = crawler.settings
        self.print_summary = settings.getbool("NEWSMON_SUMMARY")
        self.limits = DriftLimits(
            min_pages=settings.getint("NEWSMON_DRIFT_MIN_PAGES"),
            ratio=settings.getfloat("NEWSMON_DRIFT_RATIO"),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("NEWSMON_DB")
        if not db:
            raise NotConfigured("NEWSMON_DB is not set")
        try:
            check_newsmon_settings(crawler.settings)
        except SettingError as exc:
            # `scrapy crawl` reaches this; `newsmon crawl` checked its settings before.
            raise ValueError(f"newsmon setting {exc}") from None
        ledger = cls(crawler, db)
        connect = crawler.signals.connect
        connect(ledger.spider_opened, signal=signals.spider_opened)
        connect(ledger.spider_closed, signal=signals.spider_closed)
        connect(ledger.page_failed, signal=newsmon_signals.page_failed)
        connect(ledger.item_dropped, signal=signals.item_dropped)
        return ledger

    # --- start ---------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        arguments = json.dumps(getattr(spider, "arguments", {}), sort_keys=True)
        started = _now()
        if not self.lock.acquire():
            holder = self.lock.holder()
            message = f"{holder} holds the lock on this database"
            run_id = self._insert(started, arguments, LOCKED, message, ended_at=started)
            logger.warning("run %d locked: %s", run_id, message, extra={PRINTED: True})
            self._set("run/id", run_id)
            self._set("run/status", LOCKED)
            self._set("run/message", message)
            raise CloseSpider(LOCKED)
        # Only the lock holder runs: a run still marked running was killed without closing.
        with self.engine.begin() as conn:
            mark_interrupted(conn, "ended without closing (killed?)")
        self.run_id = self._insert(started, arguments, "running", None)
        self.lock.describe(run_id=self.run_id, started_at=format_instant(started))
        self._set("run/id", self.run_id)
        shown = ", ".join(
            f"{k} {v}" for k, v in sorted(getattr(spider, "arguments", {}).items()) if v
        )
        logger.info("run %d started: %s", self.run_id, shown)

    def _insert(
        self,
        started: datetime,
        arguments: str,
        status: str,
        message: str | None,
        ended_at: datetime | None = None,
    ) -> int:
        with self.sessions.begin() as session:
            row = RunRow(
                started_at=started,
                ended_at=ended_at,
                status=status,
                arguments=arguments,
                pid=os.getpid(),
                message=message,
            )
            session.add(row)
            session.flush()
            return row.id

    # --- during --------------------------------------------------------------------------------

    def page_failed(self, failure: PageFailure) -> None:
        self.failures.append(failure)
        with self.sessions.begin() as session:
            record_failure(session, failure, _now(), self.run_id)
        group = "failed" if failure.stage == "fetch" else "dropped"
        logger.warning("%s (%s): %s: %s", group, failure.kind, failure.url, failure.reason)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"newsmon/{group}")
        stats.inc_value(f"newsmon/{group}/{failure.kind}")

    def item_dropped(
        self, item: Any, response: Response | None, exception: Exception, spider: Spider
    ) -> None:
        if isinstance(item, Story):
            self.page_failed(
                PageFailure(
                    url=item.url,
                    stage="validate",
                    kind=getattr(exception, "kind", "dropped"),
                    reason=str(exception),
                    source=item.source,
                    lang=item.lang,
                    article_id=item.article_id,
                    section=item.section,
                    listed_at=item.listed_at,
                )
            )

    # --- end -----------------------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        try:
            if reason == LOCKED and self.run_id is None:
                print(
                    f"newsmon: locked: {stats.get_value('newsmon/run/message')}",
                    file=sys.stderr,
                    flush=True,
                )
                return
            snapshot = {**stats.get_stats(), "finish_reason": reason}
            verdict = judge(snapshot, self.failures, self.limits)
            self._set("run/status", verdict.status)
            self._set("run/message", verdict.message)
            self._finish(Counts.from_stats(snapshot), verdict)
            summary = summary_line(stats.get_stats())
            logger.info(summary.removeprefix("newsmon: "), extra={PRINTED: True})
            if self.print_summary:
                print(summary, file=sys.stdout, flush=True)
            if verdict.status != "ok":
                message = f"run {self.run_id} {verdict.status}: {verdict.message}"
                logger.error(message, extra={PRINTED: True})
                print(f"newsmon: {message}", file=sys.stderr, flush=True)
        finally:
            if self.run_id is not None:
                self.lock.release()
            self.engine.dispose()

    def _finish(self, counts: Counts, verdict: Verdict) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(RunRow)
                .where(RunRow.id == self.run_id)
                .values(
                    ended_at=_now(),
                    status=verdict.status,
                    message=verdict.message or None,
                    pages=counts.pages,
                    new=counts.new,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    dropped=counts.dropped,
                    failed=counts.failed,
                )
            )

    def _set(self, key: str, value: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"newsmon/{key}", value)


def mark_interrupted(
    conn: Connection, message: str, run_id: int | None = None, ended_at: datetime | None = None
) -> None:
    """Runs still marked running (or just `run_id`) stopped without closing: interrupted.
    `ended_at` stays unknown for a run that was killed."""
    query = update(RunRow).where(RunRow.status == "running")
    if run_id is not None:
        query = query.where(RunRow.id == run_id)
    conn.execute(query.values(status="interrupted", ended_at=ended_at, message=message))


def abandon(db: str, run_id: int, message: str) -> None:
    """Mark a run that a second signal stopped at once, before the ledger could close it."""
    engine = open_engine(db, Access.WRITE)
    try:
        with engine.begin() as conn:
            mark_interrupted(conn, message, run_id, ended_at=_now())
    finally:
        engine.dispose()
