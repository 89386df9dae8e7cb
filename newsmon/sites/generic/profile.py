"""The generic profile: any outlet with an RSS 2.0 or Atom feed.

```toml
[[outlets]]
name = "meridian"
site = "generic"
feed = "https://www.example.com/politics/rss.xml"   # or a list of feeds
section = "Politics"                                 # the label stored with its stories
timezone = "Asia/Seoul"                              # for times written without an offset
# listing = "https://www.example.com/politics/"      # also read a page of links...
# links = "h2.headline a"                            # ...found with this CSS selector
# hosts = ["www.example.com", "cdn.example.com"]     # default: the feeds' and listing's hosts
# lang = "en"                                        # stored with its stories
```

A story's identity is its canonical URL: the page's `<link rel="canonical">` (or `og:url`) on one
of the outlet's hosts, else the link it was found under, both without tracking parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import SelectorError
from parsel import Selector
from scrapy.http import TextResponse

from newsmon.items import Discovery, Story
from newsmon.kinds import PageKind
from newsmon.masking import mask_url
from newsmon.sites.base import IndexPage, Listed, Option, OptionError, Outlet, Site, StoryKey
from newsmon.sites.generic.feed import parse_feed
from newsmon.sites.generic.page import Page, parse_page
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.generic.urls import clean_url, host_of
from newsmon.sites.links import join_url


def _urls(value: Any) -> tuple[str, ...]:
    urls = (value,) if isinstance(value, str) else value
    if not isinstance(urls, list | tuple) or not urls:
        raise ValueError('a URL or a list of them, e.g. "https://www.example.com/rss.xml"')
    cleaned = []
    for url in urls:
        found = clean_url(url) if isinstance(url, str) else None
        if found is None:
            raise ValueError(f"not an http(s) URL: {mask_url(str(url))!r}")
        if urlsplit(url.strip()).username is not None:
            # Scrapy would send no credentials from it (the fetch would fail), and the URL would
            # be shown where the password should not be.
            raise ValueError(
                f"{mask_url(url.strip())}: a user name or password in a URL is not supported "
                "(a token in its query, `?apikey=...`, is; newsmon masks it wherever it shows it)"
            )
        cleaned.append(url.strip())
    return tuple(cleaned)


def _url(value: Any) -> str | None:
    return _urls(value)[0] if value is not None else None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a text, not {value!r}")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return _text(value) or None if value is not None else None


def _selector(value: Any) -> str | None:
    selector = _optional_text(value)
    if selector is not None:
        try:
            Selector(text="<html></html>").css(selector)
        except SelectorError as exc:
            raise ValueError(f"not a CSS selector: {selector!r} ({exc})") from None
    return selector


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Asia/Seoul)") from None


def _hosts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(h, str) and h.strip() for h in value
    ):
        raise ValueError('a list of host names, e.g. ["www.example.com"]')
    return tuple(h.strip().lower() for h in value)


class GenericSite(Site):
    name = "generic"
    options: ClassVar[Mapping[str, Option]] = {
        "feed": Option(
            "the outlet's RSS or Atom feed URL, or a list of them", _urls, required=True
        ),
        "section": Option("the section label stored with its stories", _optional_text),
        "timezone": Option(
            "the IANA time zone of times written without an offset", _zone, default="UTC"
        ),
        "listing": Option("a page of story links to read besides the feed", _url),
        "links": Option("the CSS selector of story links on the listing page", _selector),
        "hosts": Option(
            "the outlet's hosts (default: the feeds' and listing's)", _hosts, default=()
        ),
        "lang": Option("the language code stored with its stories", _text, default=""),
    }

    @classmethod
    def outlet(cls, name: str, values: Mapping[str, Any]) -> GenericOutlet:
        if bool(values["listing"]) != bool(values["links"]):
            raise OptionError(
                "listing" if values["listing"] else "links",  # the one that is there
                "a listing needs `links`, the CSS selector of its story links, and `links` a "
                "listing to find them on",
            )
        own = {
            host_of(u)
            for u in (*values["feed"], *([values["listing"]] if values["listing"] else []))
        }
        if values["hosts"] and not own <= set(values["hosts"]):
            missing = ", ".join(sorted(own - set(values["hosts"])))
            raise OptionError("hosts", f"lists not {missing}, where its feed or listing is")
        return GenericOutlet(
            name,
            feeds=values["feed"],
            section=values["section"],
            zone=values["timezone"],
            listing=values["listing"],
            links=values["links"],
            hosts=values["hosts"],
            lang=values["lang"],
        )

    @classmethod
    def story_ids(cls, url: str) -> list[tuple[str | None, str]]:
        cleaned = clean_url(url)
        return [(None, cleaned)] if cleaned else []


class GenericOutlet(Outlet):
    site = "generic"
    drift_hint = (
        "looked for JSON-LD NewsArticle, article:published_time and <time> for times, and the "
        "page's main text"
    )

    def __init__(
        self,
        name: str,
        *,
        feeds: tuple[str, ...],
        section: str | None,
        zone: ZoneInfo,
        listing: str | None,
        links: str | None,
        hosts: tuple[str, ...],
        lang: str,
    ) -> None:
        super().__init__(name, lang=lang, sections=(section,) if section else ())
        self.feeds = feeds
        self.section = section
        self.zone = zone
        self.listing = listing
        self.links = links
        own = [host_of(url) for url in (*feeds, *([listing] if listing else []))]
        self.hosts = frozenset(hosts or own)
        self.page = Page(source=name, zone=zone, hosts=self.hosts)

    def first_pages(self, *, since: date | None = None) -> Iterator[IndexPage]:
        for feed in self.feeds:
            yield IndexPage(PageKind.FEED, feed, always_lists=True)
        if self.listing:
            yield IndexPage(PageKind.LISTING, self.listing, always_lists=True)

    def read_index(self, page: IndexPage, response: TextResponse) -> list[Listed]:
        if page.kind is PageKind.FEED:
            return self._unique(
                self._listed(entry.link, entry.title, entry.published, entry.summary)
                for entry in parse_feed(response)
            )
        assert self.links is not None
        return self._unique(
            self._listed(link, None, None, None)
            for href in response.css(self.links).xpath("@href").getall()
            if (link := join_url(response.url, href))
        )

    def _listed(
        self, link: str, title: str | None, published: str | None, summary: str | None
    ) -> Listed | None:
        url = clean_url(link)
        if url is None or host_of(url) not in self.hosts:
            return None
        try:
            listed_at = read_time(published, self.zone)
        except BadTime:
            listed_at = None  # a listing's time only stands in for the page's; never fatal
        return Listed(StoryKey(self.lang, url), title, listed_at, summary, section=self.section)

    @staticmethod
    def _unique(entries: Iterator[Listed | None]) -> list[Listed]:
        seen: dict[StoryKey, Listed] = {}
        for entry in entries:
            if entry is not None and entry.key not in seen:
                seen[entry.key] = entry
        return list(seen.values())

    def fetch_url(self, key: StoryKey) -> str:
        return key.article_id

    def parse_story(self, response: TextResponse, key: StoryKey, discovery: Discovery) -> Story:
        return parse_page(response, key, discovery, self.page)

    def canonical_url(self, key: StoryKey) -> str:
        return key.article_id

    def arguments(self) -> dict[str, Any]:
        return {
            **super().arguments(),
            "feed": ", ".join(self.feeds),
            "listing": self.listing,
            "timezone": str(self.zone),
        }
