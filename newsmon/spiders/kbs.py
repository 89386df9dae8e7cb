"""The KBS WORLD spider: decides which listing, feed, archive and story pages to fetch.

A routine run reads the feed and walks the listing only while it shows stories the database
does not know, fetches those, and re-fetches stored stories the re-check schedule says are due.
`full` walks the whole listing and re-fetches everything; `recheck` re-fetches every story
written within a window; `since` backfills from the daily archive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsmon import signals
from newsmon.db.engine import Access, open_engine
from newsmon.db.known import Known, load_known
from newsmon.items import Discovery, PageFailure, Story
from newsmon.kbs import SOURCE
from newsmon.kbs.article import ParseError, parse_article
from newsmon.kbs.listing import Listed, parse_feed, parse_listing
from newsmon.kbs.times import KST
from newsmon.kbs.urls import (
    CANONICAL_ORIGIN,
    LANGUAGES,
    SECTIONS,
    SITE_HOSTS,
    StoryKey,
    archive_url,
    canonical_url,
    feed_url,
    listing_url,
    normalise_origin,
    section_label,
    story_url,
)
from newsmon.middlewares import OffsiteRedirect
from newsmon.schedule import DEFAULT_SCHEDULE, Schedule, parse_duration

T = TypeVar("T")

DEFAULT_MAX_PAGES = 3
# How far back `since` may reach, so a typo cannot queue years of archive pages.
MAX_BACKFILL_DAYS = 366


class ArgumentError(ValueError):
    """A spider argument that cannot be used; `argument` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def _argument(name: str, parse: Callable[[Any], T], value: Any) -> T:
    try:
        return parse(value)
    except ValueError as exc:
        reason = str(exc)
        # Most reasons name the value already; say it where they do not.
        message = reason if repr(value) in reason else f"{value!r}: {reason}"
        raise ArgumentError(name, message) from None


def _flag(value: Any) -> bool:
    # Spider arguments arrive as strings from `scrapy crawl -a full=1`.
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class KbsSpider(scrapy.Spider):
    """Arguments: section (`Po`), lang (`e`), base_url (another origin serving the same paths),
    max_pages (listing pages to walk, default 3), full (walk everything, re-fetch everything),
    recheck (a duration such as `6h`: re-fetch stories written within it), since (a date:
    backfill from the daily archive)."""

    name = "kbs"

    def __init__(
        self,
        section: str = "Po",
        lang: str = "e",
        base_url: str = CANONICAL_ORIGIN,
        max_pages: int | str = DEFAULT_MAX_PAGES,
        full: bool | str = False,
        recheck: str | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if section not in SECTIONS:
            known = ", ".join(SECTIONS)
            raise ArgumentError("section", f"unknown section id {section!r}; known: {known}")
        if lang not in LANGUAGES:
            known = ", ".join(sorted(LANGUAGES))
            raise ArgumentError("lang", f"unknown language code {lang!r}; known: {known}")
        self.section = section
        self.section_name = section_label(section)
        self.lang = lang
        self.origin = _argument("base_url", normalise_origin, base_url)
        self.max_pages = _argument("max_pages", int, max_pages)
        if self.max_pages < 1:
            raise ArgumentError("max_pages", f"{max_pages!r}: must be at least 1")
        self.recheck = _argument("recheck", parse_duration, recheck) if recheck else None
        self.since = _argument("since", date.fromisoformat, since) if since else None
        self.full = _flag(full)
        today = datetime.now(KST).date()
        if self.since and self.since > today:
            raise ArgumentError("since", f"{self.since} is after today ({today}, Korea time)")
        if self.since and self.since < today - timedelta(days=MAX_BACKFILL_DAYS):
            raise ArgumentError(
                "since", f"{self.since}: may reach back at most {MAX_BACKFILL_DAYS} days"
            )
        # What the ledger records of this run.
        self.arguments = {
            "section": section,
            "lang": lang,
            "base_url": self.origin,
            "max_pages": self.max_pages,
            "full": self.full,
            "recheck": recheck,
            "since": since,
        }
        # Links may name any of the site's hosts; requests all go to the chosen origin.
        self.link_hosts = SITE_HOSTS | {urlsplit(self.origin).hostname or ""}
        self.allowed_domains = sorted(self.link_hosts)
        self.known = Known({})
        self._scheduled: set[StoryKey] = set()
        self._listed: set[StoryKey] = set()

    # --- what to fetch first -----------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Read after the run has its lock (spider_opened), so it sees the last run's writes.
        self.known = self._load_known()
        yield self._page_request(feed_url(self.origin, self.lang, self.section), "feed")
        yield self._listing_request(1)
        if self.since:
            day, today = self.since, datetime.now(KST).date()
            while day <= today:
                yield self._page_request(archive_url(self.origin, self.lang, day), "archive")
                day += timedelta(days=1)
        for request in self._recheck_requests():
            yield request

    def _load_known(self) -> Known:
        db = self.settings.get("NEWSMON_DB")
        if not db:
            return Known({})
        engine = open_engine(db, Access.WRITE)
        try:
            return load_known(engine, source=SOURCE, lang=self.lang, section=self.section_name)
        finally:
            engine.dispose()

    def _recheck_requests(self) -> Iterator[scrapy.Request]:
        """Stored (or failed) stories due by the schedule, and all those written within the
        `recheck` window."""
        now = datetime.now(UTC)
        setting = self.settings.get("NEWSMON_RECHECK_SCHEDULE") or DEFAULT_SCHEDULE
        chosen = {t.key: t for t in self.known.due(Schedule.parse(setting), now)}
        if self.recheck is not None:
            chosen.update((t.key, t) for t in self.known.written_since(now - self.recheck))
        self._count("rechecks", len(chosen))
        newest_first = sorted(chosen.values(), key=lambda t: t.written_at, reverse=True)
        yield from self._story_requests(
            (t.key, Discovery(section=self.section_name, summary=t.summary)) for t in newest_first
        )

    def _page_request(self, url: str, kind: str, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=getattr(self, f"parse_{kind}"),
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={"newsmon_page": kind},
            priority=10,  # index pages before stories: they decide what else to fetch
        )

    def _listing_request(self, page: int) -> scrapy.Request:
        url = listing_url(self.origin, self.lang, self.section, page)
        return self._page_request(url, "listing", page=page)

    # --- index pages -------------------------------------------------------------------------

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        self._count("pages/listing")
        entries = parse_listing(self._text(response), allowed_hosts=self.link_hosts)
        if not entries and page == 1:
            # Page 1 of a live section always lists stories: an empty one is a layout change.
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("newsmon/drift/empty_listing", response.url)
        # Repeats are judged against earlier listing pages only: the feed overlaps page 1 by
        # design, while a listing that repeats itself has run past its end.
        repeated = all(e.key in self._listed for e in entries)
        self._listed.update(e.key for e in entries)
        unknown = [e for e in entries if e.key not in self.known]
        yield from self._discovered(entries)
        if not entries or repeated:
            self.logger.debug("listing page %d is empty or repeats: end of the listing", page)
        elif self.full:
            yield self._listing_request(page + 1)
        elif not unknown:
            self.logger.debug("listing page %d holds no story not already known", page)
        elif page >= self.max_pages:
            self.logger.debug("listing page cap (%d) reached", self.max_pages)
        else:
            yield self._listing_request(page + 1)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        self._count("pages/feed")
        yield from self._discovered(parse_feed(self._text(response), allowed_hosts=self.link_hosts))

    def parse_archive(self, response: Response) -> Iterator[scrapy.Request]:
        self._count("pages/archive")
        entries = parse_listing(self._text(response), allowed_hosts=self.link_hosts)
        # The daily archive mixes every section; its `.cate` label says which.
        label = self.section_name.casefold()
        yield from self._discovered(e for e in entries if (e.category or "").casefold() == label)

    def _discovered(self, entries: Iterable[Listed]) -> Iterator[scrapy.Request]:
        """Fetch what the database does not know yet (everything, in a full run), in the run's
        language only: a page may link the same story in other languages."""
        wanted = (
            e for e in entries if e.key.lang == self.lang and (self.full or e.key not in self.known)
        )
        yield from self._story_requests(
            (e.key, Discovery(section=self.section_name, summary=e.summary, listed_at=e.listed_at))
            for e in wanted
        )

    def _story_requests(
        self, wanted: Iterable[tuple[StoryKey, Discovery]]
    ) -> Iterator[scrapy.Request]:
        for key, discovery in wanted:
            if key in self._scheduled:
                continue
            self._scheduled.add(key)
            yield scrapy.Request(
                story_url(key, self.origin),
                callback=self.parse_story,
                errback=self.on_error,
                cb_kwargs={"key": key, "discovery": discovery},
                meta={"newsmon_page": "story"},
            )

    # --- stories -----------------------------------------------------------------------------

    def parse_story(
        self, response: Response, key: StoryKey, discovery: Discovery
    ) -> Iterator[Story]:
        self._count("pages/story")
        try:
            yield parse_article(self._text(response), discovery, key=key)
        except ParseError as exc:
            self._fail(response.request, "parse", exc.kind, str(exc))

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        page = request.meta.get("newsmon_page", "page")
        if failure.check(HttpError):
            status = failure.value.response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
            if wait := request.meta.get("newsmon_retry_after"):
                reason += f" (Retry-After: {wait})"
        elif failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
            kind, reason = "too_large", f"refused ({failure.getErrorMessage()})"
        elif failure.check(OffsiteRedirect):
            kind, reason = "offsite_redirect", failure.getErrorMessage()
        elif failure.check(IgnoreRequest):
            # Scrapy's own refusals, such as robots.txt.
            reason = failure.getErrorMessage()
            kind = "robots_forbidden" if "robots" in reason.lower() else "ignored"
        else:
            kind = "network"
            reason = f"no answer ({failure.type.__name__}: {failure.getErrorMessage()})"
        self._fail(request, "fetch", kind, f"{page} page: {reason}")

    # --- helpers -----------------------------------------------------------------------------

    def _text(self, response: Response) -> TextResponse:
        if not isinstance(response, TextResponse):
            raise ParseError(
                "content", f"not a text response ({type(response).__name__})", missing=True
            )
        return response

    def _count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/{key}", n)

    def _fail(self, request: scrapy.Request, stage: str, kind: str, reason: str) -> None:
        """Report a page that did not become a story; a story page names its story (from the
        request's callback arguments), so it can be retried."""
        key: StoryKey | None = request.cb_kwargs.get("key")
        discovery: Discovery | None = request.cb_kwargs.get("discovery")
        failure = PageFailure(
            # A story is recorded under its canonical URL, like stored stories, whatever mirror
            # it was fetched from (the run's arguments name the mirror).
            url=canonical_url(key) if key else request.url,
            stage=stage,
            kind=kind,
            reason=reason,
            page=request.meta.get("newsmon_page", "page"),
            source=SOURCE if key else None,
            lang=key.lang if key else None,
            article_id=key.article_id if key else None,
            section=discovery.section if discovery else None,
            listed_at=discovery.listed_at if discovery else None,
        )
        self.crawler.signals.send_catch_log(signals.page_failed, failure=failure)
