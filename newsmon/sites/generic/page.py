"""Reading a news page of any outlet into a Story. Pure: a response in, a story out.

Each field is read from the best evidence the page offers, in order (data, not code paths):
schema.org JSON-LD first, then Open Graph and article meta tags, then the markup itself. Times
without an offset are read in the outlet's time zone; an updated time is never invented. The
body is JSON-LD `articleBody` when it is the whole text, else what trafilatura, an extractor
made for news pages, finds as the main text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from scrapy.http import TextResponse

from newsmon.instants import EARLIEST
from newsmon.items import Discovery, Story
from newsmon.kinds import Precision
from newsmon.sites.base import ParseError, StoryKey
from newsmon.sites.generic.body import read_body
from newsmon.sites.generic.jsonld import authors, read_json_ld
from newsmon.sites.generic.page_times import updated_times, written_times
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.generic.urls import clean_url, host_of
from newsmon.sites.links import join_url
from newsmon.sites.text import LONE_SURROGATE, squash

_NO_DAY = re.compile(r"\s*\d{4}(?:[-/.]\d{1,2})?\s*", flags=re.ASCII)
_ONLY_DAY = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", flags=re.ASCII)
_URL_DAY = re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})/", flags=re.ASCII)
# How much later than its URL's day a page's time may be and still be its first publication
# (a URL's day may be the outlet's, a day ahead of UTC).
REPUBLISHED = timedelta(days=2)
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
    found = read_json_ld(response)
    ld = found.article
    url = _canonical(response, ld, outlet.hosts) or key.article_id
    title = _first(ld.get("headline"), *_meta(response, TITLE_META), _heading(response))
    if not title:
        raise ParseError("title", "no headline (JSON-LD, og:title, <h1> or <title>)", missing=True)
    written, unreadable = _time(written_times(response, found), outlet.zone)
    if written.precision is Precision.DAY and discovery.listed_at is not None:
        written = _NONE  # the feed's instant, which the validation puts in, says more
    elif written.at is None and discovery.listed_at is None:
        # No time on the page, and no feed's to stand in: the day its text or URL gives.
        day = _written_day(response)
        if day is None and unreadable is not None:
            raise ParseError("written_at", str(unreadable))
        written = _Time(day, Precision.DAY) if day else _NONE
    if written.at is not None and (day := _url_day(url)) and written.at - day > REPUBLISHED:
        # The URL was made when the story first appeared; a page time well after it is a
        # re-publication (a site moved, a story re-dated), not when it was written.
        written = _Time(day, Precision.DAY)
    written_at = written.at
    updated, unreadable_update = _time(updated_times(response, found), outlet.zone)
    updated_at = updated.at
    warnings = []
    if updated_at is None and unreadable_update is not None:
        # An updated time that does not read is no update: the story stands, and the run says so.
        warnings.append(("bad_updated_at", f"updated_at: {unreadable_update}"))
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
        written_precision=written.precision,
        warnings=tuple(warnings),
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


def _heading(response: TextResponse) -> str | None:
    return squash(" ".join(response.xpath("//h1[1]//text()").getall())) or squash(
        response.xpath("//title/text()").get()
    )


def _first(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and squash(value):
            return squash(html.unescape(value))
    return None


class _Time(NamedTuple):
    at: datetime | None
    precision: Precision = Precision.SECOND


_NONE = _Time(None)


def _time(candidates: Iterator[str], zone: tzinfo) -> tuple[_Time, BadTime | None]:
    """The first of `candidates` (best evidence first) that reads as a time, and the first
    that could not be read. One that cannot be read is passed over for the next: real pages
    write a near-ISO form in one place and a clean one in another. A value that is only a day
    (`2026-11-18`) is a DAY, stored as the day's start in UTC (no invented time of day); a
    year or a month alone is no time, nor is one before the web (a template's zero time)."""
    unreadable: BadTime | None = None
    for value in candidates:
        if _NO_DAY.fullmatch(value):
            continue
        try:
            found = _day(value) or _Time(read_time(value, zone))
        except BadTime as exc:
            unreadable = unreadable or exc
            continue
        if found.at is not None and found.at < EARLIEST:
            unreadable = unreadable or BadTime(f"{value!r} is before {EARLIEST.year}: a misreading")
        elif found.at is not None:
            return found, unreadable
    return _NONE, unreadable


def _day(value: str) -> _Time | None:
    """A value that is a day alone, as a DAY; None for any other."""
    if (day := _ONLY_DAY.fullmatch(value)) is None:
        return None
    year, month, mday = map(int, day.groups())
    try:
        return _Time(datetime(year, month, mday, tzinfo=UTC), Precision.DAY)
    except ValueError:
        raise BadTime(f"{value!r} is no day of the calendar") from None


def _url_day(url: str) -> datetime | None:
    """The day a URL's path names as `/YYYY/MM/DD/`, at its start in UTC."""
    if (found := _URL_DAY.search(urlsplit(url).path)) is None:
        return None
    year, month, day = map(int, found.groups())
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _written_day(response: TextResponse) -> datetime | None:
    """The publication day htmldate finds in the page's text and URL, as the start of that day
    in UTC (a day, not an instant: the story's precision says so); None when it finds none.
    Its fast search first (markup and URL); then its extensive one (the text), whose first of
    a month is refused: htmldate gives a date written without its day (`March 2020`, a
    copyright year) as the 1st, and on htmldate's own corpus most such answers were wrong."""
    from htmldate import find_date  # imported when a page needs it: it takes a while to load

    for extensive in (False, True):
        try:
            found = find_date(
                response.text, url=response.url, original_date=True, extensive_search=extensive
            )
        except Exception:  # a heuristic that fails has found nothing
            continue
        if found and not (extensive and found.endswith("-01")):
            return datetime.combine(date.fromisoformat(found), time(), tzinfo=UTC)
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
            joined = join_url(response.url, candidate)
            url = clean_url(joined) if joined else None
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
    return join_url(response.url, found) if found else None
