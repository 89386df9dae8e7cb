"""Word-level differences between two versions of a text, readable in a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+")


def _plain(text: str, kind: str) -> str:
    return text


def word_diff(old: str, new: str, style: Callable[[str, str], str] = _plain) -> str:
    """`new` with removed words as `[-old-]` and added ones as `{+new+}` (as `git diff
    --word-diff` writes them); `style(text, kind)` may colour each part (kind: removed, added)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    parts = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append("".join(a[i1:i2]))
            continue
        if op in ("delete", "replace"):
            parts.append(style("[-" + "".join(a[i1:i2]) + "-]", "removed"))
        if op in ("insert", "replace"):
            parts.append(style("{+" + "".join(b[j1:j2]) + "+}", "added"))
    return "".join(parts)
