"""Cron-grade runs, each a real `newsmon crawl` subprocess against the fixture site: what a
routine run fetches, the re-check schedule, the lock, signals, and failing loudly."""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import crawl, crawl_in_background, story_fetches, summary, wait_for

from newsmon.cli import main
from newsmon.demo.site import FixtureSite, Page
from newsmon.instants import format_instant
from newsmon.sites.kbs.times import KST

LISTING = "/service/news_list.htm?lang=e&id=Po&page="
FEED = "/rss/rss_news.htm?lang=e&id=Po"
MINUTE = timedelta(minutes=1)

pytestmark = pytest.mark.slow  # crawls in subprocesses


@pytest.fixture
def crawled(site: FixtureSite, origin: str, tmp_path: Path) -> Path:
    """A database holding the whole fixture site, and a site that has forgotten the requests."""
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--full")
    assert result.returncode == 0, result.stderr
    site.forget_requests()
    return db


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # never creates the file
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(db: Path, sql: str, *params: Any) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def story_count(db: Path) -> int:
    """Stories stored so far, read while a crawl may still be creating the database."""
    try:
        return len(query(db, "SELECT 1 FROM stories"))
    except sqlite3.OperationalError:  # no file or no table yet
        return 0


def stored_ids(db: Path) -> set[int]:
    return {int(a) for (a,) in query(db, "SELECT article_id FROM stories")}


def runs(db: Path) -> list[tuple[int, str, str | None]]:
    return query(db, "SELECT id, status, message FROM runs ORDER BY id")


def utc_text(value: datetime) -> str:
    """How an instant is stored: newsmon's one form of an instant."""
    return format_instant(value)


def check_ago(db: Path, article_id: int, ago: timedelta) -> None:
    """Pretend the story was last checked `ago`: time passing, without waiting for it."""
    when = utc_text(datetime.now(UTC) - ago)
    execute(db, "UPDATE stories SET checked_at = ? WHERE article_id = ?", when, str(article_id))


def age_days(story: dict[str, Any]) -> float:
    written = datetime.strptime(story["written"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)
    return (datetime.now(UTC) - written) / timedelta(days=1)


def new_story(site: FixtureSite, n: int, after: timedelta) -> dict[str, Any]:
    template = site.politics()[0]
    return dict(
        template,
        article_id=template["article_id"] + 100 + n,
        written=site.kst(after),
        updated=None,
        title=f"Fresh story {n}",
        summary=f"Fresh story {n}",
        paragraphs=[[f"Fresh story {n} text."]],
        byline=None,
    )


# --- incremental runs ---------------------------------------------------------------------------


def test_nothing_new_costs_robots_listing_page_1_and_the_feed(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    result = crawl(origin, crawled)
    assert result.returncode == 0, result.stderr
    assert sorted(site.requests) == sorted(["/robots.txt", LISTING + "1", FEED])
    assert summary(result.stdout)[:5] == (2, 1, 1, 0, 0)
    assert result.stdout.count("\n") == 1 and result.stderr == ""


def test_new_stories_are_found_on_the_next_run(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    fresh = [new_story(site, n, n * MINUTE) for n in (1, 2)]
    for story in fresh:
        site.add_story(story)
    result = crawl(origin, crawled)
    assert result.returncode == 0, result.stderr
    assert set(story_fetches(site)) == {s["article_id"] for s in fresh}
    # page 1 holds them; page 2 holds nothing unknown, so the walk stops there
    assert sorted(p for p in site.requests if p.startswith(LISTING)) == [
        LISTING + "1",
        LISTING + "2",
    ]
    assert summary(result.stdout)[4] == 2
    assert {s["article_id"] for s in fresh} <= stored_ids(crawled)


def test_the_schedule_catches_updates_of_young_stories(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    young = site.politics()[0]  # written half an hour ago: re-checked every 15 minutes
    older = next(s for s in site.politics() if 3 < age_days(s) < 7)  # daily
    for story in (young, older):
        site.update_story(story["article_id"], updated=site.kst(10 * MINUTE), title="Changed")
        check_ago(crawled, story["article_id"], 16 * MINUTE)

    result = crawl(origin, crawled)
    assert result.returncode == 0, result.stderr
    assert set(story_fetches(site)) == {young["article_id"]}
    revisions = dict(query(crawled, "SELECT article_id, revision FROM stories"))
    assert (revisions[str(young["article_id"])], revisions[str(older["article_id"])]) == (2, 1)

    # the schedule survives restarts: checked just now, so not due again
    site.forget_requests()
    assert crawl(origin, crawled).returncode == 0
    assert story_fetches(site) == {}


def test_recheck_refetches_a_window_whatever_the_schedule(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    older = next(s for s in site.politics() if 3 < age_days(s) < 7)
    site.update_story(older["article_id"], updated=site.kst(MINUTE), title="Changed")

    short = crawl(origin, crawled, "--recheck", "2h")
    assert short.returncode == 0, short.stderr
    within = {s["article_id"] for s in site.politics() if age_days(s) < 2 / 24}
    assert set(story_fetches(site)) == within and older["article_id"] not in within

    site.forget_requests()
    week = crawl(origin, crawled, "--recheck", "7d")
    assert week.returncode == 0, week.stderr
    assert set(story_fetches(site)) == {s["article_id"] for s in site.politics() if age_days(s) < 7}
    assert summary(week.stdout)[5] == 1  # the update
    assert query(
        crawled, "SELECT revision FROM stories WHERE article_id = ?", str(older["article_id"])
    ) == [(2,)]


def test_failed_stories_are_retried_on_the_schedule(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    story = new_story(site, 1, MINUTE)
    site.add_story(story)
    path = f"/service/news_view.htm?lang=e&Seq_Code={story['article_id']}"
    site.failures[path] = 404
    first = crawl(origin, crawled)
    assert first.returncode == 0, first.stderr  # one story failing is not a failed run
    assert "1 (http_404: 1) failed" in first.stdout

    site.forget_requests()
    del site.failures[path]
    assert crawl(origin, crawled).returncode == 0
    assert story_fetches(site) == {}  # known (failed), and checked a moment ago

    execute(
        crawled, "UPDATE failures SET occurred_at = ?", utc_text(datetime.now(UTC) - 16 * MINUTE)
    )
    assert crawl(origin, crawled).returncode == 0
    assert story_fetches(site) == {story["article_id"]: 1}
    assert story["article_id"] in stored_ids(crawled)


def test_since_backfills_the_section_from_the_daily_archive(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    since = (datetime.now(KST) - timedelta(days=4)).date()
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--since", since.isoformat(), "--max-pages", "1")
    assert result.returncode == 0, result.stderr
    days = (datetime.now(KST).date() - since).days + 1
    archive = [p for p in site.requests if p.startswith("/service/news_today.htm")]
    assert len(archive) == days
    politics = site.politics()
    expected = {s["article_id"] for s in politics if s["written"][:10] >= since.isoformat()}
    expected |= {s["article_id"] for s in politics[:10]}  # listing page 1 and the feed
    assert stored_ids(db) == expected
    others = {s["article_id"] for s in site.stories.values() if s["section_id"] != "Po"}
    assert not others & set(story_fetches(site))


# --- the lock, signals and time limits ----------------------------------------------------------


def test_a_second_run_is_locked_out_and_a_killed_run_does_not_block(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    slow = crawl_in_background(origin, db, "--full", "-s", "DOWNLOAD_DELAY=0.5")
    try:
        wait_for(lambda: Path(f"{db}.lock.json").exists())
        before = stored_ids(db)
        second = crawl(origin, db)
        assert second.returncode == 75
        assert second.stdout == ""
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("newsmon: locked: run 1 (pid ")
        assert f"pid {slow.pid}," in lines[0]
        assert stored_ids(db) >= before
        assert runs(db)[1][:2] == (2, "locked")
    finally:
        slow.kill()
        slow.communicate(timeout=30)
    third = crawl(origin, db, "--max-pages", "1")
    assert third.returncode == 0, third.stderr
    statuses = [(run_id, status) for run_id, status, _ in runs(db)]
    assert statuses == [(1, "interrupted"), (2, "locked"), (3, "ok")]
    assert runs(db)[0][2] == "ended without closing (killed?)"


def test_sigterm_stops_gracefully_and_keeps_what_was_fetched(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    slow = crawl_in_background(origin, db, "--full", "-s", "DOWNLOAD_DELAY=0.3")
    wait_for(lambda: story_count(db) >= 3)
    slow.send_signal(signal.SIGTERM)
    _, stderr = slow.communicate(timeout=60)
    assert slow.returncode == 1
    assert runs(db)[-1][1:] == ("interrupted", "stopped by a signal; what was fetched is stored")
    fetched = set(story_fetches(site))
    stored = stored_ids(db)
    assert 3 <= len(stored) < len(site.politics())
    assert stored <= fetched and len(stored) >= len(fetched) - 1  # at most one cut off in flight
    assert b"interrupted" in stderr


def test_a_second_signal_stops_at_once_without_harm(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    slow = crawl_in_background(origin, db, "--full", "-s", "DOWNLOAD_DELAY=0.3")
    wait_for(lambda: story_count(db) >= 2)
    slow.send_signal(signal.SIGINT)
    time.sleep(0.2)
    slow.send_signal(signal.SIGINT)
    _, stderr = slow.communicate(timeout=30)
    assert slow.returncode == 1
    assert query(db, "PRAGMA integrity_check") == [("ok",)]  # also with a hot WAL
    assert runs(db)[0][1] == "interrupted"
    assert (
        stderr.decode()
        .strip()
        .splitlines()[-1]
        .startswith("newsmon: kbs-world run 1 interrupted: ")
    )
    again = crawl(origin, db)
    assert again.returncode == 0, again.stderr


def test_max_time_caps_a_run(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--full", "--max-time", "2s", "-s", "DOWNLOAD_DELAY=0.5")
    assert result.returncode == 1
    assert runs(db)[-1][1] == "interrupted"
    assert "time limit (--max-time)" in result.stderr
    assert 0 < len(stored_ids(db)) < len(site.politics())


# --- loud when something is wrong ---------------------------------------------------------------


def test_a_blocked_listing_fails_the_run_naming_status_and_url(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    site.failures[LISTING] = 403
    result = crawl(origin, crawled)
    assert result.returncode == 1
    assert (
        f"failed: blocked or unreachable: {origin}{LISTING}1 -> listing page: HTTP 403"
        in result.stderr
    )
    assert runs(crawled)[-1][1] == "failed"


def test_retry_after_is_honoured(site: FixtureSite, origin: str, crawled: Path) -> None:
    site.queued[FEED] = [Page(503, "busy", headers={"Retry-After": "1"})]
    result = crawl(origin, crawled)
    assert result.returncode == 0, result.stderr
    times = [t for p, t in zip(site.requests, site.request_times, strict=True) if p == FEED]
    assert len(times) == 2 and times[1] - times[0] >= 1.0


def test_a_long_retry_after_is_not_waited_for(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    site.queued[FEED] = [Page(429, "slow down", headers={"Retry-After": "3600"})]
    result = crawl(origin, crawled)
    assert result.returncode == 1
    assert f"{origin}{FEED} -> feed page: HTTP 429 (Retry-After: 3600s)" in result.stderr
    assert site.requests.count(FEED) == 1


def test_robots_txt_answering_5xx_means_do_not_crawl(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    site.queued["/robots.txt"] = [Page(503, "down")] * 5
    db = tmp_path / "news.db"
    result = crawl(origin, db, "-s", "RETRY_TIMES=1")
    assert result.returncode == 1
    server = origin.removeprefix("http://")  # robots.txt is a server's: host and port
    assert f"robots.txt of {server} answered HTTP 503: not crawling this run" in result.stderr
    assert set(site.requests) == {"/robots.txt"}


def test_a_renamed_body_class_is_layout_drift(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    site.body_class = "article_text"
    fresh = [new_story(site, n, n * MINUTE) for n in (1, 2, 3)]
    for story in fresh:
        site.add_story(story)
    result = crawl(origin, crawled)
    assert result.returncode == 1
    assert "layout drift: 3 of 3 story pages did not parse: no_body (3); e.g. " in result.stderr
    assert f"Seq_Code={fresh[0]['article_id']}" in result.stderr


def test_an_empty_first_listing_page_is_layout_drift(tmp_path: Path) -> None:
    from newsmon.demo.server import serve

    with serve(FixtureSite()) as origin:
        result = crawl(origin, tmp_path / "news.db")
    assert result.returncode == 1
    assert "layout drift: listing page 1 shows no story links" in result.stderr


# --- output and the ledger ----------------------------------------------------------------------


def test_quiet_and_log_file(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    db, log = tmp_path / "news.db", tmp_path / "crawl.log"
    result = crawl(origin, db, "-q", "--log-file", str(log))
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    lines = log.read_text().splitlines()
    # newsmon's events: the run, each story stored, the summary; no Scrapy log without -vv
    assert lines[0].endswith(
        "kbs-world run 1 started: base_url " + origin + ", lang e, max_pages 3, section Po"
    )
    assert sum(" new " in line for line in lines) == 26 and len(lines) == 28
    assert lines[-1].endswith(
        " run 1 ok: 30 pages fetched (3 listing, 1 feed, 26 story); 26 new, "
        "0 updated (0 silent), 0 unchanged, 0 stale; 0 dropped; 0 failed"
    )
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ", line) for line in lines)
    assert "scrapy" not in log.read_text()

    idle = crawl(origin, db, "-q", "--log-file", str(log))
    assert idle.returncode == 0, idle.stderr
    added = log.read_text().splitlines()[len(lines) :]
    assert len(added) == 2 and "kbs-world run 2 started" in added[0]
    assert "kbs-world run 2 ok: 2 pages" in added[1]

    debug = crawl(origin, db, "-q", "-vv", "--log-file", str(log))
    assert debug.returncode == 0 and "[scrapy" not in debug.stderr
    assert "DEBUG scrapy.core.engine: Crawled (200)" in log.read_text()


def test_verbose_shows_newsmon_events_and_very_verbose_scrapy(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    missing = site.politics()[9]["article_id"]
    site.failures[f"/service/news_view.htm?lang=e&Seq_Code={missing}"] = 404
    quiet = crawl(origin, tmp_path / "quiet.db")
    # a failed story page is the summary's business, not a line of its own on the terminal
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = crawl(origin, tmp_path / "verbose.db", "-v")
    assert verbose.returncode == 0
    lines = verbose.stderr.splitlines()
    assert lines[0].endswith(
        f" kbs-world run 1 started: base_url {origin}, lang e, max_pages 3, section Po"
    )
    events = [line.split(" ", 1)[1] for line in lines[1:]]
    assert sum(e.startswith("kbs-world new ") for e in events) == 25 == len(events) - 1
    assert [e for e in events if not e.startswith("kbs-world new ")] == [
        f"WARNING newsmon.ledger: kbs-world failed (http_404): https://world.kbs.co.kr/service/"
        f"news_view.htm?lang=e&Seq_Code={missing}: story page: HTTP 404"
    ]
    debug = crawl(origin, tmp_path / "debug.db", "-vv")
    assert "DEBUG scrapy.core.engine: Crawled (200)" in debug.stderr


def test_runs_lists_the_ledger_and_shows_a_run(
    site: FixtureSite, origin: str, crawled: Path
) -> None:
    story = new_story(site, 1, MINUTE)
    site.add_story(story)
    site.failures[f"/service/news_view.htm?lang=e&Seq_Code={story['article_id']}"] = 404
    assert crawl(origin, crawled).returncode == 0
    listing = CliRunner().invoke(main, ["runs", "--db", str(crawled)])
    assert listing.exit_code == 0, listing.output
    header, *rows = listing.output.splitlines()
    assert header.split() == [
        "run",
        "outlet",
        "started",
        "took",
        "status",
        "pages",
        "new",
        "upd",
        "same",
        "drop",
        "fail",
        "message",
    ]
    assert [row.split()[0] for row in rows] == ["2", "1"]
    # run 2: listing pages 1-2, the feed and the failing story; run 1 stored 26 stories
    assert rows[0].split()[1:11] == [
        "kbs-world",
        *rows[0].split()[2:4],
        "ok",
        "3",
        "0",
        "0",
        "0",
        "0",
        "1",
    ]
    assert rows[1].split()[4:11] == ["ok", "31", "26", "0", "0", "0", "0"]

    one = CliRunner().invoke(main, ["runs", "2", "--db", str(crawled)])
    assert one.exit_code == 0, one.output
    assert one.output.startswith("run 2 (kbs-world): ok\n")
    url = f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={story['article_id']}"
    assert f"fetch  http_404  {url}  story page: HTTP 404" in one.output

    missing = CliRunner().invoke(main, ["runs", "99", "--db", str(crawled)])
    assert missing.exit_code == 1 and "no run 99" in missing.output
