"""Downloader middlewares: where requests may go, and how long to wait when asked to."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


class OffsiteRedirect(IgnoreRequest):
    """A redirect to a host the crawl may not follow."""


class OffsiteRedirectGuard:
    """Refuses redirects that leave the spider's `allowed_domains`, through the request's errback.

    Scrapy's offsite filter drops such redirects when they are scheduled, where no errback sees
    them, so the story behind the link would vanish without a trace. Placed after
    RedirectMiddleware (a higher number), it sees the 3xx response first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        spider = self.crawler.spider
        if hasattr(spider, "allowed_hosts"):  # the outlet's own hosts, for a run of several
            domains = spider.allowed_hosts(request)
        else:
            domains = getattr(spider, "allowed_domains", None)
        if not (300 <= response.status < 400 and location and domains):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        host = (urlsplit(target).hostname or "").lower()
        if any(host == d or host.endswith(f".{d}") for d in domains):
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/offsite_redirects")
        raise OffsiteRedirect(f"redirected off the site's hosts to {target}")


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds to wait; None if absent or
    unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a 429 or 5xx that carries `Retry-After` is retried only
    after waiting as long as it asks, or given up at once when that is longer than
    `NEWSMON_RETRY_AFTER_MAX` seconds: a site that asks for an hour is not hammered, and the run
    says so instead of looking like nothing was new."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("NEWSMON_RETRY_AFTER_MAX")

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is not None:
            request.meta["newsmon_retry_after"] = f"{wait:g}s"
            if wait > self.max_wait:
                return response
            await asyncio.sleep(wait)
        return self._retry(request, response_status_message(response.status)) or response


ROBOTS_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RobotsUnavailableGuard:
    """A robots.txt that answers 5xx (after retries) means "do not crawl" for this run, as RFC
    9309 asks; Scrapy would otherwise read the error page as robots.txt and allow everything.
    Sits below RetryMiddleware (a lower number), so it sees the answer retries gave up on."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status < 500 or urlsplit(request.url).path != "/robots.txt":
            return response
        assert self.crawler.stats is not None
        host = urlsplit(request.url).hostname or ""
        # Judged per outlet: the run fails for the outlets on this host.
        self.crawler.stats.set_value(
            f"newsmon/robots_unavailable/{host}", f"HTTP {response.status}"
        )
        logger.warning("%s answered HTTP %d: not crawling this run", request.url, response.status)
        return response.replace(status=200, body=ROBOTS_DISALLOW_ALL)
