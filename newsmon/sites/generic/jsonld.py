"""Reading a page's schema.org JSON-LD: every object of every block, leniently, and never deeper
than any page's structured data nests."""

from __future__ import annotations

import html
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from scrapy.http import TextResponse

from newsmon.kinds import FailureKind
from newsmon.sites.base import ParseError
from newsmon.sites.text import squash

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
class JsonLd:
    """A page's schema.org objects. `article` is the page's own article object ({} when none);
    `objects` all objects that describe the page, the article's first, then the others in
    document order, shallowest first. Objects under properties that name other works (related
    items, comments, citations, the site) are left out: their dates are not the story's."""

    article: dict[str, Any]
    objects: tuple[dict[str, Any], ...]

    def values(self, key: str) -> list[Any]:
        """`key`'s value in each object that has it, best first."""
        return [obj[key] for obj in self.objects if obj.get(key) is not None]


# Properties whose objects are other works or things than the page: a date under them is
# another item's (a related story, a comment, the publisher's founding date).
OTHER_ITEMS = frozenset(
    {
        "itemListElement",
        "comment",
        "review",
        "citation",
        "relatedLink",
        "isPartOf",
        "publisher",
        "author",
        "creator",
        "about",
        "mentions",
        "subjectOf",
        "hasPart",
        "workExample",
        "potentialAction",
        "breadcrumb",
        "video",
        "image",
    }
)


def read_json_ld(response: TextResponse) -> JsonLd:
    """Every object of every `application/ld+json` block, read leniently (`_loads`)."""
    found: list[dict[str, Any]] = []
    for raw in response.xpath("//script[@type='application/ld+json']/text()").getall():
        for value in _loads(raw):
            found.extend(_objects(value))
    articles = [obj for obj in found if _types(obj) & ARTICLE_TYPES]
    article = articles[0] if articles else {}
    ordered = [*articles, *(obj for obj in found if not _types(obj) & ARTICLE_TYPES)]
    return JsonLd(article, tuple(ordered))


def json_ld_article(response: TextResponse) -> dict[str, Any]:
    """The page's schema.org article object, or {}."""
    return read_json_ld(response).article


def _types(obj: dict[str, Any]) -> set[str]:
    types = obj.get("@type")
    return {types} if isinstance(types, str) else {t for t in types or () if isinstance(t, str)}


def _loads(raw: str) -> list[Any]:
    """The JSON values of a block. Strict JSON first; then, as browsers' and search engines'
    readers forgive them, what pages really write: HTML entities, trailing commas, comments,
    several values back to back. What still cannot be read is skipped (the page's other
    evidence stands)."""
    if (depth := _depth(raw)) > MAX_JSON_LD_DEPTH:
        raise TooDeep(depth)
    try:
        return [json.loads(raw, strict=False)]  # strict=False: raw newlines in strings
    except ValueError:
        pass
    text = _TRAILING_COMMA.sub(r"\1", _uncomment(html.unescape(raw)))
    if (depth := _depth(text)) > MAX_JSON_LD_DEPTH:  # `&#123;` is a bracket once unescaped
        raise TooDeep(depth)
    decoder = json.JSONDecoder(strict=False)
    values, at = [], 0
    while (at := _skip_separators(text, at)) < len(text):
        try:
            value, at = decoder.raw_decode(text, at)
        except ValueError:
            break
        values.append(value)
    return values


_BETWEEN_VALUES = re.compile(r"[\s,;]*")
# A string (kept whole) or a comment (dropped): one pass, so `//` inside a URL stays.
_STRING_OR_COMMENT = re.compile(r'("(?:[^"\\]++|\\.)*+")|//[^\n]*|/\*.*?\*/', re.DOTALL)


def _uncomment(text: str) -> str:
    return _STRING_OR_COMMENT.sub(lambda m: m.group(1) or "", text)


def _skip_separators(text: str, at: int) -> int:
    match = _BETWEEN_VALUES.match(text, at)
    return match.end() if match else at


def _depth(text: str) -> int:
    """How deep `text`'s brackets nest, outside strings (whether or not they balance)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(_NESTING[c] for c in brackets), default=0)


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    """The objects of a value, shallowest first (breadth-first), skipping OTHER_ITEMS."""
    queue = deque([data])
    while queue:
        value = queue.popleft()
        if isinstance(value, list):
            queue.extend(value)
        elif isinstance(value, dict):
            yield value
            queue.extend(v for k, v in value.items() if k not in OTHER_ITEMS)


def authors(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and squash(name):
            names.append(squash(name))
    return ", ".join(dict.fromkeys(names)) or None
