"""Reading one KBS WORLD article page into a Story. Pure: a response in, an item out."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from parsel.csstranslator import css2xpath
from scrapy.http import TextResponse

from newsmon.items import Discovery, Story
from newsmon.sites.base import ParseError, StoryKey
from newsmon.sites.kbs.times import BadTimestamp, find_labelled_kst
from newsmon.sites.kbs.urls import canonical_url, story_key
from newsmon.sites.links import join_url
from newsmon.sites.text import join_paragraphs, paragraphs, squash

# Inside the body but not part of the story.
_NOT_BODY = (
    ".func_menu",
    "script",
    "style",
    "iframe",
    "noscript",
    "div.img_box",
    "div.photo",
    "p.cap",
    "section.comp_contents_3x",
)
# Compiled once: translating CSS to XPath on every page was a tenth of a crawl's parsing time.
_NOT_BODY_SELECTORS = tuple(CSSSelector(selector) for selector in _NOT_BODY)
_PHOTO = re.compile(r"^\s*Photo\s*:\s*(?P<credit>.*?)\s*$", re.IGNORECASE)
_BYLINE = re.compile(r"^(?P<name>[^,\n]{2,80}), KBS World Radio News\.?$")
_LABELS = re.compile(r"(?:Written|Updated)\s*:", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s+l\s+KBS WORLD\s*$")


def _compiled(css: str) -> XPath:
    """A CSS selector (with parsel's ::text and ::attr) as XPath compiled once, run on the page's
    tree: asking the response compiles it again on every page and wraps each result."""
    return XPath(css2xpath(css), smart_strings=False)


_HEADLINE = _compiled("div.title_area h1 ::text")
_HEAD_TITLE = _compiled("title::text")
_OG_TITLE = _compiled('meta[property="og:title"]::attr(content)')
_OG_IMAGE = _compiled('meta[property="og:image"]::attr(content)')
_BODY = _compiled("div.body_txt")
# Written/Updated sit in p.date inside the title area; fall back to the wider page, since the
# element around them is the least certain part of the markup.
_TIME_TEXT = tuple(
    XPath(f"{where}//text()[not(ancestor::script|ancestor::style)]", smart_strings=False)
    for where in (
        "//div[contains(@class,'title_area')]//p[contains(@class,'date')]",
        "//div[contains(@class,'title_area')]",
        "//body",
    )
)


def _first(found: list[str]) -> str | None:
    return found[0] if found else None


def parse_article(
    response: TextResponse,
    discovery: Discovery | None = None,
    *,
    source: str,
    key: StoryKey | None = None,
) -> Story:
    """Read a story page of the outlet `source`. `key` names the story when the response URL
    does not (a mirror); `discovery` supplies what the page itself does not carry (section,
    summary, listing time)."""
    discovery = discovery or Discovery()
    # The spider only fetches the site's hosts or the mirror it was pointed at, so any host the
    # response came from may name the story.
    key = key or story_key(response.url, allowed_hosts=None)
    if key is None:
        raise ParseError("url", f"not a story URL: {response.url}", missing=True)

    url = canonical_url(key)
    page = response.selector.root
    title = _title(page)
    body_el = _body_element(page)
    image_url = _image_url(page, body_el, url)
    body, photo_credit = _body_text(body_el)
    written_at, updated_at = _times(page)

    return Story(
        source=source,
        lang=key.lang,
        article_id=key.article_id,
        url=url,
        section=discovery.section,
        title=title,
        body=body,
        summary=discovery.summary,
        reporter=_reporter(body),
        photo_credit=photo_credit,
        image_url=image_url,
        written_at=written_at,
        updated_at=updated_at,
        listed_at=discovery.listed_at,
    )


def _title(page: Any) -> str:  # page: the lxml tree of the response (lxml ships no types)
    title = squash(" ".join(_HEADLINE(page)))
    if not title:
        head = squash(_first(_HEAD_TITLE(page)))
        title = _TITLE_SUFFIX.sub("", head) if _TITLE_SUFFIX.search(head) else ""
    if not title:
        title = squash(_first(_OG_TITLE(page)))
    if not title:
        raise ParseError(
            "title", "no headline (div.title_area h1, <title> or og:title)", missing=True
        )
    return title


def _body_element(page: Any) -> Any:  # -> lxml HtmlElement
    found = _BODY(page)
    if not found:
        raise ParseError("body", "no story text (div.body_txt)", missing=True)
    # The parser must not change the response it was given: work on a copy of the subtree.
    return copy.deepcopy(found[0])


def _image_url(page: Any, body_el: Any, page_url: str) -> str | None:
    # Relative image paths are the site's own: resolve them against the canonical story URL so a
    # copy fetched from a mirror names the same image.
    og = squash(_first(_OG_IMAGE(page)))
    if og and (url := join_url(page_url, og)):
        return url
    for img in body_el.iter("img"):
        src = squash(img.get("src"))
        if src and (url := join_url(page_url, src)):
            return url
    return None


def _body_text(body_el: Any) -> tuple[str, str | None]:
    credit = None
    for selector in _NOT_BODY_SELECTORS:
        for el in selector(body_el):
            if credit is None:
                m = _PHOTO.search(squash(el.text_content()))
                credit = (m.group("credit") or None) if m else None
            if el.getparent() is not None:
                el.drop_tree()  # keeps the element's tail: text after it is still story text
    paras = paragraphs(body_el)
    if paras and (m := _PHOTO.match(paras[0][0])):
        credit = credit or m.group("credit") or None
        paras[0].pop(0)
        paras = [p for p in paras if p]
    if not paras:
        raise ParseError("body", "story text is empty (div.body_txt)", missing=True)
    return join_paragraphs(paras), credit


def _reporter(body: str) -> str | None:
    last = body.rsplit("\n\n", 1)[-1].strip()
    m = _BYLINE.match(last)
    return m.group("name").strip() if m else None


def _times(page: Any) -> tuple[datetime | None, datetime | None]:
    for texts in _TIME_TEXT:
        text = " ".join(texts(page))
        if _LABELS.search(text):
            break
    else:
        return None, None
    return _labelled(text, "Written", "written_at"), _labelled(text, "Updated", "updated_at")


def _labelled(text: str, label: str, field: str) -> datetime | None:
    try:
        return find_labelled_kst(text, label)
    except BadTimestamp as exc:
        raise ParseError(field, str(exc)) from None
