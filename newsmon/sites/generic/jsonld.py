"""Reading a page's schema.org JSON-LD: every object of every block, leniently, and never deeper
than any page's structured data nests."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
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


def authors(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and squash(name):
            names.append(squash(name))
    return ", ".join(dict.fromkeys(names)) or None
