"""End to end: `newsmon crawl` in a subprocess against the fixture site on 127.0.0.1."""

from __future__ import annotations

import re
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import crawl, scrapy_crawl, story_fetches, summary

from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

KST_OFFSET = timedelta(hours=9)
MINUTE = timedelta(minutes=1)

pytestmark = pytest.mark.slow  # crawls in subprocesses


def utc_text(kst: str | None) -> str | None:
    """The stored UTC text of a Korea-time stamp, worked out independently of newsmon."""
    if kst is None:
        return None
    utc = datetime.strptime(kst, "%Y-%m-%d %H:%M:%S") - KST_OFFSET
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def expected(story: dict[str, Any]) -> dict[str, Any]:
    n, credit = story["article_id"], story["photo_credit"]
    # The fixture site gives odd ids an og:image; other pages show a photo <img> unless the
    # caption is a bare text line (ids = 2 mod 3).
    has_image = n % 2 == 1 or (credit is not None and n % 3 != 2)
    return {
        "source": "kbs-world",
        "lang": "e",
        "article_id": str(n),
        "url": f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={n}",
        "section": "Politics",
        "title": story["title"],
        "body": "\n\n".join("\n".join(p) for p in story["paragraphs"]),
        "summary": story["summary"],
        "reporter": story["byline"],
        "photo_credit": credit,
        "image_url": f"https://world.kbs.co.kr/data/news/{n}.jpg" if has_image else None,
        "written_at": utc_text(story["written"]),
        "updated_at": utc_text(story["updated"]),
    }


def stored(db: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM stories").fetchall()
    conn.close()
    return {row["article_id"]: dict(row) for row in rows}


def revisions(db: Path) -> dict[str, list[tuple[int, str, str]]]:
    conn = sqlite3.connect(db)
    out: dict[str, list[tuple[int, str, str]]] = {}
    query = (
        "SELECT s.article_id, r.number, r.kind, r.title FROM revisions r "
        "JOIN stories s ON s.id = r.story_id ORDER BY s.article_id, r.number"
    )
    for article_id, number, kind, title in conn.execute(query):
        out.setdefault(article_id, []).append((number, kind, title))
    conn.close()
    return out


def assert_matches_site(db: Path, site: FixtureSite) -> dict[str, dict[str, Any]]:
    rows = stored(db)
    politics = {str(s["article_id"]): s for s in site.politics()}
    assert set(rows) == set(politics)
    for article_id, story in politics.items():
        row = rows[article_id]
        assert {k: row[k] for k in expected(story)} == expected(story), article_id
    return rows


def test_crawl_then_changes_make_exact_revisions(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    db = tmp_path / "news.db"
    first = crawl(origin, db, tz="Asia/Seoul")
    assert first.returncode == 0, first.stderr
    # 3 listing pages + feed + 26 stories; every story once, though most are linked 3-4 times.
    assert summary(first.stdout) == (30, 3, 1, 26, 26, 0, 0, 0, 0, 0, 0)
    assert first.stdout.count("\n") == 1  # quiet: the summary line only
    fetched = story_fetches(site)
    assert set(fetched.values()) == {1}
    # Editor's Pick links other sections' stories on every page: never followed.
    others = {s["article_id"] for s in site.stories.values() if s["section_id"] != "Po"}
    assert others and not others & set(fetched)
    assert site.requests[0] == "/robots.txt"
    rows = assert_matches_site(db, site)
    first_seen = {k: r["first_seen_at"] for k, r in rows.items()}

    newest = site.politics()[0]
    new_story = dict(
        newest,
        article_id=newest["article_id"] + 2,
        written="2026-11-27 09:00:00",
        updated=None,
        title="A New Story",
        summary="A new story is published",
        paragraphs=[["A new story is published."]],
        byline=None,
    )
    site.add_story(new_story)
    updated_id, edited_id = site.politics()[3]["article_id"], site.politics()[5]["article_id"]
    site.update_story(updated_id, updated=site.kst(20 * MINUTE), title="An Updated Title")
    site.update_story(edited_id, title="A Silently Edited Title")

    # --full re-fetches every story, so the update and the silent edit are seen at once (routine
    # runs find them through the re-check schedule: tests/test_cron.py). Instants are stored to
    # the second: let one pass, so the second crawl's times differ from the first's.
    time.sleep(1)
    second = crawl(origin, db, "--full", tz="UTC")
    assert second.returncode == 0, second.stderr
    # the full walk goes on to page 4, the first empty one
    assert summary(second.stdout) == (32, 4, 1, 27, 1, 2, 1, 24, 0, 0, 0)
    rows = assert_matches_site(db, site)
    history = revisions(db)
    assert history[str(new_story["article_id"])] == [(1, "new", "A New Story")]
    old_title = {s["article_id"]: s["title"] for s in FixtureSite.bundled().stories.values()}
    assert history[str(updated_id)] == [
        (1, "new", old_title[updated_id]),
        (2, "updated", "An Updated Title"),
    ]
    assert history[str(edited_id)] == [
        (1, "new", old_title[edited_id]),
        (2, "silent_edit", "A Silently Edited Title"),
    ]
    assert sum(len(v) for v in history.values()) == 27 + 2
    assert rows[str(updated_id)]["revision"] == 2
    for article_id, seen in first_seen.items():
        assert rows[article_id]["first_seen_at"] == seen
        assert rows[article_id]["last_seen_at"] > seen

    third = crawl(origin, db, "--full")
    assert summary(third.stdout)[4:] == (0, 0, 0, 27, 0, 0, 0)
    assert sum(len(v) for v in revisions(db).values()) == 29


def test_page_cap_and_full_walk(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    one = crawl(origin, tmp_path / "one.db", "--max-pages", "1")
    assert one.returncode == 0, one.stderr
    # page 1 and the feed hold the same 10 newest stories
    assert summary(one.stdout)[:5] == (12, 1, 1, 10, 10)

    site.forget_requests()
    full = crawl(origin, tmp_path / "full.db", "--full")
    assert full.returncode == 0, full.stderr
    # walks on until an empty page (page 4), whatever --max-pages says
    assert summary(full.stdout)[:5] == (31, 4, 1, 26, 26)
    assert sum(p.startswith("/service/news_list.htm") for p in site.requests) == 4


def test_bad_pages_are_recorded_and_the_run_goes_on(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    ids = [s["article_id"] for s in site.politics()]
    gone, failing, broken, bad_time = ids[1], ids[2], ids[3], ids[4]
    site.failures[f"/service/news_view.htm?lang=e&Seq_Code={gone}"] = 404
    site.failures[f"/service/news_view.htm?lang=e&Seq_Code={failing}"] = 503
    site.broken.add(broken)
    site.update_story(bad_time, page_written="2026-13-45 25:61:00")
    db = tmp_path / "news.db"

    result = crawl(origin, db, "-s", "RETRY_TIMES=1")
    assert result.returncode == 0, result.stderr
    counts = summary(result.stdout)
    assert (counts[4], counts[9], counts[10]) == (22, 2, 2)
    assert "2 (bad_written_at: 1, no_body: 1) dropped; 2 (http_404: 1, http_503: 1) failed" in (
        result.stdout
    )
    assert sum(f"Seq_Code={failing}" in p for p in site.requests) == 2  # retried once

    conn = sqlite3.connect(db)
    failures = {
        int(re.search(r"Seq_Code=(\d+)", url).group(1)): (stage, kind, reason)
        for url, stage, kind, reason in conn.execute(
            "SELECT url, stage, kind, reason FROM failures"
        )
    }
    stored_ids = {int(r[0]) for r in conn.execute("SELECT article_id FROM stories")}
    conn.close()
    assert failures == {
        gone: ("fetch", "http_404", "story page: HTTP 404"),
        failing: ("fetch", "http_503", "story page: HTTP 503"),
        broken: ("parse", "no_body", "body: no story text (div.body_txt)"),
        bad_time: failures[bad_time],
    }
    assert failures[bad_time][:2] == ("parse", "bad_written_at")
    assert "2026-13-45 25:61:00" in failures[bad_time][2]
    assert stored_ids == set(ids) - {gone, failing, broken, bad_time}


def test_a_blocked_site_fails_the_run(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    site.failures["/service/news_list.htm"] = 403
    site.failures["/rss/"] = 403
    result = crawl(origin, tmp_path / "news.db")
    assert result.returncode == 1
    assert "failed: blocked or unreachable: " in result.stderr
    assert "-> listing page: HTTP 403" in result.stderr or "-> feed page: HTTP 403" in result.stderr
    assert "(http_403: 2) failed" in result.stdout


def test_scrapy_crawl_from_the_repo_root_runs_the_same_pipelines(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    db = tmp_path / "scrapy.db"
    result = scrapy_crawl(db, "-a", f"base_url={origin}", "-a", "max_pages=1")
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout)[3:5] == (10, 10)
    assert len(stored(db)) == 10
    assert "TelnetConsole" not in result.stderr and "RemoteControl" not in result.stderr
    # Off a terminal (output captured) there is no progress display, and nothing said of it:
    # Scrapy's log, at INFO, shows no warning ("Disabled newsmon.progress.CrawlProgress").
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert not re.findall(r"\] (?:WARNING|ERROR|CRITICAL): .*", result.stderr)


@pytest.mark.parametrize(
    "args",
    [["--max-pages", "0"], ["--section", "XX"], ["--base-url", "ftp://x"], ["-s", "NOVALUE"]],
)
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    with serve(FixtureSite()) as origin:
        result = crawl(origin, tmp_path / "x.db", *args)
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "x.db").exists()


def test_robots_and_offsite_redirects_are_obeyed(
    site: FixtureSite, origin: str, tmp_path: Path
) -> None:
    ids = [s["article_id"] for s in site.politics()]
    forbidden, moved = ids[0], ids[1]
    site.robots = f"User-agent: *\nDisallow: /service/news_view.htm?lang=e&Seq_Code={forbidden}\n"
    # `localhost` serves the same site but is not a host the crawl may follow.
    other_host = origin.replace("127.0.0.1", "localhost")
    site.redirects[f"/service/news_view.htm?lang=e&Seq_Code={moved}"] = (
        f"{other_host}/service/news_view.htm?lang=e&Seq_Code={ids[9]}&moved=1"
    )
    # A redirect within the site is followed as usual.
    site.redirects[f"/service/news_view.htm?lang=e&Seq_Code={ids[2]}"] = (
        f"{origin}/service/news_view.htm?Seq_Code={ids[2]}&lang=e&id=Po"
    )
    db = tmp_path / "news.db"
    result = crawl(origin, db)
    assert result.returncode == 0, result.stderr
    assert set(stored(db)) == {str(n) for n in ids} - {str(forbidden), str(moved)}
    assert not any(f"Seq_Code={forbidden}" in p for p in site.requests)
    assert not any("moved=1" in p for p in site.requests)
    conn = sqlite3.connect(db)
    kinds = dict(conn.execute("SELECT url, kind FROM failures"))
    conn.close()
    assert kinds == {
        f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={forbidden}": (
            "robots_forbidden"
        ),
        f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={moved}": (
            "offsite_redirect"
        ),
    }


def test_downloads_are_capped(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    big = site.politics()[0]
    site.update_story(big["article_id"], paragraphs=[["x" * 5000]] * 4)
    db = tmp_path / "news.db"
    result = crawl(origin, db, "--max-pages", "1", "-s", "DOWNLOAD_MAXSIZE=16000")
    assert result.returncode == 0, result.stderr
    assert "1 (too_large: 1) failed" in result.stdout
    assert str(big["article_id"]) not in stored(db) and len(stored(db)) == 9
