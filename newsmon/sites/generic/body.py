"""A story's text: JSON-LD `articleBody` when it is the whole text, else the page's main text as
trafilatura, an extractor made for news pages, finds it. Pure: a response in, text out.

Each choice here was measured on trafilatura's own evaluation corpus (docs/accuracy.md, Bodies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Any

from lxml import html as lxml_html
from scrapy.http import TextResponse

from newsmon.sites.base import ParseError
from newsmon.sites.text import join_paragraphs, paragraphs, squash

# Fewer words than this is a teaser, a consent wall or a "story removed" notice, not a story.
MIN_BODY_WORDS = 25
# Scripts written without spaces between words, with how many characters make a word there:
# their runs are counted as characters / that, so a Chinese or Japanese story is not one "word"
# per sentence. A Chinese or Japanese word is 1.5 to 2 characters, so 50 characters (two short
# sentences) stand for MIN_BODY_WORDS; Thai, Lao, Khmer and Burmese words are about 4 (their
# vowel signs and tone marks are characters of their own). Korean is written with spaces.
UNSPACED = (
    # CJK punctuation, kana, CJK ideographs (and their extensions and compatibility forms),
    # full-width forms.
    (
        re.compile(
            "[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
            "\uff00-\uffef\U00020000-\U0003ffff]+"
        ),
        2,
    ),
    # Thai, Lao, Myanmar, Khmer.
    (re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+"), 4),
)
# JSON-LD articleBody is the publisher's own text, but often a teaser cut short (the first
# paragraphs, a summary): it is the body only when at least this share of the main text's length.
# Not all of it: the extracted text may keep a caption or a byline the publisher's text has not.
WHOLE_TEXT_SHARE = 0.8
# A table row in the extractor's text: cells between unescaped "|", and a header rule.
_CELLS = re.compile(r"(?<!\\)\|")
_RULE = re.compile("-+")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Focus(Enum):
    """What an extraction pass favours, in the extractor's terms."""

    PRECISION = "precision"
    RECALL = "recall"


# Extraction passes, in order, until one finds a story's worth of text: precision first, to
# leave out related links and teasers; when that finds nothing (text the page shows only without
# scripts, a block the precision rules drop whole), recall, before the page is given up as
# having no text.
PASSES = (Focus.PRECISION, Focus.RECALL)


def read_body(response: TextResponse, ld: dict[str, Any], title: str) -> str:
    main = _main_text(response, title)
    given = _article_body(ld.get("articleBody"))
    whole = words(given) >= MIN_BODY_WORDS and len(given) >= WHOLE_TEXT_SHARE * len(main)
    body = given if whole else main
    if words(body) < MIN_BODY_WORDS or squash(body) == title:
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
    text = ""
    for focus in PASSES:
        text = _extract(response, title, focus)
        if words(text) >= MIN_BODY_WORDS:
            break
    return text


def _extract(response: TextResponse, title: str, focus: Focus) -> str:
    import trafilatura  # imported when a page needs it: it takes a while to load

    options: dict[str, Any] = {
        "url": response.url,
        "include_comments": False,
        # A table in a story is its content (results, figures); layout tables of links are
        # still dropped by the extractor's link-density test.
        "include_tables": True,
        "include_images": False,
        # Its cache would drop paragraphs it saw on an earlier page: a re-fetch would lose text.
        "deduplicate": False,
        "favor_precision": focus is Focus.PRECISION,
        "favor_recall": focus is Focus.RECALL,
    }
    # The tree the page's other fields were read from: parsing the page again cost a sixth of
    # the extraction's time (the extractor works on a copy of it). But a tree holding characters
    # XML forbids (terminal escapes in a title) gives nothing, where the extractor's own reading
    # of the text drops them: then the text.
    text = trafilatura.extract(response.selector.root, **options)
    if text is None:
        text = trafilatura.extract(response.text, **options)
    lines = _untabled(line for line in map(squash, (text or "").splitlines()) if line)
    # The extractor may keep the headline as the text's first line; the title has it already.
    # (compared without control characters, which the extractor's reading drops)
    if lines and lines[0].casefold() == squash(_CONTROLS.sub("", title)).casefold():
        lines.pop(0)
    return "\n\n".join(lines)


def _untabled(lines: Iterable[str]) -> list[str]:
    """The extractor's text with its tables' rows (`| a | b |`) left as rows only where they
    have two cells or more: a layout table's row of one filled cell is that cell's text, a row
    of empty cells is nothing, and so is the header rule under a row that is no longer a row."""
    out: list[str] = []
    flattened = False  # the row before was no row any more
    for line in lines:
        if not (len(line) > 1 and line[0] == line[-1] == "|"):
            out.append(line)
            flattened = False
            continue
        cells = [c.strip().replace("\\|", "|") for c in _CELLS.split(line[1:-1])]
        filled = [c for c in cells if c]
        if filled and all(_RULE.fullmatch(c) for c in filled):
            if not flattened:
                out.append(line)
            continue
        flattened = len(filled) < 2
        if len(filled) == 1:
            out.append(filled[0])
        elif filled:
            out.append(line)
    return out


def words(text: str) -> int:
    """How long `text` is, in words: its space-separated words, and for the scripts written
    without spaces, their characters by the characters a word has there."""
    count = 0.0
    for script, per_word in UNSPACED:
        count += sum(len(run) for run in script.findall(text)) / per_word
        text = script.sub(" ", text)
    return len(text.split()) + int(count)
