"""Hostile pages and fields (issue 18): each fails only its own story, recorded in `failures`
with its URL and a clear kind, while the rest of its feed and every other outlet read as if it
were not there; and what a page says reaches a terminal or a log with its control characters,
escape sequences and direction overrides shown, not obeyed."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import newsmon, outlets_crawler, summary
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, XmlResponse
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from newsmon import signals as newsmon_signals
from newsmon.account import summary_line
from newsmon.cli import main
from newsmon.config import load_text
from newsmon.db.crawl import CrawlDatabase
from newsmon.db.engine import Access, open_engine
from newsmon.db.models import RunRow
from newsmon.db.store import record_failure, record_story
from newsmon.demo.meridian import FEED_PATH, TIMEZONE, MeridianSite
from newsmon.demo.run import FAST
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite, Page
from newsmon.items import Discovery, PageFailure, Story
from newsmon.kinds import PageKind, RunStatus, Stage
from newsmon.ledger import RunLedger
from newsmon.logs import _Format
from newsmon.pipelines import InvalidStory, StorePipeline, ValidatePipeline
from newsmon.sites.base import IndexPage, ParseError, StoryKey
from newsmon.sites.generic.times import BadTime, read_time
from newsmon.sites.kbs.article import parse_article
from newsmon.sites.kbs.listing import parse_feed as kbs_feed
from newsmon.sites.kbs.times import parse_rfc822
from newsmon.spiders.outlets import OutletSpider

HOST = "https://www.meridian-herald.example"
GENERIC = load_text(
    f'[[outlets]]\nname = "meridian"\nsite = "generic"\nfeed = "{HOST}/politics/rss.xml"\n'
).outlets[0]
WORDS = " ".join(["word"] * 40)
# A year of twenty digits: datetime cannot hold it (OverflowError, not ValueError).
HUGE_YEAR = "Mon, 25 Aug 99999999999999999999 11:28:21 +0900"
# What a terminal would obey: set its title (OSC 0), write the clipboard (OSC 52), clear the
# screen (CSI 2J), a C1 control sequence introducer, and text turned right to left.
PAGE_ESCAPES = "\x1b]0;owned\x07 \x1b]52;c;ZXZpbA==\x07 \x1b[2J \u202egnp.exe\u202c \u2066x\u2069"
# (A page holding a C1 control is read as mojibake, `bad_encoding`: the record has it otherwise.)
ESCAPES = PAGE_ESCAPES + " \x9b31m"
OBEYED = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069")


def obeyed(text: str) -> list[str]:
    """The characters of `text` a terminal would act on rather than show."""
    return [c for c in OBEYED if c in text]


def _page(head: str) -> HtmlResponse:
    html = f"<html><head>{head}</head><body><h1>T</h1><article><p>{WORDS}</p></article></body>"
    return HtmlResponse(url=f"{HOST}/p/1", body=html.encode(), encoding="utf-8")


def _json_ld(block: str) -> HtmlResponse:
    return _page(
        f'<script type="application/ld+json">{block}</script>'
        '<meta property="article:published_time" content="2026-11-20T00:15:00Z">'
    )


def _read(response: HtmlResponse) -> Story:
    return GENERIC.parse_story(response, StoryKey("", f"{HOST}/p/1"), Discovery())


# --- JSON-LD nested too deep --------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        "[" * 200_000 + "]" * 200_000,  # what raised RecursionError
        '{"@type": "NewsArticle", "about": ' + "[" * 100 + "]" * 100 + "}",
        "{" * 5000,  # deep and unbalanced: never handed to the JSON decoder
        "&#91;" * 200_000 + "&#93;" * 200_000,  # as deep once its entities are read
    ],
)
def test_json_ld_nested_too_deep_fails_its_story(block: str) -> None:
    with pytest.raises(ParseError) as info:
        _read(_json_ld(block))
    assert info.value.kind == "too_deep"
    assert "nested deeper than" in str(info.value)


def test_json_ld_nested_as_deep_as_a_page_needs_is_read() -> None:
    about = "[" * 30 + '"x"' + "]" * 30
    block = f'{{"@type": "NewsArticle", "headline": "Deep but fine", "about": {about}}}'
    assert _read(_json_ld(block)).title == "Deep but fine"
    # brackets inside strings are text, not nesting
    strings = '"' + "[" * 5000 + '"'
    block = f'{{"@type": "NewsArticle", "headline": "Brackets", "alternativeHeadline": {strings}}}'
    assert _read(_json_ld(block)).title == "Brackets"


# --- times out of range -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", [HUGE_YEAR, "Fri, 31 Dec 9999 23:00:00 -0500", "0001-01-01T00:00:00+09:00"]
)
def test_times_out_of_range_are_bad_times(text: str) -> None:
    with pytest.raises(BadTime):
        read_time(text, UTC)
    page = _page(f'<meta property="article:published_time" content="{text}">')
    with pytest.raises(ParseError) as info:
        _read(page)
    assert info.value.kind == "bad_written_at"


def test_an_unreadable_time_gives_way_to_the_next_that_reads() -> None:
    # JSON-LD in a near-ISO form a parser refuses, the meta tag clean: the meta tag's time.
    block = '{"@type": "NewsArticle", "headline": "T", "datePublished": "2026-11-20T00:15:0Z"}'
    assert _read(_json_ld(block)).written_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)


def test_an_unreadable_updated_time_is_no_update_and_loses_no_story() -> None:
    page = _page(
        '<meta property="article:published_time" content="2026-11-20T00:15:00Z">'
        f'<meta property="article:modified_time" content="{HUGE_YEAR}">'
    )
    story = _read(page)
    assert story.written_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)
    assert story.updated_at is None


def test_a_feed_entry_s_time_out_of_range_loses_only_that_time() -> None:
    items = "".join(
        f"<item><link>{HOST}/p/{n}</link><pubDate>{when}</pubDate></item>"
        for n, when in enumerate(
            ["Mon, 25 Aug 2025 11:28:21 +0900", HUGE_YEAR, "Mon, 25 Aug 2025 12:28:21 +0900"]
        )
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    feed = XmlResponse(url=f"{HOST}/politics/rss.xml", body=body.encode())
    entries = GENERIC.read_index(IndexPage(PageKind.FEED, feed.url), feed)
    assert [e.key.article_id for e in entries] == [f"{HOST}/p/{n}" for n in range(3)]
    assert [e.listed_at is None for e in entries] == [False, True, False]


KBS_STORY = "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={}"


def test_kbs_times_out_of_range_are_bad_times() -> None:
    # Korea time at the first instant of year 1 is still year 0 in UTC: no datetime holds it.
    site = FixtureSite.bundled()
    story = site.politics()[0]
    site.update_story(story["article_id"], page_written="0001-01-01 00:00:00")
    page = HtmlResponse(
        url=KBS_STORY.format(story["article_id"]),
        body=site.article(site.stories[story["article_id"]]).encode(),
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as info:
        parse_article(page, source="kbs-world")
    assert info.value.kind == "bad_written_at"

    assert parse_rfc822("Fri, 31 Dec 9999 23:00:00 -0500") is None
    items = "".join(
        f"<item><link>{escape(KBS_STORY.format(n))}</link><pubDate>{when}</pubDate></item>"
        for n, when in ((1, "Fri, 31 Dec 9999 23:00:00 -0500"), (2, HUGE_YEAR))
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    feed = XmlResponse(url="https://world.kbs.co.kr/rss/rss_news.htm?lang=e", body=body.encode())
    assert [(e.key.article_id, e.listed_at) for e in kbs_feed(feed)] == [("1", None), ("2", None)]


# --- text that is no Unicode --------------------------------------------------------------------


STORY = Story(
    source="meridian",
    lang="",
    article_id=f"{HOST}/p/1",
    url=f"{HOST}/p/1",
    title="A Title",
    body="A body.",
    written_at=datetime(2026, 11, 20, 0, 15, tzinfo=UTC),
)


@pytest.mark.parametrize("field", ["title", "body", "reporter", "summary", "image_url"])
def test_text_holding_a_lone_surrogate_fails_its_story(field: str) -> None:
    story = Story(**{**STORY.__dict__, field: "before \ud800 after"})
    with pytest.raises(InvalidStory) as info:
        ValidatePipeline().process_item(story)
    assert info.value.kind == "bad_text"
    assert field in str(info.value) and "\\ud800" in str(info.value)


def test_a_json_ld_surrogate_is_refused_and_never_the_story_s_url() -> None:
    block = (
        '{"@type": "NewsArticle", "headline": "a\\ud800b", '
        f'"mainEntityOfPage": "{HOST}/p/\\udfff"}}'
    )
    story = _read(_json_ld(block))
    assert story.url == f"{HOST}/p/1"  # a URL no database can store is no identity
    with pytest.raises(InvalidStory) as info:
        ValidatePipeline().process_item(story)
    assert info.value.kind == "bad_text"


# --- in the spider and the ledger ---------------------------------------------------------------

CONFIG = f"""
[[outlets]]
name = "kbs-world"
site = "kbs"

[[outlets]]
name = "meridian"
site = "generic"
feed = "{HOST}/politics/rss.xml"
"""


@pytest.fixture
def crawler(tmp_path: Path, reactor: None) -> Iterator[Crawler]:
    with outlets_crawler(tmp_path, CONFIG, full="1") as crawler:
        yield crawler


def reported(crawler: Crawler) -> list[PageFailure]:
    failures: list[PageFailure] = []

    def receive(failure: PageFailure) -> None:
        failures.append(failure)

    crawler.signals.connect(receive, signal=newsmon_signals.page_failed, weak=False)
    return failures


def test_a_story_url_longer_than_scrapy_takes_is_a_recorded_failure(crawler: Crawler) -> None:
    spider = crawler.spider
    assert isinstance(spider, OutletSpider)
    failures = reported(crawler)
    long = f"{HOST}/p/long?q={'x' * 3000}"
    links = [f"{HOST}/p/1", long, f"{HOST}/p/2"]
    body = "".join(f"<item><link>{link}</link></item>" for link in links)
    page = IndexPage(PageKind.FEED, f"{HOST}/politics/rss.xml")
    feed = XmlResponse(
        url=page.url,
        body=f'<rss version="2.0"><channel>{body}</channel></rss>'.encode(),
        request=Request(page.url, meta={"newsmon_page": PageKind.FEED, "newsmon_outlet": "x"}),
    )
    requests = list(spider.parse_index(feed, page, "meridian"))
    # the others are fetched; the long one is not sent to Scrapy to be dropped without a word
    assert [r.url for r in requests] == [f"{HOST}/p/1", f"{HOST}/p/2"]
    [failure] = failures
    assert (failure.url, failure.kind, failure.stage) == (long, "url_too_long", Stage.FETCH)
    assert (failure.source, failure.article_id) == ("meridian", long)
    assert (
        f"{len(long)} characters" in failure.reason and "URLLENGTH_LIMIT (2083)" in failure.reason
    )


def test_a_malformed_updated_time_is_left_out_and_counted_not_the_story(crawler: Crawler) -> None:
    spider = crawler.spider
    assert isinstance(spider, OutletSpider)
    failures = reported(crawler)
    url = f"{HOST}/p/1"
    words = " ".join(["word"] * 40)
    html = (
        '<html><head><meta property="article:published_time" content="2026-11-20T00:15:00Z">'
        '<meta property="article:modified_time" content="2026-13-45T99:00:00Z"></head>'
        f"<body><h1>T</h1><article><p>{words}</p></article></body></html>"
    )
    request = Request(url, meta={"newsmon_page": PageKind.STORY, "newsmon_outlet": "meridian"})
    response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8", request=request)
    key = StoryKey("", url)
    [story] = spider.parse_story(response, key, Discovery(), "meridian")
    assert (story.title, story.updated_at, failures) == ("T", None, [])
    assert crawler.stats is not None
    assert crawler.stats.get_value("newsmon/meridian/warnings/bad_updated_at") == 1
    line = summary_line(crawler.stats.get_stats(), "meridian")
    assert line.endswith("0 failed; 1 (bad_updated_at: 1) warned")


def rows(crawler: Crawler, query: str) -> list[tuple]:
    conn = sqlite3.connect(CrawlDatabase.of(crawler).db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def opened(crawler: Crawler, stories: int = 10) -> tuple[OutletSpider, RunLedger]:
    """The spider and its ledger as a crawl of both outlets has them once it has read a feed and
    `stories` story pages of each (ten: so that no layout drift is found)."""
    spider = crawler.spider
    assert isinstance(spider, OutletSpider) and crawler.stats is not None
    CrawlDatabase.of(crawler).open(spider)
    ledger = crawler.get_extension(RunLedger)
    ledger.spider_opened(spider)
    for outlet in ("kbs-world", "meridian"):
        crawler.stats.set_value(f"newsmon/{outlet}/pages/feed", 1)
        if stories:
            crawler.stats.set_value(f"newsmon/{outlet}/pages/story", stories)
    return spider, ledger


def test_an_unexpected_error_counts_against_its_own_outlet_only(crawler: Crawler) -> None:
    spider, ledger = opened(crawler)
    assert crawler.stats is not None
    url = f"{HOST}/p/bug"
    key = StoryKey("", url)
    request = Request(
        url,
        cb_kwargs={"key": key, "discovery": Discovery(section="Politics"), "outlet": "meridian"},
        meta={"newsmon_page": PageKind.STORY, "newsmon_outlet": "meridian"},
    )
    try:
        raise RecursionError("maximum recursion depth exceeded")
    except RecursionError:
        failure = Failure()
    # As Scrapy's scraper does for an exception a callback raised: the signal, then its counts.
    crawler.signals.send_catch_log(
        signal=signals.spider_error,
        failure=failure,
        response=HtmlResponse(url, body=b"<html></html>", request=request),
        spider=spider,
    )
    crawler.stats.inc_value("spider_exceptions/count")
    crawler.stats.inc_value("spider_exceptions/RecursionError")
    ledger.spider_closed(spider, "finished")
    assert rows(crawler, "SELECT outlet, status, message FROM runs") == [
        ("kbs-world", "ok", None),
        (
            "meridian",
            "failed",
            "1 unexpected error(s) while reading pages or storing stories; see the log",
        ),
    ]
    # the story is recorded, so it is retried on the re-check schedule like any failed story
    assert rows(crawler, "SELECT source, article_id, stage, kind, reason FROM failures") == [
        (
            "meridian",
            url,
            "parse",
            "unexpected_error",
            "story page: RecursionError: maximum recursion depth exceeded",
        )
    ]


def test_a_story_no_pipeline_could_store_is_a_recorded_failure(crawler: Crawler) -> None:
    spider, ledger = opened(crawler)
    assert crawler.stats is not None
    # What validation now refuses, handed to the store as it was before: SQLite's driver
    # cannot encode it, and Scrapy reports the exception as an item error.
    story = Story(**{**STORY.__dict__, "title": "Lone \ud800 surrogate"})
    try:
        StorePipeline.from_crawler(crawler).process_item(story)
    except UnicodeEncodeError:
        failure = Failure()
    crawler.signals.send_catch_log(
        signal=signals.item_error, item=story, response=None, spider=spider, failure=failure
    )
    ledger.spider_closed(spider, "finished")
    assert rows(crawler, "SELECT outlet, status, message FROM runs") == [
        ("kbs-world", "ok", None),
        (
            "meridian",
            "failed",
            "1 unexpected error(s) while reading pages or storing stories; see the log",
        ),
    ]
    [(url, stage, kind, reason)] = rows(crawler, "SELECT url, stage, kind, reason FROM failures")
    assert (url, stage, kind) == (STORY.url, "validate", "unexpected_error")
    assert reason.startswith("UnicodeEncodeError: ")


def test_an_error_no_outlet_s_page_raised_counts_against_every_outlet(crawler: Crawler) -> None:
    spider, ledger = opened(crawler, stories=0)
    assert crawler.stats is not None
    try:
        raise ValueError("reading the start requests")
    except ValueError:
        failure = Failure()
    # As Scrapy's engine does when reading the start requests fails: no response to name one.
    crawler.signals.send_catch_log(
        signal=signals.spider_error, failure=failure, response=None, spider=spider
    )
    crawler.stats.inc_value("spider_exceptions/count")
    ledger.spider_closed(spider, "finished")
    assert {status for (status,) in rows(crawler, "SELECT status FROM runs")} == {"failed"}


# --- what reaches a terminal --------------------------------------------------------------------


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    """Stories whose title, reporter, section, URL and body hold escapes; a run whose failure
    and message do."""
    path = tmp_path / "news.db"
    engine = open_engine(str(path), Access.CREATE)
    written = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    with Session(engine) as session, session.begin():
        story = Story(
            source="kbs-world",
            lang="e",
            article_id="300001",
            url=KBS_STORY.format(300001) + "&x=\x1b[2J",
            title=f"Budget {ESCAPES} talks",
            body=f"First paragraph {ESCAPES} budget.\n\nSecond\tparagraph.",
            section="Politics",
            reporter=f"Kim {ESCAPES}",
            written_at=written,
        )
        record_story(session, story, written)
        edited = Story(**{**story.__dict__, "body": story.body + " \x1b[31mEdited."})
        record_story(session, edited, written)
        run = RunRow(
            outlet="kbs-world",
            started_at=written,
            ended_at=written,
            status=RunStatus.FAILED,
            arguments=json.dumps({"outlet": "kbs-world"}),
            pid=1,
            message=f"an index page could not be read: {ESCAPES}",
        )
        session.add(run)
        session.flush()
        failure = PageFailure(
            url=KBS_STORY.format(300002) + "&\x1b]52;c;ZXZpbA==\x07",
            stage=Stage.PARSE,
            kind="bad_written_at",
            reason=f"written_at: {ESCAPES}",
            source="kbs-world",
        )
        record_failure(session, failure, written, run.id)
    engine.dispose()
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["articles"],
        ["show", "300001", "--diff"],
        ["search", "budget"],
        ["runs"],
        ["runs", "1"],
    ],
)
def test_page_text_reaches_a_terminal_shown_not_obeyed(hostile_db: Path, args: list[str]) -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(main, [*args, "--db", str(hostile_db)])
    assert result.exit_code == 0, result.output
    assert obeyed(result.output) == [], result.output
    assert "\\x1b" in result.output  # shown, escaped as Python writes it
    if args[0] in ("articles", "show", "search"):
        assert "\\u202e" in result.output
    if args[0] == "show":  # the story's own paragraphs and tabs stay
        assert "\n\nSecond\tparagraph." in result.output


def test_exports_keep_page_text_exact(hostile_db: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(hostile_db), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.output.splitlines()]
    assert record["title"] == f"Budget {ESCAPES} talks"
    assert record["reporter"] == f"Kim {ESCAPES}"


def test_log_lines_show_page_text_not_obey_it() -> None:
    record = logging.LogRecord(
        "newsmon.pipelines", logging.INFO, __file__, 1, "%s new %s: %s", None, None
    )
    record.args = ("meridian", f"{HOST}/p/\x1b[2J", f"Budget {ESCAPES} \ud800")
    line = _Format().format(record)
    assert obeyed(line) == [] and "\ud800" not in line
    assert "\\x1b]52;c;ZXZpbA==\\x07" in line and "\\u202e" in line and "\\ud800" in line


# --- real crawls --------------------------------------------------------------------------------


class HostileSite:
    """A generic outlet's site whose feed lists eight sound stories and the hostile ones."""

    SOUND = 8

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.long = "/story/long?q=" + "x" * 3000

    def links(self) -> list[tuple[str, str]]:
        """(path, pubDate) of every item the feed lists."""
        ordinary = "Fri, 20 Nov 2026 00:15:00 +0000"
        return [
            *((f"/story/{n}", ordinary) for n in range(self.SOUND)),
            ("/story/deep", ordinary),
            ("/story/surrogate", ordinary),
            (self.long, ordinary),
            ("/story/overflow", HUGE_YEAR),  # the feed's time only: the page has its own
            ("/story/escapes", ordinary),
        ]

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        if target == "/robots.txt":
            return Page(200, "User-agent: *\nAllow: /\n", "text/plain")
        if target == "/feed.xml":
            items = "".join(
                f"<item><title>Item</title><link>{path}</link><pubDate>{when}</pubDate></item>"
                for path, when in self.links()
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
            return Page(200, feed, "application/rss+xml")
        name = target.removeprefix("/story/")
        json_ld = {
            "deep": "[" * 200_000 + "]" * 200_000,
            "surrogate": '{"@type": "NewsArticle", "headline": "Lone \\ud800 surrogate"}',
        }.get(name, "")
        title = f"Title {PAGE_ESCAPES}" if name == "escapes" else f"Story {name}"
        return Page(
            200,
            f"<html><head><title>{title}</title>"
            f'<script type="application/ld+json">{json_ld}</script>'
            '<meta property="article:published_time" content="2026-11-20T00:15:00Z"></head>'
            f"<body><article><h1>{title}</h1><p>{'Words of the story. ' * 20}</p>"
            "</article></body></html>",
        )


def two_outlets(folder: Path, hostile: str, meridian: str) -> Path:
    config = folder / "newsmon.toml"
    config.write_text(
        f'[[outlets]]\nname = "hostile"\nsite = "generic"\nfeed = "{hostile}/feed.xml"\n\n'
        f'[[outlets]]\nname = "meridian"\nsite = "generic"\nfeed = "{meridian}{FEED_PATH}"\n'
        f'section = "Politics"\ntimezone = "{TIMEZONE}"\n',
        encoding="utf-8",
    )
    return config


def crawl(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return newsmon("crawl", "--config", str(config), "--db", str(db), *FAST, *args, cwd=db.parent)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.slow
def test_hostile_pages_fail_only_their_own_stories(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    hostile, meridian = HostileSite(), MeridianSite.bundled()
    with serve(hostile) as hostile_origin, serve(meridian) as meridian_origin:
        config = two_outlets(tmp_path, hostile_origin, meridian_origin)
        db = tmp_path / "news.db"
        result = crawl(config, db, "-v")
        logged = crawl(config, tmp_path / "logged.db", "--log-file", str(tmp_path / "crawl.log"))
    # Single stories failing fail no run: the crawl exits 0, each outlet's run is ok.
    assert result.returncode == 0, result.stderr
    assert logged.returncode == 0, logged.stderr
    assert query(db, "SELECT outlet, status, message FROM runs ORDER BY outlet") == [
        ("hostile", "ok", None),
        ("meridian", "ok", None),
    ]
    # The harmless outlet read as it always does (its withdrawn story is its own no_body).
    lines = {line.split(" run ")[0]: line for line in result.stdout.splitlines()}
    assert summary(lines["newsmon: meridian"])[4] == 6
    assert "0 failed" in lines["newsmon: meridian"]
    recorded = {
        url.removeprefix(hostile_origin): (stage, kind)
        for url, stage, kind in query(db, "SELECT url, stage, kind FROM failures")
        if url.startswith(hostile_origin)
    }
    assert recorded == {
        "/story/deep": ("parse", "too_deep"),
        "/story/surrogate": ("validate", "bad_text"),
        hostile.long: ("fetch", "url_too_long"),
    }
    titles = {
        url.removeprefix(hostile_origin): title
        for url, title in query(db, "SELECT url, title FROM stories WHERE source = 'hostile'")
    }
    expected = {f"/story/{n}" for n in range(HostileSite.SOUND)} | {
        "/story/overflow",
        "/story/escapes",
    }
    figures(
        trials=1,
        failures_recorded=len(recorded),
        stories_lost=len(expected - set(titles)),
    )
    assert set(titles) == expected
    assert titles["/story/escapes"] == f"Title {PAGE_ESCAPES}"  # stored as published
    # ...and shown, not obeyed, by `crawl -v` and in the log file
    assert "Title \\x1b]0;owned\\x07" in result.stderr
    assert obeyed(result.stderr) == [] and obeyed(result.stdout) == []
    log = (tmp_path / "crawl.log").read_text(encoding="utf-8")
    assert "Title \\x1b]0;owned\\x07" in log and obeyed(log) == []
    assert not any(p.startswith("/story/long") for p in hostile.requests)
