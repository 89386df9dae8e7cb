"""Reading an RSS 2.0, RSS 1.0 or Atom feed into the stories it lists. Pure: a response in,
entries out, in feed order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsel import Selector
from scrapy.http import TextResponse

from newsmon.sites.base import ParseError
from newsmon.sites.text import clean_summary, squash


@dataclass(frozen=True)
class FeedEntry:
    link: str  # as the feed gives it, resolved against the feed's URL
    title: str | None
    published: str | None  # as written: RSS pubDate, Atom published/updated, dc:date
    summary: str | None


# A document type that declares entities: the means of "billion laughs" expansion and of
# external entities reading local files. No feed needs one.
_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE)


def parse_feed(response: TextResponse) -> list[FeedEntry]:
    """Parsed as XML whatever the Content-Type says (an HTML parser would lose `<link>` text),
    with entities left unexpanded; a feed that declares entities is refused (ParseError)."""
    if _ENTITY_DECLARATION.search(response.body[:65536]):
        raise ParseError(
            "feed", "it declares XML entities (<!ENTITY>), which newsmon does not expand"
        )
    feed = Selector(body=response.body, type="xml")
    feed.remove_namespaces()
    entries = []
    for item in feed.xpath("//item | //entry"):
        link = (
            squash(item.xpath("link/text()").get())
            or squash(item.xpath("link[@rel='alternate' or not(@rel)]/@href").get())
            or squash(item.xpath("guid[not(@isPermaLink='false')]/text()").get())
        )
        if not link:
            continue
        published = (
            next(
                (
                    squash(v)
                    for v in item.xpath("pubDate/text() | published/text() | date/text()").getall()
                ),
                None,
            )
            or squash(item.xpath("updated/text()").get())
            or None
        )
        entries.append(
            FeedEntry(
                link=response.urljoin(link),
                title=squash(item.xpath("title/text()").get()) or None,
                published=published,
                summary=clean_summary(item.xpath("description/text() | summary/text()").get()),
            )
        )
    return entries
