"""A story's text: JSON-LD `articleBody` when it is the whole text, else the page's main text as
trafilatura, an extractor made for news pages, finds it. Pure: a response in, text out."""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html
from scrapy.http import TextResponse

from newsmon.sites.base import ParseError
from newsmon.sites.text import join_paragraphs, paragraphs, squash

# Fewer words than this is a teaser, a consent wall or a "story removed" notice, not a story.
MIN_BODY_WORDS = 25


def read_body(response: TextResponse, ld: dict[str, Any], title: str) -> str:
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
