"""Faults a real site has, served by the fixture server on 127.0.0.1: each crawl ends as the
reliability notes say (docs/reliability.md), with the run's ledger row and exit status saying
so, and nothing else lost."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import crawl

from newsmon.demo.run import FAST, crawl_command
from newsmon.demo.server import serve
from newsmon.demo.site import Fault, FixtureSite, Page

pytestmark = pytest.mark.slow
STORY = "/service/news_view.htm?lang=e&Seq_Code={}"
# Fast faults: a second to answer, one retry.
QUICK = ("-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=1")


def failures(db: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT article_id, kind, stage FROM failures").fetchall()
    return {article_id: (kind, stage) for article_id, kind, stage in rows}


def stored(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT article_id FROM stories")}


def last_run(db: Path) -> tuple[str, int, int]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT status, new, failed FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()


def test_network_faults_on_story_pages_lose_only_those_pages(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    ids = [s["article_id"] for s in site.politics()[:10]]
    faults = {
        ids[1]: Page(200, "late", delay=3),  # slower than the 1 s download timeout
        ids[3]: Page(200, "", fault=Fault.HANG),
        ids[5]: Page(200, "", fault=Fault.DROP),
        ids[7]: Page(200, site.article(site.stories[ids[7]]), fault=Fault.TRUNCATE),
        ids[9]: Page(503, "busy"),
    }
    for article_id, page in faults.items():
        site.answers[STORY.format(article_id)] = page
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--max-pages", "1", *QUICK)
    assert result.returncode == 0, result.stderr  # single stories failing do not fail a run
    kinds = failures(db)
    assert {int(k): v[0] for k, v in kinds.items()} == {
        ids[1]: "timeout",
        ids[3]: "timeout",
        ids[5]: "network",
        ids[7]: "truncated",
        ids[9]: "http_503",
    }
    sound = {str(i) for i in ids} - {str(i) for i in faults}
    figures(failures_recorded=len(kinds), stories_lost=len(sound - stored(db)))
    assert stored(db) == sound
    assert last_run(db) == ("ok", 5, 5)
    # each was tried twice (one retry), and the next run tries them again
    for article_id in faults:
        assert site.requests.count(STORY.format(article_id)) == 2, article_id


def gzip_bomb(inflated: int = 256 * 1024 * 1024) -> bytes:
    """A gzip body of about 250 KB that inflates to `inflated` bytes of zeros."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    chunk = bytes(1024 * 1024)
    parts = [squeeze.compress(chunk) for _ in range(inflated // len(chunk))]
    return b"".join(parts) + squeeze.flush()


# Runs a command and writes its peak resident size (KiB) to a file. The command is started by
# this small process, not by pytest: a child forked from pytest counts pytest's own memory.
_MEASURE = (
    "import resource, subprocess, sys; status = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(status)"
)


def crawl_peak_mib(origin: str, db: Path, *args: str) -> tuple[int, float]:
    """A crawl's exit status and the most memory it held (its peak resident size)."""
    peak = db.parent / "peak"
    with (db.parent / "crawl.out").open("wb") as out:
        status = subprocess.call(
            [sys.executable, "-c", _MEASURE, str(peak), *crawl_command(origin, str(db), *args)],
            cwd=db.parent,
            stdout=out,
            stderr=out,
        )
    return status, int(peak.read_text()) / 1024


def test_bombs_and_giants_are_refused_without_eating_memory(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    ids = [s["article_id"] for s in site.politics()[:10]]
    bomb = gzip_bomb()
    assert len(bomb) < 1024 * 1024
    site.answers[STORY.format(ids[2])] = Page(200, bomb, headers={"Content-Encoding": "gzip"})
    site.answers[STORY.format(ids[4])] = Page(200, b"<html>" + b" " * (6 * 1024 * 1024))
    db = tmp_path / "news.db"
    status, peak = crawl_peak_mib(origin, db, "--max-pages", "1")  # the default cap: 4 MiB
    assert status == 0, (tmp_path / "crawl.out").read_text()
    figures(failures_recorded=len(failures(db)), stories_lost=8 - len(stored(db)))
    assert {int(k): v for k, v in failures(db).items()} == {
        ids[2]: ("too_large", "fetch"),
        ids[4]: ("too_large", "fetch"),
    }
    assert len(stored(db)) == 8
    # the crawl never held the bomb's 256 MiB, nor the giant whole
    assert peak < 200, peak


def test_robots_txt_missing_means_allowed(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    site.answers["/robots.txt"] = Page(404, "not here")
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--max-pages", "1")
    assert result.returncode == 0, result.stderr
    figures(failures_recorded=len(failures(db)), stories_lost=10 - len(stored(db)))
    assert len(stored(db)) == 10 and last_run(db) == ("ok", 10, 0)


def test_robots_txt_disallowing_the_section_is_obeyed(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    site.robots = "User-agent: *\nDisallow: /service/\n"
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--max-pages", "1")
    assert not any(p.startswith("/service/") for p in site.requests)
    assert stored(db) == set()
    # the feed is allowed, its stories are not: each is a recorded refusal, and the listing's
    # refusal fails the run (the section cannot be watched)
    assert result.returncode == 1
    kinds = failures(db)
    figures(failures_recorded=len(kinds))
    assert kinds and {kind for kind, _ in kinds.values()} == {"robots_forbidden"}
    assert last_run(db)[0] == "failed"


KOREAN = "통일부, 민간단체 대북접촉 승인"
KOREAN_BODY = "통일부가 결핵 치료 지원 단체의 북한 주민 접촉을 승인했다."
UTF8_META = '<meta charset="utf-8">'


def test_korean_pages_are_read_right_or_not_at_all(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    ids = [s["article_id"] for s in site.politics()[:10]]
    cases = {  # Content-Type, the page's own meta tag
        ids[0]: ("text/html; charset=EUC-KR", ""),
        ids[1]: ("text/html", '<meta charset="euc-kr">'),
        ids[2]: ("text/html", ""),
        ids[3]: ("text/html; charset=ISO-8859-1", ""),
        ids[4]: ("text/html; charset=utf-8", ""),
    }
    for n, (article_id, (content_type, meta)) in enumerate(cases.items()):
        site.update_story(article_id, title=f"{KOREAN} {n}", paragraphs=[[KOREAN_BODY]])
        html = site.article(site.stories[article_id]).replace(UTF8_META, meta)
        assert "charset" not in html or meta
        body = html.encode("euc-kr", errors="xmlcharrefreplace")
        site.answers[STORY.format(article_id)] = Page(200, body, content_type)
    unreadable = ids[5]
    garbled = site.article(site.stories[unreadable]).encode() + bytes(range(0x80, 0x100))
    site.answers[STORY.format(unreadable)] = Page(200, garbled, "text/html; charset=utf-8")
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--max-pages", "1")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        titles = dict(conn.execute("SELECT article_id, title FROM stories"))
        bodies = [row[0] for row in conn.execute("SELECT body FROM stories")]
    sound = {str(i) for i in ids} - {str(unreadable)}
    figures(failures_recorded=len(failures(db)), stories_lost=len(sound - set(titles)))
    for n, article_id in enumerate(cases):
        assert titles[str(article_id)] == f"{KOREAN} {n}"
    assert failures(db) == {str(unreadable): ("bad_encoding", "parse")}
    assert not any("\ufffd" in body for body in bodies)
    assert sum(KOREAN_BODY in body for body in bodies) == 5


def test_bad_times_become_instants_or_recorded_failures(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    ids = [s["article_id"] for s in site.politics()[:10]]
    shown = {  # the page's Written time -> what becomes of the story
        ids[0]: (" ", ("bad_written_at", "parse")),  # empty
        ids[1]: ("2023-02-30 10:00:00", ("bad_written_at", "parse")),
        ids[2]: ("20233-10-20 15:38:59", ("bad_written_at", "parse")),
        ids[3]: ("2023-10-20 15:38:5999", ("bad_written_at", "parse")),
        ids[4]: ("2999-01-01 09:00:00", ("future_written_at", "validate")),
        ids[5]: ("1985-06-01 09:00:00", ("early_written_at", "validate")),
        ids[6]: ("2026-11-20 오후 3:38:59", None),  # 15:38:59 in Korea
    }
    for article_id, (written, _) in shown.items():
        site.update_story(article_id, page_written=written, updated=None)
    db = tmp_path / "news.db"
    # Four of ten pages not parsing would be layout drift; here it is the point.
    result = crawl(origin, db, "--max-pages", "1", "-s", "NEWSMON_DRIFT_RATIO=0.9")
    assert result.returncode == 0, result.stderr
    expected = {str(n): outcome for n, (_, outcome) in shown.items() if outcome}
    assert failures(db) == expected
    with sqlite3.connect(db) as conn:
        written = dict(conn.execute("SELECT article_id, written_at FROM stories"))
        latest = conn.execute("SELECT max(written_at), max(updated_at) FROM stories").fetchone()
    sound = {str(i) for i in ids} - set(expected)
    figures(failures_recorded=len(failures(db)), stories_lost=len(sound - set(written)))
    assert written[str(ids[6])] == "2026-11-20T06:38:59Z"
    assert len(written) == 4
    assert all(
        value <= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for value in latest if value
    )


# Runs a command after capping the size of any file it writes, as a full file system would.
_CAPPED = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); os.execv(sys.argv[2], sys.argv[2:])"
)


def test_a_full_disk_fails_the_run_cleanly_and_loses_nothing(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    db = tmp_path / "news.db"
    assert crawl(origin, db, "--max-pages", "1").returncode == 0
    template = site.politics()[0]
    for n in range(30):  # 30 long stories: more than the disk has room for
        site.add_story(
            dict(
                template,
                article_id=template["article_id"] + 100 + n,
                title=f"Long story {n}",
                paragraphs=[[f"Long story {n}: " + "words " * 2000]],
                updated=None,
            )
        )
    # The file system is full 100 KB past the database's size now (a cap on the size of any
    # file the crawl writes: the database and its WAL).
    room = str(db.stat().st_size + 100_000)
    full = subprocess.run(
        [sys.executable, "-c", _CAPPED, room, *crawl_command(origin, str(db), "--max-pages", "4")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    assert (
        "run 2 failed: cannot write the database (disk I/O error; is its disk full?): what was "
        "fetched after that is not stored; the next run fetches it again" in full.stderr
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        kept = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    assert 10 <= kept < 40
    again = crawl(origin, db, "--max-pages", "4")
    assert again.returncode == 0, again.stderr
    figures(trials=1, stories_lost=40 - len(stored(db)))
    assert len(stored(db)) == 40 and not failures(db)


class FeedOnlySite:
    """A generic outlet's site: robots.txt, a feed (whatever a test puts there), and story
    pages that are each a short article."""

    def __init__(self, feed: bytes) -> None:
        self.feed = feed
        self.requests: list[str] = []

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        if target == "/robots.txt":
            return Page(200, "User-agent: *\nAllow: /\n", "text/plain")
        if target == "/feed.xml":
            return Page(200, self.feed, "application/rss+xml")
        return Page(
            200,
            f"<html><head><title>{target}</title>"
            '<meta property="article:published_time" content="2026-11-20T00:15:00Z"></head>'
            f"<body><article><h1>Story {target}</h1><p>{'Words of the story. ' * 20}</p>"
            "</article></body></html>",
        )


def crawl_feed(site: FeedOnlySite, tmp_path: Path, *args: str) -> tuple[int, float, str]:
    with serve(site) as origin:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'[[outlets]]\nname = "hostile"\nsite = "generic"\nfeed = "{origin}/feed.xml"\n',
            encoding="utf-8",
        )
        db = tmp_path / "news.db"
        peak = db.parent / "peak"
        command = [
            sys.executable,
            "-m",
            "newsmon",
            "crawl",
            "--config",
            str(config),
            "--db",
            str(db),
            *FAST,
            *args,
        ]
        with (tmp_path / "crawl.out").open("wb") as out:
            status = subprocess.call(
                [sys.executable, "-c", _MEASURE, str(peak), *command],
                cwd=tmp_path,
                stdout=out,
                stderr=out,
            )
    return status, int(peak.read_text()) / 1024, (tmp_path / "crawl.out").read_text()


def test_a_feed_that_would_expand_is_refused(tmp_path: Path, figures: Callable[..., None]) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(10))
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{laughs}]><rss version="2.0"><channel>'
        "<item><title>&l9;</title><link>/story/1</link></item></channel></rss>"
    ).encode()
    site = FeedOnlySite(feed)
    status, peak, output = crawl_feed(site, tmp_path)
    assert status == 1, output
    assert "hostile run 1 failed: an index page could not be read" in output
    assert "declares XML entities" in output and peak < 200
    assert not any(p.startswith("/story/") for p in site.requests)
    figures(failures_recorded=len(failures_by_url(tmp_path / "news.db")))
    assert failures_by_url(tmp_path / "news.db") == {"/feed.xml": "bad_feed"}


def test_a_feed_of_100000_items_is_read_within_the_caps(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    items = "".join(f"<item><link>/story/{n}</link></item>" for n in range(100_000))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    assert len(feed) < 4 * 1024 * 1024  # within the download cap
    site = FeedOnlySite(feed)
    status, peak, output = crawl_feed(site, tmp_path, "-v", "-s", "NEWSMON_MAX_ENTRIES=20")
    assert status == 0, output
    assert "lists 100000 stories; reading the first 20 (NEWSMON_MAX_ENTRIES)" in output
    fetched = [p for p in site.requests if p.startswith("/story/")]
    figures(stories_lost=20 - len(stored(tmp_path / "news.db")))
    assert sorted(fetched) == sorted(f"/story/{n}" for n in range(20))
    assert len(stored(tmp_path / "news.db")) == 20 and peak < 300


def failures_by_url(db: Path) -> dict[str, str]:
    """Each failure's kind by its URL's path."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, kind FROM failures").fetchall()
    return {urlsplit(url).path: kind for url, kind in rows}


# What a terminal would obey in a headline: set its title, write its clipboard (OSC 52), clear
# the screen, turn text right to left.
TERMINAL_ESCAPES = "\x1b]0;owned\x07 \x1b]52;c;ZXZpbA==\x07 \x1b[2J \u202egnp.exe\u202c"


def test_a_hostile_kbs_page_fails_only_its_story(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    """Beside a harmless outlet in the same crawl: a page whose Written time no datetime holds
    in UTC (the first instant of year 1, Korea time) is its own recorded failure, and a headline
    holding terminal escapes is stored as published and shown escaped."""
    from conftest import newsmon

    from newsmon.demo.meridian import FEED_PATH, TIMEZONE, MeridianSite

    ids = [s["article_id"] for s in site.politics()[:10]]
    site.update_story(ids[2], page_written="0001-01-01 00:00:00")
    site.update_story(ids[4], title=f"Budget {TERMINAL_ESCAPES}")
    config = tmp_path / "newsmon.toml"
    db = tmp_path / "news.db"
    with serve(MeridianSite.bundled()) as meridian:
        config.write_text(
            f'[[outlets]]\nname = "kbs-world"\nsite = "kbs"\nbase_url = "{origin}"\n\n'
            f'[[outlets]]\nname = "meridian"\nsite = "generic"\nfeed = "{meridian}{FEED_PATH}"\n'
            f'timezone = "{TIMEZONE}"\n',
            encoding="utf-8",
        )
        result = newsmon(
            "crawl", "--config", str(config), "--db", str(db), "--max-pages", "1", "-v", *FAST,
            cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT outlet, status, message FROM runs ORDER BY id").fetchall()
        title = conn.execute(
            "SELECT title FROM stories WHERE article_id = ?", (str(ids[4]),)
        ).fetchone()
    assert runs == [("kbs-world", "ok", None), ("meridian", "ok", None)]
    kbs = {k: v for k, v in failures(db).items() if k.isdigit()}
    assert kbs == {str(ids[2]): ("bad_written_at", "parse")}
    sound = {str(i) for i in ids} - {str(ids[2])}
    figures(failures_recorded=len(kbs), stories_lost=len(sound - stored(db)))
    assert sound <= stored(db)
    assert title == (f"Budget {TERMINAL_ESCAPES}",)
    shown = [result.stderr]
    for command in (["articles", "--outlet", "kbs-world", "--limit", "100"], ["show", str(ids[4])]):
        listed = newsmon(*command, "--db", str(db), cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        shown.append(listed.stdout)
    for output in shown:
        # (a table cuts long titles to the width of the terminal, if not of this one's)
        assert "Budget \\x1b" in output, output
        assert not any(c in output for c in "\x1b\x07\u202e\u202c"), output
