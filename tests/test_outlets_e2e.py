"""End to end, in subprocesses: a generic outlet (the invented Meridian Herald), and several
outlets in one run, from a config file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import newsmon, scrapy_crawl, summary

from newsmon.cli import main
from newsmon.demo.meridian import (
    FEED_PATH,
    LISTING_LINKS,
    LISTING_PATH,
    TIMEZONE,
    MeridianSite,
)
from newsmon.demo.run import FAST
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

pytestmark = pytest.mark.slow


def outlets_config(folder: Path, *, kbs: str | None, meridian: str | None) -> Path:
    text = ""
    if kbs:
        text += f'[[outlets]]\nname = "kbs-world"\nsite = "kbs"\nbase_url = "{kbs}"\n\n'
    if meridian:
        text += (
            f'[[outlets]]\nname = "meridian"\nsite = "generic"\nfeed = "{meridian}{FEED_PATH}"\n'
            f'section = "Politics"\ntimezone = "{TIMEZONE}"\n'
        )
    path = folder / "newsmon.toml"
    path.write_text(text, encoding="utf-8")
    return path


def crawl(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return newsmon("crawl", "--config", str(config), "--db", str(db), *FAST, *args, cwd=db.parent)


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def story_requests(site: MeridianSite) -> list[str]:
    return [r for r in site.requests if r.startswith("/politics/2")]


@pytest.fixture
def meridian() -> Iterator[tuple[MeridianSite, str]]:
    site = MeridianSite.bundled()
    with serve(site) as origin:
        yield site, origin


def test_a_generic_outlet_from_feed_to_revisions(
    meridian: tuple[MeridianSite, str], tmp_path: Path
) -> None:
    site, origin = meridian
    config = outlets_config(tmp_path, kbs=None, meridian=origin)
    db = tmp_path / "news.db"
    first = crawl(config, db)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "newsmon: meridian run 1 ok: 8 pages fetched (0 listing, 1 feed, 7 story); 6 new, 0 "
        "updated (0 silent), 0 unchanged, 0 stale; 1 (no_body: 1) dropped; 0 failed\n"
    )
    stored = dict(query(db, "SELECT article_id, written_at FROM stories"))
    # stored under their canonical URLs: the feed's utm_ parameters are gone
    assert set(stored) == {origin + site.path(s) for s in site.stories.values() if s["paragraphs"]}
    # the page with no time of its own took the feed's
    feedtime = site.stories[1006]
    assert stored[origin + site.path(feedtime)] == _utc(feedtime["published"])
    assert query(db, "SELECT stage, kind, url FROM failures") == [
        ("parse", "no_body", origin + site.path(site.stories[1007]))
    ]

    # The outlet updates one story and quietly edits another; a re-check finds both.
    site.update_story(
        1002,
        modified=site.later(timedelta(minutes=5)),
        paragraphs=[*site.stories[1002]["paragraphs"], "The commission will hold hearings."],
    )
    site.update_story(1003, title="Ministers Questioned Over Helicopter Procurement Delays")
    second = crawl(config, db, "--recheck", "30d")
    assert second.returncode == 0, second.stderr
    assert summary(second.stdout)[4:8] == (0, 2, 1, 4)
    kinds = query(db, "SELECT s.article_id, r.number, r.kind FROM revisions r JOIN stories s "
                      "ON s.id = r.story_id WHERE r.number > 1")  # fmt: skip
    # a set: the ids are URLs holding the stories' month, so their order follows the clock
    assert set(kinds) == {
        (origin + site.path(site.stories[1002]), 2, "updated"),
        (origin + site.path(site.stories[1003]), 2, "silent_edit"),
    }
    assert len(kinds) == 2

    # A routine run reads the feed and finds nothing new: no story page is fetched again, also
    # not those the feed links with tracking parameters.
    site.requests.clear()
    third = crawl(config, db)
    assert third.returncode == 0, third.stderr
    assert story_requests(site) == [] and FEED_PATH in site.requests
    # nor after the outlet's section is relabelled: a story's identity is (source, lang, id)
    config.write_text(config.read_text().replace('section = "Politics"', 'section = "Politik"'))
    assert crawl(config, db).returncode == 0
    assert story_requests(site) == []

    # and the story is found by the link the feed gave, tracking parameters and all
    tracked = site.link(origin, site.stories[1001])
    shown = CliRunner().invoke(main, ["show", tracked, "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Coalition Talks Resume After Two-Week Budget Standoff\n")


def _utc(kst: str) -> str:
    """`2026-11-15 10:00:00` (Korea time) -> `2026-11-15T01:00:00Z`, worked out by hand."""
    local = datetime.strptime(kst, "%Y-%m-%d %H:%M:%S")
    return (local - timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_listing_page_besides_the_feed(
    meridian: tuple[MeridianSite, str], tmp_path: Path
) -> None:
    site, origin = meridian
    site.feed_items = 3  # older stories are on the section front only
    config = outlets_config(tmp_path, kbs=None, meridian=origin)
    with config.open("a") as f:
        f.write(f'listing = "{origin}{LISTING_PATH}"\nlinks = "{LISTING_LINKS}"\n')
    db = tmp_path / "news.db"
    result = crawl(config, db)
    assert result.returncode == 0, result.stderr
    # the page with no time of its own is not in the feed either: nothing dates it
    assert result.stdout == (
        "newsmon: meridian run 1 ok: 9 pages fetched (1 listing, 1 feed, 7 story); 5 new, 0 "
        "updated (0 silent), 0 unchanged, 0 stale; 2 (no_body: 1, no_written_time: 1) dropped; "
        "0 failed\n"
    )
    assert "/economy/markets-today" not in site.requests


def test_several_outlets_in_one_run(meridian: tuple[MeridianSite, str], tmp_path: Path) -> None:
    _, origin = meridian
    kbs_site = FixtureSite.bundled()
    kbs_site.failures["/service/news_list.htm"] = 403  # KBS blocks its listing
    with serve(kbs_site) as kbs:
        config = outlets_config(tmp_path, kbs=kbs, meridian=origin)
        db = tmp_path / "news.db"
        both = crawl(config, db)
        assert both.returncode == 1  # one outlet failed
        lines = both.stdout.splitlines()
        assert [line.split(" run ")[0] for line in lines] == [
            "newsmon: kbs-world",
            "newsmon: meridian",
        ]
        assert both.stderr.startswith("newsmon: kbs-world run 1 failed: blocked or unreachable")
        assert query(db, "SELECT id, outlet, status FROM runs") == [
            (1, "kbs-world", "failed"),
            (2, "meridian", "ok"),
        ]

        kbs_site.requests.clear()
        one = crawl(config, db, "--outlet", "meridian")
        assert one.returncode == 0 and one.stdout.startswith("newsmon: meridian run 3 ok")
        assert kbs_site.requests == []

    listing = CliRunner().invoke(main, ["outlets", "--config", str(config), "--db", str(db)])
    assert listing.exit_code == 0, listing.output
    header, kbs_row, meridian_row = listing.output.splitlines()
    assert header.split() == ["outlet", "site", "sections", "last", "run", "started", "status"]
    assert kbs_row.split()[:4] == ["kbs-world", "kbs", "Politics", "1"]
    assert kbs_row.split()[-1] == "failed"
    assert meridian_row.split()[:4] == ["meridian", "generic", "Politics", "3"]

    def articles(*args: str) -> list[dict]:
        result = CliRunner().invoke(
            main, ["articles", "--db", str(db), "--format", "jsonl", "--limit", "99", *args]
        )
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.output.splitlines()]

    assert {a["source"] for a in articles("--outlet", "meridian")} == {"meridian"}
    assert len(articles("--outlet", "meridian")) == 6
    both_outlets = articles("--outlet", "meridian", "--outlet", "kbs-world")
    assert {a["source"] for a in both_outlets} == {"meridian", "kbs-world"}
    nobody = CliRunner().invoke(main, ["articles", "--db", str(db), "--outlet", "nobody"])
    assert nobody.exit_code == 2
    assert "no story is from outlet 'nobody'; the stored outlets are: kbs-world, meridian" in (
        nobody.output
    )


def test_two_outlets_may_share_a_feed(meridian: tuple[MeridianSite, str], tmp_path: Path) -> None:
    _, origin = meridian
    config = outlets_config(tmp_path, kbs=None, meridian=origin)
    text = config.read_text()
    config.write_text(text.replace('name = "meridian"', 'name = "herald"') + "\n" + text)
    result = crawl(config, tmp_path / "news.db")
    assert result.returncode == 0, result.stderr
    counts = query(tmp_path / "news.db", "SELECT source, count(*) FROM stories GROUP BY 1")
    assert counts == [("herald", 6), ("meridian", 6)]


def test_scrapy_crawl_takes_a_config_too(
    meridian: tuple[MeridianSite, str], tmp_path: Path
) -> None:
    _, origin = meridian
    config = outlets_config(tmp_path, kbs=None, meridian=origin)
    db = tmp_path / "scrapy.db"
    result = scrapy_crawl(db, "-a", f"config={config}")
    assert result.returncode == 0, result.stderr
    assert query(db, "SELECT count(*) FROM stories WHERE source = 'meridian'") == [(6,)]


def test_a_kbs_outlet_of_several_sections(tmp_path: Path) -> None:
    site = FixtureSite.bundled()
    with serve(site) as kbs:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'[[outlets]]\nname = "kbs-world"\nsite = "kbs"\nsection = ["Po", "IK"]\n'
            f'base_url = "{kbs}"\n'
        )
        result = crawl(config, tmp_path / "news.db")
    assert result.returncode == 0, result.stderr
    sections = dict(query(tmp_path / "news.db", "SELECT section, count(*) FROM stories GROUP BY 1"))
    expected = {"Politics": len(site.politics("Po")), "Inter-Korea": len(site.politics("IK"))}
    assert sections == expected and expected["Inter-Korea"] >= 1
    # each section's feed and listing
    assert {r.split("?")[1] for r in site.requests if r.startswith("/rss/")} == {
        "lang=e&id=Po",
        "lang=e&id=IK",
    }
