"""Reading an RSS 2.0, RSS 1.0 or Atom feed into the stories it lists. Pure: a response in,
entries out, in feed order."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

from newsmon.sites.base import ParseError
from newsmon.sites.text import clean_summary, squash


@dataclass(frozen=True)
class FeedEntry:
    link: str  # as the feed gives it, resolved against the feed's URL
    title: str | None
    published: str | None  # as written: RSS pubDate, Atom published/updated, dc:date
    summary: str | None


def _parser() -> etree.XMLParser:
    """An XML parser that expands no entity, loads no DTD and reaches no network or file,
    whatever the document asks: a "billion laughs" stays a few bytes, an external entity
    (`SYSTEM "file:///etc/passwd"`) stays unread. It reads the encoding the document declares
    (or its byte order mark), UTF-16 included, and mends what it can of a malformed feed."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,  # libxml2's limits on depth and text size stay on
        recover=True,
    )


# libxml2's errors in a document type declaration it could not finish reading, where entity
# declarations are made: such a feed may declare entities, and is refused like one that does.
_UNREADABLE_DTD = ("SUBSET", "ENTITY_NOT", "DOCTYPE")


def _declared_entities(root: etree._Element) -> list[str]:
    """The entities the document's own DTD declares, as the parser read it: no comment, `]` or
    encoding can hide a declaration from this, as they could from a search of the raw bytes."""
    dtd = root.getroottree().docinfo.internalDTD
    return [entity.name for entity in dtd.iterentities()] if dtd is not None else []


def parse_feed(response: TextResponse) -> list[FeedEntry]:
    """Parsed as XML whatever the Content-Type says (an HTML parser would lose `<link>` text),
    by a parser that expands no entity (`_parser`); a feed that declares entities is refused
    (ParseError), since no feed needs one and its items would lose their text."""
    parser = _parser()
    try:
        root = etree.fromstring(response.body, parser=parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:  # nothing could be mended: say what the parser found
        errors = list(parser.error_log)
        if any(word in e.type_name for e in errors for word in _UNREADABLE_DTD):
            raise ParseError(
                "feed",
                "its document type declaration cannot be read, and may declare XML entities, "
                "which newsmon does not expand",
            )
        said = f" ({errors[0].message.strip()})" if errors else ""
        raise ParseError("feed", f"no XML document could be read{said}")
    if declared := _declared_entities(root):
        raise ParseError(
            "feed",
            f"it declares XML entities (<!ENTITY {declared[0]}>), which newsmon does not expand",
        )
    feed = Selector(root=root, type="xml")
    feed.remove_namespaces()
    entries = []
    for item in feed.xpath("//item | //entry"):
        link = (
            squash(item.xpath("link/text()").get())
            or squash(item.xpath("link[@rel='alternate' or not(@rel)]/@href").get())
            or squash(item.xpath("guid[not(@isPermaLink='false')]/text()").get())
        )
        if not link:
            continue
        published = (
            next(
                (
                    squash(v)
                    for v in item.xpath("pubDate/text() | published/text() | date/text()").getall()
                ),
                None,
            )
            or squash(item.xpath("updated/text()").get())
            or None
        )
        entries.append(
            FeedEntry(
                link=response.urljoin(link),
                title=squash(item.xpath("title/text()").get()) or None,
                published=published,
                summary=clean_summary(item.xpath("description/text() | summary/text()").get()),
            )
        )
    return entries
