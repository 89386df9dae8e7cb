"""Word-level differences between two versions of a text, for a terminal and for a web page.

Any site can serve a story of any length, and the web UI and alerts compare its revisions, so
what a comparison costs is bounded, whatever the texts. difflib's SequenceMatcher alone costs
about the square of the words or worse (a 3,000-word story with a change every 50 words took
20 s, 5,000 words over three minutes), so it is only given the short stretches between anchors:
first the common start and end are set aside, then the words found exactly once in each version
are matched in order (patience diff, as `git diff --patience`: near-linear; where no word is
unique, those found as often in each), and the same is done again between each two of those.
A comparison that would still cost more than `_WORK` steps, or texts of more than `MAX_TOKENS`
words and spaces, are not compared word by word: the result is then the whole of the old text
removed and the whole of the new one added, and says so (`Diff.compared` is False).
"""

from __future__ import annotations

import enum
import html
import re
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+")
# Words and runs of white space, each a token, in the two texts together: past this (some
# 200,000 words, 1.3 MB of English, far beyond any story), they are not compared at all.
MAX_TOKENS = 400_000
# Steps (tokens looked at, or pairs difflib may weigh) one comparison may take in all: about a
# second at most. A story with a change every 50 words takes some 14 a word, so one of
# MAX_TOKENS fits; texts made to cost the most (50,000 words of `x` and `y` between anchors)
# run out.
_WORK = 4_000_000
# A stretch between anchors whose two sides' lengths multiply to at most this goes to difflib,
# which finds the best match within it (its cost grows with that product).
_SMALL = 2_500


TOO_LARGE = "too large to compare word by word"


class Change(enum.StrEnum):
    SAME = "same"
    REMOVED = "removed"
    ADDED = "added"


@dataclass(frozen=True)
class Diff:
    """`old` turned into `new` as runs of words (and the white space between them), each kept,
    removed or added. Not `compared`: too large to compare word by word, the runs are all of
    `old` removed and all of `new` added."""

    runs: tuple[tuple[Change, str], ...]
    compared: bool
    words: tuple[int, int]  # in `old` and in `new`

    def too_large(self) -> str:
        """Why the texts were not compared word by word."""
        old, new = self.words
        return f"{TOO_LARGE} ({old:,} words before, {new:,} after)"


class _TooMuchWork(Exception):
    pass


class _Budget:
    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise _TooMuchWork


def _anchors(
    a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Tokens to match a[alo:ahi] and b[blo:bhi] by, as pairs of positions: the longest run in
    the same order in both (patience sorting) of the tokens found exactly once in each; when
    there are none, of the tokens found as often in each, the first in one paired with the
    first in the other, and so on."""
    in_a: dict[Hashable, list[int]] = {}
    for i in range(alo, ahi):
        in_a.setdefault(a[i], []).append(i)
    in_b: dict[Hashable, list[int]] = {}
    for j in range(blo, bhi):
        in_b.setdefault(b[j], []).append(j)
    for unique in (True, False):
        pairs = sorted(
            pair
            for token, found in in_a.items()
            if len(found) == len(there := in_b.get(token, ())) and (len(found) == 1 or not unique)
            for pair in zip(found, there, strict=True)
        )
        chain = _longest_increasing(pairs)
        if chain:
            return chain
    return []


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of `pairs` (sorted by their first) whose seconds increase too."""
    tops: list[int] = []  # the second of the pair on top of each pile
    top_pair: list[int] = []  # index in `pairs` of that top
    back: list[int] = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        if pile:
            back[n] = top_pair[pile - 1]
        if pile == len(tops):
            tops.append(j)
            top_pair.append(n)
        else:
            tops[pile] = j
            top_pair[pile] = n
    chain: list[tuple[int, int]] = []
    n = top_pair[-1] if top_pair else -1
    while n >= 0:
        chain.append(pairs[n])
        n = back[n]
    chain.reverse()
    return chain


def _matched(
    a: Sequence[Hashable], b: Sequence[Hashable], budget: _Budget
) -> list[tuple[int, int]]:
    """Pairs of positions (in `a`, in `b`) of the tokens kept, in order."""
    kept: list[tuple[int, int]] = []
    stretches = [(0, len(a), 0, len(b))]  # a work list, not recursion: stretches may nest deep
    while stretches:
        alo, ahi, blo, bhi = stretches.pop()
        start = alo
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            kept.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
            kept.append((ahi, bhi))
        budget.spend(1 + (alo - start) + (ahi - alo) + (bhi - blo))
        if alo == ahi or blo == bhi:
            continue
        if (ahi - alo) * (bhi - blo) <= _SMALL:
            budget.spend((ahi - alo) * (bhi - blo))
            blocks = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, size in blocks.get_matching_blocks():
                kept.extend((alo + i + k, blo + j + k) for k in range(size))
            continue
        budget.spend(2 * ((ahi - alo) + (bhi - blo)))
        anchors = _anchors(a, alo, ahi, b, blo, bhi)
        # Between each two anchors (and before the first, after the last) the same again; a
        # long stretch with no anchor at all (no token found as often on either side) stays
        # one replacement.
        for i, j in anchors:
            kept.append((i, j))
            stretches.append((alo, i, blo, j))
            alo, blo = i + 1, j + 1
        if anchors:
            stretches.append((alo, ahi, blo, bhi))
    kept.sort()
    return kept


def diff(old: str, new: str) -> Diff:
    """`old` turned into `new`, word by word when that is within bounds (see the module)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    words = (len(old.split()), len(new.split()))
    whole = tuple(
        (change, text) for change, text in ((Change.REMOVED, old), (Change.ADDED, new)) if text
    )
    if len(a) + len(b) > MAX_TOKENS:
        return Diff(whole, compared=False, words=words)
    try:
        kept = _matched(a, b, _Budget(_WORK))
    except _TooMuchWork:
        return Diff(whole, compared=False, words=words)
    return Diff(tuple(_runs(a, b, kept)), compared=True, words=words)


def _runs(a: list[str], b: list[str], kept: list[tuple[int, int]]) -> Iterator[tuple[Change, str]]:
    i = j = 0
    same: list[str] = []
    for ki, kj in [*kept, (len(a), len(b))]:
        if ki > i or kj > j:
            if same:
                yield Change.SAME, "".join(same)
                same = []
            if ki > i:
                yield Change.REMOVED, "".join(a[i:ki])
            if kj > j:
                yield Change.ADDED, "".join(b[j:kj])
        if ki < len(a):
            same.append(a[ki])
        i, j = ki + 1, kj + 1
    if same:
        yield Change.SAME, "".join(same)


def changes(old: str, new: str) -> tuple[tuple[Change, str], ...]:
    """`old` turned into `new` as runs of words (and the white space between them), each kept,
    removed or added."""
    return diff(old, new).runs


def _plain(text: str, change: Change) -> str:
    return text


def word_diff(old: str, new: str, style: Callable[[str, Change], str] = _plain) -> str:
    """`new` with removed words as `[-old-]` and added ones as `{+new+}` (as `git diff
    --word-diff` writes them); `style(text, change)` may colour each changed part. Texts too
    large to compare are both shown whole, after a line saying so."""
    marks = {Change.REMOVED: "[-{}-]", Change.ADDED: "{{+{}+}}"}
    found = diff(old, new)
    return ("" if found.compared else f"({found.too_large()})\n") + "".join(
        text if change is Change.SAME else style(marks[change].format(text), change)
        for change, text in found.runs
    )


def html_runs(runs: Sequence[tuple[Change, str]]) -> str:
    """Runs as HTML: removed words in `<del>`, added ones in `<ins>`, every text escaped
    (stored titles and bodies are shown as text, never run)."""
    tags = {Change.SAME: "{}", Change.REMOVED: "<del>{}</del>", Change.ADDED: "<ins>{}</ins>"}
    return "".join(tags[change].format(html.escape(text)) for change, text in runs)


def html_diff(old: str, new: str) -> str:
    """The same as HTML (see `html_runs`)."""
    return html_runs(changes(old, new))


def changed_words(old: str, new: str, *, context: int = 4, limit: int = 300) -> str:
    """Only what changed, as `word_diff` marks it, with `context` words on either side and
    ` … ` for what is left out; at most `limit` characters (a notification's short form)."""
    compared = diff(old, new)
    if not compared.compared:
        return f"({compared.too_large()})"
    marks = {Change.REMOVED: "[-{}-]", Change.ADDED: "{{+{}+}}"}
    runs = compared.runs
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
