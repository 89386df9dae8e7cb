"""The KBS WORLD spider: walks a section's listing and RSS feed, fetches each story once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsmon import signals
from newsmon.items import Discovery, Story
from newsmon.kbs.article import ParseError, parse_article
from newsmon.kbs.listing import Listed, parse_feed, parse_listing
from newsmon.kbs.urls import (
    CANONICAL_ORIGIN,
    LANGUAGES,
    SECTIONS,
    SITE_HOSTS,
    StoryKey,
    feed_url,
    listing_url,
    normalise_origin,
    section_label,
    story_url,
)
from newsmon.middlewares import OffsiteRedirect

DEFAULT_MAX_PAGES = 3


def _flag(value: Any) -> bool:
    # Spider arguments arrive as strings from `scrapy crawl -a full=1`.
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class KbsSpider(scrapy.Spider):
    """Arguments: section (`Po`), lang (`e`), base_url (another origin serving the same paths),
    max_pages (listing pages to walk, default 3), full (walk the whole listing)."""

    name = "kbs"

    def __init__(
        self,
        section: str = "Po",
        lang: str = "e",
        base_url: str = CANONICAL_ORIGIN,
        max_pages: int | str = DEFAULT_MAX_PAGES,
        full: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if section not in SECTIONS:
            raise ValueError(f"unknown section id {section!r}; known: {', '.join(SECTIONS)}")
        if lang not in LANGUAGES:
            raise ValueError(
                f"unknown language code {lang!r}; known: {', '.join(sorted(LANGUAGES))}"
            )
        self.section = section
        self.lang = lang
        self.origin = normalise_origin(base_url)
        self.max_pages = int(max_pages)
        self.full = _flag(full)
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        # Links may name any of the site's hosts; requests all go to the chosen origin.
        self.link_hosts = SITE_HOSTS | {urlsplit(self.origin).hostname or ""}
        self.allowed_domains = sorted(self.link_hosts)
        self._scheduled: set[StoryKey] = set()
        self._listed: set[StoryKey] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(
            feed_url(self.origin, self.lang, self.section),
            callback=self.parse_feed,
            errback=self.on_error,
            meta={"newsmon_page": "feed"},
        )
        yield self._listing_request(1)

    def _listing_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            listing_url(self.origin, self.lang, self.section, page),
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"page": page},
            meta={"newsmon_page": "listing"},
        )

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        self._count("pages/listing")
        entries = parse_listing(self._text(response), allowed_hosts=self.link_hosts)
        # Repeats are judged against earlier listing pages only: the feed overlaps page 1 by
        # design, while a listing that repeats itself has run past its end.
        fresh = [e for e in entries if e.key not in self._listed]
        self._listed.update(e.key for e in entries)
        yield from self._story_requests(entries, response.url)
        if not entries:
            self.logger.info("listing page %d is empty: end of the listing", page)
        elif not fresh:
            self.logger.info("listing page %d repeats earlier pages: end of the listing", page)
        elif not self.full and page >= self.max_pages:
            self.logger.info("listing page cap (%d) reached", self.max_pages)
        else:
            yield self._listing_request(page + 1)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        self._count("pages/feed")
        entries = parse_feed(self._text(response), allowed_hosts=self.link_hosts)
        yield from self._story_requests(entries, response.url)

    def _story_requests(self, entries: list[Listed], found_on: str) -> Iterator[scrapy.Request]:
        section = section_label(self.section)
        for entry in entries:
            if entry.key in self._scheduled:
                continue
            self._scheduled.add(entry.key)
            discovery = Discovery(
                section=section, summary=entry.summary, listed_at=entry.listed_at, found_on=found_on
            )
            yield scrapy.Request(
                story_url(entry.key, self.origin),
                callback=self.parse_story,
                errback=self.on_error,
                cb_kwargs={"key": entry.key, "discovery": discovery},
                meta={"newsmon_page": "story"},
            )

    def parse_story(
        self, response: Response, key: StoryKey, discovery: Discovery
    ) -> Iterator[Story]:
        self._count("pages/story")
        try:
            yield parse_article(self._text(response), discovery, key=key)
        except ParseError as exc:
            self._fail(response.url, "parse", exc.kind, str(exc))

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            status = failure.value.response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
        elif failure.check(OffsiteRedirect):
            kind, reason = "offsite_redirect", failure.getErrorMessage()
        elif failure.check(IgnoreRequest):
            # Scrapy's own refusals, such as robots.txt.
            reason = failure.getErrorMessage()
            kind = "robots_forbidden" if "robots" in reason.lower() else "ignored"
        else:
            kind = "network"
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        page = request.meta.get("newsmon_page", "page")
        self._fail(request.url, "fetch", kind, f"{page} page: {reason}")

    def _text(self, response: Response) -> TextResponse:
        if not isinstance(response, TextResponse):
            raise ParseError(
                "content", f"not a text response ({type(response).__name__})", missing=True
            )
        return response

    def _count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/{key}")

    def _fail(self, url: str, stage: str, kind: str, reason: str) -> None:
        self.logger.warning("%s failed (%s): %s", url, stage, reason)
        self.crawler.signals.send_catch_log(
            signals.page_failed, url=url, stage=stage, kind=kind, reason=reason
        )
