"""The web UI in process: Datasette with newsmon's plugin on the demo's database (metadata,
canned queries, the story page, what --public turns off) and `newsmon serve`'s usage errors.
The same in a real browser is in test_browser.py."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import newsmon
from markupsafe import escape
from sqlalchemy.orm import Session

from newsmon.alerts.channels import check
from newsmon.alerts.watches import NewWatch, add
from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.demo.run import prepare
from newsmon.items import Story
from newsmon.web.metadata import QUERIES, database_metadata
from newsmon.web.serve import TRUNCATE, datasette

SECRET_URL = "json://newsmon:hunter2-s3cret@127.0.0.1:9/hook"
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's database, and a story whose title and body hold HTML."""
    copy = tmp_path_factory.mktemp("web") / "news.db"
    shutil.copyfile(demo_db, copy)
    engine = open_engine(str(copy), Access.WRITE)
    story = Story(
        source="kbs-world",
        lang="e",
        article_id="999001",
        url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=999001",
        title=f"Hostile {HOSTILE} Title",
        body=f"A body with {HOSTILE} in it, " + "and more words " * 10,
        section="Politics",
        written_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
    )
    with Session(engine) as session, session.begin():
        record_story(session, story, datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
        record_story(session, replace(story, body=story.body + " <b>Added</b>."), datetime.now(UTC))
    add(engine, NewWatch("budget", "budget", [check(SECRET_URL)]), datetime.now(UTC))
    engine.dispose()
    return copy


def get(db: Path, path: str, *, public: bool = False) -> tuple[int, str]:
    async def fetch() -> tuple[int, str]:
        response = await datasette(db, config=None, public=public).client.get(path)
        return response.status_code, response.text

    return asyncio.run(fetch())


def get_json(db: Path, path: str) -> Any:
    status, text = get(db, path)
    assert status == 200, text
    import json

    return json.loads(text)


def story_id(db: Path, article_id: str) -> int:
    rows = get_json(db, f"/news/stories.json?article_id={article_id}&_shape=array")
    return rows[0]["id"]


def test_the_database_explains_itself(db: Path) -> None:
    meta = get_json(db, "/-/metadata.json")["databases"]["news"]
    assert meta["title"] == "newsmon" and "UTC" in meta["description"]
    stories = meta["tables"]["stories"]
    assert stories["facets"] == ["source", "section", "reporter"]
    assert stories["sort_desc"] == "written_at" and stories["fts_table"] == "stories_fts"
    assert "UTC, as 2026-11-27T10:14:05Z" in stories["columns"]["written_at"]
    assert meta["tables"]["alembic_version"]["hidden"] is True
    page = get(db, "/news/current_stories")[1]
    assert re.search(r'<input[^>]+name="_search"', page)
    assert "Every story as it stands now" in page
    # newest first, and facets shown
    rows = get_json(db, "/news/stories.json?_shape=array&_size=5")
    assert [r["written_at"] for r in rows] == sorted((r["written_at"] for r in rows), reverse=True)
    facets = get_json(db, "/news/stories.json?_size=0")["facet_results"]
    assert {v["value"] for v in facets["source"]["results"]} == {"kbs-world", "meridian"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_canned_queries_answer(db: Path, name: str) -> None:
    params = {"story_history": "&story=204156", "run_failures": "&run=1"}.get(name, "")
    if name == "story_history":  # by its canonical URL too
        url = "https://world.kbs.co.kr/service/news_view.htm?lang=e%26Seq_Code=204156"
        assert get_json(db, f"/news/{name}.json?_shape=array&story={url}")
    rows = get_json(db, f"/news/{name}.json?_shape=array{params}")
    assert rows, name


def test_the_story_page_shows_revisions_and_what_changed(db: Path) -> None:
    updated = story_id(db, "204156")
    status, page = get(db, f"/news/stories/{updated}")
    assert status == 200
    assert "<h2>Revisions</h2>" in page and "What changed from revision 1 to 2" in page
    assert "<ins>\n\n(Updated with the ruling party&#x27;s response.)</ins>" in page
    # times in UTC and in the outlet's zone (KBS: Korea time)
    assert re.search(r"<td>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</td><td>[^<]+ KST \(\+0900\)</td>", page)
    assert 'href="https://world.kbs.co.kr/service/news_view.htm?lang=e&amp;Seq_Code=204156"' in page
    # a silent edit of a generic outlet, in its configured zone as its runs recorded it
    meridian = get_json(db, "/news/stories.json?source=meridian&revision=2&_shape=array")
    titles = {r["title"]: r["id"] for r in meridian}
    edited = titles["Ministers Questioned Over Helicopter Procurement Delays"]
    page = get(db, f"/news/stories/{edited}")[1]
    assert "<del>Defense</del><ins>Helicopter</ins>" in page
    assert "Asia/Seoul" in page and "KST (+0900)" in page
    # any two revisions, chosen in the page's form
    assert "<h3>title</h3>" in get(db, f"/news/stories/{edited}?from=2&to=1")[1]
    assert get(db, "/news/stories/999999")[0] == 404


def test_stored_html_is_shown_as_text(db: Path) -> None:
    hostile = story_id(db, "999001")
    for path in (f"/news/stories/{hostile}", "/news/stories", "/news/current_stories"):
        page = get(db, path)[1]
        assert "<script>window.__pwned" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page, path
    diff = get(db, f"/news/stories/{hostile}")[1]
    assert "&lt;b&gt;Added&lt;/b&gt;.</ins>" in diff and "<b>Added" not in diff


def test_views_link_stories_to_their_page(db: Path) -> None:
    page = get(db, "/news/current_stories?_size=3")[1]
    assert re.search(r'<a href="/news/stories/\d+">\d+</a>', page)


def test_public_turns_off_sql_and_nothing_downloads(db: Path) -> None:
    assert get(db, "/news?sql=select+1", public=True)[0] == 403
    assert get(db, "/news.db", public=True)[0] == 403
    assert get(db, "/news.db")[0] == 403
    assert get(db, "/news/stories", public=True)[0] == 200
    assert get(db, "/news?sql=select+1")[0] == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "Invalid value for '--host': 0.0.0.0 lets other machines connect: "
         "add --public"),
        (["--db", "postgresql://x/y"], "serving needs an SQLite file"),
        (["--db", "missing.db"], "no database at missing.db"),
        (["--port", "70000"], "'--port'"),
    ],
)  # fmt: skip
def test_serve_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "x.db"), *args])
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1
    assert message in result.output


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on, for the test."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.fixture
def fresh_db(tmp_path: Path) -> Path:
    """A newsmon database with no stories yet."""
    path = tmp_path / "news.db"
    open_engine(str(path), Access.CREATE).dispose()
    return path


def test_serve_on_a_port_in_use_says_so_before_announcing(
    fresh_db: Path, held_port: int, tmp_path: Path
) -> None:
    result = newsmon("serve", "--db", str(fresh_db), "--port", str(held_port), cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: Invalid value for '--port': port {held_port} on 127.0.0.1 is in use (another "
        "program listens there); pick another with --port\n"
    )


BAD_OUTLET = '[[outlets]]\nname = "kbs"\nsite = "kbs"\nsectoin = "Po"\n'


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("--config", "Invalid value for '--config': {folder}/mine.toml:4: sectoin: not a key"),
        ("missing", "Invalid value for '--config': no config file at {folder}/mine.toml"),
        ("./newsmon.toml", "Invalid value for '--config': newsmon.toml:4: sectoin: not a key"),
        ("not TOML", "Invalid value for '--config': {folder}/mine.toml:1: not valid TOML"),
    ],
)
def test_serve_checks_the_config_first(
    where: str, expected: str, fresh_db: Path, held_port: int, tmp_path: Path
) -> None:
    # The port is taken: were the config not checked, serve would fail on the port instead
    # (or, before, start), never naming the config.
    mine = tmp_path / "mine.toml"
    if where == "./newsmon.toml":
        (tmp_path / "newsmon.toml").write_text(BAD_OUTLET, encoding="utf-8")
        given = []
    else:
        if where != "missing":
            mine.write_text("[[outlets]\n" if where == "not TOML" else BAD_OUTLET, "utf-8")
        given = ["--config", str(mine)]
    port = str(held_port)
    result = newsmon("serve", "--db", str(fresh_db), "--port", port, *given, cwd=tmp_path)
    assert result.returncode == 2 and "serving" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: " + expected.format(folder=tmp_path)), line


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/news/watch_channels.json?_shape=array", "url"),
        ("/news.json?sql=select+*+from+watch_channels&_shape=array", "url"),
        ("/news.json?sql=select+upper(url)+as+u+from+watch_channels&_shape=array", "u"),
    ],
)
def test_notification_urls_read_as_null(db: Path, path: str, column: str) -> None:
    [row] = get_json(db, path)
    assert row[column] is None
    assert row.get("shown", "json://****@127.0.0.1:9/…") == ("json://****@127.0.0.1:9/…")
    status, text = get(db, "/news/watch_channels.csv")
    assert status == 200 and "hunter2" not in text and "json://****@127.0.0.1:9/…" in text


def test_every_table_and_view_is_described_as_it_is(tmp_path: Path) -> None:
    """The web UI describes exactly the columns each table and view has, in their order, in a
    database the migrations made (with the mark of the demo's, which has one table more)."""
    path = tmp_path / "news.db"
    prepare(str(path))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
            )
        ]
        real = {n: [c[1] for c in conn.execute(f"PRAGMA table_info('{n}')")] for n in names}
    finally:
        conn.close()
    tables = database_metadata()["tables"]
    hidden = {name for name, meta in tables.items() if meta.get("hidden")}
    described = {
        name: list(meta.get("columns", {})) for name, meta in tables.items() if name not in hidden
    }
    assert hidden <= set(real)
    assert described == {name: columns for name, columns in real.items() if name not in hidden}
    for name in described:
        assert tables[name]["title"] and tables[name]["description"], name
        assert all(tables[name]["columns"].values()), name


@pytest.mark.slow  # the demo's database (demo_db)
def test_lists_show_the_start_of_a_body_and_its_page_all_of_it(db: Path) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        story, body = conn.execute(
            "SELECT id, body FROM stories ORDER BY length(body) DESC LIMIT 1"
        ).fetchone()
        [revision] = conn.execute(
            "SELECT id FROM revisions WHERE story_id = ? AND body = ?", (story, body)
        ).fetchone()
    finally:
        conn.close()
    assert len(body) > 4 * TRUNCATE
    for path in (f"/news/stories?id={story}", f"/news/current_stories?id={story}"):
        page = get(db, path)[1]
        assert escape(body[:TRUNCATE] + "\u2026") in page, path
        assert escape(body) not in page, path
    assert escape(body) in get(db, f"/news/revisions/{revision}")[1]
    assert get_json(db, f"/news/stories.json?id={story}&_shape=array")[0]["body"] == body
