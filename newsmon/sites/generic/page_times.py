"""Where a page writes when its story was published and when it was updated, best evidence first.

Each source is data (an ordered list of names or paths), read lazily: the first candidate that
reads as a time is the story's, so a page with a JSON-LD `datePublished` costs no more. The order
is that of how surely a value is the story's own time:

1. the page's schema.org article object (JSON-LD);
2. Open Graph's article times, and `itemprop` microdata on the page;
3. JSON-LD objects of other types describing the page (a `WebPage` in a `@graph`);
4. markup that says "published": `<time pubdate>`, a `<time>` or `<abbr>` whose class says so
   (WordPress's `<time class="entry-date published updated">` included: there, "updated" only
   styles the publication time), RDFa `property`;
5. the common meta names of content systems (`date`, `DC.date.issued`, `sailthru.date`,
   `parsely-pub-date`, ...), which are looser (some name a page's generation);
6. the first `<time datetime>` that is not inside another item: related stories, comments,
   sidebars, navigation and footers carry other items' times.

Names of `<meta>` (its `name`, `property`, `itemprop` or `http-equiv`) are matched without case.
The markup sources look at the first MAX_MARKED elements of each kind, each up to MAX_LEVELS
levels up for another item: a page's work is bounded whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import Any

from scrapy.http import TextResponse

from newsmon.sites.generic.jsonld import JsonLd

# Meta names that say the story's publication time, strongest first within each group.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
)
PUBLISHED_META_LOOSE = (
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published-date",
    "published_date",
    "published_time",
    "publication_date",
    "date_published",
    "article.published",
    "article_date_original",
    "article:post_date",
    "og:pubdate",
    "og:publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date.created",
    "dcterms.created",
    "dc.created",
    "dc:created",
    "dc.date",
    "dc:date",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "originalpublicationdate",
    "rnews:datepublished",
    "cxenseparse:recs:publishtime",
    "bt:pubdate",
    "displaydate",
    "date",
)
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
)
MODIFIED_META_LOOSE = (
    "modified_time",
    "last-modified",
    "lastmod",
    "lastmodified",
    "dcterms.modified",
    "dc.date.modified",
    "dc.modified",
    "sailthru.lastmodified",
    "parsely-updated-date",
    "modified",
)

_SAYS_PUBLISHED = (
    "re:test(@class, '(^|[\\s_-])(published|pub-?date|date-?published|publish-?date|"
    "entry-date|post-date|posted-on|article-date)([\\s_-]|$)', 'i')"
)
_SAYS_UPDATED = "re:test(@class, '(^|[\\s_-])(updated|modified|date-?modified)([\\s_-]|$)', 'i')"
_MACHINE_VALUE = "@datetime | @content | @title"
PUBLISHED_MARKUP = (
    "//*[@itemprop='datePublished']",
    "//time[@pubdate]",
    f"//*[self::time or self::abbr][{_SAYS_PUBLISHED}]",
    "//*[not(self::meta)][@property='schema:datePublished' or @property='dc:date' or "
    "@property='dcterms:created' or @property='dcterms:issued' or @property='dc:created']",
    "//*[@itemprop='dateCreated']",
)
MODIFIED_MARKUP = (
    "//*[@itemprop='dateModified']",
    f"//*[self::time or self::abbr][{_SAYS_UPDATED}][not({_SAYS_PUBLISHED})]",
    "//*[not(self::meta)][@property='schema:dateModified' or @property='dcterms:modified']",
)
ANY_TIME = f"//time[@datetime][not({_SAYS_UPDATED} and not({_SAYS_PUBLISHED}))]"

# Bounds on the work a page can ask for: the first elements of each kind, looked at up to so
# many levels up. A page's own times come early, and no page nests its story that deep; a
# hostile one (thousands of <time>s thousands of levels deep) would otherwise cost minutes.
MAX_MARKED = 100
MAX_LEVELS = 64
MAX_TEXT = 100  # characters of an element's text read as a time

# Whose descendants are other items than the story: their times are not its times (an embedded
# post is a blockquote; a teaser in a list is an item with its own heading or picture; an
# article within another is another story).
_OTHER_ITEMS = frozenset({"aside", "nav", "footer", "blockquote"})
_OTHER_NAMES = re.compile(
    "related|comment|sidebar|widget|recommend|popular|trending|teaser|most-read|more-stories|"
    "reply|similar|suggest|footer|read-next|also",
    re.IGNORECASE,
)
_TEASER_PARTS = ("h2", "h3", "h4", "img")


def written_times(response: TextResponse, ld: JsonLd) -> Iterator[str]:
    """Where the page may say when the story was published, best first (see the module)."""
    metas = _metas(response)
    yield from _strings(ld.article.get("datePublished"))
    yield from _named(metas, PUBLISHED_META)
    yield from _marked(response, PUBLISHED_MARKUP[:1])
    yield from _strings(*ld.values("datePublished"))
    yield from _marked(response, PUBLISHED_MARKUP[1:])
    yield from _named(metas, PUBLISHED_META_LOOSE)
    yield from _strings(*ld.values("dateCreated"))
    yield from _marked(response, (ANY_TIME,))


def updated_times(response: TextResponse, ld: JsonLd) -> Iterator[str]:
    """Where the page may say when the story was last updated, best first."""
    metas = _metas(response)
    yield from _strings(ld.article.get("dateModified"))
    yield from _named(metas, MODIFIED_META)
    yield from _marked(response, MODIFIED_MARKUP[:1])
    yield from _strings(*ld.values("dateModified"))
    yield from _marked(response, MODIFIED_MARKUP[1:])
    yield from _named(metas, MODIFIED_META_LOOSE)


def _metas(response: TextResponse) -> dict[str, list[str]]:
    """Each `<meta>`'s content under each of its names, lowercased, in document order."""
    found: dict[str, list[str]] = {}
    for meta in response.xpath("//meta[@content]"):
        content = meta.attrib["content"]
        for attribute in ("name", "property", "itemprop", "http-equiv"):
            if name := meta.attrib.get(attribute):
                found.setdefault(name.strip().lower(), []).append(content)
    return found


def _named(metas: dict[str, list[str]], names: tuple[str, ...]) -> Iterator[str]:
    for name in names:
        yield from _strings(*metas.get(name, ()))


def _marked(response: TextResponse, paths: tuple[str, ...]) -> Iterator[str]:
    """Each element's machine-readable value (`datetime`, `content`, `title`), else its text,
    for the first MAX_MARKED elements of each path that are not inside another item."""
    teasers: dict[Any, bool] = {}
    for path in paths:
        for element in response.xpath(f"({path})[position() <= {MAX_MARKED}]"):
            if _elsewhere(element.root, teasers):
                continue
            value = element.xpath(_MACHINE_VALUE).get()
            if value is None:
                value = "".join(islice(element.root.itertext(), 8))[:MAX_TEXT]
            yield from _strings(value)


def _elsewhere(element: Any, teasers: dict[Any, bool]) -> bool:
    """Whether an element lies inside another item than the story (see _OTHER_ITEMS)."""
    articles = 0
    for above in islice(element.iterancestors(), MAX_LEVELS):
        tag = above.tag if isinstance(above.tag, str) else ""
        if tag in _OTHER_ITEMS:
            return True
        names = f"{above.get('class', '')} {above.get('id', '')}"
        if names.strip() and _OTHER_NAMES.search(names):
            return True
        if tag == "article":
            articles += 1
            if articles > 1:
                return True
        elif tag == "li":
            if above not in teasers:  # (each list item's subtree searched once)
                teasers[above] = next(above.iter(*_TEASER_PARTS), None) is not None
            if teasers[above]:
                return True
    return False


def _strings(*values: Any) -> Iterator[str]:
    """The values that are non-blank strings (a JSON-LD list of times gives each)."""
    for value in values:
        if isinstance(value, list):
            yield from _strings(*value)
        elif isinstance(value, str) and value.strip():
            yield value.strip()
