"""Word-level differences between two versions of a text, for a terminal and for a web page."""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Callable, Iterator
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+")


class Change(enum.StrEnum):
    SAME = "same"
    REMOVED = "removed"
    ADDED = "added"


def changes(old: str, new: str) -> Iterator[tuple[Change, str]]:
    """`old` turned into `new` as runs of words (and the white space between them), each kept,
    removed or added."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            yield Change.SAME, "".join(a[i1:i2])
            continue
        if op in ("delete", "replace"):
            yield Change.REMOVED, "".join(a[i1:i2])
        if op in ("insert", "replace"):
            yield Change.ADDED, "".join(b[j1:j2])


def _plain(text: str, change: Change) -> str:
    return text


def word_diff(old: str, new: str, style: Callable[[str, Change], str] = _plain) -> str:
    """`new` with removed words as `[-old-]` and added ones as `{+new+}` (as `git diff
    --word-diff` writes them); `style(text, change)` may colour each changed part."""
    marks = {Change.REMOVED: "[-{}-]", Change.ADDED: "{{+{}+}}"}
    return "".join(
        text if change is Change.SAME else style(marks[change].format(text), change)
        for change, text in changes(old, new)
    )


def html_diff(old: str, new: str) -> str:
    """The same as HTML: removed words in `<del>`, added ones in `<ins>`, every text escaped
    (stored titles and bodies are shown as text, never run)."""
    tags = {Change.SAME: "{}", Change.REMOVED: "<del>{}</del>", Change.ADDED: "<ins>{}</ins>"}
    return "".join(tags[change].format(html.escape(text)) for change, text in changes(old, new))


def changed_words(old: str, new: str, *, context: int = 4, limit: int = 300) -> str:
    """Only what changed, as `word_diff` marks it, with `context` words on either side and
    ` … ` for what is left out; at most `limit` characters (a notification's short form)."""
    marks = {Change.REMOVED: "[-{}-]", Change.ADDED: "{{+{}+}}"}
    runs = list(changes(old, new))
    pieces: list[str] = []
    for i, (change, text) in enumerate(runs):
        words = text.split()
        if change is not Change.SAME:
            pieces.append(marks[change].format(" ".join(words)))
            continue
        before, after = i > 0, i < len(runs) - 1  # a change comes before / after this run
        if len(words) <= (before + after) * context:
            pieces.extend(words)
            continue
        if before:
            pieces.extend(words[:context])
        if pieces or after:
            pieces.append("…")
        if after:
            pieces.extend(words[-context:])
    shown = " ".join(pieces)
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"
