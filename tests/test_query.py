"""Analysts and feeds: CLI tests on a temporary database filled by real crawls of the fixture
site (a crawl, then a newsroom's changes and a second crawl)."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import crawl, crawl_in_background
from sqlalchemy.orm import Session

from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite
from newsmon.items import Story
from newsmon.output import atomic_file

MINUTE = timedelta(minutes=1)
# What a reader may see in the moment before a crawl has created its database.
STARTING = ("no database at", "an empty file, not yet", "holds no newsmon database yet")
QUOTED = ['He said, "We will not retreat," adding:', 'the talks go on, "for now".']


@dataclass
class World:
    site: FixtureSite
    origin: str
    db: Path
    updated_id: int
    edited_id: int
    formula_id: int


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    site = FixtureSite.bundled()
    politics = site.politics()
    formula = politics[6]
    # A headline a spreadsheet would run, and a body with commas, quotes and line breaks.
    site.update_story(
        formula["article_id"],
        title="=1+1 Budget Formula Row",
        paragraphs=[QUOTED, ["-3.2 percent is the figure."]],
    )
    with serve(site) as origin:
        db = tmp_path_factory.mktemp("query") / "news.db"
        assert crawl(origin, db).returncode == 0
        updated, edited = politics[1], politics[3]
        site.update_story(
            updated["article_id"],
            updated=site.kst(5 * MINUTE),
            paragraphs=[
                *updated["paragraphs"],
                ["Lawmakers approved the amended zeppelin ordinance."],
            ],
        )
        site.update_story(edited["article_id"], title=edited["title"] + " (Corrected)")
        assert crawl(origin, db, "--recheck", "30d").returncode == 0
        yield World(
            site, origin, db, updated["article_id"], edited["article_id"], formula["article_id"]
        )


def run(crawled: World, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(crawled.db)])


def jsonl(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def written_utc(story: dict[str, Any]) -> datetime:
    local = datetime.strptime(story["written"], "%Y-%m-%d %H:%M:%S")
    return (local - timedelta(hours=9)).replace(tzinfo=UTC)


# --- articles -----------------------------------------------------------------------------------


def test_articles_newest_first_as_a_table(crawled: World) -> None:
    result = run(crawled, "articles", "--limit", "5")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == ["outlet", "id", "written", "updated", "section", "rev", "title"]
    newest = [str(s["article_id"]) for s in crawled.site.politics()[:5]]
    assert [row.split()[:2] for row in rows] == [["kbs-world", n] for n in newest]


def test_articles_filters(crawled: World) -> None:
    politics = crawled.site.politics()
    start, end = written_utc(politics[15]), written_utc(politics[5])
    result = jsonl(
        run(
            crawled,
            "articles",
            "--since",
            start.isoformat(),
            "--until",
            end.isoformat(),
            "--format",
            "jsonl",
        )
    )
    expected = [str(s["article_id"]) for s in politics if start <= written_utc(s) < end]
    assert [r["article_id"] for r in result] == expected and len(expected) == 10

    day = written_utc(politics[8]).date().isoformat()
    by_day = jsonl(run(crawled, "articles", "--since", day, "--until", day, "--format", "jsonl"))
    assert {r["article_id"] for r in by_day} == {
        str(s["article_id"]) for s in politics if written_utc(s).date().isoformat() == day
    }

    # the newest story was written half an hour ago; the update came 25 minutes ago
    recent = (datetime.now(UTC) - 28 * MINUTE).isoformat()
    by_update = jsonl(
        run(crawled, "articles", "--since", recent, "--by", "updated", "--format", "jsonl")
    )
    assert str(crawled.updated_id) in {r["article_id"] for r in by_update}
    by_written = jsonl(run(crawled, "articles", "--since", recent, "--format", "jsonl"))
    assert str(crawled.updated_id) not in {r["article_id"] for r in by_written}

    assert len(jsonl(run(crawled, "articles", "--section", "politics", "--format", "jsonl"))) == 26
    # a filter that matches nothing: no story written before the first one
    early = written_utc(politics[-1]).isoformat()
    assert run(crawled, "articles", "--until", early).output == "no stories match\n"
    assert len(jsonl(run(crawled, "articles", "--limit", "3", "--format", "jsonl"))) == 3
    bad = run(crawled, "articles", "--since", "yesterday")
    assert bad.exit_code == 2 and bad.output == (
        "Error: Invalid value for '--since': 'yesterday' is not a date (2026-11-27), an ISO "
        "8601 time (2026-11-27T09:00:00+09:00) or a duration ago (6h, 3d)\n"
    )


def test_articles_formats(crawled: World) -> None:
    as_json = json.loads(run(crawled, "articles", "--format", "json", "--limit", "2").output)
    as_csv = list(
        csv.DictReader(
            io.StringIO(run(crawled, "articles", "--format", "csv", "--limit", "2").output)
        )
    )
    assert [r["article_id"] for r in as_json] == [r["article_id"] for r in as_csv]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", as_json[0]["written_at"])


def test_articles_search_filter(crawled: World) -> None:
    found = jsonl(run(crawled, "articles", "--search", "zeppelin", "--format", "jsonl"))
    assert [r["article_id"] for r in found] == [str(crawled.updated_id)]


# --- search -------------------------------------------------------------------------------------


def test_search_ranks_title_matches_first_with_snippets(crawled: World) -> None:
    hits = jsonl(run(crawled, "search", "budget", "--format", "jsonl"))
    assert len(hits) >= 3
    in_title = ["budget" in h["title"].lower() for h in hits]
    assert in_title == sorted(in_title, reverse=True) and in_title[0]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all("[" in h["snippet"] and "]" in h["snippet"] for h in hits)
    table = run(crawled, "search", "budget", "--limit", "2")
    assert table.exit_code == 0 and table.output.startswith(" 1. ")


def test_search_follows_revisions(crawled: World) -> None:
    hits = jsonl(run(crawled, "search", "zeppelin", "--format", "jsonl"))
    assert [h["article_id"] for h in hits] == [str(crawled.updated_id)]
    assert "[zeppelin]" in hits[0]["snippet"]
    edited = jsonl(run(crawled, "search", "corrected", "--format", "jsonl"))
    assert [h["article_id"] for h in edited] == [str(crawled.edited_id)]


def test_search_loads_only_what_a_query_needs(crawled: World) -> None:
    # A search answers in a millisecond; importing SQLAlchemy or Scrapy would cost it a third
    # of a second as a process (docs/benchmarks.md).
    command = ["search", "budget", "--db", str(crawled.db), "--format", "jsonl"]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "newsmon", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "newsmon.search" in loaded and "sqlite3" in loaded
    assert not {name for name in loaded if name.split(".")[0] in ("sqlalchemy", "scrapy")}
    assert [json.loads(line) for line in result.stdout.splitlines()] == jsonl(
        run(crawled, "search", "budget", "--format", "jsonl")
    )


def test_search_by_url_finds_the_same_as_by_path(crawled: World) -> None:
    by_path = jsonl(run(crawled, "search", "budget", "--format", "jsonl"))
    by_url = CliRunner().invoke(
        main, ["search", "budget", "--format", "jsonl", "--db", f"sqlite:///{crawled.db}"]
    )
    assert jsonl(by_url) == by_path and len(by_path) >= 3
    missing = CliRunner().invoke(main, ["search", "budget", "--db", str(crawled.db) + ".gone"])
    assert missing.exit_code == 2 and "no database at" in missing.output


@pytest.mark.parametrize("bad", ["budget AND (", '"unclosed', "N.Korea"])
def test_a_malformed_search_is_a_clear_error(crawled: World, bad: str) -> None:
    result = run(crawled, "search", bad)
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1
    assert result.output.startswith("Error: Invalid value for 'QUERY': ")
    assert "cannot read the search query" in result.output and "double quotes" in result.output
    assert "Traceback" not in result.output


# --- show ---------------------------------------------------------------------------------------


def test_show_with_diff(crawled: World) -> None:
    url = f"http://rki.kbs.co.kr/service/news_view.htm?Seq_Code={crawled.updated_id}&lang=e"
    result = run(crawled, "show", url, "--diff")
    assert result.exit_code == 0, result.output
    assert "2 revision(s):" in result.output
    assert "revision 1 -> 2 (updated):" in result.output
    assert "respond.{+\n\n    Lawmakers approved the amended zeppelin ordinance.+}" in result.output
    assert "[-" not in result.output  # an addition only

    edited = run(crawled, "show", str(crawled.edited_id), "--diff")
    assert "revision 1 -> 2 (silent_edit):" in edited.output
    assert "Boycott{+ (Corrected)+}" in edited.output

    missing = run(crawled, "show", "999999")
    assert missing.exit_code == 1 and "no story 999999" in missing.output
    assert run(crawled, "show", "not-a-story").exit_code == 2


# --- export and feeds ---------------------------------------------------------------------------


def test_csv_neutralises_formulas_unless_raw(crawled: World, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert run(crawled, "export", "--format", "csv", "-o", str(out)).exit_code == 0
    rows = {r["article_id"]: r for r in csv.DictReader(io.StringIO(out.read_text("utf-8")))}
    assert rows[str(crawled.formula_id)]["title"] == "'=1+1 Budget Formula Row"
    raw = run(crawled, "export", "--format", "csv", "--raw")
    raw_rows = {r["article_id"]: r for r in csv.DictReader(io.StringIO(raw.output))}
    assert raw_rows[str(crawled.formula_id)]["title"] == "=1+1 Budget Formula Row"
    as_jsonl = {r["article_id"]: r for r in jsonl(run(crawled, "export"))}
    assert as_jsonl[str(crawled.formula_id)]["title"] == "=1+1 Budget Formula Row"


def test_csv_round_trips_commas_quotes_and_line_breaks(crawled: World, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    run(crawled, "export", "--format", "csv", "-o", str(out))
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["article_id"]: r for r in csv.DictReader(f)}
    body = "\n".join(QUOTED) + "\n\n-3.2 percent is the figure."
    assert rows[str(crawled.formula_id)]["body"] == body
    header = raw.split(b"\r\n", 1)[0].decode()
    assert header == (
        "source,lang,article_id,url,section,title,body,summary,reporter,"
        "photo_credit,image_url,written_at,written_precision,updated_at,revision,"
        "first_seen_at,last_seen_at"
    )


def test_excel_csv_starts_with_a_bom(crawled: World, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert run(crawled, "export", "--format", "csv", "--excel", "-o", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfsource,lang,")
    assert "Civic Group\u2019s" in out.read_text(encoding="utf-8-sig")


def test_revisions_export(crawled: World) -> None:
    rows = jsonl(run(crawled, "export", "--revisions"))
    assert len(rows) == 26 + 2
    mine = [(r["revision"], r["kind"]) for r in rows if r["article_id"] == str(crawled.updated_id)]
    assert mine == [(1, "new"), (2, "updated")]
    assert list(rows[0])[:7] == [
        "source",
        "lang",
        "article_id",
        "url",
        "section",
        "revision",
        "kind",
    ]


def test_a_failed_export_keeps_the_feed_where_it_was(crawled: World, tmp_path: Path) -> None:
    # /proc is a folder no file can be made in, not even by root
    failed = run(crawled, "export", "--feed", "fails", "-o", "/proc/newsmon-test.csv")
    assert failed.exit_code == 1 and "cannot write" in failed.output
    assert "Traceback" not in failed.output
    assert len(jsonl(run(crawled, "export", "--feed", "fails"))) == 26


def test_files_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "stories.csv"
    target.write_text("the previous export\n")
    with pytest.raises(RuntimeError), atomic_file(target) as out:
        out.write("half of a new export")
        raise RuntimeError("interrupted")
    assert target.read_text() == "the previous export\n"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


@pytest.mark.slow
def test_feeds_carry_only_what_changed_since_their_last_export(tmp_path: Path) -> None:
    site = FixtureSite.bundled()
    db = tmp_path / "feed.db"
    with serve(site) as origin:
        assert crawl(origin, db).returncode == 0
        first = CliRunner().invoke(
            main,
            [
                "export",
                "--db",
                str(db),
                "--feed",
                "sheet",
                "--format",
                "csv",
                "-o",
                str(tmp_path / "1.csv"),
            ],
        )
        assert first.exit_code == 0, first.output
        assert len(list(csv.DictReader(io.StringIO((tmp_path / "1.csv").read_text("utf-8"))))) == 26

        newest = site.politics()[0]
        site.add_story(
            dict(
                newest,
                article_id=newest["article_id"] + 1,
                title="Brand New",
                written=site.kst(MINUTE),
                updated=None,
            )
        )
        changed = site.politics()[4]["article_id"]
        site.update_story(changed, updated=site.kst(2 * MINUTE), title="Changed Title")
        assert crawl(origin, db, "--recheck", "30d").returncode == 0

    second = CliRunner().invoke(main, ["export", "--db", str(db), "--feed", "sheet"])
    rows = jsonl(second)
    assert sorted(r["article_id"] for r in rows) == sorted(
        [str(newest["article_id"] + 1), str(changed)]
    )
    assert jsonl(CliRunner().invoke(main, ["export", "--db", str(db), "--feed", "sheet"])) == []
    # another feed name has its own position
    assert (
        len(jsonl(CliRunner().invoke(main, ["export", "--db", str(db), "--feed", "other"]))) == 27
    )


# --- SQL users and concurrent readers -----------------------------------------------------------


def test_views_for_sql_users(crawled: World) -> None:
    conn = sqlite3.connect(crawled.db)
    try:
        assert conn.execute("SELECT count(*) FROM current_stories").fetchone() == (26,)
        assert conn.execute("SELECT count(*) FROM story_revisions").fetchone() == (28,)
        changed = {a for (a,) in conn.execute("SELECT article_id FROM changed_last_day")}
        assert len(changed) == 26  # everything was first seen minutes ago
        kinds = dict(
            conn.execute("SELECT kind, count(*) FROM story_revisions GROUP BY kind").fetchall()
        )
        assert kinds == {"new": 26, "updated": 1, "silent_edit": 1}
    finally:
        conn.close()


@pytest.mark.slow
def test_readers_work_while_a_crawl_writes(tmp_path: Path) -> None:
    site = FixtureSite.bundled()
    db = tmp_path / "busy.db"
    with serve(site) as origin:
        writer = crawl_in_background(origin, db, "--full", "-s", "DOWNLOAD_DELAY=0.1")
        try:
            reads = 0
            while writer.poll() is None or reads < 3:
                if not db.exists():
                    continue
                for args in (
                    ["articles", "--limit", "5"],
                    ["search", "minister"],
                    ["export", "--feed", "live"],
                ):
                    result = CliRunner().invoke(main, [*args, "--db", str(db)])
                    if any(early in result.output for early in STARTING):
                        continue  # the crawl has not created its database yet
                    assert result.exit_code == 0, result.output
                    assert "locked" not in result.output
                    reads += 1
        finally:
            _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr
    assert reads >= 10


def test_more_ways_to_name_things(crawled: World, tmp_path: Path) -> None:
    by_id = jsonl(run(crawled, "articles", "--section", "Po", "--format", "jsonl"))
    assert len(by_id) == 26
    no_lang = f"https://world.kbs.co.kr/service/news_view.htm?Seq_Code={crawled.updated_id}"
    assert run(crawled, "show", no_lang).exit_code == 0
    assert "not a story id" in run(crawled, "show", "\u00b2").output
    empty = run(crawled, "search", "  ")
    assert empty.exit_code == 2 and "the search query is empty" in empty.output
    assert run(crawled, "export", "--feed", " ").exit_code == 2
    not_db = tmp_path / "notes.txt"
    not_db.write_text("just text, no database here " * 200)
    result = CliRunner().invoke(main, ["articles", "--db", str(not_db)])
    assert result.exit_code == 2 and "is not an SQLite database" in result.output


def test_tables_keep_one_line_per_row(crawled: World) -> None:
    result = run(crawled, "search", '"zeppelin"')
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == 2  # the hit and its snippet


def test_the_id_articles_lists_pastes_into_show(tmp_path: Path) -> None:
    """A generic outlet's id is its canonical URL, of any length (84 characters in the demo):
    the table lists such a story as @N, its row id, which `show` takes back; a KBS story by its
    Seq_Code. Exports keep the URL whole."""
    db = tmp_path / "news.db"
    long_url = "https://meridian.example/politics/2026/11/" + "slug-of-a-long-headline-" * 8 + "x"
    stories = [
        Story(
            source="meridian",
            lang="",
            article_id=long_url,
            url=long_url,
            title="A Story Whose Id Is a Long URL",
            body="Its body.",
            section="Politics",
            written_at=datetime(2026, 11, 27, 1, 0, tzinfo=UTC),
        ),
        Story(
            source="kbs-world",
            lang="e",
            article_id="204156",
            url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=204156",
            title="A Story Whose Id Is a Seq_Code",
            body="Its body.",
            section="Politics",
            written_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
        ),
    ]
    engine = open_engine(str(db), Access.CREATE)
    try:
        with Session(engine) as session, session.begin():
            for story in stories:
                record_story(session, story, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    finally:
        engine.dispose()

    listed = CliRunner().invoke(main, ["articles", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    ids = [row.split()[1] for row in listed.output.splitlines()[1:]]
    assert re.fullmatch(r"@\d+", ids[0]) and ids[1] == "204156", listed.output
    for story, pasted in zip(stories, ids, strict=True):
        shown = CliRunner().invoke(main, ["show", pasted, "--db", str(db)])
        assert shown.exit_code == 0, shown.output
        assert shown.output.splitlines()[:2] == [story.title, story.url]
    elsewhere = CliRunner().invoke(main, ["show", ids[0], "--outlet", "kbs-world", "--db", str(db)])
    assert elsewhere.exit_code == 1 and f"no story {ids[0]} in" in elsewhere.output
    whole = CliRunner().invoke(
        main, ["articles", "--outlet", "meridian", "--format", "jsonl", "--db", str(db)]
    )
    assert [record["article_id"] for record in jsonl(whole)] == [long_url]
