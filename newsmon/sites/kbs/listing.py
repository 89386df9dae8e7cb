"""Reading listing pages, the daily archive and the RSS feed into the stories they point to.

Pure functions: a response in, `Entry` records out, in page order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parsel import Selector
from scrapy.http import TextResponse

from newsmon.sites.base import StoryKey
from newsmon.sites.kbs.times import BadTimestamp, find_kst, parse_rfc822
from newsmon.sites.kbs.urls import SITE_HOSTS, canonical_url, resolve_story_link
from newsmon.sites.text import clean_summary, squash


@dataclass(frozen=True)
class Entry:
    """A story as a listing or feed shows it; `category` is the section label a page (the daily
    archive) names for it."""

    key: StoryKey
    url: str
    title: str | None
    listed_at: datetime | None
    summary: str | None
    category: str | None


# Story entries of the section; Editor's Pick (`comp_contents_3x`) holds stories of any section
# and is never a source of entries.
_ENTRIES = "#container div.contents section.comp_contents_1x article"
_ENTRIES_FALLBACK = (
    "//article[.//a[contains(@href,'news_view')]]"
    "[not(ancestor::section[contains(concat(' ', normalize-space(@class), ' '),"
    " ' comp_contents_3x ')])]"
)


def parse_listing(
    response: TextResponse, *, allowed_hosts: frozenset[str] = SITE_HOSTS
) -> list[Entry]:
    """The stories of a listing page (`news_list.htm`) or daily archive (`news_today.htm`)."""
    articles = response.css(_ENTRIES) or response.xpath(_ENTRIES_FALLBACK)
    entries: list[Entry] = []
    for article in articles:
        href = (
            article.css("h2 a::attr(href)").get()
            or article.css("a[href*='news_view']::attr(href)").get()
        )
        key = resolve_story_link(href or "", response.url, allowed_hosts=allowed_hosts)
        if key is None:
            continue
        title = squash(" ".join(article.css("h2 ::text").getall())) or None
        entries.append(
            Entry(
                key=key,
                url=canonical_url(key),
                title=title,
                listed_at=_time_or_none(" ".join(article.css("p.date ::text").getall())),
                summary=clean_summary(" ".join(article.css("p.sum ::text").getall())),
                category=squash(" ".join(article.css(".cate ::text").getall())) or None,
            )
        )
    return _unique(entries)


def parse_feed(
    response: TextResponse, *, allowed_hosts: frozenset[str] = SITE_HOSTS
) -> list[Entry]:
    """The stories of an RSS feed. Parsed as XML whatever the Content-Type says: an HTML parser
    would lose `<link>` text and CDATA."""
    feed = Selector(body=response.body, type="xml", encoding=response.encoding)
    entries: list[Entry] = []
    for item in feed.xpath("//channel/item | //item[not(ancestor::channel)]"):
        link = squash(item.xpath("link/text()").get()) or squash(item.xpath("guid/text()").get())
        key = resolve_story_link(link, response.url, allowed_hosts=allowed_hosts)
        if key is None:
            continue
        entries.append(
            Entry(
                key=key,
                url=canonical_url(key),
                title=squash(item.xpath("title/text()").get()) or None,
                listed_at=parse_rfc822(item.xpath("pubDate/text()").get() or ""),
                summary=clean_summary(item.xpath("description/text()").get()),
                category=squash(item.xpath("category/text()").get()) or None,
            )
        )
    return _unique(entries)


def _time_or_none(text: str) -> datetime | None:
    try:
        return find_kst(text)
    except BadTimestamp:
        return None


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: set[StoryKey] = set()
    out = []
    for e in entries:
        if e.key not in seen:
            seen.add(e.key)
            out.append(e)
    return out
