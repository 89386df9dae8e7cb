"""The word diff: exact, and bounded in what it costs whatever the texts (issue 18: difflib over a
3,000-word story with a change every 50 words held the web UI up for half a minute).

What a comparison costs is measured in Python lines run, which no machine's speed changes."""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from newsmon.diff import MAX_TOKENS, TOO_LARGE, Change, changed_words, diff, html_diff, word_diff

VOCABULARY = ("the", "a", "of", "to", "and", "in", "that", "is", "was", "for", "on", "with",
              "said", "minister", "government", "budget", "assembly", "vote", "party", "ruling",
              "opposition", "president", "court", "officials", "reported")  # fmt: skip


def edited_story(words: int, every: int = 50, seed: int = 1) -> tuple[str, str]:
    """A story of `words` words in paragraphs of 100, and the same with a word changed every
    `every` words (its revision)."""
    rng = random.Random(seed)
    old = [rng.choice(VOCABULARY) + str(rng.randrange(1000) if rng.random() < 0.3 else "")
           for _ in range(words)]  # fmt: skip
    new = [w + "X" if n % every == every // 2 else w for n, w in enumerate(old)]

    def text(ws: list[str]) -> str:
        return "\n\n".join(" ".join(ws[n : n + 100]) for n in range(0, len(ws), 100))

    return text(old), text(new)


def costliest(blocks: int = 2000, seed: int = 1) -> tuple[str, str]:
    """Two texts made to cost a diff the most: a word found once every 25 (an anchor) and, in
    between, `x` and `y` at random, different in each. 50,000 words."""

    def text(rng: random.Random) -> str:
        return " ".join(
            f"u{n} " + " ".join(rng.choice("xy") for _ in range(24)) for n in range(blocks)
        )

    return text(random.Random(seed)), text(random.Random(seed + 1))


class _TooManyLines(Exception):
    pass


def lines_run(work: Callable[[], Any], limit: int) -> int:
    """How many Python lines `work()` runs; it is stopped with an error past `limit`."""
    count = 0

    def line(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > limit:
                raise _TooManyLines(f"more than {limit:,} lines")
        return line

    before = sys.gettrace()
    sys.settrace(lambda frame, event, arg: line)
    try:
        work()
    finally:
        sys.settrace(before)
    return count


def rebuilt(runs: tuple[tuple[Change, str], ...]) -> tuple[str, str]:
    old = "".join(text for change, text in runs if change is not Change.ADDED)
    new = "".join(text for change, text in runs if change is not Change.REMOVED)
    return old, new


def test_a_long_story_with_many_changes_costs_little() -> None:
    """3,000 words with a change every 50: difflib ran over 20 million lines for a third of
    it (20 s for all of it); now some 120,000."""
    old, new = edited_story(3000)
    assert lines_run(lambda: html_diff(old, new), limit=2_000_000) < 2_000_000
    found = diff(old, new)
    assert found.compared and rebuilt(found.runs) == (old, new)
    removed = [text for change, text in found.runs if change is Change.REMOVED]
    added = [text for change, text in found.runs if change is Change.ADDED]
    assert len(removed) == len(added) == 60
    assert all(b == a + "X" for a, b in zip(removed, added, strict=True))


@pytest.mark.parametrize("vocabulary", [2, 5, 30, 5000])
def test_the_runs_rebuild_both_texts(vocabulary: int) -> None:
    rng = random.Random(vocabulary)
    for _ in range(150):
        words = [str(rng.randrange(vocabulary)) for _ in range(rng.randrange(300))]
        old = " ".join(words)
        for _ in range(rng.randrange(12)):
            at = rng.randrange(len(words) + 1)
            if rng.random() < 0.4:
                words.insert(at, str(rng.randrange(vocabulary)))
            elif at < len(words):
                words[at] = words[at] + "!" if rng.random() < 0.5 else ""
        new = rng.choice((" ", "  ", "\n\n")).join(words)
        found = diff(old, new)
        assert found.compared and rebuilt(found.runs) == (old, new)
        kinds = [change for change, _ in found.runs]
        assert all(a != b for a, b in itertools.pairwise(kinds)), found.runs


def test_what_changed_is_marked_word_by_word() -> None:
    assert html_diff("Ministers Questioned Over Defense Delays", "Ministers Questioned Over "
                     "Helicopter Delays") == (
        "Ministers Questioned Over <del>Defense</del><ins>Helicopter</ins> Delays"
    )  # fmt: skip
    assert word_diff("a <b> c", "a <b> d e") == "a <b> [-c-]{+d e+}"
    assert html_diff("a <b>", "a <b> c") == "a &lt;b&gt;<ins> c</ins>"
    assert changed_words("one two three", "one two three") == ""
    old, new = edited_story(300)
    shown = changed_words(old, new)
    # six changes: the first ones, each with a few words around it, in 300 characters
    assert len(shown) == 300 and shown.count("{+") >= 3 and shown.endswith("…")


def test_texts_beyond_the_bounds_are_shown_whole_and_say_so() -> None:
    """Texts made to cost the most stop at the bound on work (some 10 million lines, about a
    second); texts over MAX_TOKENS are not compared at all."""
    old, new = costliest()
    found = None

    def compare() -> None:
        nonlocal found
        found = diff(old, new)

    assert lines_run(compare, limit=30_000_000) < 30_000_000
    assert found is not None and not found.compared
    assert found.runs == ((Change.REMOVED, old), (Change.ADDED, new))
    assert found.too_large() == f"{TOO_LARGE} (50,000 words before, 50,000 after)"
    assert changed_words(old, new) == f"({found.too_large()})"
    assert word_diff(old, new) == f"({found.too_large()})\n[-{old}-]{{+{new}+}}"
    huge = "word " * (MAX_TOKENS // 2)
    assert lines_run(lambda: diff(huge, huge + "more"), limit=1000) < 1000
    assert not diff(huge, huge + "more").compared
    assert diff("", huge).runs == ((Change.ADDED, huge),)
