"""Reading a news page of any outlet into a Story. Pure: a response in, a story out.

Each field is read from the best evidence the page offers, in order (data, not code paths):
schema.org JSON-LD first, then Open Graph and article meta tags, then the markup itself. Times
without an offset are read in the outlet's time zone; an updated time is never invented. The
body is JSON-LD `articleBody` when it is the whole text, else what trafilatura, an extractor
made for news pages, finds as the main text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from scrapy.http import TextResponse

from newsmon.items import Discovery, Story
from newsmon.sites.base import ParseError, StoryKey
from newsmon.sites.generic.body import read_body
from newsmon.sites.generic.jsonld import authors, json_ld_article
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.generic.urls import clean_url, host_of
from newsmon.sites.text import LONE_SURROGATE, squash

# Where each time may be written, best first (after JSON-LD).
PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished", "pubdate")
MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod")
PUBLISHED_TIME = (
    "//time[@itemprop='datePublished']/@datetime",
    "//*[@itemprop='datePublished']/@content",
    "//time[not(contains(@class, 'updated') or contains(@class, 'modified'))"
    " and not(@itemprop='dateModified')]/@datetime",
)
MODIFIED_TIME = (
    "//time[@itemprop='dateModified']/@datetime",
    "//*[@itemprop='dateModified']/@content",
    "//time[contains(@class, 'updated') or contains(@class, 'modified')]/@datetime",
)
TITLE_META = ("og:title", "twitter:title")
SUMMARY_META = ("og:description", "description", "twitter:description")
IMAGE_META = ("og:image", "twitter:image")
AUTHOR_META = ("author", "article:author")


@dataclass(frozen=True)
class Page:
    """What parse_page needs to know of the outlet."""

    source: str
    zone: tzinfo
    hosts: frozenset[str]


def parse_page(response: TextResponse, key: StoryKey, discovery: Discovery, outlet: Page) -> Story:
    ld = json_ld_article(response)
    url = _canonical(response, ld, outlet.hosts) or key.article_id
    title = _first(ld.get("headline"), *_meta(response, TITLE_META), _heading(response))
    if not title:
        raise ParseError("title", "no headline (JSON-LD, og:title, <h1> or <title>)", missing=True)
    written_at = _time(
        "written_at",
        outlet.zone,
        ld.get("datePublished"),
        *_meta(response, PUBLISHED_META),
        *_xpaths(response, PUBLISHED_TIME),
    )
    updated_at = _time(
        "updated_at",
        outlet.zone,
        ld.get("dateModified"),
        *_meta(response, MODIFIED_META),
        *_xpaths(response, MODIFIED_TIME),
    )
    if updated_at is not None and written_at is not None and updated_at <= written_at:
        updated_at = None  # a modified time before (or at) publication updates nothing
    body = read_body(response, ld, title)
    return Story(
        source=outlet.source,
        lang=key.lang,
        article_id=url,
        url=url,
        section=discovery.section,
        title=title,
        body=body,
        summary=discovery.summary or _first(ld.get("description"), *_meta(response, SUMMARY_META)),
        reporter=authors(ld.get("author")) or _first(*_meta(response, AUTHOR_META)),
        image_url=_image(response, ld),
        written_at=written_at,
        updated_at=updated_at,
        listed_at=discovery.listed_at,
    )


# --- the page ---------------------------------------------------------------------------------


def _meta(response: TextResponse, names: tuple[str, ...]) -> list[str]:
    found = []
    for name in names:
        found += response.xpath(
            f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content"
        ).getall()
    return found


def _xpaths(response: TextResponse, paths: tuple[str, ...]) -> list[str]:
    return [value for path in paths for value in response.xpath(path).getall()]


def _heading(response: TextResponse) -> str | None:
    return squash(" ".join(response.xpath("//h1[1]//text()").getall())) or squash(
        response.xpath("//title/text()").get()
    )


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and squash(value):
            return squash(html.unescape(value))
    return None


def _time(field: str, zone: tzinfo, *values: Any) -> datetime | None:
    """The first of `values` (best evidence first) that reads as a time. One that is given but
    cannot be read is passed over for the next: real pages write a near-ISO form in one place
    and a clean one in another, and the first unreadable one used to lose the story. When none
    reads, an unreadable written time is the page's error (`bad_written_at`: a time was there);
    an unreadable updated time is no update, and the story keeps its written time."""
    unreadable: BadTime | None = None
    for value in values:
        if isinstance(value, str) and value.strip():
            try:
                return read_time(value, zone)
            except BadTime as exc:
                unreadable = unreadable or exc
    if unreadable is not None and field == "written_at":
        raise ParseError(field, str(unreadable))
    return None


def _canonical(response: TextResponse, ld: dict[str, Any], hosts: frozenset[str]) -> str | None:
    """The page's canonical URL, when it is on one of the outlet's hosts (a canonical pointing
    elsewhere, such as an AMP cache, says nothing of the story's identity here)."""
    main = ld.get("mainEntityOfPage")
    candidates = [
        response.xpath("//link[@rel='canonical']/@href").get(),
        *_meta(response, ("og:url",)),
        main.get("@id") if isinstance(main, dict) else main,
    ]
    for candidate in candidates:
        if not isinstance(candidate, str) or LONE_SURROGATE.search(candidate):
            continue  # (a URL holding a lone surrogate cannot be stored, even as a failure's)
        if candidate.strip():
            url = clean_url(response.urljoin(candidate.strip()))
            if url and host_of(url) in hosts:
                return url
    return None


def _image(response: TextResponse, ld: dict[str, Any]) -> str | None:
    image = ld.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url")
    found = _first(image, *_meta(response, IMAGE_META))
    return response.urljoin(found) if found else None
