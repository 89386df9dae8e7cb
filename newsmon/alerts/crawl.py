"""Alerts at the end of a crawl: a Scrapy extension.

It runs after the run ledger has closed the crawl's runs (extensions connect in priority
order), so every story the crawl stored is committed and counted before any watch is matched.
Apprise blocks while a channel answers, so sending runs in a thread; Scrapy waits for it before
the database's owner closes the engine. A crawl that found the database locked leaves the
alerts to the run that holds it.
"""

from __future__ import annotations

import logging
import sys
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import DBAPIError
from twisted.internet.threads import deferToThread

from newsmon.account import DATABASE_ERROR
from newsmon.alerts.deliver import Outcome, deliver
from newsmon.db.crawl import CrawlDatabase, unwritable
from newsmon.instants import format_instant, now
from newsmon.ledger import RUN_IDS
from newsmon.lock import ALERTS, CrawlLock
from newsmon.logs import PRINTED

logger = logging.getLogger(__name__)


class CrawlAlerts:
    def __init__(self, crawler: Crawler, tries: int) -> None:
        self.crawler = crawler
        self.tries = tries
        self.max_time = crawler.settings.getfloat("NEWSMON_ALERTS_MAX_TIME")
        self.print_summary = crawler.settings.getbool("NEWSMON_SUMMARY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSMON_ALERTS"):
            raise NotConfigured("NEWSMON_ALERTS is off")
        alerts = cls(crawler, crawler.settings.getint("NEWSMON_ALERT_TRIES"))
        crawler.signals.connect(alerts.spider_closed, signal=signals.spider_closed)
        return alerts

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        run_ids: dict[str, int] = self.crawler.stats.get_value(RUN_IDS) or {}
        if not run_ids:  # locked out: the crawl that holds the lock sends
            return
        if self.crawler.stats.get_value(DATABASE_ERROR):  # nothing could be recorded
            return
        database = CrawlDatabase.of(self.crawler)
        sending = deferToThread(self._deliver, database, min(run_ids.values()))
        await maybe_deferred_to_future(sending)

    def _deliver(self, database: CrawlDatabase, run_id: int) -> None:
        lock = CrawlLock(database.db, ALERTS)
        if not lock.acquire():
            logger.info("alerts: another process is sending them; this run leaves them to it")
            return
        try:
            lock.describe(run_id=run_id, started_at=format_instant(now()))
            outcome = deliver(
                database.engine, run_id=run_id, tries=self.tries, max_time=self.max_time
            )
        except DBAPIError as exc:
            logger.error("alerts: %s; they stay pending", unwritable(exc), extra={PRINTED: True})
            print(f"newsmon: alerts: {unwritable(exc)}; they stay pending", file=sys.stderr)
            return
        except Exception:
            # Stories are stored and runs closed: a failure here is the alerts' alone.
            logger.exception("alerts: could not be matched or sent; they stay pending")
            return
        finally:
            lock.release()
        self._report(outcome)

    def _report(self, outcome: Outcome) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("newsmon/alerts/matched", outcome.matched)
        stats.set_value("newsmon/alerts/sent", outcome.sent)
        stats.set_value("newsmon/alerts/refused", len(outcome.refused))
        stats.set_value("newsmon/alerts/failing", len(outcome.failing))
        if outcome.quiet:
            return
        line = outcome.line()
        logger.info(line.removeprefix("newsmon: "), extra={PRINTED: True})
        if self.print_summary:
            print(line, file=sys.stdout, flush=True)
        # A channel's first refusals go to the log; once it is failing, cron hears of it too.
        for refused in outcome.refused:
            if refused.tries >= outcome.tries:
                logger.error(refused.message(), extra={PRINTED: True})
                print(f"newsmon: {refused.message()}", file=sys.stderr, flush=True)
            else:
                logger.warning(refused.message())
