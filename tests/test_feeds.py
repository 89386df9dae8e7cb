"""The generic profile's feed reader (feedparser wrapped for safety) and newsmon's time reader:
feeds written by hand in tests/feeds/ with the entries expected of each, the guard on entity
declarations, the failures a feed may end in, and times as outlets write them (issue 19, points
6 and 7)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import accuracy_figures
from scrapy.http import XmlResponse

from newsmon.sites.base import ParseError
from newsmon.sites.generic.feed import parse_feed
from newsmon.sites.generic.times import BadTime, read_time

FEEDS = Path(__file__).resolve().parent / "feeds"
URL = "https://www.meridian-herald.example/rss.xml"


def _instant(published: str | None, zone: str) -> str | None:
    try:
        found = read_time(published, ZoneInfo(zone))
    except BadTime:
        return "BadTime"
    return found.isoformat() if found else None


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.glob("*.xml")))
def test_feeds_written_by_hand(name: str) -> None:
    feed = FEEDS / name
    expected: dict[str, Any] = json.loads(feed.with_suffix(".json").read_text(encoding="utf-8"))
    response = XmlResponse(expected["url"], body=feed.read_bytes())
    got = [
        {
            "link": e.link,
            "title": e.title,
            "published": e.published,
            "instant": _instant(e.published, expected["zone"]),
            "summary": e.summary,
        }
        for e in parse_feed(response)
    ]
    assert got == expected["entries"]


def _rss(items: str, prolog: str = "", declaration: str = '<?xml version="1.0"?>') -> str:
    channel = f"<channel><title>T</title>{items}</channel>"
    return f'{declaration}{prolog}<rss version="2.0">{channel}</rss>'


ITEM = "<item><title>{}</title><link>https://www.meridian-herald.example/p/1</link></item>"


def _read(body: bytes, content_type: str | None = None) -> list[Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    return parse_feed(XmlResponse(URL, body=body, headers=headers))


def test_a_feed_in_the_encoding_its_header_says() -> None:
    body = _rss(ITEM.format("Caf\u00e9 cr\u00e8me"), declaration="").encode("latin-1")
    [entry] = _read(body, "application/rss+xml; charset=ISO-8859-1")
    assert entry.title == "Caf\u00e9 cr\u00e8me"


# --- entity declarations ----------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(10))


@pytest.mark.parametrize(
    ("body", "what"),
    [
        # A text value: what feedparser's fallback parser expands without bound.
        (_rss(ITEM.format("&x;"), '<!DOCTYPE rss [<!ENTITY x "text">]>').encode(), "character"),
        (_rss(ITEM.format("&l9;"), f"<!DOCTYPE rss [{LAUGHS}]>").encode(), "character"),
        # One character reference beside text is still text.
        (_rss(ITEM.format("&x;"), '<!DOCTYPE rss [<!ENTITY x "a&#160;">]>').encode(), "character"),
        # A reference to no character.
        (_rss(ITEM.format("&x;"), '<!DOCTYPE rss [<!ENTITY x "&#xD800;">]>').encode(), "character"),
        (
            _rss(ITEM.format("&x;"), '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
            "external",
        ),
        (_rss(ITEM.format("x"), '<!DOCTYPE rss [<!ENTITY % p SYSTEM "p.dtd"> %p;]>'), "external"),
        # Hidden in a comment: feedparser's regular expressions find declarations there too.
        (_rss(ITEM.format("&x;"), '<!--\n<!ENTITY x "text">\n-->').encode(), "character"),
        # Spelt in lower case, which XML does not read but a lenient parser may.
        (_rss(ITEM.format("&x;"), "<!DOCTYPE rss [<!entity x 'text'>]>").encode(), "character"),
        # In encodings no search of the raw bytes reads: the guard reads what feedparser reads.
        (
            _rss(
                ITEM.format("&x;"),
                '<!DOCTYPE rss [<!ENTITY x "text">]>',
                '<?xml version="1.0" encoding="UTF-16"?>',
            ).encode("utf-16"),
            "character",
        ),
        (
            _rss(
                ITEM.format("&x;"),
                '<!DOCTYPE rss [<!ENTITY x "text">]>',
                '<?xml version="1.0" encoding="utf-7"?>',
            ).encode("utf-7"),
            "character",
        ),
    ],
    ids=[
        "text",
        "billion-laughs",
        "text-and-reference",
        "no-character",
        "external",
        "parameter",
        "in-a-comment",
        "lower-case",
        "utf-16",
        "utf-7",
    ],
)
def test_entity_declarations_other_than_character_references_are_refused(
    body: str | bytes, what: str
) -> None:
    raw = body.encode() if isinstance(body, str) else body
    started = time.perf_counter()
    with pytest.raises(ParseError, match="declares XML entities") as info:
        _read(raw)
    assert info.value.kind == "bad_feed"
    assert what in str(info.value)
    assert time.perf_counter() - started < 1.0  # refused before anything is expanded


def test_an_external_dtd_is_never_read(tmp_path: Path) -> None:
    """A DOCTYPE naming a DTD on the crawling machine, which declares an entity: nothing of it
    is read (the feed is, and the reference stays text)."""
    dtd = tmp_path / "secret.dtd"
    dtd.write_text('<!ENTITY secret "THE SECRET">', encoding="utf-8")
    body = _rss(ITEM.format("A &secret; story"), f'<!DOCTYPE rss SYSTEM "{dtd.as_uri()}">')
    entries = _read(body.encode())
    assert all("SECRET" not in (e.title or "") for e in entries)


def test_bytes_that_look_like_a_path_are_a_document_not_a_file(tmp_path: Path) -> None:
    """feedparser opens a `bytes` argument naming a local file; newsmon gives it a stream."""
    feed = tmp_path / "feed.xml"
    feed.write_text(_rss(ITEM.format("From the disk")), encoding="utf-8")
    with pytest.raises(ParseError) as info:
        _read(str(feed).encode())
    assert info.value.kind == "bad_feed"


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body><p>Not a feed</p></body></html>", "no RSS or Atom feed"),
        (b"", "no feed could be read"),
        (b"<rss><channel><item><title>cut off", "no story link could be read"),
        (b'<?xml version="1.0"?><rss><channel><title>T</title><chan', "no feed could be read"),
    ],
    ids=["html-page", "empty", "cut-off-item", "cut-off"],
)
def test_a_feed_that_reads_as_nothing_is_a_failure_with_its_reason(
    body: bytes, reason: str
) -> None:
    with pytest.raises(ParseError, match=reason) as info:
        _read(body)
    assert info.value.kind == "bad_feed"


def test_a_well_formed_feed_without_items_is_empty_not_a_failure() -> None:
    assert _read(_rss("").encode()) == []


def test_a_broken_feed_with_entries_is_read() -> None:
    """feedparser's point: what can be read of a malformed feed is (here, an item cut off after
    its link)."""
    body = _rss(ITEM.format("Whole")).replace("</channel></rss>", "<item><link>/p/2</link><ti")
    entries = _read(body.encode())
    assert [e.link for e in entries] == [
        "https://www.meridian-herald.example/p/1",
        "https://www.meridian-herald.example/p/2",
    ]


# --- times --------------------------------------------------------------------------------------

SEOUL = ZoneInfo("Asia/Seoul")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An offset written is kept, whatever the outlet's zone.
        ("Mon, 25 Aug 2025 11:28:21 +0900", utc(2025, 8, 25, 2, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 +09:00", utc(2025, 8, 25, 2, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 GMT+09:00", utc(2025, 8, 25, 2, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 UTC+9", utc(2025, 8, 25, 2, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 +0000 (UTC)", utc(2025, 8, 25, 11, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 -0000", utc(2025, 8, 25, 11, 28, 21)),  # UTC, RFC 2822
        ("2025-08-25T11:28:21+09:00", utc(2025, 8, 25, 2, 28, 21)),
        ("2025-08-25 11:28:21 -00:20", utc(2025, 8, 25, 11, 48, 21)),
        # Named zones of the table, and IANA names.
        ("Mon, 25 Aug 2025 11:28:21 KST", utc(2025, 8, 25, 2, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 EDT", utc(2025, 8, 25, 15, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 GMT", utc(2025, 8, 25, 11, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 CEST", utc(2025, 8, 25, 9, 28, 21)),
        ("Mon, 25 Aug 2025 11:28:21 Europe/Paris", utc(2025, 8, 25, 9, 28, 21)),
        # No zone: the outlet's.
        ("Mon, 25 Aug 2025 11:28:21", utc(2025, 8, 25, 2, 28, 21)),
        ("2025-08-25T11:28:21", utc(2025, 8, 25, 2, 28, 21)),
        ("2025-08-25", utc(2025, 8, 24, 15, 0)),
        # Near-ISO forms, read where they are unambiguous.
        ("2020-12-05T23:15:0Z", utc(2020, 12, 5, 23, 15)),
        ("2020-12-05T16:02:50CDT", utc(2020, 12, 5, 21, 2, 50)),
        ("2020-12-05T16:02:50+02:00CET", utc(2020, 12, 5, 14, 2, 50)),
        ("2020-9-24", utc(2020, 9, 23, 15, 0)),
        ("2024/01/01", utc(2023, 12, 31, 15, 0)),  # 1 January, not 1 December
        ("2024/01/02 10:30", utc(2024, 1, 2, 1, 30)),
        ("Fri, 2006/09/15 08:19:53 EDT", utc(2006, 9, 15, 12, 19, 53)),
        ("2004-05-25 오후 11:23:17", utc(2004, 5, 25, 14, 23, 17)),
        ("2004년 05월 28일 01:31:15", utc(2004, 5, 27, 16, 31, 15)),
        # Other orders with the month's name.
        ("Thu Aug 30 2012 17:26:16 +0200", utc(2012, 8, 30, 15, 26, 16)),
        ("Sun Jul 15 01:16:00 +0000 2012", utc(2012, 7, 15, 1, 16)),
        ("August 25, 2025 11:28 AM", utc(2025, 8, 25, 2, 28)),
        ("25 August 2025, 12:05 am", utc(2025, 8, 24, 15, 5)),  # five past midnight
        ("Thu, 01 Jan 04 19:48:21 GMT", utc(2004, 1, 1, 19, 48, 21)),
        ("Wed, 02 Oct 2002 08:00:00.250 EST", utc(2002, 10, 2, 13, 0, 0, 250_000)),
        ("", None),
    ],
)
def test_times_as_outlets_write_them(text: str, expected: datetime | None) -> None:
    assert read_time(text, SEOUL) == expected


@pytest.mark.parametrize(
    "text",
    [
        "01/02/2024",  # 1 February or 2 January?
        "02.01.2024 10:00",
        "Mon, 25 Aug 2025 11:28:21 IST",  # India, Israel or Ireland?
        "Mon, 25 Aug 2025 11:28:21 BST",  # British Summer or Bangladesh?
        "Mon, 26 January 2004 16:31:00 ET",  # standard or daylight?
        "Mon, 25 Aug 2025 11:28:21 +25:00",
        "Mon, 25 Aug 2025 11:28:21 Nowhere/Land",
        "2013-01-27-01",  # `-01` is no hour
        "2013-01-28T11:30:00-06:00Textra",
        "2025-08-25/+09:00",
        "Aug 25 11:28",  # no year
        "25 Aug 25 26",
        "Sun, 16 Dec 2012 1:2:3:4 GMT",
        "13:00 PM, 25 Aug 2025",
        "2025-02-30",
        "yesterday",
        "Mon, 25 Aug 2025 11:28:21 +0900" + " " * 300 + "x",
    ],
)
def test_times_that_are_not_clear_are_refused(text: str) -> None:
    with pytest.raises(BadTime):
        read_time(text, SEOUL)


# --- the benchmark -------------------------------------------------------------------------------


def test_the_feed_benchmark_measures_every_figure(tmp_path: Path) -> None:
    """benchmarks.accuracy on a folder of feeds (these, with a date test file in feedparser's
    layout): every figure is computed, nothing here judges them (docs/accuracy.md does, on the
    public corpora)."""
    repo = Path(__file__).resolve().parents[1]
    corpus = tmp_path / "tests"
    shutil.copytree(FEEDS, corpus / "mine")
    (corpus / "test_date_parsers.py").write_text(
        "CASES = [\n"
        '    (_parse_date_rfc822, "Thu, 01 Jan 2004 19:48:21 GMT", (2004, 1, 1, 19, 48, 21)),\n'
        '    (_parse_date_w3dtf, "2003-12-31T25:14:55Z", None),\n'
        "]\n",
        encoding="utf-8",
    )
    other = tmp_path / "htmldate"
    other.mkdir()
    (other / "eval_default.json").write_text("{}", encoding="utf-8")
    shutil.copy(FEEDS / "times.xml", other)
    # (benchmarks/ is no installed package: it runs from the repository, as people run it)
    check = "from benchmarks.accuracy import feeds; import sys; from pathlib import Path; "
    check += "print([feeds.recognises(Path(a)) for a in sys.argv[1:]])"
    asked = subprocess.run(
        [sys.executable, "-c", check, str(corpus), str(other)],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert asked.stdout.strip() == "[True, False]", asked.stderr
    figures = accuracy_figures(corpus, tmp_path / "figures.json")[0]["feeds"]
    [row] = figures["corpora"].values()
    assert row["feeds"] == len(list(FEEDS.glob("*.xml")))
    assert row["newsmon_entries"] == sum(
        len(json.loads(f.read_text(encoding="utf-8"))["entries"]) for f in FEEDS.glob("*.json")
    )
    for key in ("counts_agree", "links_agree", "titles_agree", "instants_agree"):
        agree, compared = row[key]
        assert 0 <= agree <= compared, key
    assert figures["dates"]["with_instant"] == figures["dates"]["without"] == 1
    assert figures["dates"]["readers"]["newsmon"]["with_instant"]["right"] == 1
    assert figures["dates"]["readers"]["newsmon"]["without"]["wrong"] == 0
