"""Sharing the downloader fairly between outlets: a download slot per server (host and port),
and a scheduler queue that hands the downloader only what a server can start now.

Scrapy keys its download slots by host name alone, so two servers on one machine (two ports)
shared one slot and waited on each other; and its scheduler hands the downloader any request
while fewer than CONCURRENT_REQUESTS are there, so one slow server could fill every place with
requests queued behind its own slow pages, and every other outlet waited (and was cut short by
`--max-time` with it). Here a server's requests stay in the scheduler while it has as many in
the downloader as its slot runs at once (CONCURRENT_REQUESTS_PER_DOMAIN), and while it asked to
be left alone (`Retry-After`, see newsmon.middlewares): the other servers' requests go first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from time import monotonic
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader
from scrapy.crawler import Crawler
from scrapy.pqueues import DownloaderAwarePriorityQueue, DownloaderInterface
from scrapy.utils.httpobj import urlparse_cached

from newsmon.hosts import key_of

# A request's meta key: the monotonic time before which its server is not to be asked again.
NOT_BEFORE = "newsmon_not_before"


class OriginDownloader(Downloader):
    """Scrapy's downloader, with a slot per server: host and port (`newsmon.hosts.key_of`:
    `example.com` on the default ports, so DOWNLOAD_SLOTS keyed by host name still apply)."""

    def get_slot_key(self, request: Request) -> str:
        if request.meta.get(self.DOWNLOAD_SLOT) is not None or self.ip_concurrency:
            return super().get_slot_key(request)
        return key_of(urlparse_cached(request))


class _ReadySlots(DownloaderInterface):
    """The downloader as FairQueue sees it: only the slots that can start a request now, each
    with how many of its requests the downloader holds."""

    def __init__(self, crawler: Crawler, paused: dict[str, float]) -> None:
        super().__init__(crawler)
        self.paused = paused

    def stats(self, possible_slots: Iterable[str]) -> list[tuple[int, str]]:
        # Every request the downloader holds, not only those in its slots' queues: one waiting
        # for its robots.txt, or in a middleware, holds its place too.
        held = Counter(self.get_slot_key(request) for request in self.downloader.active)
        now = monotonic()
        return [
            (held[slot], slot)
            for slot in possible_slots
            if held[slot] < self._concurrency(slot) and self.paused.get(slot, 0.0) <= now
        ]

    def _concurrency(self, slot: str) -> int:
        if slot in self.downloader.slots:
            return self.downloader.slots[slot].concurrency
        # As Scrapy's downloader makes a slot it has not seen yet.
        concurrency: int = self.downloader.per_slot_settings.get(slot, {}).get(
            "concurrency", self.downloader.ip_concurrency or self.downloader.domain_concurrency
        )
        return concurrency


class FairQueue(DownloaderAwarePriorityQueue):
    """Scrapy's DownloaderAwarePriorityQueue (the least busy server's requests first), which
    gives out nothing for a server that cannot start it now (see the module's note). Having
    requests and giving none is how Scrapy's scheduler says "none is ready": the engine asks
    again when a download ends, and every few seconds."""

    def __init__(self, crawler: Crawler, *args: Any, **kwargs: Any) -> None:
        super().__init__(crawler, *args, **kwargs)
        self.paused: dict[str, float] = {}  # slot -> monotonic time it may be asked again
        self._downloader_interface = _ReadySlots(crawler, self.paused)

    def push(self, request: Request) -> None:
        if (not_before := request.meta.get(NOT_BEFORE)) is not None:
            slot = self._downloader_interface.get_slot_key(request)
            self.paused[slot] = max(self.paused.get(slot, 0.0), float(not_before))
        super().push(request)
