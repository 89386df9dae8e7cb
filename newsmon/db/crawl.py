"""The one owner of the database during a crawl.

A Scrapy extension: it opens one engine when the spider opens (making or migrating the database
as need be), lends sessions to the run ledger, the store pipeline and the spider (which find it
with `crawler.get_extension`), and disposes of the engine when the crawl engine stops, after
every component has written its last.

When the database stops taking writes (a full disk, an I/O error), it says so once, in the
stats (`newsmon/database_error`) and the log, and stops the crawl: what is fetched after that
could not be kept, and the next run fetches what is missing.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from newsmon.account import DATABASE_ERROR
from newsmon.db.engine import Access, open_engine
from newsmon.db.known import Known
from newsmon.db.models import RunRow
from newsmon.kinds import RunStatus
from newsmon.sites.base import Outlet

# The crawl's finish reason when it stopped for that.
DATABASE_ERROR_REASON = "database_error"
logger = logging.getLogger(__name__)


def unwritable(exc: DBAPIError | sqlite3.Error) -> str:
    """What a failed write says, for the user: SQLite's words and what usually causes them."""
    error = exc.orig if isinstance(exc, DBAPIError) else exc
    said = str(error).strip() or type(error).__name__
    return f"cannot write the database ({said}; is its disk full?)"


class CrawlDatabase:
    def __init__(self, db: str, crawler: Crawler | None = None) -> None:
        self.db = db
        self.crawler = crawler
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db = crawler.settings.get("NEWSMON_DB")
        if not db:
            raise NotConfigured("NEWSMON_DB is not set")
        owner = cls(db, crawler)
        # Extensions connect in order of priority: this one first, so the database is open
        # before the ledger's own spider_opened takes the lock and records the run.
        crawler.signals.connect(owner.open, signal=signals.spider_opened)
        crawler.signals.connect(owner.close, signal=signals.engine_stopped)
        return owner

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlDatabase:
        owner = crawler.get_extension(cls)
        if owner is None:
            raise RuntimeError("the CrawlDatabase extension is not enabled (EXTENSIONS)")
        return owner

    def open(self, spider: Spider | None = None) -> None:
        if self._engine is None:
            self._engine = open_engine(self.db, Access.CREATE)
            self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the database is opened when the spider opens")
        return self._engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction, committed at the end of the block."""
        assert self._sessions is not None, "the database is opened when the spider opens"
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A DB-API connection in a transaction, committed at the end of the block (rolled back
        if it fails): for the statements run per page, without SQLAlchemy's bookkeeping. It is
        the pool's, given back after each block, so the crawl keeps to one connection that
        writes (one held for the whole crawl made others open beside it, which failed with a
        disk I/O error in the kill -9 tests)."""
        raw = self.engine.raw_connection()
        connection = raw.driver_connection
        assert connection is not None  # None only once the pool has detached it
        try:
            yield connection
            connection.commit()
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # the error that stopped it is the one to tell
                connection.rollback()
            raise
        finally:
            raw.close()

    def failed_to_write(self, exc: DBAPIError | sqlite3.Error) -> str:
        """Record (once) that the database takes no more writes, and stop the crawl. Returns
        the message."""
        message = unwritable(exc)
        if self.crawler is None or self.crawler.stats is None:
            return message
        if self.crawler.stats.get_value(DATABASE_ERROR) is None:
            self.crawler.stats.set_value(DATABASE_ERROR, message)
            logger.error("%s; stopping the crawl", message)
            if self.crawler.engine is not None and self.crawler.engine.spider is not None:
                deferred_from_coro(
                    self.crawler.engine.close_spider_async(reason=DATABASE_ERROR_REASON)
                )
        return message

    def known(self, outlet: Outlet) -> Known:
        """What is stored or failed of `outlet`'s stories, as of now."""
        return Known(self.transaction, outlet.name, outlet.lang, self.writing)

    def last_run_ended_well(self, outlet: Outlet) -> bool:
        """Whether the outlet's last run (before this one; a locked-out one does not count)
        ended ok. An interrupted or failed run may have left stories of deep listing pages
        unfetched, behind pages whose stories it did store."""
        with self.transaction() as session:
            status = session.scalar(
                select(RunRow.status)
                .where(
                    RunRow.outlet == outlet.name,
                    RunRow.status.not_in([RunStatus.RUNNING, RunStatus.LOCKED]),
                )
                .order_by(RunRow.id.desc())
                .limit(1)
            )
        return status in (None, RunStatus.OK)
