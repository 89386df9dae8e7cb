"""Reading an RSS 0.9x/2.0, RSS 1.0 or Atom feed into the stories it lists, in feed order.
Pure: a response in, entries out.

The feed is read by feedparser (the field's library for exactly this: it reads feeds in any
encoding their bytes, headers and declaration say, a PHP warning printed before `<?xml`, a
link with a bare `&`, HTML entities XML does not know), wrapped so nothing is lost in safety:

- the document is decoded by feedparser's own function (by its byte order mark, the
  response's Content-Type and its XML declaration, with feedparser's fallbacks), checked, and
  handed to feedparser as UTF-8 in a stream (`bytes` that look like a path it would open as a
  local file), never a URL (nor a base URL: newsmon joins links with the feed's URL itself);
- before feedparser reads anything, the document so decoded is refused when it declares an
  entity other than a character reference (`<!ENTITY nbsp "&#160;">` is read): feedparser's
  fallback parser expands text entities without bound (a 110 KB feed became 1 GB in 113 s),
  and an external one (`SYSTEM "file:///etc/passwd"`) is a request to read elsewhere. The
  search covers the whole text, so no comment, `]` or encoding hides a declaration (a literal
  `<!ENTITY` inside a CDATA section is refused too: no news feed writes one). The entities
  read are declared again as feedparser's regular expressions find them, one a line;
- HTML is not sanitised (`sanitize_html=False`, most of feedparser's time): newsmon keeps
  summaries as plain text (text.clean_summary) and titles too;
- a character reference that is no character (`&#55357;&#56832;`, a UTF-16 pair written as two
  references; `&#1114112;`) would raise inside feedparser: a pair is joined into its character,
  any other becomes U+FFFD;
- any error inside feedparser, and a document with no entries that it could not read, is a
  ParseError (`bad_feed`, with feedparser's reason), never an empty feed.

Links are only http(s), resolved against the feed's URL (and `xml:base`); the outlet then keeps
those on its hosts. Times are returned as written (`published`, else `updated`: RSS pubDate,
dc:date, Atom published/updated) for newsmon's own reader (times.read_time), which keeps a
written offset and refuses what it cannot read, where feedparser guesses.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from feedparser.encodings import convert_to_utf8
from scrapy.http import TextResponse
from w3lib.html import remove_tags, replace_entities

from newsmon.sites.base import ParseError
from newsmon.sites.text import clean_summary, squash


@dataclass(frozen=True)
class FeedEntry:
    link: str  # as the feed gives it, resolved against the feed's URL
    title: str | None
    published: str | None  # as written: RSS pubDate, Atom published/updated, dc:date
    summary: str | None


# feedparser's types of text that hold markup (its others are plain text).
_MARKUP = frozenset({"text/html", "application/xhtml+xml"})
_SCHEMES = frozenset({"http", "https"})

# --- the guard ------------------------------------------------------------------------------

# Any entity declaration, however written (XML spells it `<!ENTITY`; feedparser's fallback
# parser is less strict).
_DECLARATION = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
_CHAR_REF = r"&#(?:[xX](?P<hex>[0-9a-fA-F]{1,6})|(?P<dec>[0-9]{1,7}));"
# The one kind read: a general entity whose value is character references only.
_ALLOWED = re.compile(
    r"<!ENTITY\s+(?P<name>[A-Za-z_][\w.-]*)\s+(?P<quote>[\"'])"
    r"(?P<value>(?:&#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7});)+)(?P=quote)\s*>"
)
_REF = re.compile(_CHAR_REF)
_DOCTYPE = re.compile(r"<!DOCTYPE\s+(?P<root>[^\s\[>]+)[^\[>]*(?:\[[^\]]*\])?\s*>", re.IGNORECASE)
# What may not stand literally in an entity's value (nor in feedparser's reading of one).
_UNSAFE_IN_VALUE = frozenset("&<>\"'%")


def _code(ref: re.Match[str]) -> int:
    return int(ref["hex"], 16) if ref["hex"] else int(ref["dec"])


def _is_char(code: int) -> bool:
    """Whether XML 1.0 has this code point as a character."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _refused(text: str) -> None:
    """ParseError for a document declaring an entity newsmon does not read (the module's doc)."""
    for found in _DECLARATION.finditer(text):
        allowed = _ALLOWED.match(text, found.start())
        if allowed and all(_is_char(_code(r)) for r in _REF.finditer(allowed["value"])):
            continue
        said = squash(text[found.start() : found.start() + 80].split(">", 1)[0])
        what = (
            "an external or parameter entity"
            if re.search(r"\bSYSTEM\b|\bPUBLIC\b|%", said, re.IGNORECASE)
            else "an entity that is not a character reference"
        )
        raise ParseError(
            "feed", f"it declares XML entities ({what}: {said}>), which newsmon does not expand"
        )


def _entity_line(name: str, value: str) -> str | None:
    """A character-reference entity as feedparser reads a declaration (one a line, one
    reference or plain text); None for one it could not hold."""
    refs = list(_REF.finditer(value))
    if len(refs) == 1:
        return f'<!ENTITY {name} "{value}">'
    chars = "".join(chr(_code(r)) for r in refs)
    if _UNSAFE_IN_VALUE.isdisjoint(chars):
        return f'<!ENTITY {name} "{chars}">'
    return None


def _declared_as_feedparser_reads(text: str) -> str:
    """The document with its character-reference entities declared one a line in a DOCTYPE at a
    line's start: feedparser finds declarations with regular expressions that want them so,
    and otherwise leaves `&name;` as text."""
    declared = list(_ALLOWED.finditer(text))
    doctype = _DOCTYPE.search(text)
    if not declared or doctype is None:
        return text
    lines = [_entity_line(m["name"], m["value"]) for m in declared]
    subset = "\n".join(line for line in lines if line)
    canonical = f"\n<!DOCTYPE {doctype['root']} [\n{subset}\n]>"  # at a line's start too
    return text[: doctype.start()] + canonical + _ALLOWED.sub("", text[doctype.end() :])


# --- character references that are no characters -------------------------------------------

# A reference that may be half of a UTF-16 pair (D800-DFFF, 55296-57343; checked when read).
_SURROGATE_REF = (
    r"&#(?:[xX]0*(?P<hex{n}>[dD][89a-fA-F][0-9a-fA-F]{{2}})|0*(?P<dec{n}>5[5-7][0-9]{{3}}));"
)
_PAIR = re.compile(_SURROGATE_REF.format(n=1) + _SURROGATE_REF.format(n=2))
_ANY_REF = re.compile(r"&#(?:[xX]0*(?P<hex>[0-9a-fA-F]{1,12})|0*(?P<dec>[0-9]{1,12}));")


def _pair_code(m: re.Match[str], n: int) -> int:
    hex_ = m[f"hex{n}"]
    return int(hex_, 16) if hex_ else int(m[f"dec{n}"])


def _joined(m: re.Match[str]) -> str:
    high, low = _pair_code(m, 1), _pair_code(m, 2)
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        return f"&#{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)};"
    return m[0]


def _sound_ref(m: re.Match[str]) -> str:
    code = int(m["hex"], 16) if m["hex"] else int(m["dec"])
    return m[0] if _is_char(code) else "&#xFFFD;"


def _sound_refs(text: str) -> str:
    """Character references that name characters: a UTF-16 pair written as two references
    joined into one, any other that names none (a lone half, past U+10FFFF, NUL) U+FFFD."""
    if "&#" not in text:
        return text
    return _ANY_REF.sub(_sound_ref, _PAIR.sub(_joined, text))


def _whole(text: str) -> str:
    """Text without halves of UTF-16 pairs: two that make a pair joined, a lone one U+FFFD."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# --- reading --------------------------------------------------------------------------------


def _decoded(response: TextResponse) -> str:
    """The document as feedparser decodes it (its own function: by BOM, Content-Type and XML
    declaration, with its fallbacks). Only the Content-Type is passed: given headers without
    one, feedparser would take ISO-8859-1 (old HTTP's default) over XML's UTF-8."""
    content_type = response.headers.get(b"Content-Type")
    headers = {"content-type": content_type.decode("latin-1")} if content_type else {}
    data: bytes = convert_to_utf8(headers, response.body, {})
    return data.decode("utf-8", "replace")


def _title(entry: Any) -> str | None:
    title = entry.get("title")
    if not title:
        return None
    title = _sound_refs(title)
    if entry.get("title_detail", {}).get("type") in _MARKUP:
        title = replace_entities(remove_tags(title))
    return _whole(squash(title)) or None


def _summary(entry: Any) -> str | None:
    summary = entry.get("summary")
    if not summary:
        return None
    summary = _sound_refs(summary)
    if entry.get("summary_detail", {}).get("type") not in _MARKUP:
        summary = html.escape(summary, quote=False)  # plain text: a `<` in it is no tag
    found = clean_summary(summary)
    return _whole(found) if found else None


def _link(entry: Any, base: str) -> str | None:
    link = squash(entry.get("link"))
    if not link:
        return None
    try:
        url = urljoin(base, _whole(link))
        parts = urlsplit(url)
    except ValueError:  # `http://[x/` is no URL: an entry without a link, not a failed feed
        return None
    return url if parts.scheme in _SCHEMES and parts.hostname else None


def _published(entry: Any) -> str | None:
    for key in ("published", "updated", "created"):  # (dc:date is feedparser's `updated`)
        if value := squash(entry.get(key)):
            return _whole(value)
    return None


def parse_feed(response: TextResponse) -> list[FeedEntry]:
    """The entries with an http(s) link, in feed order. ParseError (`bad_feed`) for a feed
    refused (entity declarations) or unreadable."""
    text = _decoded(response)
    _refused(text)
    text = _sound_refs(_declared_as_feedparser_reads(text))
    try:
        parsed = feedparser.parse(
            io.BytesIO(text.encode("utf-8")),
            # Decoded already: feedparser reads the UTF-8 it gave. No base URL: feedparser would
            # join every element's URL with it (a third of its time); it keeps what `xml:base`
            # says, and `_link` joins the links newsmon reads with the feed's URL.
            response_headers={"content-type": "application/xml; charset=utf-8"},
            sanitize_html=False,
            resolve_relative_uris=False,  # the summaries' markup is dropped: no URI to mend
        )
    except Exception as exc:  # feedparser's own failures, whatever they are, fail the feed
        raise ParseError("feed", f"feedparser failed: {type(exc).__name__}: {exc}") from None
    if not parsed.entries:
        if parsed.get("bozo"):
            said = parsed.get("bozo_exception")
            raise ParseError("feed", f"no feed could be read ({said or 'not well-formed'})")
        if not parsed.get("version"):
            raise ParseError("feed", "no RSS or Atom feed could be read in it")
    entries = []
    for entry in parsed.entries:
        link = _link(entry, response.url)
        if link is None:
            continue
        entries.append(
            FeedEntry(
                link=link,
                title=_title(entry),
                published=_published(entry),
                summary=_summary(entry),
            )
        )
    if not entries and parsed.get("bozo"):
        # A broken document whose entries, as far as they could be read, hold no link: what
        # broke it is the news, not an empty feed.
        said = parsed.get("bozo_exception")
        raise ParseError("feed", f"no story link could be read ({said or 'not well-formed'})")
    return entries
