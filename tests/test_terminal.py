"""What a person at a terminal sees: live progress during a crawl, colour unless NO_COLOR says
no, and shell completion. Each runs newsmon in a subprocess attached to a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest
from conftest import REPO, crawl_command, wait_for

from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

ESCAPE = "\x1b["


def on_terminal(
    argv: list[str], *, stdout_too: bool = False, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run `argv` with standard error (and, with `stdout_too`, standard output) on a
    pseudo-terminal; return its exit status, what the terminal showed, and standard output."""
    leader, follower = pty.openpty()
    shown = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "TZ": "UTC"}
    environment.pop("NO_COLOR", None)
    environment.pop("NEWSMON_DB", None)
    process = subprocess.run(
        argv,
        stdout=follower if stdout_too else subprocess.PIPE,
        stderr=follower,
        env={**environment, **(env or {})},
        cwd=REPO,
        timeout=120,
        check=False,
    )
    os.close(follower)
    reader.join(timeout=10)
    os.close(leader)
    stdout = "" if stdout_too else process.stdout.decode()
    return process.returncode, shown.decode(errors="replace"), stdout


@pytest.mark.slow
def test_an_interactive_crawl_shows_live_progress(tmp_path: Path) -> None:
    with serve(FixtureSite.bundled()) as origin:
        code, shown, stdout = on_terminal(
            crawl_command(origin, str(tmp_path / "news.db"), "-s", "DOWNLOAD_DELAY=0.05")
        )
        quiet_code, quiet_shown, quiet_stdout = on_terminal(
            crawl_command(origin, str(tmp_path / "news.db"), "-q")
        )
    assert code == 0, shown
    assert "crawling: " in shown and "pages fetched; " in shown
    # the counts grow as the crawl goes, and end where the summary does
    assert "crawling: 0 pages fetched" in shown or "crawling: 1 pages fetched" in shown
    assert "26 new" in shown and "0 failed" in shown
    # the summary line goes to standard output, whole, without the display's escapes
    assert stdout.startswith("newsmon: kbs-world run 1 ok: 30 pages fetched")
    assert ESCAPE not in stdout
    assert (quiet_code, quiet_shown, quiet_stdout) == (0, "", "")


def test_colour_unless_no_color(demo_db: Path) -> None:
    show = [sys.executable, "-m", "newsmon", "show", "204156", "--diff", "--db", str(demo_db)]
    search = [sys.executable, "-m", "newsmon", "search", "budget", "--db", str(demo_db)]
    for argv in (show, search):
        code, coloured, _ = on_terminal(argv, stdout_too=True)
        assert code == 0 and ESCAPE in coloured, argv
        code, plain, _ = on_terminal(argv, stdout_too=True, env={"NO_COLOR": "1"})
        assert code == 0 and ESCAPE not in plain, argv
    assert "{+" in plain or "[budget]" in plain


def test_shell_completion(tmp_path: Path) -> None:
    newsmon = Path(sys.executable).with_name("newsmon")
    script = subprocess.run(
        [str(newsmon)],
        env={**os.environ, "_NEWSMON_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert script.returncode == 0 and "complete -o nosort -F" in script.stdout

    def complete(words: str) -> list[str]:
        answer = subprocess.run(
            [str(newsmon)],
            env={
                **os.environ,
                "_NEWSMON_COMPLETE": "bash_complete",
                "COMP_WORDS": words,
                "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
            },
            capture_output=True,
            text=True,
            check=False,
        )
        assert answer.returncode == 0, answer.stderr
        return answer.stdout.split()

    assert complete("newsmon crawl --section I") == ["plain,IK", "plain,In"]
    assert complete("newsmon articles --section po") == ["plain,Politics", "plain,Po"]
    assert complete("newsmon ar") == ["plain,articles"]
    assert complete("newsmon export --db ") == ["file,"]
    assert complete("newsmon export -o ") == ["file,"]


def crawling(db: Path) -> bool:
    """Whether a crawl into `db` has opened its runs (by then it handles its signals)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
            running = conn.execute("SELECT count(*) FROM runs WHERE status = 'running'")
            return bool(running.fetchone()[0])
    except sqlite3.Error:  # not made yet, or not yet a newsmon database
        return False


@pytest.mark.slow
def test_one_ctrl_c_stops_the_demo_as_it_stops_a_crawl(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    # As a terminal runs it: in a process group of its own, to which Ctrl-C sends SIGINT whole,
    # the demo and its crawl alike.
    demo = subprocess.Popen(
        [sys.executable, "-m", "newsmon", "demo", "--db", str(db)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: crawling(db), timeout=120)
        os.killpg(demo.pid, signal.SIGINT)
        stdout, stderr = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    assert demo.returncode == 1, stderr  # as an interrupted crawl exits
    assert (
        stderr.splitlines()[-1] == f"newsmon: demo interrupted; {db} keeps what its crawls stored"
    )
    assert "Error" not in stderr and "Traceback" not in stderr
    assert "second signal" not in stderr  # one Ctrl-C is one signal to each
    assert "stories, " not in stdout  # it took no further step
    with closing(sqlite3.connect(db)) as conn:
        statuses = [status for (status,) in conn.execute("SELECT status FROM runs")]
    assert statuses and "running" not in statuses
    if "interrupted" in statuses:  # the crawl stopped gracefully: what it fetched is stored
        assert "interrupted: stopped by a signal; what was fetched is stored" in stderr
