"""The run's account: the summary line and whether the run succeeded, both read from stats."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

PREFIX = "newsmon/"


def _n(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(PREFIX + key, 0))


def summary_line(stats: Mapping[str, Any]) -> str:
    pages = {kind: _n(stats, f"pages/{kind}") for kind in ("listing", "feed", "story")}
    dropped = {
        key.removeprefix(PREFIX + "dropped/"): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(PREFIX + "dropped/")
    }
    reasons = ", ".join(f"{kind}: {count}" for kind, count in dropped.items())
    return (
        f"newsmon: {sum(pages.values())} pages fetched "
        f"({pages['listing']} listing, {pages['feed']} feed, {pages['story']} story); "
        f"{_n(stats, 'articles/new')} new, "
        f"{_n(stats, 'articles/updated') + _n(stats, 'articles/silent_edit')} updated "
        f"({_n(stats, 'articles/silent_edit')} silent edits), "
        f"{_n(stats, 'articles/unchanged')} unchanged, {_n(stats, 'articles/stale')} stale; "
        f"{_n(stats, 'dropped')} dropped" + (f" ({reasons})" if reasons else "")
    )


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def judge(stats: Mapping[str, Any]) -> Verdict:
    """A run fails when it did not finish, hit a bug, or could read neither listing nor feed.

    Individual story pages that fail are recorded and counted, not fatal.
    """
    finish = stats.get("finish_reason")
    if finish != "finished":
        return Verdict(False, f"the crawl did not finish (finish reason: {finish})")
    errors = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if errors:
        return Verdict(False, f"{errors} unexpected error(s) while reading pages; see the log")
    if _n(stats, "pages/listing") + _n(stats, "pages/feed") == 0:
        return Verdict(False, "neither the listing nor the feed could be read")
    return Verdict(True)


class RunSummary:
    """Prints the summary line to standard output when the crawl closes.

    Switch off with `NEWSMON_SUMMARY=False`.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSMON_SUMMARY", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        print(summary_line(stats), file=sys.stdout, flush=True)
