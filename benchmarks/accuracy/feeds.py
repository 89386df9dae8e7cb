"""Feeds: whether newsmon's feed reader (newsmon/sites/generic/feed.py, feedparser wrapped for
safety, with newsmon's own time reader) lists the same stories as feedparser run with its
defaults, on the same files: per feed, the entries, and per entry its link, title and instant;
every difference listed, so that each can be explained (docs/accuracy.md); and the CPU a feed
costs each.

A corpus of this kind is a folder of feed files (`*.xml`, `*.rss`, `*.atom`, `*.rdf`, searched
in its subfolders too) that holds no `eval_default.json` or `evaldata.json` (those folders are
other kinds'). Real feeds are kept as test data by feed readers (see WHERE); feedparser's own
tests/ folder adds thousands of one-feature feeds, and a `Header:` line in a file's opening
comment (its convention) is sent with it as an HTTP header to both readers. A folder holding
feedparser's `test_date_parsers.py` (its tests/) also has those date strings measured: each
read by newsmon's `read_time` and by feedparser's date parser, against the instants the test
expects.

Both readers see the same bytes and headers. newsmon keeps only entries with an http(s) link,
so feedparser's entries are compared when their link, resolved against the feed's URL, is
http(s) too (and counted all the same). A time without an offset is read in UTC, as feedparser
does (newsmon's outlets say their zone; here there is none); instants are compared to the
second, as far as feedparser's time tuples go (newsmon keeps the fraction a feed writes).
"""

from __future__ import annotations

import ast
import calendar
import difflib
import io
import re
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
from feedparser.datetimes import _parse_date as feedparser_date
from scrapy.http import XmlResponse
from w3lib.html import remove_tags, replace_entities

from newsmon.sites.base import ParseError
from newsmon.sites.generic.feed import FeedEntry, parse_feed
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.text import squash

NAME = "feeds"
WHERE = (
    "folders of real feeds kept as test data: github.com/miniflux/v2 (internal/reader/parser/"
    "testdata, internal/reader/encoding/testdata, internal/reader/xml/testdata), "
    "github.com/Ranchero-Software/NetNewsWire (Modules/RSParser/Tests/RSParserTests/Resources), "
    "github.com/kurtmckee/feedparser (tests/, or its illformed/, encoding/, wellformed/)"
)
SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf"})
OTHER_KINDS = ("eval_default.json", "evaldata.json")  # htmldate's and trafilatura's corpora
DATE_TESTS = "test_date_parsers.py"
BASE = "https://feeds.example/"  # each file's URL: its path under the corpus, on this host
_HEADER = re.compile(r"^Header:\s+([^:\n]+):(.*)$", re.MULTILINE)  # feedparser's tests
_MARKUP = frozenset({"text/html", "application/xhtml+xml"})
# The Korean forms feedparser's date tests hold write no zone; the test expects Korea's.
_KOREAN_FORMS = frozenset({"_parse_date_nate", "_parse_date_onblog"})


class Field(StrEnum):
    ENTRIES = "entries"
    LINK = "link"
    TITLE = "title"
    INSTANT = "instant"
    FEED = "feed"  # the whole feed: one reader refused or failed it


@dataclass(frozen=True)
class Difference:
    feed: str  # the file, under its corpus folder
    entry: int | None  # its place in newsmon's entries (None: the feed, or feedparser's only)
    field: Field
    newsmon: str
    feedparser: str
    written: str = ""  # for an instant: the time as the feed writes it


@dataclass
class Agreement:
    compared: int = 0
    agree: int = 0

    def add(self, same: bool) -> None:
        self.compared += 1
        self.agree += same


@dataclass
class Corpus:
    """One folder's figures."""

    feeds: int = 0
    newsmon_refused: Counter[str] = field(default_factory=Counter)  # reason -> feeds
    feedparser_failed: int = 0
    newsmon_entries: int = 0
    feedparser_entries: int = 0  # with an http(s) link
    feedparser_all_entries: int = 0
    counts: Agreement = field(default_factory=Agreement)  # feeds with as many entries
    links: Agreement = field(default_factory=Agreement)
    titles: Agreement = field(default_factory=Agreement)
    instants: Agreement = field(default_factory=Agreement)
    newsmon_seconds: float = 0.0  # CPU
    feedparser_seconds: float = 0.0


@dataclass
class DateScore:
    """One reader's answers to feedparser's date tests."""

    right: int = 0
    refused: int = 0  # a time expected, none read (newsmon: BadTime)
    wrong: int = 0  # another instant read, or one read where none is

    def as_dict(self) -> dict[str, int]:
        return {"right": self.right, "refused": self.refused, "wrong": self.wrong}


@dataclass
class Dates:
    with_instant: int = 0
    without: int = 0
    readers: dict[str, tuple[DateScore, DateScore]] = field(default_factory=dict)
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # reader, text, got, want


@dataclass
class Results:
    corpora: dict[str, Corpus] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    dates: Dates | None = None

    def as_dict(self) -> dict[str, Any]:
        corpora = {}
        for name, c in self.corpora.items():
            corpora[name] = {
                "feeds": c.feeds,
                "newsmon_refused": dict(c.newsmon_refused.most_common()),
                "feedparser_failed": c.feedparser_failed,
                "newsmon_entries": c.newsmon_entries,
                "feedparser_entries": c.feedparser_entries,
                "feedparser_all_entries": c.feedparser_all_entries,
                **{
                    f"{what}_agree": (a.agree, a.compared)
                    for what, a in (
                        ("counts", c.counts),
                        ("links", c.links),
                        ("titles", c.titles),
                        ("instants", c.instants),
                    )
                },
                "newsmon_cpu_ms_per_feed": 1000 * c.newsmon_seconds / c.feeds if c.feeds else 0,
                "feedparser_cpu_ms_per_feed": (
                    1000 * c.feedparser_seconds / c.feeds if c.feeds else 0
                ),
            }
        out: dict[str, Any] = {
            "corpora": corpora,
            "differences": [
                {
                    "feed": d.feed,
                    "entry": d.entry,
                    "field": str(d.field),
                    "newsmon": d.newsmon,
                    "feedparser": d.feedparser,
                    "written": d.written,
                }
                for d in self.differences
            ],
        }
        if self.dates is not None:
            out["dates"] = {
                "with_instant": self.dates.with_instant,
                "without": self.dates.without,
                "readers": {
                    name: {"with_instant": a.as_dict(), "without": b.as_dict()}
                    for name, (a, b) in self.dates.readers.items()
                },
                "wrong": [list(w) for w in self.dates.wrong],
            }
        return out


# --- the corpus -----------------------------------------------------------------------------


def _feed_files(corpus: Path) -> Iterator[Path]:
    for path in sorted(corpus.rglob("*")):
        if path.suffix.lower() in SUFFIXES and path.is_file():
            yield path


def recognises(corpus: Path) -> bool:
    if not corpus.is_dir() or any((corpus / other).is_file() for other in OTHER_KINDS):
        return False
    return (corpus / DATE_TESTS).is_file() or next(_feed_files(corpus), None) is not None


def _headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a feedparser test file asks to be sent with it (none for others)."""
    head = body[:2048].decode("latin-1")
    return {k.strip().lower(): v.strip() for k, v in _HEADER.findall(head)}


# --- one feed, both readers -----------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    link: str | None
    title: str | None
    instant: datetime | None


def _peer_title(entry: Any) -> str | None:
    title = entry.get("title")
    if not title:
        return None
    if entry.get("title_detail", {}).get("type") in _MARKUP:
        title = replace_entities(remove_tags(title))
    return squash(title) or None


def _peer_instant(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if (parsed := entry.get(key)) is not None:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _peer_link(entry: Any, url: str) -> str | None:
    link = squash(entry.get("link"))
    if not link:
        return None
    try:
        resolved = urljoin(url, link)
        parts = urlsplit(resolved)
    except ValueError:  # no URL, as newsmon reads it too
        return None
    return resolved if parts.scheme in ("http", "https") and parts.hostname else None


def _newsmon_instant(entry: FeedEntry) -> tuple[datetime | None, str | None]:
    """(instant, None), or (None, why) when the time written cannot be read."""
    try:
        return read_time(entry.published, UTC), None
    except BadTime as exc:
        return None, f"BadTime: {exc}"


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "(none)" if value is None else str(value)


def compare(
    name: str, body: bytes, headers: dict[str, str], corpus: Corpus, diffs: list[Difference]
) -> None:
    """Read one feed with both readers; add its figures to `corpus`, its differences to
    `diffs`."""
    url = BASE + name
    corpus.feeds += 1
    start = time.process_time()
    mine: list[FeedEntry] | None = None
    refused = failed = ""
    try:
        mine = parse_feed(XmlResponse(url, body=body, headers=headers))
    except ParseError as exc:
        corpus.newsmon_refused[exc.reason.split(" (")[0]] += 1
        refused = exc.reason
    corpus.newsmon_seconds += time.process_time() - start
    start = time.process_time()
    peers: list[Peer] | None = None
    all_peers = 0
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
        all_peers = len(parsed.entries)
        peers = [
            Peer(link, _peer_title(e), _peer_instant(e))
            for e in parsed.entries
            if (link := _peer_link(e, url)) is not None
        ]
    except Exception as exc:  # a peer that fails on a feed has read none of it
        failed = f"{type(exc).__name__}: {exc}"
        corpus.feedparser_failed += 1
    corpus.feedparser_seconds += time.process_time() - start
    corpus.feedparser_all_entries += all_peers
    if mine is None or peers is None:  # one reader (or both) read nothing of it
        same = len(mine or []) == len(peers or [])
        corpus.counts.add(same)
        corpus.newsmon_entries += len(mine or [])
        corpus.feedparser_entries += len(peers or [])
        if not same:
            diffs.append(
                Difference(
                    name,
                    None,
                    Field.FEED,
                    f"refused: {refused}" if mine is None else f"{len(mine)} entries",
                    f"failed: {failed}" if peers is None else f"{len(peers)} entries",
                )
            )
        return
    corpus.newsmon_entries += len(mine)
    corpus.feedparser_entries += len(peers)
    corpus.counts.add(len(mine) == len(peers))
    if len(mine) != len(peers):
        diffs.append(
            Difference(name, None, Field.ENTRIES, f"{len(mine)} entries", f"{len(peers)} entries")
        )
    for i, j in _pairs([e.link for e in mine], [p.link or "" for p in peers]):
        entry, peer = mine[i], peers[j]
        corpus.links.add(entry.link == peer.link)
        if entry.link != peer.link:
            diffs.append(Difference(name, i, Field.LINK, entry.link, _show(peer.link)))
        corpus.titles.add(entry.title == peer.title)
        if entry.title != peer.title:
            diffs.append(Difference(name, i, Field.TITLE, _show(entry.title), _show(peer.title)))
        instant, why = _newsmon_instant(entry)
        if instant is not None:  # compared to the second: feedparser's time tuples stop there
            instant = instant.replace(microsecond=0)
        corpus.instants.add(instant == peer.instant)
        if instant != peer.instant:
            diffs.append(
                Difference(
                    name,
                    i,
                    Field.INSTANT,
                    why or _show(instant),
                    _show(peer.instant),
                    entry.published or "",
                )
            )


def _pairs(mine: list[str], peers: list[str]) -> Iterator[tuple[int, int]]:
    """The entries of both readers paired: in order when they list as many, else by their
    links' longest common runs (what one reader lists alone is no pair)."""
    if len(mine) == len(peers):
        yield from ((i, i) for i in range(len(mine)))
        return
    matcher = difflib.SequenceMatcher(a=mine, b=peers, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            yield from zip(range(i1, i2), range(j1, j2), strict=True)


# --- feedparser's date tests ----------------------------------------------------------------


def date_cases(tests: Path) -> Iterator[tuple[str, str, tuple[int, ...] | None]]:
    """(parser's name, text, expected UTC time tuple or None) of feedparser's date tests,
    read from the test file's source (nothing of it is run)."""
    tree = ast.parse(tests.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Tuple)
            and len(node.elts) == 3
            and isinstance(node.elts[0], ast.Name)
            and node.elts[0].id.startswith("_parse_date")
        ):
            text = ast.literal_eval(node.elts[1])
            if text:  # (the empty string is no time, for every reader)
                yield node.elts[0].id, text, ast.literal_eval(node.elts[2])


def _score(score: DateScore, got: tuple[int, ...] | None, want: tuple[int, ...] | None) -> bool:
    if got == want:
        score.right += 1
        return True
    if got is None:
        score.refused += 1
        return True
    score.wrong += 1
    return False


def measure_dates(tests: Path) -> Dates:
    dates = Dates(
        readers={
            "newsmon": (DateScore(), DateScore()),
            "feedparser": (DateScore(), DateScore()),
        }
    )
    for parser, text, expected in date_cases(tests):
        want = tuple(expected[:6]) if expected else None
        dates.with_instant += want is not None
        dates.without += want is None
        zone: tzinfo = ZoneInfo("Asia/Seoul") if parser in _KOREAN_FORMS else UTC
        try:
            found = read_time(text, zone)
            mine = tuple(found.timetuple()[:6]) if found else None
        except BadTime:
            mine = None
        theirs_parsed = feedparser_date(text)
        theirs = tuple(theirs_parsed[:6]) if theirs_parsed else None
        for name, got in (("newsmon", mine), ("feedparser", theirs)):
            score = dates.readers[name][0 if want is not None else 1]
            if not _score(score, got, want):
                dates.wrong.append((name, text, _show(got), _show(want)))
    return dates


# --- all corpora ----------------------------------------------------------------------------


def measure(corpora: Iterable[Path]) -> Results:
    results = Results()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # feedparser warns on what it mends
        for folder in corpora:
            label = "/".join(folder.resolve().parts[-2:])
            for path in _feed_files(folder):
                body = path.read_bytes()
                name = path.relative_to(folder).as_posix()
                # A row per folder, and per first subfolder (feedparser's tests/ holds several).
                row = label + (f"/{name.split('/')[0]}" if "/" in name else "")
                corpus = results.corpora.setdefault(row, Corpus())
                compare(f"{label}/{name}", body, _headers(body), corpus, results.differences)
            if (folder / DATE_TESTS).is_file():
                results.dates = measure_dates(folder / DATE_TESTS)
    return results


def report(results: Results) -> str:
    d = results.as_dict()
    lines = [
        "| corpus | feeds | refused by newsmon | feedparser failed | entries newsmon / "
        "feedparser (all) | same count | links | titles | instants | CPU ms/feed newsmon / "
        "feedparser |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, c in d["corpora"].items():
        refused = sum(c["newsmon_refused"].values())
        agree = [f"{c[k][0]}/{c[k][1]}" for k in ("counts_agree", "links_agree")]
        agree += [f"{c[k][0]}/{c[k][1]}" for k in ("titles_agree", "instants_agree")]
        lines.append(
            f"| {name} | {c['feeds']} | {refused} | {c['feedparser_failed']} | "
            f"{c['newsmon_entries']} / {c['feedparser_entries']} ({c['feedparser_all_entries']})"
            f" | {' | '.join(agree)} | {c['newsmon_cpu_ms_per_feed']:.2f} / "
            f"{c['feedparser_cpu_ms_per_feed']:.2f} |"
        )
    for name, c in d["corpora"].items():
        for reason, n in c["newsmon_refused"].items():
            lines.append(f"  {name}: refused by newsmon, {reason}: {n}")
    if "dates" in d:
        dates = d["dates"]
        lines += [
            "",
            f"feedparser's date tests: {dates['with_instant']} strings with an instant, "
            f"{dates['without']} without",
            "",
            "| reader | right | refused | wrong (with an instant) | right | wrong (without) |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in dates["readers"].items():
            a, b = r["with_instant"], r["without"]
            lines.append(
                f"| {name} | {a['right']} | {a['refused']} | {a['wrong']} | "
                f"{b['right'] + b['refused']} | {b['wrong']} |"
            )
        lines += [f"  wrong, {r}: {t!r} read {g}, expected {w}" for r, t, g, w in dates["wrong"]]
    by_kind = Counter(x["field"] for x in d["differences"])
    lines += ["", f"differences: {sum(by_kind.values())} ({dict(by_kind.most_common())})"]
    for x in d["differences"]:
        where = x["feed"] + (f" #{x['entry']}" if x["entry"] is not None else "")
        written = f" (written {x['written']!r})" if x["written"] else ""
        lines.append(
            f"  {x['field']}: {where}: newsmon {x['newsmon']!r}, feedparser "
            f"{x['feedparser']!r}{written}"
        )
    return "\n".join(lines)
