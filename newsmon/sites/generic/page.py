"""Reading a news page of any outlet into a Story. Pure: a response in, a story out.

Each field is read from the best evidence the page offers, in order (data, not code paths):
schema.org JSON-LD first, then Open Graph and article meta tags, then the markup itself. Times
without an offset are read in the outlet's time zone; an updated time is never invented. The
body is JSON-LD `articleBody` when it is the whole text, else what trafilatura, an extractor
made for news pages, finds as the main text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import accumulate
from typing import Any

from lxml import html as lxml_html
from scrapy.http import TextResponse

from newsmon.items import Discovery, Story
from newsmon.kinds import FailureKind
from newsmon.sites.base import ParseError, StoryKey
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.generic.urls import clean_url, host_of
from newsmon.sites.text import LONE_SURROGATE, join_paragraphs, paragraphs, squash

ARTICLE_TYPES = frozenset(
    {
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
    }
)
# Fewer words than this is a teaser, a consent wall or a "story removed" notice, not a story.
MIN_BODY_WORDS = 25

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

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
# Deeper than any page's structured data nests (a schema.org @graph goes five or six levels).
# The JSON decoder recurses once a level: a block 200,000 deep raised RecursionError, which no
# parser of newsmon's expects. So the depth is measured first, by a scan that does not recurse.
MAX_JSON_LD_DEPTH = 64
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)  # brackets in one are text
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ParseError):
    """A JSON-LD block nested deeper than MAX_JSON_LD_DEPTH: refused unread."""

    def __init__(self, depth: int) -> None:
        super().__init__(
            "json_ld", f"a block is nested deeper than {MAX_JSON_LD_DEPTH} levels ({depth})"
        )
        self.kind = FailureKind.TOO_DEEP


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
    body = _body(response, ld, title)
    return Story(
        source=outlet.source,
        lang=key.lang,
        article_id=url,
        url=url,
        section=discovery.section,
        title=title,
        body=body,
        summary=discovery.summary or _first(ld.get("description"), *_meta(response, SUMMARY_META)),
        reporter=_authors(ld.get("author")) or _first(*_meta(response, AUTHOR_META)),
        image_url=_image(response, ld),
        written_at=written_at,
        updated_at=updated_at,
        listed_at=discovery.listed_at,
    )


# --- JSON-LD ----------------------------------------------------------------------------------


def json_ld_article(response: TextResponse) -> dict[str, Any]:
    """The page's schema.org article object, or {}. Blocks may hold one object, a list, or a
    `@graph`; some hold HTML entities or trailing commas."""
    for raw in response.xpath("//script[@type='application/ld+json']/text()").getall():
        for obj in _objects(_loads(raw)):
            types = obj.get("@type")
            names = {types} if isinstance(types, str) else set(types or ())
            if names & ARTICLE_TYPES:
                return obj
    return {}


def _loads(raw: str) -> Any:
    for text in (raw, _TRAILING_COMMA.sub(r"\1", html.unescape(raw))):
        if (depth := _depth(text)) > MAX_JSON_LD_DEPTH:
            raise TooDeep(depth)
        try:
            return json.loads(text, strict=False)  # strict=False: raw newlines in strings
        except ValueError:
            continue
    return None


def _depth(text: str) -> int:
    """How deep `text`'s brackets nest, outside strings (whether or not they balance)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(_NESTING[c] for c in brackets), default=0)


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))


def _authors(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and squash(name):
            names.append(squash(name))
    return ", ".join(dict.fromkeys(names)) or None


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


def _body(response: TextResponse, ld: dict[str, Any], title: str) -> str:
    body = _article_body(ld.get("articleBody"))
    if _words(body) < MIN_BODY_WORDS:
        body = _main_text(response, title)
    if _words(body) < MIN_BODY_WORDS or squash(body) == title:
        raise ParseError(
            "body", "no article text (JSON-LD articleBody, or the page's main text)", missing=True
        )
    return body


def _article_body(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    if "<" not in value:
        # Plain text: its lines are its paragraphs.
        return "\n\n".join(line for line in map(squash, value.splitlines()) if line)
    return join_paragraphs(paragraphs(lxml_html.fragment_fromstring(value, create_parent="div")))


def _main_text(response: TextResponse, title: str) -> str:
    import trafilatura  # imported when a page needs it: it takes a while to load

    text = trafilatura.extract(
        response.text,
        url=response.url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        # Its cache would drop paragraphs it saw on an earlier page: a re-fetch would lose text.
        deduplicate=False,
    )
    lines = [line for line in map(squash, (text or "").splitlines()) if line]
    # The extractor may keep the headline as the text's first line; the title has it already.
    if lines and lines[0].casefold() == title.casefold():
        lines.pop(0)
    return "\n\n".join(lines)


def _words(text: str) -> int:
    return len(text.split())
