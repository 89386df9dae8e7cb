"""Story bodies: how much of a page's main text newsmon's generic profile stores, and how little
of its boilerplate, beside trafilatura's own extraction of the same pages, with trafilatura's
own metric; the stories a crawl would store or lose, by the kind of failure it would record; and
the CPU a page costs newsmon against trafilatura's extraction alone.

A corpus of this kind holds `evaldata.json` (URL -> {"file", "with", "without"}: up to six
snippets the main text must hold, and up to six of the page's boilerplate it must not) and the
pages it names under `cache/` or `eval/`, plain or gzip'd (`NAME.gz`): the layout of
trafilatura's tests/ folder (github.com/adbar/trafilatura, tests/), which stays out of this
repository (tests/test_accuracy.py lays newsmon's own saved pages out so).

The metric is trafilatura's (tests/eval_common.py there): a snippet counts when its
white-space-normalised text is in the white-space-normalised output; over all pages, a "with"
snippet found is a true positive, one missed a false negative, a "without" snippet found a
false positive, one left out a true negative. A page without output misses all its "with"
snippets. precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic mean.

newsmon's output is the stored story's body alone: a crawl stores the headline apart, in the
title, and trafilatura's text output has no title field either (and the gold does not favour
either way: 15 of its pages' titles hold a "with" snippet, 20 a "without" one).
"""

from __future__ import annotations

import json
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.accuracy.dates import OUTLET, _read, crawl_story
from newsmon.items import Discovery, Story
from newsmon.kinds import FailureKind
from newsmon.pipelines import InvalidStory
from newsmon.sites.base import ParseError

GOLD = "evaldata.json"
PAGE_DIRS = ("cache", "eval")  # trafilatura's own order of lookup
NAME = "story bodies"
WHERE = (
    "the tests/ folder of github.com/adbar/trafilatura (evaldata.json and the pages in "
    "tests/eval/ and tests/cache/)"
)
# As a feed lists each story: a page without a time of its own takes the feed's, so that it is
# not lost for that here, where what is measured is the body.
LISTED = Discovery(section="All", listed_at=datetime(2026, 12, 1, tzinfo=UTC))
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Case:
    url: str
    html: bytes
    with_: tuple[str, ...]
    without: tuple[str, ...]


@dataclass
class Score:
    """One reader's output over the pages, counted as trafilatura's evaluation counts it."""

    pages: int = 0
    empty: int = 0  # pages it gave no text for
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    cpu: float = 0.0  # seconds, time.process_time

    def add(self, case: Case, text: str | None, cpu: float) -> None:
        self.pages += 1
        self.cpu += cpu
        found = _norm(text or "")
        if not found:
            self.empty += 1
        tp = sum(1 for s in case.with_ if found and _norm(s) in found)
        fp = sum(1 for s in case.without if found and _norm(s) in found)
        self.tp += tp
        self.fp += fp
        self.fn += len(case.with_) - tp
        self.tn += len(case.without) - fp

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.pages if self.pages else 0.0


@dataclass
class Results:
    readers: dict[str, Score] = field(default_factory=dict)
    stored: int = 0
    lost: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        base = self.readers.get(BASELINE)
        return {
            "pages": self.readers[NEWSMON].pages if self.readers else 0,
            "readers": {
                name: {
                    "pages": s.pages,
                    "without_text": s.empty,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                    "tn": s.tn,
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "cpu_ms_per_page": s.cpu_ms,
                    # against trafilatura's default extraction of the same pages
                    "cpu_ratio": s.cpu / base.cpu if base and base.cpu else 0.0,
                }
                for name, s in self.readers.items()
            },
            "stored": self.stored,
            "lost": dict(self.lost.most_common()),
        }


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def cases(corpus: Path) -> Iterator[Case]:
    """The pages of `corpus` with their gold snippets."""
    gold_file = corpus / GOLD
    if not gold_file.is_file():
        raise FileNotFoundError(f"no {GOLD} in {corpus}: get the corpus from {WHERE}")
    for url, entry in json.loads(gold_file.read_text("utf-8")).items():
        html = next(
            (b for d in PAGE_DIRS if (b := _read(corpus / d / entry["file"])) is not None), None
        )
        if html is None:
            raise FileNotFoundError(f"{entry['file']} of {GOLD} is missing in {corpus}")
        yield Case(url, html, tuple(entry["with"]), tuple(entry["without"]))


def newsmon_body(case: Case) -> tuple[str | None, str | None]:
    """(body, None) for a stored story; (None, failure kind) for a lost one."""
    try:
        story: Story = crawl_story(OUTLET, case.url, case.html, LISTED)
    except (ParseError, InvalidStory) as exc:
        return None, str(exc.kind)
    except Exception:  # a crawl records any other error as a failed page too
        return None, str(FailureKind.UNEXPECTED)
    return story.body, None


def _trafilatura(**options: Any) -> Callable[[bytes], str | None]:
    def run(html: bytes) -> str | None:
        import trafilatura

        try:
            text: str | None = trafilatura.extract(html, **options)
        except Exception:  # an extractor that fails on a page has given no text
            return None
        return text

    return run


NEWSMON = "newsmon"
BASELINE = "trafilatura default"
# trafilatura's default extraction, and the options of its own evaluation (comments off,
# tables on: EXTRACT_OPTS in its tests/eval_common.py).
OTHERS = {
    BASELINE: _trafilatura(),
    "trafilatura, its options": _trafilatura(
        include_comments=False, include_tables=True, include_formatting=False
    ),
}


def measure(corpora: Iterable[Path]) -> Results:
    import trafilatura  # loaded before the clock runs: loading it is no page's cost

    trafilatura.extract("<html><body><p>warm</p></body></html>")
    results = Results(readers={NEWSMON: Score(), **{name: Score() for name in OTHERS}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lxml and trafilatura warn on malformed pages
        for corpus in corpora:
            for case in cases(corpus):
                start = time.process_time()
                body, lost = newsmon_body(case)
                results.readers[NEWSMON].add(case, body, time.process_time() - start)
                if lost is None:
                    results.stored += 1
                else:
                    results.lost[lost] += 1
                for name, run in OTHERS.items():
                    start = time.process_time()
                    text = run(case.html)
                    results.readers[name].add(case, text, time.process_time() - start)
    return results


def report(results: Results) -> str:
    d = results.as_dict()
    lines = [
        f"pages: {d['pages']}",
        "",
        "| reader | precision | recall | F1 | pages without text | CPU per page | CPU ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in d["readers"].items():
        lines.append(
            f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} "
            f"| {s['without_text']} | {s['cpu_ms_per_page']:.1f} ms | {s['cpu_ratio']:.2f}× |"
        )
    lines += [
        "",
        f"CPU ratio: against {BASELINE} on the same pages (newsmon's: the whole page parse).",
        "",
        f"newsmon stories stored: {d['stored']}, lost: {sum(d['lost'].values())}",
    ]
    lines += [f"  lost, {kind}: {n}" for kind, n in d["lost"].items()]
    return "\n".join(lines)


def recognises(corpus: Path) -> bool:
    return (corpus / GOLD).is_file()
