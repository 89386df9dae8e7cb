"""The `newsmon` command in-process (CliRunner) on temporary databases."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, newsmon
from sqlalchemy.orm import Session

from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.demo.meridian import MeridianSite
from newsmon.demo.run import demo_config
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite
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


@pytest.mark.parametrize("group", [[], ["watch"]], ids=["newsmon", "watch"])
def test_a_group_without_a_command_shows_its_help_as_a_usage_error(group: list[str]) -> None:
    asked = CliRunner().invoke(main, [*group, "--help"], prog_name="newsmon")
    bare = CliRunner().invoke(main, group, prog_name="newsmon")
    # The help as --help lays it out, on standard error: a missing command is a usage error.
    assert (bare.exit_code, bare.stdout) == (2, "")
    assert bare.stderr == asked.stdout and asked.exit_code == 0
    assert bare.stderr.startswith("Usage: newsmon ") and "\nCommands:\n" in bare.stderr
    assert "Error" not in bare.stderr


def test_runs_shows_its_run_id_as_optional() -> None:
    result = CliRunner().invoke(main, ["runs", "--help"], prog_name="newsmon")
    assert result.output.startswith("Usage: newsmon runs [OPTIONS] [RUN_ID]\n")


@pytest.mark.parametrize(
    ("command", "group"),
    [(["alerts", "send"], "alerts"), (["feeds", "reset"], "feeds"), (["feeds", "remove"], "feeds")],
    ids=["alerts send", "feeds reset", "feeds remove"],
)
def test_a_subcommand_s_db_shows_its_default(command: list[str], group: str) -> None:
    own = " ".join(CliRunner().invoke(main, ["articles", "--help"]).output.split())
    shown = " ".join(CliRunner().invoke(main, [*command, "--help"]).output.split())
    assert "default: data/newsmon.db]" in own
    assert "default: data/newsmon.db]" in shown and f"`newsmon {group}`" in shown


def test_the_group_s_db_wins_over_the_environment(db: str, tmp_path: Path) -> None:
    # `feeds --db X reset`: X, typed, wins over NEWSMON_DB, as it does for any other command.
    result = CliRunner().invoke(
        main, ["feeds", "--db", db, "reset", "nope"], env={"NEWSMON_DB": str(tmp_path / "x.db")}
    )
    assert (result.exit_code, result.output) == (1, f"Error: no feed 'nope' in {db}\n")


def test_crawl_help_says_what_max_time_0s_and_v_do() -> None:
    shown = " ".join(CliRunner().invoke(main, ["crawl", "--help"]).output.split())
    assert "0s: no limit" in shown
    assert "The run's summary line stays on standard output" in shown
    readme = (REPO / "README.md").read_text()
    assert "it is then marked `interrupted`. `0s`: no limit |" in readme
    assert "(the run's summary line stays on standard output)" in readme


# --- a reader of standard output that goes away (`| head -1`) ------------------------------------


@pytest.fixture
def big_db(tmp_path: Path) -> Path:
    """300 stories of 4 KB: any export of them is far more than a pipe holds (64 KiB), so the
    command is still writing when its reader goes."""
    path = tmp_path / "big.db"
    engine = open_engine(str(path), Access.CREATE)
    with Session(engine) as session, session.begin():
        for n in range(300):
            article_id = str(100000 + n)
            story = replace(
                FIRST,
                article_id=article_id,
                url=FIRST.url.replace("181234", article_id),
                body=f"Story {n}. " + "Budget words. " * 300,
            )
            record_story(session, story, SEEN)
    engine.dispose()
    return path


def into_a_closed_pipe(args: list[str], *, lines_read: int) -> tuple[int, bytes]:
    """Run `newsmon ARGS` with its standard output a pipe whose reader reads `lines_read` lines
    and goes (0: the reader is gone before the command starts); its exit status and standard
    error."""
    reader, writer = os.pipe()
    if not lines_read:
        os.close(reader)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsmon", *args], stdout=writer, stderr=subprocess.PIPE
        )
    finally:
        os.close(writer)
    try:
        if lines_read:
            with os.fdopen(reader, "rb") as out:
                for _ in range(lines_read):
                    assert out.readline()
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stderr


@pytest.mark.parametrize(
    "args",
    [
        ["export"],
        ["export", "--format", "csv"],
        ["export", "--format", "json"],
        ["export", "--revisions"],
        ["export", "--feed", "sheet"],
        ["articles", "--format", "jsonl", "--limit", "300"],
        ["search", "budget", "--format", "jsonl", "--limit", "300"],
    ],
    ids=" ".join,
)
def test_a_reader_that_goes_ends_the_command_quietly(args: list[str], big_db: Path) -> None:
    # It was random: a few times each.
    for _ in range(3):
        code, stderr = into_a_closed_pipe([*args, "--db", str(big_db)], lines_read=1)
        assert (code, stderr.decode()) == (141, "")
    with sqlite3.connect(big_db) as conn:  # an export cut short moves no feed on
        assert conn.execute("SELECT count(*) FROM feeds WHERE position > 0").fetchone() == (0,)


@pytest.mark.parametrize(
    "args",
    [["show", "181234", "--diff"], ["search", "words"], ["articles"], ["runs"], ["export"]],
    ids=" ".join,
)
def test_a_reader_gone_before_the_first_line_ends_the_command_quietly(
    args: list[str], db: str
) -> None:
    code, stderr = into_a_closed_pipe([*args, "--db", db], lines_read=0)
    assert (code, stderr.decode()) == (141, "")


@pytest.mark.parametrize("args", [["--help"], ["export", "--help"]], ids=" ".join)
def test_help_into_a_closed_pipe_ends_quietly(args: list[str]) -> None:
    code, stderr = into_a_closed_pipe(args, lines_read=0)
    assert (code, stderr.decode()) == (141, "")


@pytest.mark.slow
def test_a_crawl_whose_reader_goes_still_records_every_run(tmp_path: Path) -> None:
    kbs, meridian = FixtureSite.bundled(), MeridianSite.bundled()
    db = tmp_path / "news.db"
    with serve(kbs) as kbs_origin, serve(meridian) as meridian_origin:
        config = demo_config(tmp_path, kbs_origin, meridian_origin)
        fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        args = ["crawl", "--config", str(config), "--db", str(db), *fast]
        code, stderr = into_a_closed_pipe(args, lines_read=0)
    # The crawl's work is the record, not its output: it finishes and exits as its runs went.
    assert (code, stderr.decode()) == (0, "")
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT outlet, status FROM runs ORDER BY id").fetchall()
    assert runs == [("kbs-world", "ok"), ("meridian", "ok")]


def _sigint_by_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_a_command_saying_so(big_db: Path) -> None:
    export = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "export", "--db", str(big_db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C as a terminal delivers it, whatever the test runner's own handling: a child
        # inherits an ignored SIGINT, and Python then keeps ignoring it (once in CI, the export
        # ran to its end, exit 0).
        preexec_fn=_sigint_by_default,
    )
    try:
        assert export.stdout is not None
        # Once it writes, it is past start-up, and the pipe, left unread, soon holds it there.
        assert export.stdout.readline()
        export.send_signal(signal.SIGINT)
        _, stderr = export.communicate(timeout=60)
    finally:
        if export.poll() is None:
            export.kill()
            export.wait()
    assert (export.returncode, stderr.decode().strip()) == (130, "newsmon: interrupted")
