"""Alerts end to end: `newsmon crawl` of the fixture site sends what the watches match, once;
a channel that is down does not hold the crawl up and gets its alerts late; and a sender killed
between sending and recording repeats that one notification, never loses it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO, crawl, newsmon
from receivers import Webhook

from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.demo.server import free_port, wait_listening
from newsmon.demo.site import FixtureSite

pytestmark = pytest.mark.slow
SECRET = "hunter2-s3cret"
KST = timedelta(hours=9)
URL = "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={}"


def made(db: Path) -> Path:
    """An empty newsmon database at `db`, as the first crawl makes it: watches need one."""
    open_engine(str(db), Access.CREATE).dispose()
    return db


def add_watch(db: Path, name: str, *args: str) -> None:
    result = CliRunner().invoke(main, ["watch", "add", name, *args, "--db", str(db)])
    assert result.exit_code == 0, result.output


def test_a_crawl_tells_each_watch_once(site: FixtureSite, origin: str, tmp_path: Path) -> None:
    db = made(tmp_path / "news.db")
    hook = Webhook()
    add_watch(db, "budget", "--search", "budget", "--notify", hook.url(SECRET))
    add_watch(db, "updates", "--search", "budget", "--on", "updated", "--notify", hook.url())
    with hook.up():
        first = crawl(origin, db)
        assert first.returncode == 0, first.stderr
        assert (
            "newsmon: alerts: 2 matched; 1 notification sent (2 stories); 0 refused; 0 failing"
            in first.stdout
        )
        [message] = hook.received
        assert message["title"] == "newsmon: budget: 2 new"
        # newest first by the outlet's times (not in the order the pages happened to arrive)
        assert message["message"].splitlines() == [
            "NEW: Rival Parties Reach Tentative Deal on 2027 Budget",
            f"kbs-world, Politics, {times(site, 204143)}",
            URL.format(204143),
            "",
            "NEW: Assembly Begins Line-by-Line Review of 2027 Budget Bill",
            f"kbs-world, Politics, {times(site, 204103)}",
            URL.format(204103),
        ]

        site.update_story(
            204143,
            updated=site.kst(timedelta(minutes=20)),
            title="Rival Parties Reach Final Deal on 2027 Budget",
        )
        time.sleep(1)  # instants are stored to the second
        second = crawl(origin, db, "--full")
        assert second.returncode == 0, second.stderr
        assert "newsmon: alerts: 2 matched; 2 notifications sent (2 stories)" in second.stdout
        updates = {m["title"]: m["message"] for m in hook.received[1:]}
        assert set(updates) == {"newsmon: budget: 1 changed", "newsmon: updates: 1 changed"}
        lines = updates["newsmon: updates: 1 changed"].splitlines()
        assert lines[0] == "UPDATED (revision 2): Rival Parties Reach Final Deal on 2027 Budget"
        assert lines[3] == "title: Rival Parties Reach [-Tentative-] {+Final+} Deal on 2027 Budget"

        third = crawl(origin, db)
        assert third.returncode == 0 and "alerts" not in third.stdout
    assert len(hook.received) == 3
    assert SECRET not in first.stdout + first.stderr + second.stdout + second.stderr


def times(site: FixtureSite, article_id: int) -> str:
    """`written ..., updated ...` in UTC, from the Korea times the fixture page shows."""

    def utc(kst: str) -> str:
        return (datetime.strptime(kst, "%Y-%m-%d %H:%M:%S") - KST).strftime("%Y-%m-%dT%H:%M:%SZ")

    story = site.stories[article_id]
    shown = f"written {utc(story['written'])}"
    return shown + (f", updated {utc(story['updated'])}" if story["updated"] else "")


def test_a_channel_that_is_down_holds_nothing_up(origin: str, tmp_path: Path) -> None:
    db = made(tmp_path / "news.db")
    hook = Webhook()
    add_watch(db, "budget", "--search", "budget", "--notify", hook.url(SECRET))
    down = crawl(origin, db, "-s", "NEWSMON_ALERT_TRIES=1")
    assert down.returncode == 0, down.stderr  # the crawl itself went well
    assert "newsmon: alerts: 2 matched; 0 notifications sent (0 stories); 1 refused; 1 failing" in (
        down.stdout
    )
    assert "alerts of watch budget to json://****@127.0.0.1" in down.stderr
    assert "failed once; 2 stay pending" in down.stderr and SECRET not in down.stderr
    with sqlite3.connect(db) as conn:
        ledger = conn.execute("SELECT run_id, accepted, stories FROM notifications").fetchall()
        run_id = conn.execute("SELECT max(id) FROM runs").fetchone()[0]
    assert ledger == [(run_id, 0, 2)]
    shown = newsmon("runs", str(run_id), "--db", str(db), cwd=tmp_path).stdout
    assert "alerts (1 notification, after the crawl):" in shown
    assert "budget  json://****@127.0.0.1" in shown
    assert "not: A Connection" in shown  # the table cuts its last column to the terminal
    with hook.up():
        late = newsmon("alerts", "send", "--db", str(db), cwd=tmp_path)
        assert late.returncode == 0, late.stderr
        assert "1 notification sent (2 stories)" in late.stdout
        again = newsmon("alerts", "send", "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0 and "0 matched; 0 notifications sent" in again.stdout
    assert [m["title"] for m in hook.received] == ["newsmon: budget: 2 new"]


def test_a_sender_killed_before_recording_repeats_one_notification(
    origin: str, tmp_path: Path
) -> None:
    db = made(tmp_path / "news.db")
    hook = Webhook()
    add_watch(db, "assembly", "--search", "assembly", "--notify", hook.url())
    add_watch(db, "budget", "--search", "budget", "--notify", hook.url())
    assert crawl(origin, db, "-s", "NEWSMON_ALERTS=0").returncode == 0
    sender: dict[str, Any] = {}

    def kill_the_sender(message: dict[str, Any]) -> None:
        # The channel has the message; its sender dies before it hears back or records it.
        if message["title"].startswith("newsmon: budget") and "killed" not in sender:
            sender["killed"] = True
            os.kill(sender["pid"], signal.SIGKILL)

    hook.on_post = kill_the_sender
    command = [sys.executable, "-m", "newsmon", "alerts", "send", "--db", str(db)]
    with hook.up():
        first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE)
        sender["pid"] = first.pid
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        after_crash = [m["title"] for m in hook.received]
        second = newsmon("alerts", "send", "--db", str(db), cwd=tmp_path)
        third = newsmon("alerts", "send", "--db", str(db), cwd=tmp_path)
    assert second.returncode == 0 and third.returncode == 0, second.stderr + third.stderr
    titles = [m["title"] for m in hook.received]
    budget = [m for m in hook.received if m["title"].startswith("newsmon: budget")]
    # watch assembly's notification went first (lower channel id) and was recorded: not resent
    assert after_crash[-1] == "newsmon: budget: 2 new"
    assert titles.count("newsmon: assembly: 10 new") == 1
    assert len(budget) == 2 and budget[0] == budget[1]  # the one repeat
    assert "0 notifications sent" in third.stdout


def test_the_readme_example_prints_what_the_readme_shows(demo_db: Path, tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("**A worked example**", 1)[1]
    commands = re.search(r"```sh\n(.*?)```", example, flags=re.DOTALL)
    shown = re.search(r"```text\n(.*?)```", example, flags=re.DOTALL)
    assert commands and shown
    (tmp_path / "data").mkdir()
    shutil.copyfile(demo_db, tmp_path / "data" / "demo.db")
    port = str(free_port())
    lines = commands.group(1).replace("8080", port).splitlines()
    assert lines[0] == f"python3 docs/print_webhook.py {port} &"
    hook = subprocess.Popen(
        [sys.executable, str(REPO / "docs" / "print_webhook.py"), port],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_listening(int(port), hook)
        for line in lines[1:]:
            argv = shlex.split(line)
            assert argv[0] == "newsmon"
            result = newsmon(*argv[1:], cwd=tmp_path)
            assert result.returncode == 0, (line, result.stderr)
        assert result.stdout.strip() == (
            "newsmon: alerts: 3 matched; 2 notifications sent (3 stories); 0 refused; 0 failing"
        )
    finally:
        hook.terminate()
        printed, _ = hook.communicate(timeout=30)
    instant = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert instant.sub("<instant>", printed.strip()) == instant.sub(
        "<instant>", shown.group(1).strip()
    )
