"""Turning a page's markup into the text a reader sees, for every site's parsers."""

from __future__ import annotations

import re

from lxml import html as lxml_html
from w3lib.html import remove_tags, replace_entities

# Elements that start a new paragraph in a browser's rendering.
_BLOCKS = frozenset(
    {"p", "div", "section", "article", "blockquote", "figure", "figcaption", "pre", "table", "tr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li"}
)
_SPACES = re.compile(r"\s+")
_BREAK = "\n"
# Half of a UTF-16 pair, alone: what a JSON `\ud800` escape decodes to. It is no Unicode text,
# so no database stores it (SQLite's driver raises UnicodeEncodeError, not a database error).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def squash(text: str | None) -> str:
    """Collapse runs of white space (no-break spaces included) into one space and strip."""
    return _SPACES.sub(" ", text or "").strip()


def _render(el: lxml_html.HtmlElement, out: list[str], *, root: bool = False) -> None:
    tag = el.tag if isinstance(el.tag, str) else None
    if tag is not None:
        block = tag in _BLOCKS and not root
        if tag == "br":
            out.append(_BREAK)
        elif block:
            out.append(_BREAK * 2)
        if el.text:
            out.append(_SPACES.sub(" ", el.text))
        for child in el:
            _render(child, out)
        if block:
            out.append(_BREAK * 2)
    if el.tail and not root:
        out.append(_SPACES.sub(" ", el.tail))


def paragraphs(el: lxml_html.HtmlElement) -> list[list[str]]:
    """The text of `el` as paragraphs of lines: `<br>` ends a line, `<br><br>` or a block a
    paragraph. Source-code newlines are plain white space, as in a browser."""
    out: list[str] = []
    _render(el, out, root=True)
    paras: list[list[str]] = [[]]
    for line in "".join(out).split(_BREAK):
        line = squash(line)
        if line:
            paras[-1].append(line)
        elif paras[-1]:
            paras.append([])
    return [p for p in paras if p]


def join_paragraphs(paras: list[list[str]]) -> str:
    return "\n\n".join("\n".join(lines) for lines in paras)


_TRAILERS = re.compile(r"(?:\s*\[more\.{3}\]|\s*(?:\.{3}|…))+\s*$", re.IGNORECASE)


def clean_summary(raw: str | None) -> str | None:
    """A listing or feed summary without markup and without its trailing ` ...`/`[more...]`."""
    if not raw:
        return None
    text = _TRAILERS.sub("", squash(replace_entities(remove_tags(raw))))
    return text or None
