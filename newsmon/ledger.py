"""The run ledger: one row per outlet and run, with its failures, under a lock that keeps runs
apart."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any, Self, TextIO

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response
from sqlalchemy import Connection, update
from sqlalchemy.exc import DBAPIError
from twisted.python.failure import Failure

from newsmon import signals as newsmon_signals
from newsmon.account import ERRORS, Counts, DriftLimits, Verdict, judge, key, summary_line
from newsmon.crawl_settings import SettingError, check_newsmon_settings
from newsmon.db.crawl import CrawlDatabase
from newsmon.db.engine import Access, open_engine
from newsmon.db.models import RunRow
from newsmon.db.store import record_failure
from newsmon.instants import format_instant
from newsmon.instants import now as _now
from newsmon.items import PageFailure, Story
from newsmon.kinds import FailureKind, RunStatus, Stage
from newsmon.lock import CrawlLock
from newsmon.logs import PRINTED
from newsmon.masking import mask_url, mask_urls, mask_values
from newsmon.output import discard, visible
from newsmon.pipelines import Unstored

logger = logging.getLogger(__name__)
# The stats key holding each outlet's run id, for the command that started the crawl.
RUN_IDS = "newsmon/run_ids"
# The stats key holding the run's overall status: the worst of its outlets'.
STATUS = "newsmon/status"
_WORST = (RunStatus.OK, RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.LOCKED)


class RunLedger:
    """Takes the database's crawl lock when the spider opens (or closes the spider as `locked`),
    records a run per outlet and every failure the crawl reports, and at the end writes each
    outlet's verdict, prints its summary line, and leaves the statuses in stats."""

    def __init__(self, crawler: Crawler, db: str) -> None:
        self.crawler = crawler
        self.lock = CrawlLock(db)
        self.run_ids: dict[str, int] = {}
        self.failures: dict[str, list[PageFailure]] = {}
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
        connect(ledger.item_error, signal=signals.item_error)
        return ledger

    @property
    def database(self) -> CrawlDatabase:
        return CrawlDatabase.of(self.crawler)

    # --- start ---------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        # The ledger is for people (the web UI shows it): a feed URL's token is masked.
        arguments: Mapping[str, dict[str, Any]] = {
            outlet: mask_values(args) for outlet, args in getattr(spider, "arguments", {}).items()
        }
        started = _now()
        if not self.lock.acquire():
            message = f"{self.lock.holder()} holds the lock on this database"
            for outlet, args in arguments.items():
                run_id = self._insert(outlet, started, args, RunStatus.LOCKED, message, started)
                self._set(outlet, "run/id", run_id)
            self._set_status(RunStatus.LOCKED)
            self.crawler.stats.set_value("newsmon/locked", message)
            logger.warning("locked: %s", message, extra={PRINTED: True})
            raise CloseSpider(RunStatus.LOCKED)
        # Only the lock holder runs: a run still marked running was killed without closing.
        with self.database.engine.begin() as conn:
            mark_interrupted(conn, "ended without closing (killed?)")
        for outlet, args in arguments.items():
            self.run_ids[outlet] = self._insert(outlet, started, args, RunStatus.RUNNING)
            self.failures[outlet] = []
            self._set(outlet, "run/id", self.run_ids[outlet])
            shown = ", ".join(f"{k} {v}" for k, v in sorted(args.items()) if v and k != "outlet")
            logger.info("%s run %d started: %s", outlet, self.run_ids[outlet], shown)
        self.crawler.stats.set_value(RUN_IDS, dict(self.run_ids))
        first = min(self.run_ids.values(), default=None)
        self.lock.describe(run_id=first, started_at=format_instant(started))

    def _insert(
        self,
        outlet: str,
        started: datetime,
        arguments: Mapping[str, Any],
        status: RunStatus,
        message: str | None = None,
        ended_at: datetime | None = None,
    ) -> int:
        with self.database.transaction() as session:
            row = RunRow(
                outlet=outlet,
                started_at=started,
                ended_at=ended_at,
                status=status,
                arguments=json.dumps(arguments, sort_keys=True),
                pid=os.getpid(),
                message=message,
            )
            session.add(row)
            session.flush()
            return row.id

    # --- during --------------------------------------------------------------------------------

    def page_failed(self, failure: PageFailure) -> None:
        # Recorded, logged and quoted in the run's verdict for people: a token in the URL of the
        # page (a feed's `?apikey=`), or in the reason, is masked.
        failure = replace(failure, url=mask_url(failure.url), reason=mask_urls(failure.reason))
        outlet = failure.source or ""
        self.failures.setdefault(outlet, []).append(failure)
        try:
            with self.database.transaction() as session:
                record_failure(session, failure, _now(), self.run_ids.get(outlet))
        except DBAPIError as exc:
            self.database.failed_to_write(exc)  # counted below; not recorded

        group = "failed" if failure.stage is Stage.FETCH else "dropped"
        logger.warning(
            "%s %s (%s): %s: %s", outlet, group, failure.kind, failure.url, failure.reason
        )
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(key(outlet, group))
        stats.inc_value(key(outlet, f"{group}/{failure.kind}"))

    def item_dropped(
        self, item: Any, response: Response | None, exception: Exception, spider: Spider
    ) -> None:
        if isinstance(item, Story) and not isinstance(exception, Unstored):
            self.page_failed(
                PageFailure(
                    url=item.url,
                    stage=Stage.VALIDATE,
                    kind=getattr(exception, "kind", "dropped"),
                    reason=str(exception),
                    source=item.source,
                    lang=item.lang,
                    article_id=item.article_id,
                    section=item.section,
                    listed_at=item.listed_at,
                )
            )

    def item_error(
        self, item: Any, response: Response | None, spider: Spider, failure: Failure
    ) -> None:
        """An exception no pipeline expected while storing a story (a bug): Scrapy logs it and
        drops the story. It is a recorded failure instead, retried on the re-check schedule
        rather than lost without a word, and it fails its own outlet's run."""
        if not isinstance(item, Story):
            return
        assert self.crawler.stats is not None
        assert failure.type is not None  # a Failure made of a raised exception has its type
        self.crawler.stats.inc_value(key(item.source, ERRORS))
        said = failure.getErrorMessage()
        self.page_failed(
            PageFailure(
                url=item.url,
                stage=Stage.VALIDATE,
                kind=FailureKind.UNEXPECTED,
                reason=f"{failure.type.__name__}{': ' + said if said else ''}",
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
            if not self.run_ids:
                if message := stats.get_value("newsmon/locked"):
                    print(f"newsmon: locked: {message}", file=sys.stderr, flush=True)
                return
            snapshot = {**stats.get_stats(), "finish_reason": reason}
            outlets = {o.name: o for o in getattr(spider, "outlets", [])}
            statuses = []
            for outlet, run_id in self.run_ids.items():
                site = outlets.get(outlet)
                verdict = judge(
                    snapshot,
                    outlet,
                    self.failures.get(outlet, []),
                    self.limits,
                    hosts=site.hosts if site else (),
                    drift_hint=site.drift_hint if site else "",
                )
                # It may quote an index page's URL (an unreadable feed's).
                verdict = replace(verdict, message=mask_urls(verdict.message))
                statuses.append(verdict.status)
                self._set(outlet, "run/status", verdict.status)
                self._set(outlet, "run/message", verdict.message)
                try:
                    self._finish(run_id, Counts.from_stats(snapshot, outlet), verdict)
                except DBAPIError as exc:
                    # It stays marked running: the next run marks it interrupted.
                    logger.error(
                        "%s run %d not closed in the ledger: %s",
                        outlet,
                        run_id,
                        self.database.failed_to_write(exc),
                        extra={PRINTED: True},
                    )
                self._report(stats.get_stats(), outlet, run_id, verdict)
            self._set_status(max(statuses, key=_WORST.index))
        finally:
            if self.run_ids:
                self.lock.release()

    def _report(self, stats: Mapping[str, Any], outlet: str, run_id: int, verdict: Verdict) -> None:
        summary = summary_line(stats, outlet)
        logger.info(summary.removeprefix("newsmon: "), extra={PRINTED: True})
        if self.print_summary:
            _say(summary, sys.stdout)
        if verdict.status is not RunStatus.OK:
            message = f"{outlet} run {run_id} {verdict.status}: {verdict.message}"
            logger.error(message, extra={PRINTED: True})
            _say(f"newsmon: {message}", sys.stderr)

    def _finish(self, run_id: int, counts: Counts, verdict: Verdict) -> None:
        with self.database.transaction() as session:
            session.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
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

    def _set(self, outlet: str, name: str, value: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(key(outlet, name), value)

    def _set_status(self, status: RunStatus) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(STATUS, status)


def mark_interrupted(
    conn: Connection,
    message: str,
    run_ids: list[int] | None = None,
    ended_at: datetime | None = None,
) -> None:
    """Runs still marked running (or just `run_ids`) stopped without closing: interrupted.
    `ended_at` stays unknown for a run that was killed."""
    query = update(RunRow).where(RunRow.status == RunStatus.RUNNING)
    if run_ids is not None:
        query = query.where(RunRow.id.in_(run_ids))
    conn.execute(query.values(status=RunStatus.INTERRUPTED, ended_at=ended_at, message=message))


def abandon(db: str, run_ids: list[int], message: str) -> None:
    """Mark runs that a second signal stopped at once, before the ledger could close them."""
    engine = open_engine(db, Access.WRITE)
    try:
        with engine.begin() as conn:
            mark_interrupted(conn, message, run_ids, ended_at=_now())
    finally:
        engine.dispose()


def _say(line: str, stream: TextIO) -> None:
    """Print `line` to `stream`. A reader that has gone (`newsmon crawl | head -1`) does not stop
    the ledger closing the other outlets' runs, nor does it make a traceback: what is still to
    be printed there goes nowhere, and the crawl exits as its runs went."""
    try:
        # A verdict may quote a page (a URL, a reason): shown, not obeyed (`visible`).
        print(visible(line), file=stream, flush=True)
    except BrokenPipeError:
        discard(stream)
