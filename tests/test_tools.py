"""newsmon's database and exports open cleanly in the tools analysts already use: Datasette,
sqlite-utils, the sqlite3 shell and pandas, each driven for real (a library or a subprocess)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import REPO
from datasette.app import Datasette
from sqlalchemy.orm import Session

from newsmon.alerts.channels import check
from newsmon.alerts.watches import NewWatch, add
from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.items import Story
from newsmon.records import REVISION_COLUMNS, STORY_COLUMNS

README = (REPO / "README.md").read_text(encoding="utf-8")
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
STORY_INSTANTS = ("written_at", "updated_at", "first_seen_at", "last_seen_at")
REVISION_INSTANTS = ("written_at", "updated_at", "seen_at")


def sql(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def with_word(db: Path, word: str) -> set[str]:
    """Stories whose title or body holds `word`, found without full-text search."""
    pattern = re.compile(rf"\b{word}\b", re.IGNORECASE)
    return {
        article_id
        for article_id, title, body in sql(db, "SELECT article_id, title, body FROM stories")
        if pattern.search(title) or pattern.search(body)
    }


def export(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", "--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


# --- Datasette ----------------------------------------------------------------------------------


def test_datasette_searches_stories_and_current_stories(demo_db: Path) -> None:
    expected = with_word(demo_db, "budget")
    assert len(expected) >= 3 and len(expected) < len(sql(demo_db, "SELECT id FROM stories"))

    async def visit() -> None:
        datasette = Datasette([str(demo_db)])
        for table in ("stories", "current_stories"):
            found = await datasette.client.get(f"/demo/{table}.json?_search=budget&_shape=array")
            assert found.status_code == 200
            assert {row["article_id"] for row in found.json()} == expected, table
            page = await datasette.client.get(f"/demo/{table}")
            assert page.status_code == 200
            assert re.search(r'<input[^>]+name="_search"', page.text), table
        # newest first, by written time
        newest = await datasette.client.get("/demo/current_stories.json?_shape=array&_size=3")
        written = [row["written_at"] for row in newest.json()]
        assert written == sorted(written, reverse=True)

    asyncio.run(visit())


SECRET_URL = "json://newsmon:hunter2-s3cret@127.0.0.1:9/hook"


@pytest.fixture
def watched_db(tmp_path: Path) -> Path:
    """data/newsmon.db as the README names it (Datasette calls it `newsmon`): two stories, and
    a watch whose channel URL holds a password."""
    path = tmp_path / "newsmon.db"
    engine = open_engine(str(path), Access.CREATE)
    try:
        with Session(engine) as session, session.begin():
            for n, title in enumerate(("Assembly Passes the Budget", "Minister Visits Busan"), 1):
                story = Story(
                    source="kbs-world",
                    lang="e",
                    article_id=str(n),
                    url=f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={n}",
                    title=title,
                    body=f"{title}. " + "More words. " * 5,
                    written_at=datetime(2026, 11, 20, n, tzinfo=UTC),
                )
                record_story(session, story, datetime(2026, 11, 27, tzinfo=UTC))
        add(engine, NewWatch("budget", "budget", [check(SECRET_URL)]), datetime.now(UTC))
    finally:
        engine.dispose()
    return path


@contextmanager
def without_newsmon_plugin() -> Iterator[None]:
    """Datasette as an analyst's own install (another virtualenv) runs it: without newsmon's
    plugin, which Datasette here loaded from newsmon's entry point; put back afterwards, for
    the tests that follow in this process."""
    from datasette.plugins import pm

    plugin = pm.unregister(name="newsmon")
    assert plugin is not None
    try:
        yield
    finally:
        pm.register(plugin, name="newsmon")


def test_datasette_without_newsmon_does_what_the_readme_says(watched_db: Path) -> None:
    """It searches `stories` but ignores a search of `current_stories`; it shows where a
    channel's URL is kept (`secret:KEY`; the URL itself, password and all, is not in the
    database), unless the README's metadata denies the table and arbitrary SQL (hiding the table
    does not); newsmon's plugin reads the column as null."""
    [block] = re.findall(r"```json\n(.*?watch_channels.*?)```", README, flags=re.DOTALL)
    private = json.loads(block)
    secret_paths = (
        "/newsmon/watch_channels",
        "/newsmon/watch_channels.json",
        "/newsmon/watch_channels/1",
        "/newsmon.json?sql=select+url+from+watch_channels",
    )

    async def plain() -> None:
        datasette = Datasette([str(watched_db)])
        plugins = (await datasette.client.get("/-/plugins.json")).json()
        assert "newsmon.web" not in {p["name"] for p in plugins}
        found = await datasette.client.get("/newsmon/stories.json?_search=budget&_shape=array")
        assert [row["title"] for row in found.json()] == ["Assembly Passes the Budget"]
        view = "/newsmon/current_stories.json?_search=budget&_shape=array"
        assert len((await datasette.client.get(view)).json()) == 2  # every story
        for path in secret_paths:
            shown = (await datasette.client.get(path)).text
            assert "secret:" in shown and "hunter2" not in shown, path
        hidden = Datasette(
            [str(watched_db)],
            metadata={"databases": {"newsmon": {"tables": {"watch_channels": {"hidden": True}}}}},
        )
        assert "secret:" in (await hidden.client.get(secret_paths[1])).text
        denied = Datasette([str(watched_db)], metadata=private)
        for path in secret_paths:
            response = await denied.client.get(path)
            assert response.status_code == 403 and "hunter2" not in response.text, path
        found = await denied.client.get("/newsmon/stories.json?_search=budget&_shape=array")
        assert [row["title"] for row in found.json()] == ["Assembly Passes the Budget"]

    async def with_plugin() -> None:
        datasette = Datasette([str(watched_db)])
        for path in secret_paths:
            response = await datasette.client.get(path)
            assert response.status_code == 200 and "hunter2" not in response.text, path
        rows = await datasette.client.get(f"{secret_paths[1]}?_shape=array")
        assert rows.json()[0]["url"] is None

    with without_newsmon_plugin():
        asyncio.run(plain())
    asyncio.run(with_plugin())


# --- sqlite-utils -------------------------------------------------------------------------------


def test_sqlite_utils_finds_the_search_index(demo_db: Path) -> None:
    db = sqlite_utils.Database(sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True))
    assert db["stories"].detect_fts() == "stories_fts"
    assert {row["article_id"] for row in db["stories"].search("budget")} == with_word(
        demo_db, "budget"
    )
    command = Path(sys.executable).with_name("sqlite-utils")
    result = subprocess.run(
        [str(command), "search", str(demo_db), "stories", "budget", "-c", "article_id"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {row["article_id"] for row in json.loads(result.stdout)} == with_word(demo_db, "budget")


# --- the sqlite3 shell --------------------------------------------------------------------------


def sqlite3_shell(db: Path, query: str) -> list[str]:
    shell = shutil.which("sqlite3")
    if shell is None:
        pytest.skip("the sqlite3 shell is not installed (Debian: apt-get install sqlite3)")
    result = subprocess.run(
        [shell, "-readonly", str(db), query], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_sqlite3_shell_searches_and_compares_times(demo_db: Path) -> None:
    found = sqlite3_shell(
        demo_db,
        "SELECT s.article_id FROM stories_fts f JOIN stories s ON s.id = f.rowid "
        "WHERE stories_fts MATCH 'budget'",
    )
    assert set(found) == with_word(demo_db, "budget")
    # an instant copied from an export compares right as text, pasted into SQL as analysts do
    stories = [json.loads(line) for line in export(demo_db).splitlines()]
    middle = sorted(s["written_at"] for s in stories)[len(stories) // 2]
    pasted = f"SELECT count(*) FROM stories WHERE written_at >= '{middle}'"  # noqa: S608
    later = sqlite3_shell(demo_db, pasted)
    assert int(later[0]) == sum(s["written_at"] >= middle for s in stories)
    assert int(later[0]) == len(stories) - len(stories) // 2  # every time differs


# --- one form of an instant, and pandas ---------------------------------------------------------


def test_every_instant_has_one_fixed_width_form(demo_db: Path) -> None:
    for table, columns in (
        ("stories", (*STORY_INSTANTS, "checked_at")),
        ("revisions", REVISION_INSTANTS),
        ("runs", ("started_at", "ended_at")),
        ("current_stories", STORY_INSTANTS),
        ("story_revisions", REVISION_INSTANTS),
        ("changed_last_day", ("written_at", "updated_at", "changed_at")),
    ):
        for column in columns:
            values = [v for (v,) in sql(demo_db, f"SELECT {column} FROM {table}")]  # noqa: S608
            assert values and all(v is None or INSTANT.fullmatch(v) for v in values), (
                table,
                column,
            )
    for line in export(demo_db, "--revisions").splitlines():
        record = json.loads(line)
        assert all(record[c] is None or INSTANT.fullmatch(record[c]) for c in REVISION_INSTANTS)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("revisions", [False, True])
def test_pandas_reads_every_export_time_column(demo_db: Path, fmt: str, revisions: bool) -> None:
    text = export(demo_db, "--format", fmt, *(["--revisions"] if revisions else []))
    instants = REVISION_INSTANTS if revisions else STORY_INSTANTS
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(text), parse_dates=list(instants))
    elif fmt == "jsonl":
        frame = pd.read_json(io.StringIO(text), lines=True, dtype=False)
    else:
        frame = pd.read_json(io.StringIO(text), dtype=False)
    assert list(frame.columns) == list(REVISION_COLUMNS if revisions else STORY_COLUMNS)
    for column in instants:
        parsed = pd.to_datetime(frame[column], utc=True)
        assert str(parsed.dtype) == "datetime64[s, UTC]" or str(parsed.dtype).endswith(", UTC]")
        assert parsed.notna().sum() == frame[column].notna().sum() > 0, column
    if fmt == "csv":  # read_csv's own parse_dates gave datetimes, not strings
        assert str(frame["written_at"].dtype).startswith("datetime64")
