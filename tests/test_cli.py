"""The `newsmon` command in-process (CliRunner) on temporary databases."""

from __future__ import annotations

import csv
import io
import json
import shlex
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import newsmon
from sqlalchemy.orm import Session

from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.items import Story
from newsmon.records import STORY_COLUMNS as EXPORT_FIELDS

SEEN = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)
FIRST = Story(
    source="kbs-world",
    lang="e",
    article_id="181234",
    url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181234",
    section="Politics",
    title='Seoul Says "No", Again',
    body="Line one, with a comma.\nLine two.\n\nBae Joo-yon, KBS World Radio News.",
    summary="Line one",
    reporter="Bae Joo-yon",
    photo_credit="YONHAP News",
    written_at=datetime(2023, 10, 20, 6, 38, 59, tzinfo=UTC),
    updated_at=datetime(2023, 10, 20, 8, 24, 42, tzinfo=UTC),
)
SECOND = replace(
    FIRST,
    article_id="181240",
    url=FIRST.url.replace("181234", "181240"),
    title="Short item",
    body="Only text.",
    summary=None,
    reporter=None,
    photo_credit=None,
    written_at=datetime(2023, 10, 21, 0, 0, tzinfo=UTC),
    updated_at=None,
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "news.db")
    engine = open_engine(path, Access.CREATE)
    with Session(engine) as session, session.begin():
        record_story(session, FIRST, SEEN)
        record_story(session, SECOND, SEEN)
        record_story(session, replace(FIRST, body=FIRST.body + " More."), SEEN)
    engine.dispose()
    return path


def test_export_jsonl(db: str) -> None:
    result = CliRunner().invoke(main, ["export", "--db", db])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["article_id"] for r in rows] == ["181234", "181240"]
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert rows[0]["revision"] == 2 and rows[1]["revision"] == 1
    assert rows[0]["written_at"] == "2023-10-20T06:38:59Z"
    assert rows[0]["updated_at"] == "2023-10-20T08:24:42Z"
    assert rows[0]["first_seen_at"] == rows[0]["last_seen_at"] == "2026-11-27T01:02:03Z"
    assert rows[0]["body"].endswith("News. More.")
    assert rows[1]["updated_at"] is None and rows[1]["summary"] is None


def test_export_csv_to_a_file_round_trips(db: str, tmp_path: Path) -> None:
    out = tmp_path / "stories.csv"
    result = CliRunner().invoke(main, ["export", "--db", db, "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"source,lang,article_id,url,") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [r["title"] for r in rows] == [FIRST.title, SECOND.title]
    assert rows[0]["body"] == FIRST.body + " More."
    assert rows[1]["updated_at"] == ""


def test_db_from_the_environment(db: str) -> None:
    result = CliRunner().invoke(main, ["export"], env={"NEWSMON_DB": db})
    assert result.exit_code == 0 and result.output.count("\n") == 2


def test_export_from_a_missing_database_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no database at" in result.output and "newsmon crawl" in result.output
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("command", [[], ["crawl"], ["export"], ["demo"]])
def test_every_command_is_documented(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("\n\n")[1].strip()) > 20


@pytest.mark.slow
def test_demo_runs_offline(tmp_path: Path) -> None:
    result = newsmon("demo", "--db", "demo.db", cwd=tmp_path, timeout=240)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("newsmon: ")]
    assert [line.split(" pages fetched")[0] for line in lines] == [
        "newsmon: kbs-world run 1 ok: 29",
        "newsmon: meridian run 2 ok: 8",
        "newsmon: kbs-world run 3 ok: 4",  # a routine run fetches only the new story
        "newsmon: meridian run 4 ok: 1",  # nothing new, nothing due: the feed alone
        "newsmon: kbs-world run 5 ok: 10",
        "newsmon: meridian run 6 ok: 4",
    ]
    assert lines[0].endswith(
        "25 new, 0 updated (0 silent), 0 unchanged, 0 stale; 0 dropped; 1 (http_404: 1) failed"
    )
    assert "6 new, 0 updated (0 silent), 0 unchanged, 0 stale; 1 (no_body: 1) dropped" in lines[1]
    assert "1 new, 0 updated" in lines[2]
    assert all("0 new, 2 updated (1 silent)" in line for line in lines[4:])
    assert "32 stories, 36 revisions in demo.db" in result.stdout
    # the commands it suggests work as shown
    suggested = result.stdout.split("Look at what was stored (times are UTC):\n")[1]
    steps, browse = suggested.split("\n\n")
    steps = steps.splitlines()
    assert "serve --db demo.db" in browse
    assert len(steps) == 6 and all("--db demo.db" in step for step in steps)
    for step in steps:
        argv = shlex.split(step)
        assert Path(argv[0]).name == "newsmon"
        shown = newsmon(*argv[1:], cwd=tmp_path)
        assert shown.returncode == 0 and shown.stdout.strip(), (step, shown.stderr)
        assert "no stories match" not in shown.stdout
    again = newsmon("demo", "--db", "demo.db", cwd=tmp_path, timeout=240)
    assert "32 stories, 36 revisions in demo.db" in again.stdout
