"""The spider: decides which index and story pages of each outlet to fetch, nothing more.

It knows sites only through their profiles (`newsmon.sites.base.Outlet`). A routine run reads
each outlet's first index pages (feeds, listing page 1) and walks a paged listing on only while
it shows stories the database does not know, fetches those, and re-fetches stored stories the
re-check schedule says are due. `full` walks whole listings and re-fetches everything; `recheck`
re-fetches every story written within a window; `since` backfills from an outlet's archive.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Self, TypeVar, cast

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsmon import signals
from newsmon.account import ALL_ASKED, ATTRIBUTED_ERRORS, ERRORS, PAGES_OPEN
from newsmon.charsets import sound_text
from newsmon.config import DEFAULT_MAX_PAGES, ConfigError, OverrideError, find, load
from newsmon.db.crawl import CrawlDatabase
from newsmon.db.known import Known
from newsmon.items import Discovery, PageFailure, Story
from newsmon.kinds import FailureKind, PageKind, Stage
from newsmon.middlewares import Refused
from newsmon.schedule import Schedule, parse_duration
from newsmon.sites.base import IndexPage, Listed, NoArchive, Outlet, ParseError, StoryKey

T = TypeVar("T")


# A page that got no usable answer, by Scrapy's error: the failure's kind, and what it means.
NETWORK_FAILURES = (
    (DownloadTimeoutError, "timeout", "no answer in time"),
    (ResponseDataLossError, "truncated", "the answer was cut short"),
    (DownloadConnectionRefusedError, "refused", "connection refused"),
    (CannotResolveHostError, "dns", "host not found"),
)
# Scrapy's refusals (IgnoreRequest), by a word of their message.
_REFUSALS = (("robots", "robots_forbidden"), ("DOWNLOAD_MAXSIZE", "too_large"))
_TWISTED_FAILURE = re.compile(r"<twisted\.python\.failure\.Failure [\w.]+\.(\w+): ([^>]*)>")


def _said(failure: Failure) -> str:
    """A download error's message, with Twisted's wrapped failures as `Error: message`."""
    message = failure.getErrorMessage()
    inner = _TWISTED_FAILURE.findall(message)
    return "; ".join(f"{name}: {text}".rstrip(": ") for name, text in inner) if inner else message


class ArgumentError(ValueError):
    """A spider argument that cannot be used; `argument` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def _argument(name: str, parse: Callable[[Any], T], value: Any) -> T:
    try:
        return parse(value)
    except (ValueError, FileNotFoundError) as exc:
        reason = str(exc)
        # Most reasons name the value already; say it where they do not.
        message = (
            reason if repr(value) in reason or str(value) in reason else f"{value!r}: {reason}"
        )
        raise ArgumentError(name, message) from None


def _flag(value: Any) -> bool:
    # Spider arguments arrive as strings from `scrapy crawl -a full=1`.
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    names = value.split(",") if isinstance(value, str) else value
    return tuple(n.strip() for n in names if n.strip())


@dataclass
class _Walk:
    """One outlet's part of a run."""

    outlet: Outlet
    known: Known | None = None  # set when the run starts
    # After a run that did not end well: walk listings to the page cap, not only while a page
    # shows an unknown story (what that run missed may sit behind pages it stored).
    resuming: bool = False
    scheduled: set[StoryKey] = field(default_factory=set)
    # Keys seen on each listing's earlier pages (by listing tag).
    listed: dict[str, set[StoryKey]] = field(default_factory=dict)


class OutletSpider(scrapy.Spider):
    """Arguments: outlet (names, comma-separated; default: every configured outlet), config (a
    newsmon.toml; default: NEWSMON_CONFIG, ./newsmon.toml, or the built-in outlet), section,
    lang, base_url (options of the outlets that take them: with no config file, the built-in
    KBS outlet), max_pages (listing pages to walk, default 3), full (walk everything, re-fetch
    everything), recheck (a duration such as `6h`: re-fetch stories written within it), since
    (a date: backfill from the outlets' archives)."""

    name = "newsmon"

    def __init__(
        self,
        outlet: str | Sequence[str] | None = None,
        config: str | None = None,
        section: str | Sequence[str] | None = None,
        lang: str | None = None,
        base_url: str | None = None,
        max_pages: int | str = DEFAULT_MAX_PAGES,
        full: bool | str = False,
        recheck: str | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # `scrapy crawl -a section=Po,IK` gives one string; `newsmon crawl --section` a list.
        overrides = {"section": _names(section) or None, "lang": lang, "base_url": base_url}
        try:
            loaded = load(find(config), overrides=overrides)
        except OverrideError as exc:
            raise ArgumentError(exc.key, str(exc)) from None
        except (ConfigError, FileNotFoundError) as exc:
            raise ArgumentError("config", str(exc)) from None
        try:
            outlets = loaded.select(_names(outlet))
        except ValueError as exc:
            raise ArgumentError("outlet", str(exc)) from None
        self.max_pages = _argument("max_pages", int, max_pages)
        if self.max_pages < 1:
            raise ArgumentError("max_pages", f"{max_pages!r}: must be at least 1")
        self.full = _flag(full)
        self.recheck = _argument("recheck", parse_duration, recheck) if recheck else None
        self.since = _argument("since", date.fromisoformat, since) if since else None
        if self.since is not None:
            self._check_since(outlets, self.since)
        self.walks = {o.name: _Walk(o) for o in outlets}
        # Scrapy's `allowed_domains` knows no ports; newsmon.middlewares.OriginGuard keeps to these.
        self.hosts: frozenset[str] = frozenset().union(*(o.hosts for o in outlets))
        # What the ledger records of each outlet's run.
        run = {"max_pages": self.max_pages, "full": self.full, "recheck": recheck}
        self.arguments = {
            o.name: {**o.arguments(), **run, "since": since if self._backfills(o) else None}
            for o in outlets
        }

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_spider_error, signal=scrapy_signals.spider_error)
        return spider

    @property
    def outlets(self) -> list[Outlet]:
        return [w.outlet for w in self.walks.values()]

    def _check_since(self, outlets: Sequence[Outlet], since: date) -> None:
        """`since` must suit at least one outlet; the others read their index pages as usual.
        When none can take it, the reasons of those with an archive say why (an outlet without
        one is beside the point then); only when none has one is that said, once."""
        reasons: list[str] = []
        archiveless: list[str] = []
        for outlet in outlets:
            try:
                outlet.check_since(since)
            except NoArchive:
                archiveless.append(outlet.name)
            except ValueError as exc:
                reasons.append(str(exc))
            else:
                return
        if not reasons and len(archiveless) == 1:
            reasons = [f"outlet {archiveless[0]!r} has no archive to backfill from"]
        elif not reasons:
            names = ", ".join(archiveless)
            reasons = [f"none of the selected outlets ({names}) has an archive to backfill from"]
        raise ArgumentError("since", "; ".join(dict.fromkeys(reasons)))

    def _backfills(self, outlet: Outlet) -> bool:
        if self.since is None:
            return False
        try:
            outlet.check_since(self.since)
        except ValueError:
            return False
        return True

    def allowed_hosts(self, request: scrapy.Request) -> frozenset[str]:
        """The hosts (with their ports) the request may go to: its outlet's; any outlet's for a
        request of no outlet (a robots.txt)."""
        walk = self.walks.get(request.meta.get("newsmon_outlet", ""))
        return walk.outlet.hosts if walk else self.hosts

    # --- what to fetch first -----------------------------------------------------------------

    @property
    def max_entries(self) -> int:
        return self.settings.getint("NEWSMON_MAX_ENTRIES")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        database = CrawlDatabase.of(self.crawler)
        for walk in self.walks.values():
            # Read after the run has its lock (spider_opened), so it sees the last run's writes.
            walk.known = database.known(walk.outlet)
            walk.resuming = not database.last_run_ended_well(walk.outlet)
            since = self.since if self._backfills(walk.outlet) else None
            for page in walk.outlet.first_pages(since=since):
                yield self._index_request(walk, page)
        for walk in self.walks.values():
            # All made before the first is sent: the outlet has then asked for everything it
            # will but what its pages lead to (see account.judge on --max-time).
            rechecks = list(self._recheck_requests(walk))
            self._set(walk, ALL_ASKED, True)
            for request in rechecks:
                yield request

    def _recheck_requests(self, walk: _Walk) -> Iterator[scrapy.Request]:
        """Stored (or failed) stories due by the schedule, and all those written within the
        `recheck` window."""
        now = datetime.now(UTC)
        schedule = Schedule.parse(self.settings["NEWSMON_RECHECK_SCHEDULE"])
        assert walk.known is not None
        chosen = {t.key: t for t in walk.known.due(schedule, now)}
        if self.recheck is not None:
            chosen.update((t.key, t) for t in walk.known.written_since(now - self.recheck))
        self._count(walk, "rechecks", len(chosen))
        newest_first = sorted(chosen.values(), key=lambda t: t.written_at, reverse=True)
        # What is known of a story stands in for what its page may not say, as the listing's
        # time did when it was first stored.
        yield from self._story_requests(
            walk,
            (
                (t.key, Discovery(section=t.section, summary=t.summary, listed_at=t.written_at))
                for t in newest_first
            ),
        )

    def _index_request(self, walk: _Walk, page: IndexPage) -> scrapy.Request:
        self._count(walk, PAGES_OPEN)  # answered in parse_index or on_error
        return scrapy.Request(
            page.url,
            callback=self.parse_index,
            errback=self.on_error,
            cb_kwargs={"page": page, "outlet": walk.outlet.name},
            meta={"newsmon_page": page.kind, "newsmon_outlet": walk.outlet.name},
            priority=10,  # index pages before stories: they decide what else to fetch
            # Each outlet reads its own pages, even where two outlets share one; Scrapy's
            # duplicate filter would drop the second without a word.
            dont_filter=True,
        )

    # --- index pages -------------------------------------------------------------------------

    def parse_index(
        self, response: Response, page: IndexPage, outlet: str
    ) -> Iterator[scrapy.Request]:
        walk = self.walks[outlet]
        self._count(walk, PAGES_OPEN, -1)
        self._count(walk, f"pages/{page.kind}")
        try:
            entries = walk.outlet.read_index(page, self._text(response))
        except ParseError as exc:
            assert response.request is not None  # a callback's response has its request
            self._fail(response.request, Stage.PARSE, exc.kind, str(exc))
            self._set(walk, "unreadable_index", f"{response.url}: {exc}")
            return
        if len(entries) > self.max_entries:
            # A feed of 100,000 items is not 100,000 requests: the newest are read, as many as
            # a page may bring, and the rest counted.
            self._count(walk, "entries_beyond_cap", len(entries) - self.max_entries)
            self.logger.warning(
                "%s: %s lists %d stories; reading the first %d (NEWSMON_MAX_ENTRIES)",
                outlet,
                response.url,
                len(entries),
                self.max_entries,
            )
            entries = entries[: self.max_entries]
        if not entries and page.always_lists:
            where = f"listing page {page.number}" if page.kind is PageKind.LISTING else "the feed"
            self._set(walk, "drift/empty_page", f"{where} shows no story links ({response.url})")
        if page.kind is not PageKind.LISTING:
            yield from self._discovered(walk, self._wanted(walk, entries))
            return
        # Repeats are judged against earlier pages of the same listing only: a feed overlaps
        # page 1 by design, while a listing that repeats itself has run past its end.
        earlier = walk.listed.setdefault(page.tag, set())
        repeated = all(e.key in earlier for e in entries)
        earlier.update(e.key for e in entries)
        wanted = self._wanted(walk, entries)
        yield from self._discovered(walk, wanted)
        following = walk.outlet.next_listing(page)
        if not entries or repeated or following is None:
            self.logger.debug("%s: listing page %d is its last", outlet, page.number)
        elif self.full:
            yield self._index_request(walk, following)
        elif not wanted and not walk.resuming:  # (not a full run: these are the unknown ones)
            self.logger.debug("%s: listing page %d shows no unknown story", outlet, page.number)
        elif page.number >= self.max_pages:
            self.logger.debug("%s: listing page cap (%d) reached", outlet, self.max_pages)
        else:
            yield self._index_request(walk, following)

    def _wanted(self, walk: _Walk, entries: Sequence[Listed]) -> Sequence[Listed]:
        """What to fetch of `entries`: what the database does not know yet (everything, in a
        full run, which asks the database nothing)."""
        if self.full:
            return entries
        assert walk.known is not None
        known = walk.known.among([e.key for e in entries])
        return [e for e in entries if e.key not in known]

    def _discovered(self, walk: _Walk, wanted: Sequence[Listed]) -> Iterator[scrapy.Request]:
        yield from self._story_requests(
            walk,
            (
                (e.key, Discovery(section=e.section, summary=e.summary, listed_at=e.listed_at))
                for e in wanted
            ),
        )

    def _story_requests(
        self, walk: _Walk, wanted: Iterable[tuple[StoryKey, Discovery]]
    ) -> Iterator[scrapy.Request]:
        for key, discovery in wanted:
            if key in walk.scheduled:
                continue
            walk.scheduled.add(key)
            request = scrapy.Request(
                walk.outlet.fetch_url(key),
                callback=self.parse_story,
                errback=self.on_error,
                cb_kwargs={"key": key, "discovery": discovery, "outlet": walk.outlet.name},
                meta={"newsmon_page": PageKind.STORY, "newsmon_outlet": walk.outlet.name},
                dont_filter=True,  # `scheduled` keeps an outlet from asking twice
            )
            # Scrapy's UrlLengthMiddleware would drop it without a word: a failure instead.
            limit = self.settings.getint("URLLENGTH_LIMIT")
            if limit and len(request.url) > limit:
                reason = (
                    f"story page: its URL has {len(request.url)} characters, more than "
                    f"URLLENGTH_LIMIT ({limit}) allows"
                )
                self._fail(request, Stage.FETCH, FailureKind.URL_TOO_LONG, reason)
                continue
            self._count(walk, PAGES_OPEN)  # answered in parse_story or on_error
            yield request

    # --- stories -----------------------------------------------------------------------------

    def parse_story(
        self, response: Response, key: StoryKey, discovery: Discovery, outlet: str
    ) -> Iterator[Story]:
        walk = self.walks[outlet]
        self._count(walk, PAGES_OPEN, -1)
        self._count(walk, f"pages/{PageKind.STORY}")
        try:
            page = sound_text(self._text(response))
            story = walk.outlet.parse_story(page, key, discovery)
            for kind, reason in story.warnings:
                self._count(walk, f"warnings/{kind}")
                self.logger.info("%s: %s: left out %s", outlet, response.url, reason)
            yield story
        except ParseError as exc:
            assert response.request is not None  # a callback's response has its request
            self._fail(response.request, Stage.PARSE, exc.kind, str(exc))

    def on_error(self, failure: Failure) -> None:
        # Scrapy sets `request` on its errbacks' Failures; Twisted's class does not declare it.
        request = failure.request  # type: ignore[attr-defined]
        self._count(self.walks[request.meta["newsmon_outlet"]], PAGES_OPEN, -1)
        page = request.meta.get("newsmon_page", "page")
        if failure.check(HttpError):
            status = cast(HttpError, failure.value).response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
            if wait := request.meta.get("newsmon_retry_after"):
                reason += f" (Retry-After: {wait})"
        elif failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
            kind, reason = "too_large", f"refused ({failure.getErrorMessage()})"
        elif failure.check(Refused):  # off the outlet's hosts and ports, or a private address
            kind, reason = cast(Refused, failure.value).kind, failure.getErrorMessage()
        elif failure.check(IgnoreRequest):
            # Scrapy's own refusals: robots.txt, a compressed body inflating past the cap.
            reason = failure.getErrorMessage()
            kind = next((k for word, k in _REFUSALS if word in reason), "ignored")
        else:
            kind, what = next(
                ((kind, what) for error, kind, what in NETWORK_FAILURES if failure.check(error)),
                ("network", "no answer"),
            )
            said = _said(failure)
            assert failure.type is not None  # an errback's Failure holds an exception
            reason = f"{what} ({failure.type.__name__}{': ' + said if said else ''})"
        self._fail(request, Stage.FETCH, kind, f"{page} page: {reason}")

    def on_spider_error(
        self, failure: Failure, response: Response | Failure | None, spider: scrapy.Spider
    ) -> None:
        """An exception newsmon did not expect while reading a page (a bug). It counts against
        the run of the outlet whose page raised it, not every outlet's (Scrapy counts spider
        exceptions for the whole crawl), and the page is a recorded failure: a story is retried
        on the re-check schedule, not fetched as new again every run. An error no page raised
        (in reading the start requests) counts against every outlet (see account.judge)."""
        request: scrapy.Request | None = getattr(response, "request", None)
        walk = self.walks.get(request.meta.get("newsmon_outlet", "")) if request else None
        if request is None or walk is None:
            return
        assert self.crawler.stats is not None
        self._count(walk, ERRORS)
        self.crawler.stats.inc_value(ATTRIBUTED_ERRORS)
        page = request.meta.get("newsmon_page", "page")
        said = failure.getErrorMessage()
        assert failure.type is not None  # a Failure made of a raised exception has its type
        reason = f"{page} page: {failure.type.__name__}{': ' + said if said else ''}"
        self._fail(request, Stage.PARSE, FailureKind.UNEXPECTED, reason)

    # --- helpers -----------------------------------------------------------------------------

    def _text(self, response: Response) -> TextResponse:
        if not isinstance(response, TextResponse):
            raise ParseError(
                "content", f"not a text response ({type(response).__name__})", missing=True
            )
        return response

    def _count(self, walk: _Walk, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/{walk.outlet.name}/{key}", n)

    def _set(self, walk: _Walk, key: str, value: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"newsmon/{walk.outlet.name}/{key}", value)

    def _fail(self, request: scrapy.Request, stage: Stage, kind: str, reason: str) -> None:
        """Report a page that did not become a story; a story page names its story (from the
        request's callback arguments), so it can be retried."""
        outlet = self.walks[request.meta["newsmon_outlet"]].outlet
        key: StoryKey | None = request.cb_kwargs.get("key")
        discovery: Discovery | None = request.cb_kwargs.get("discovery")
        failure = PageFailure(
            # A story is recorded under its canonical URL, like stored stories, whatever mirror
            # it was fetched from (the run's arguments name the mirror).
            url=outlet.canonical_url(key) if key else request.url,
            stage=stage,
            kind=kind,
            reason=reason,
            page=PageKind(request.meta.get("newsmon_page", PageKind.STORY)),
            source=outlet.name,
            lang=key.lang if key else None,
            article_id=key.article_id if key else None,
            section=discovery.section if discovery else None,
            listed_at=discovery.listed_at if discovery else None,
        )
        self.crawler.signals.send_catch_log(signals.page_failed, failure=failure)
