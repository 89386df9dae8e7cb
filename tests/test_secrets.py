"""Secrets stay secret (issue 18): a channel's URL never reaches the database, a log line or the
web UI; a feed URL's token is masked wherever newsmon shows or stores it; files that hold
secrets or logs are made private, without touching the process's umask. Real SQLite files, real
receivers and sites on 127.0.0.1, crawls in subprocesses; nothing mocked."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import crawl, newsmon
from receivers import Webhook
from sqlalchemy import create_engine

from newsmon.alerts.secret_store import SUFFIX
from newsmon.cli import main
from newsmon.config import ConfigError, load_text
from newsmon.db.checks import Access
from newsmon.db.engine import open_engine
from newsmon.db.schema import transactional_sqlite, upgrade
from newsmon.demo.meridian import FEED_PATH, TIMEZONE, MeridianSite
from newsmon.demo.run import FAST
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite
from newsmon.masking import mask_url, mask_urls
from newsmon.output import atomic_file

PASSWORD = "hunter2-s3cret-PASSWORD"
PATH_TOKEN = "SECRETPATHTOKEN-0af31c"
FEED_TOKEN = "FEEDTOKEN-9d27e1"


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def file_bytes(db: Path) -> bytes:
    """Everything SQLite keeps of `db` on disk: the file, its -wal and its -journal."""
    return b"".join(
        path.read_bytes()
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-journal"))
        if path.exists()
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@contextmanager
def umask(value: int) -> Iterator[None]:
    """The process's umask set to `value` for the block (the tests run one at a time in a
    process): what newsmon makes must be private whatever it is."""
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


# --- channel URLs at rest -----------------------------------------------------------------------


def test_a_channel_url_never_reaches_the_database(tmp_path: Path) -> None:
    """`watch add` with a URL holding a password: the database file (and its -wal) holds no
    byte of it, the URL is in a file only its owner may read (umask 0 notwithstanding), the
    channel still delivers, and removing the watch removes the file."""
    db = tmp_path / "news.db"
    open_engine(str(db), Access.CREATE).dispose()
    webhook = Webhook()
    with umask(0), webhook.up():
        added = cli(
            "watch", "add", "budget", "--search", "budget", "--notify", webhook.url(PASSWORD),
            "--db", str(db),
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        again = cli(
            "watch", "add", "budget", "--search", "x", "--notify", webhook.url(PASSWORD),
            "--db", str(db),
        )  # fmt: skip
        assert again.exit_code == 2 and "exists already" in again.output
        tested = cli("watch", "test", "budget", "--db", str(db))
    assert tested.exit_code == 0, tested.output
    assert len(webhook.accepted) == 1  # delivered, from the URL kept outside the database
    assert PASSWORD.encode() not in file_bytes(db)
    conn = sqlite3.connect(db)
    try:
        [(reference, shown)] = conn.execute("SELECT url, shown FROM watch_channels").fetchall()
    finally:
        conn.close()
    assert reference.startswith("secret:") and shown == f"json://****@127.0.0.1:{webhook.port}/…"
    folder = db.with_name(db.name + SUFFIX)
    [kept] = list(folder.iterdir())  # the refused second watch's was deleted
    assert (mode(folder), mode(kept)) == (0o700, 0o600)
    assert kept.read_text(encoding="utf-8") == webhook.url(PASSWORD) + "\n"
    listed = cli("watch", "list", "--db", str(db))
    assert PASSWORD not in listed.output + added.output + tested.output
    assert cli("watch", "remove", "budget", "--db", str(db)).exit_code == 0
    assert list(folder.iterdir()) == []


def test_a_copied_database_without_its_secrets_says_what_is_missing(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    open_engine(str(db), Access.CREATE).dispose()
    webhook = Webhook()
    url = webhook.url(PASSWORD)
    added = cli("watch", "add", "b", "--search", "budget", "--notify", url, "--db", str(db))
    assert added.exit_code == 0, added.output
    for kept in db.with_name(db.name + SUFFIX).iterdir():
        kept.unlink()
    with webhook.up():
        tested = cli("watch", "test", "b", "--db", str(db))
    assert tested.exit_code == 1 and webhook.received == []
    assert f"its URL is not in {db}{SUFFIX}" in tested.output and PASSWORD not in tested.output


# --- logs -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_crawl_logs_no_channel_secret_at_any_verbosity(site: FixtureSite, tmp_path: Path) -> None:
    """`crawl -vv --log-file` while a channel whose secret is in its path (as Discord's,
    Telegram's, Slack's and ntfy's are) refuses: the secret is nowhere in the log, the output
    or the database, and the log file is readable by its owner only."""
    db, log = tmp_path / "news.db", tmp_path / "crawl.log"
    open_engine(str(db), Access.CREATE).dispose()
    webhook = Webhook(status=500)
    hook = f"json://127.0.0.1:{webhook.port}/fail/{PATH_TOKEN}"
    added = cli("watch", "add", "budget", "--search", "budget", "--notify", hook, "--db", str(db))
    assert added.exit_code == 0, added.output
    with serve(site) as origin, webhook.up():
        result = crawl(origin, db, "-vv", "--log-file", str(log))
    assert result.returncode == 0, result.stderr
    # The notification went out (urllib3 had the request line to log), and was refused.
    assert webhook.paths == [f"/fail/{PATH_TOKEN}"]
    written = log.read_text(encoding="utf-8")
    assert " DEBUG scrapy" in written  # -vv: Scrapy's own log is there
    assert f"to json://127.0.0.1:{webhook.port}/… failed once" in written
    for text in (written, result.stderr, result.stdout):
        assert PATH_TOKEN not in text
    assert PATH_TOKEN.encode() not in file_bytes(db)
    assert mode(log) == 0o600


# --- the web UI -----------------------------------------------------------------------------------


def held(db: Path) -> sqlite3.Connection:
    """A writer holding `db` exclusively (SQLite's exclusive locking mode, as a long write or a
    backup may): no other connection may read it until this one closes."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE watches SET position = position")
    holder.execute("COMMIT")  # in exclusive mode the lock stays until the connection closes
    return holder


@pytest.mark.slow  # each read of the locked file waits SQLite's 5 s before it gives up
def test_the_web_ui_hides_channel_urls_after_a_busy_start(tmp_path: Path) -> None:
    """The plugin once decided at the first request whether a database was newsmon's; a locked
    file made that a lasting no, and the column that names a channel's secret was shown to
    everyone. A row holding a URL itself (as newsmon stored them before migration 7) is read
    as null in every answer, the first one made while the file was locked included."""
    from datasette.app import Datasette

    db = tmp_path / "news.db"
    engine = transactional_sqlite(create_engine(f"sqlite:///{db}"))
    try:
        upgrade(engine)  # no newsmon engine: it would keep a connection open, and the lock out
    finally:
        engine.dispose()
    secret_url = f"json://newsmon:{PASSWORD}@127.0.0.1:9/hook"
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("INSERT INTO watches VALUES (1, 'b', 'budget', NULL, NULL, 'all', "
                     "'2026-11-27T00:00:00Z', 0)")  # fmt: skip
        conn.execute("INSERT INTO watch_channels VALUES (1, 1, ?, 'json://****@127.0.0.1:9/…')",
                     (secret_url,))  # fmt: skip
        conn.commit()
    finally:
        conn.close()
    paths = (
        "/news/watch_channels.json?_shape=array",
        "/news/watch_channels.csv",
        "/news.json?sql=select+url+from+watch_channels&_shape=array",
    )

    async def visit() -> list[tuple[int, str]]:
        holder = held(db)
        try:
            datasette = Datasette([str(db)])
            first = await datasette.client.get(paths[0])
        finally:
            holder.close()
        answers = [(first.status_code, first.text)]
        for path in paths:
            answer = await datasette.client.get(path)
            answers.append((answer.status_code, answer.text))
        return answers

    answers = asyncio.run(visit())
    assert all(PASSWORD not in text for _, text in answers)
    assert [status for status, _ in answers[1:]] == [200, 200, 200]
    assert '"url": null' in answers[1][1] and '"url": null' in answers[3][1]


# --- feed URLs --------------------------------------------------------------------------------


def test_secret_looking_query_values_and_user_parts_are_masked() -> None:
    assert mask_url("https://bob:pw@example.com/rss?apikey=K1&page=2&X-Amz-Signature=S#top") == (
        "https://****@example.com/rss?apikey=****&page=2&X-Amz-Signature=****#top"
    )
    kbs = "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=204156"
    assert mask_url(kbs) == kbs
    assert mask_urls(f"Crawled (200) <GET https://e.example/f?access_token={FEED_TOKEN}>") == (
        "Crawled (200) <GET https://e.example/f?access_token=****>"
    )


def test_a_feed_url_with_a_user_and_password_is_refused_at_load() -> None:
    text = (
        '[[outlets]]\nname = "m"\nsite = "generic"\n'
        f'feed = "https://bob:{PASSWORD}@example.com/rss.xml"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_text(text, Path("newsmon.toml"))
    said = str(caught.value)
    assert said.startswith("newsmon.toml:4: feed: https://****@example.com/rss.xml: a user name")
    assert PASSWORD not in said


@pytest.mark.slow
def test_a_feed_token_is_masked_in_the_ledger_failures_and_logs(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    """A generic outlet whose feeds carry tokens in their query, one of them failing: the
    fetches use the tokens, and no byte of them is in the database (`runs.arguments`, the
    failure, the run's verdict), the log at -vv, or the output."""
    site = MeridianSite.bundled()
    db, log = tmp_path / "news.db", tmp_path / "crawl.log"
    with serve(site) as origin:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'[[outlets]]\nname = "meridian"\nsite = "generic"\ntimezone = "{TIMEZONE}"\n'
            f'feed = ["{origin}{FEED_PATH}?apikey={FEED_TOKEN}", '
            f'"{origin}/private/rss.xml?token={FEED_TOKEN}"]\n',
            encoding="utf-8",
        )
        result = newsmon(
            "crawl", "--config", str(config), "--db", str(db), "-vv", "--log-file", str(log),
            *FAST, cwd=tmp_path,
        )  # fmt: skip
    assert f"{FEED_PATH}?apikey={FEED_TOKEN}" in site.requests  # fetched as configured
    assert result.returncode == 1  # the second feed answered 404: the run fails, naming it
    conn = sqlite3.connect(db)
    try:
        [(arguments, message)] = conn.execute("SELECT arguments, message FROM runs").fetchall()
        failures = conn.execute("SELECT url, reason FROM failures").fetchall()
    finally:
        conn.close()
    figures(trials=1, failures_recorded=len(failures), stories_lost=0)
    assert f"{FEED_PATH}?apikey=****" in arguments and "/private/rss.xml?token=****" in message
    assert f"{origin}/private/rss.xml?token=****" in [url for url, _ in failures]
    assert FEED_TOKEN.encode() not in file_bytes(db)
    written = log.read_text(encoding="utf-8")
    assert "?apikey=****" in written
    for text in (written, result.stderr, result.stdout):
        assert FEED_TOKEN not in text


# --- files and the umask ------------------------------------------------------------------------


def test_an_export_file_is_made_without_changing_the_umask(tmp_path: Path) -> None:
    """Reading the umask used to mean setting it to 0 and back: a file another thread made in
    between was world-writable. The profiler sees every call into os.umask: at each return
    from one, a file is made as another thread would, and its mode kept."""
    made_meanwhile: list[int] = []

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_return" and arg is os.umask:
            probe = tmp_path / f"probe-{len(made_meanwhile)}"
            probe.touch()
            made_meanwhile.append(mode(probe))

    target = tmp_path / "stories.csv"
    with umask(0o077):
        sys.setprofile(watch)
        try:
            with atomic_file(target) as out:
                out.write("id\r\n")
        finally:
            sys.setprofile(None)
    assert made_meanwhile == []
    assert mode(target) == 0o600  # 0666 less the umask, as open() would make it
