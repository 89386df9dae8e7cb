"""Downloader middlewares: where requests may go, and how long to wait when asked to."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Coroutine
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver, dnscache
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from newsmon.hosts import WEB_SCHEMES, address_class, host_key, is_address, key_of, within
from newsmon.kinds import FailureKind
from newsmon.slots import NOT_BEFORE

logger = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request the crawl may not send; `kind` says why."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class OriginGuard:
    """Checks every request before any other middleware sees it: its scheme, and its host and
    port against its outlet's `hosts` (`newsmon.hosts`). Whatever leads there, a 3xx redirect, a
    meta refresh (Scrapy's MetaRefreshMiddleware makes a new request of it), a feed or canonical
    link, a stored URL re-checked, the request is refused through its errback, so its story is a
    recorded failure. Every request is `dont_filter` (an outlet may share a page with another),
    which turns Scrapy's own offsite filter off; and that one knows no ports.

    A host name is also resolved here, and refused when it names a loopback, private,
    link-local, multicast or reserved address: an outlet's config may name such an address
    itself (`base_url = "http://127.0.0.1:8080"`), but a public name that resolves to one is how
    a crawl is turned on the machine's own services or a cloud's metadata endpoint. The address
    checked is put in Scrapy's DNS cache, which the connection then uses, so a name cannot
    resolve to one address for the check and another for the fetch (see README, Security).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.dns_timeout = crawler.settings.getfloat("DNS_TIMEOUT")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        spider = self.crawler.spider
        if spider is None or not hasattr(spider, "allowed_hosts"):
            return None  # not newsmon's spider: it has no outlets to keep to
        hosts: frozenset[str] = spider.allowed_hosts(request)
        parts = urlparse_cached(request)
        key = key_of(parts)
        if parts.scheme.lower() not in WEB_SCHEMES or not key or not within(key, hosts):
            raise _offsite(request, hosts)
        host = parts.hostname or ""
        if is_address(host):
            return None  # an address on an outlet's hosts: its config names it
        return self._check_address(host)  # a name needs a look-up first

    async def _check_address(self, host: str) -> None:
        cached = dnscache.get(host)
        if isinstance(cached, str):
            address = cached
        else:
            # As Scrapy's resolver does it (one IPv4 address), in a thread.
            lookup = asyncio.get_running_loop().run_in_executor(None, socket.gethostbyname, host)
            try:
                address = await asyncio.wait_for(lookup, self.dns_timeout or None)
            except (OSError, UnicodeError, TimeoutError) as exc:
                # Refused, not left to the download to look up again: a second answer may differ.
                raise CannotResolveHostError(f"{host}: {exc}") from None
            if _pins_addresses():
                dnscache[host] = address  # what the connection will use
        if kind := address_class(address):
            raise Refused(
                FailureKind.PRIVATE_ADDRESS,
                f"{host} resolves to {address}, a {kind} address: newsmon fetches such an "
                "address only where an outlet's config names the address itself",
            )


def _pins_addresses() -> bool:
    """Whether Scrapy's caching resolver serves the crawl's connections (its default), so an
    address put in its cache is the one connected to."""
    from twisted.internet import reactor

    return isinstance(getattr(reactor, "resolver", None), CachingThreadedResolver)


def _offsite(request: Request, hosts: frozenset[str]) -> Refused:
    allowed = ", ".join(sorted(hosts))
    came_from = request.meta.get("redirect_urls")
    if not came_from:
        return Refused(
            FailureKind.OFFSITE, f"{request.url} is off the outlet's hosts and ports ({allowed})"
        )
    how = (request.meta.get("redirect_reasons") or ["?"])[-1]
    led = "a meta refresh" if how == "meta refresh" else f"a redirect (HTTP {how})"
    return Refused(
        FailureKind.OFFSITE_REDIRECT,
        f"{led} on {came_from[-1]} leads off the outlet's hosts and ports ({allowed}), "
        f"to {request.url}",
    )


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds to wait; None if absent or
    unreadable (a date no calendar holds, such as the year 99999999999999999999, included)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isascii() and text.isdigit():  # (`²` is a digit to str.isdigit, and no number)
        # Hundreds of digits make an infinite float: as long a wait as a float says.
        return min(float(text), sys.float_info.max)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a 429 or 5xx that carries `Retry-After` is retried only
    after waiting as long as it asks, or given up at once when that is longer than
    `NEWSMON_RETRY_AFTER_MAX` seconds: a site that asks for an hour is not hammered, and the run
    says so instead of looking like nothing was new.

    The wait is not slept here, where the request would hold one of the downloader's shared
    places (CONCURRENT_REQUESTS) and the other outlets would wait with it: the retry goes back
    to the scheduler marked with when it may go (NOT_BEFORE), and newsmon's scheduler queue
    (`newsmon.slots.FairQueue`) sends nothing to that server until then."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("NEWSMON_RETRY_AFTER_MAX")

    # Scrapy's signature still lists the `spider` argument it has deprecated and no longer passes.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is not None:
            request.meta["newsmon_retry_after"] = f"{wait:g}s"
            if wait > self.max_wait:
                return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait:
            retry.meta[NOT_BEFORE] = monotonic() + wait
        return retry


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
        host = host_key(request.url)  # with its port: robots.txt is a server's
        # Judged per outlet: the run fails for the outlets on this host.
        self.crawler.stats.set_value(
            f"newsmon/robots_unavailable/{host}", f"HTTP {response.status}"
        )
        logger.warning("%s answered HTTP %d: not crawling this run", request.url, response.status)
        return response.replace(status=200, body=ROBOTS_DISALLOW_ALL)
