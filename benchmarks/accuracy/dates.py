"""Written days: how often newsmon's generic profile reads a page's publication day right,
beside htmldate on the same pages: written-day accuracy, precision and coverage, and the stories
a crawl would store or lose, by the kind of failure it would record.

A corpus of this kind holds `eval_default.json` (URL -> {"file", "date"}, the gold day) and the
pages it names under `eval/`, `cache/` or `test_set/`, plain or gzip'd (`NAME.gz`): the layout of
htmldate's tests/ folder (github.com/adbar/htmldate, tests/), which stays out of this
repository (tests/test_accuracy.py lays newsmon's own saved pages out so). Only
eval_default.json is read: htmldate's eval_mediacloud_2020 set is
kept aside for an independent check, and any of its pages is skipped even if listed.

Figures, over the pages of all such corpora:
  accuracy  = right day / all pages
  precision = right day / pages answered (a date given)
  coverage  = pages answered / all pages
"""

from __future__ import annotations

import gzip
import json
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from newsmon.charsets import sound_text
from newsmon.config import load_text
from newsmon.instants import FURTHEST_AHEAD, FURTHEST_BEHIND
from newsmon.items import Discovery, Story
from newsmon.kinds import FailureKind, Precision
from newsmon.pipelines import InvalidStory, ValidatePipeline
from newsmon.sites.base import Outlet, ParseError, StoryKey
from newsmon.sites.generic.urls import clean_url

GOLD = "eval_default.json"
# Never measured here: htmldate's second set, kept for an independent check of what is tuned here.
ASIDE = "eval_mediacloud_2020.json"
PAGE_DIRS = ("eval", "cache", "test_set")
NAME = "written days"
WHERE = "the tests/ folder of github.com/adbar/htmldate (eval_default.json and tests/eval/)"

# UTC: the pages come from outlets of many zones, which the corpus does not name (see Answer).
OUTLET = load_text(
    """
[[outlets]]
name = "accuracy"
site = "generic"
feed = "https://accuracy.example/feed.xml"
section = "All"
timezone = "UTC"
"""
).outlets[0]

# What a crawl knows of a page before fetching it when no feed listed it.
NO_FEED = Discovery(section="All")


@dataclass(frozen=True)
class Case:
    url: str
    gold: date
    html: bytes


@dataclass(frozen=True)
class Answer:
    """A reader's answer for a page: a day (htmldate; newsmon when the page gave only a day), or
    an instant (newsmon). The gold is the day as the page's own readers saw it, in the outlet's
    zone, which the corpus does not say: an instant fits a gold day when that day is its day in
    some zone in use (UTC-12 to UTC+14). An instant written `2023-11-09T01:09:55Z` by a Denver
    paper is right for its gold 2023-11-08; as a UTC day it would be counted wrong."""

    day: date
    instant: datetime | None = None

    def fits(self, gold: date) -> bool:
        if self.instant is None:
            return self.day == gold
        start = datetime.combine(gold, time(), tzinfo=UTC)
        return start - FURTHEST_AHEAD <= self.instant < start + timedelta(days=1) + FURTHEST_BEHIND


@dataclass
class Score:
    """One reader's answers over the pages."""

    pages: int = 0
    answered: int = 0
    right: int = 0

    def add(self, found: Answer | None, gold: date) -> None:
        self.pages += 1
        if found is not None:
            self.answered += 1
            self.right += found.fits(gold)

    @property
    def accuracy(self) -> float:
        return self.right / self.pages if self.pages else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 0.0

    @property
    def coverage(self) -> float:
        return self.answered / self.pages if self.pages else 0.0


@dataclass
class Results:
    readers: dict[str, Score] = field(default_factory=dict)
    stored: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    # Right, on another UTC day than the gold's (the outlet's zone is not UTC).
    utc_day_off: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.readers["newsmon"].pages if self.readers else 0,
            "readers": {
                name: {
                    "pages": s.pages,
                    "answered": s.answered,
                    "right": s.right,
                    "accuracy": s.accuracy,
                    "precision": s.precision,
                    "coverage": s.coverage,
                }
                for name, s in self.readers.items()
            },
            "stored": self.stored,
            "lost": dict(self.lost.most_common()),
            "utc_day_off": self.utc_day_off,
        }


def _read(path: Path) -> bytes | None:
    if path.is_file():
        return path.read_bytes()
    packed = path.with_name(path.name + ".gz")
    if packed.is_file():
        return gzip.decompress(packed.read_bytes())
    return None


def cases(corpus: Path) -> Iterator[Case]:
    """The pages of `corpus` with their gold day, minus htmldate's set kept aside."""
    gold_file = corpus / GOLD
    if not gold_file.is_file():
        raise FileNotFoundError(f"no {GOLD} in {corpus}: get the corpus from {WHERE}")
    aside: set[str] = set()
    if (corpus / ASIDE).is_file():
        aside = {v["file"] for v in json.loads((corpus / ASIDE).read_text("utf-8")).values()}
    for url, entry in json.loads(gold_file.read_text("utf-8")).items():
        if entry["file"] in aside:
            continue
        html = next(
            (b for d in PAGE_DIRS if (b := _read(corpus / d / entry["file"])) is not None), None
        )
        if html is None:
            raise FileNotFoundError(f"{entry['file']} of {GOLD} is missing in {corpus}")
        yield Case(url, date.fromisoformat(entry["date"]), html)


def crawl_story(outlet: Outlet, url: str, html: bytes, discovery: Discovery = NO_FEED) -> Story:
    """The page as a crawl reads it: a Scrapy response decoded as newsmon decodes it, the
    profile's parser, then the store's validation. By default no feed stands behind these
    pages, so there is no listed time to fall back on. Raises ParseError or InvalidStory (each
    has `kind`)."""
    # No encoding given: a crawl has only the headers (none here) and the page's own <meta>.
    response = HtmlResponse(url=url, body=html)
    key = StoryKey("", clean_url(url) or url)
    story = outlet.parse_story(sound_text(response), key, discovery)
    checked: Story = ValidatePipeline().process_item(story)
    return checked


def newsmon_day(outlet: Outlet, case: Case) -> tuple[Answer | None, str | None]:
    """(written time, None) for a stored story; (None, failure kind) for a lost one."""
    try:
        story = crawl_story(outlet, case.url, case.html)
    except (ParseError, InvalidStory) as exc:
        return None, str(exc.kind)
    except Exception:  # a crawl records any other error as a failed page too
        return None, str(FailureKind.UNEXPECTED)
    assert story.written_at is not None  # the validation fills or refuses it
    day = story.written_at.astimezone(UTC).date()
    exact = story.written_precision is Precision.SECOND
    return Answer(day, story.written_at if exact else None), None


def htmldate_day(case: Case, *, extensive: bool) -> date | None:
    from htmldate import find_date  # only the benchmark needs it (the bench extra)

    try:
        found = find_date(case.html, extensive_search=extensive, original_date=True)
    except Exception:  # a reader that fails on a page has not answered it
        return None
    return date.fromisoformat(found) if found else None


def measure(corpora: Iterable[Path]) -> Results:
    results = Results(
        readers={"newsmon": Score(), "htmldate fast": Score(), "htmldate extensive": Score()}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # htmldate and lxml warn on malformed pages
        for corpus in corpora:
            for case in cases(corpus):
                answer, lost = newsmon_day(OUTLET, case)
                results.readers["newsmon"].add(answer, case.gold)
                if lost is None:
                    results.stored += 1
                    assert answer is not None
                    results.utc_day_off += answer.fits(case.gold) and answer.day != case.gold
                else:
                    results.lost[lost] += 1
                for name, extensive in (("htmldate fast", False), ("htmldate extensive", True)):
                    day = htmldate_day(case, extensive=extensive)
                    results.readers[name].add(Answer(day) if day else None, case.gold)
    return results


def report(results: Results) -> str:
    d = results.as_dict()
    lines = [
        f"pages: {d['pages']}",
        "",
        "| reader | accuracy | precision | coverage | right / answered / pages |",
        "|---|---|---|---|---|",
    ]
    for name, s in d["readers"].items():
        lines.append(
            f"| {name} | {s['accuracy']:.3f} | {s['precision']:.3f} | {s['coverage']:.3f} "
            f"| {s['right']} / {s['answered']} / {s['pages']} |"
        )
    lines += ["", f"newsmon stories stored: {d['stored']}, lost: {sum(d['lost'].values())}"]
    lines += [f"  lost, {kind}: {n}" for kind, n in d["lost"].items()]
    lines.append(f"  right on another UTC day than the gold's: {d['utc_day_off']}")
    return "\n".join(lines)


def recognises(corpus: Path) -> bool:
    return (corpus / GOLD).is_file()
