"""Downloader middlewares."""

from __future__ import annotations

from typing import Self
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response


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
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if not (300 <= response.status < 400 and location and domains):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        host = (urlsplit(target).hostname or "").lower()
        if any(host == d or host.endswith(f".{d}") for d in domains):
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/offsite_redirects")
        raise OffsiteRedirect(f"redirected off the site's hosts to {target}")
