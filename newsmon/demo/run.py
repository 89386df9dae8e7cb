"""`newsmon demo`: crawl the bundled offline site twice, with a change in between, and show the
record. Each crawl is a subprocess, as Scrapy's reactor runs once per process."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from types import FrameType

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.cli_options import SERVE_URL, ExitStatus
from newsmon.cli_query import next_steps, serve_step
from newsmon.config import CONFIG_FILE
from newsmon.db.checks import check_folder
from newsmon.db.engine import Access, open_engine
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.db.wal import file_uri
from newsmon.demo.meridian import FEED_PATH, SECTION, TIMEZONE, MeridianSite
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite
from newsmon.instants import format_instant, now
from newsmon.records import shown_written

# The demo site is this machine's own: no need to wait between requests.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def crawl_command(origin: str | None, db: str, *extra: str) -> list[str]:
    """`newsmon crawl` in a subprocess, of the built-in outlet from the mirror at `origin`, or
    (with `--config` among `extra`) of a config file's outlets."""
    mirror = ["--base-url", origin] if origin else []
    return [sys.executable, "-m", "newsmon", "crawl", *mirror, "--db", db, *FAST, *extra]


def change_site(site: FixtureSite) -> list[int]:
    """What a newsroom does between two crawls: publish, update, quietly fix a typo."""
    newest = site.politics()[0]
    fresh = dict(
        newest,
        article_id=newest["article_id"] + 3,
        updated=None,
        title="Assembly Passes Revised Budget Bill After Overnight Session",
        written=site.kst(timedelta(minutes=10)),
        paragraphs=[
            [
                "The National Assembly passed the revised budget bill early on "
                "Friday after an overnight session."
            ]
        ],
        summary="The National Assembly passed the revised budget bill early on Friday",
    )
    site.add_story(fresh)
    updated, edited = site.politics()[2], site.politics()[4]
    site.update_story(
        updated["article_id"],
        updated=site.kst(timedelta(minutes=15)),
        paragraphs=[*updated["paragraphs"], ["(Updated with the ruling party's response.)"]],
    )
    site.update_story(edited["article_id"], title="Corrected: " + edited["title"])
    return [fresh["article_id"], updated["article_id"], edited["article_id"]]


# The table that marks a database as the demo's own, which the next `newsmon demo` may replace.
MARK = "newsmon_demo"


class NotDemoDatabase(Exception):
    """`newsmon demo --db` names a file the demo did not make; it is left alone."""


def is_demo_database(path: Path) -> bool:
    """Whether `path` is a database `newsmon demo` made: it carries the demo's mark, or (made by
    0.1.0, which had no mark) every run in it crawled a site on this machine."""
    try:
        conn = sqlite3.connect(f"{file_uri(path)}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        if MARK in names:
            return True
        if conn.execute("PRAGMA user_version").fetchone()[0] != 1 or "runs" not in names:
            return False
        origins = [
            json.loads(a).get("base_url", "") for (a,) in conn.execute("SELECT arguments FROM runs")
        ]
        return bool(origins) and all(o.startswith("http://127.0.0.1:") for o in origins)
    except (sqlite3.Error, ValueError, AttributeError):
        return False
    finally:
        conn.close()


def prepare(db: str) -> None:
    """Start the demo from an empty database each time, so every run shows the same story; but
    only replace a database an earlier demo made."""
    path = Path(db)
    if path.is_dir():
        raise NotDemoDatabase(f"{db} is a folder")
    if not path.exists():
        check_folder(path)  # before a leftover -wal is looked for in a folder that is not there
    if path.exists() and path.stat().st_size and not is_demo_database(path):
        raise NotDemoDatabase(
            f"{db} exists and is not a database `newsmon demo` made; it was left alone "
            "(give another --db, or remove it yourself)"
        )
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    engine = open_engine(db, Access.CREATE)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE newsmon_demo (made_at TEXT NOT NULL, note TEXT NOT NULL)"
            )
            conn.exec_driver_sql(
                "INSERT INTO newsmon_demo VALUES (?, ?)",
                (
                    format_instant(now()),
                    "made by `newsmon demo` from its offline copy of KBS WORLD Politics; the "
                    "next `newsmon demo` on this file replaces it",
                ),
            )
    finally:
        engine.dispose()


def break_a_page(site: FixtureSite) -> int:
    """One listed story's page answers 404, as happens on a live site: the crawl records the
    failure, goes on, and retries the story on the re-check schedule."""
    missing: int = site.politics()[9]["article_id"]
    site.failures[f"/service/news_view.htm?lang=e&Seq_Code={missing}"] = 404
    return missing


def change_meridian(site: MeridianSite) -> list[str]:
    """The Meridian Herald updates one story and quietly retitles another."""
    site.update_story(
        1002,
        modified=site.later(timedelta(minutes=20)),
        paragraphs=[
            *site.stories[1002]["paragraphs"],
            "The commission added two public hearings to the comment period on Friday.",
        ],
    )
    site.update_story(1003, title="Ministers Questioned Over Helicopter Procurement Delays")
    return [site.path(site.stories[1002]), site.path(site.stories[1003])]


def demo_config(folder: Path, kbs: str, meridian: str) -> Path:
    """The demo's newsmon.toml: KBS WORLD Politics from its offline copy, and the Meridian
    Herald, a generic outlet, from its feed."""
    path = folder / CONFIG_FILE
    path.write_text(
        f"""[[outlets]]
name = "kbs-world"
site = "kbs"
section = "Po"
base_url = "{kbs}"

[[outlets]]
name = "meridian"
site = "generic"
feed = "{meridian}{FEED_PATH}"
section = "{SECTION}"
timezone = "{TIMEZONE}"
""",
        encoding="utf-8",
    )
    return path


class Interrupts:
    """Ctrl-C during the demo, taken as a shell takes it while it runs a command: a terminal
    sends SIGINT to its whole foreground process group, so a crawl under way gets it as well
    and stops gracefully on its own, as one Ctrl-C stops `newsmon crawl`. The demo notes it,
    waits for that crawl to end, and takes no further step. A second Ctrl-C stops the crawl at
    once (it gets that one too) and the demo still waits, so the crawl marks its runs; a third,
    or a second between crawls, stops the demo at once."""

    def __init__(self) -> None:
        self.count = 0
        self.crawling = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.count >= (3 if self.crawling else 2):
            raise KeyboardInterrupt

    def crawl(self, command: list[str]) -> int:
        """Run a crawl subprocess to its end; its exit status."""
        with subprocess.Popen(command) as process:
            self.crawling = True
            try:
                return process.wait()
            finally:
                self.crawling = False


def run_demo(db: str) -> int:
    interrupts = Interrupts()
    previous = signal.signal(signal.SIGINT, interrupts)
    try:
        return _demo(db, interrupts)
    finally:
        signal.signal(signal.SIGINT, previous)


def _stopped(db: str) -> int:
    click.echo(f"newsmon: demo interrupted; {db} keeps what its crawls stored", err=True)
    return ExitStatus.FAILED  # as `newsmon crawl` exits when interrupted


def _demo(db: str, interrupts: Interrupts) -> int:
    prepare(db)
    kbs, meridian = FixtureSite.bundled(), MeridianSite.bundled()
    missing = break_a_page(kbs)
    with (
        serve(kbs) as kbs_origin,
        serve(meridian) as meridian_origin,
        tempfile.TemporaryDirectory(prefix="newsmon-demo-") as folder,
    ):
        config = demo_config(Path(folder), kbs_origin, meridian_origin)
        click.echo(
            f"Serving an offline copy of KBS WORLD Politics at {kbs_origin}, and The Meridian "
            f"Herald, an invented outlet with a feed, at {meridian_origin}."
        )
        steps = [
            (
                f"First crawl into {db}: every story is new, but KBS story {missing}, whose page "
                "answers 404, and a Meridian story withdrawn (no text): both are recorded as "
                "failures, and retried later.",
                (),
            ),
            (
                "KBS publishes a story, updates one and silently edits another; the Meridian "
                "Herald updates one and retitles another.\n"
                "A routine crawl (what cron runs) fetches only the new story:",
                (),
            ),
            (
                "A crawl with --recheck 2d re-fetches the last two days' stories and finds the "
                "updates and the edits:",
                ("--recheck", "2d"),
            ),
        ]
        changed: list[str] = []
        for number, (title, extra) in enumerate(steps):
            if interrupts.count:
                return _stopped(db)
            if number == 1:
                changed = [str(n) for n in change_site(kbs)]
                changed += [meridian_origin + path for path in change_meridian(meridian)]
            click.echo(title)
            command = crawl_command(None, db, "--config", str(config), *extra)
            returncode = interrupts.crawl(command)
            if interrupts.count:  # the crawl has said how it stopped
                return _stopped(db)
            if returncode:
                return returncode
    show(db, changed)
    return 0


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def show(db: str, highlight: list[str]) -> None:
    engine = open_engine(db, Access.READ)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(StoryRow))
        revisions = session.scalar(select(func.count()).select_from(RevisionRow))
        click.echo(f"\n{total} stories, {revisions} revisions in {db}. The 8 newest:")
        rows = session.scalars(select(StoryRow).order_by(StoryRow.written_at.desc()).limit(8))
        for row in rows:
            click.echo(
                f"  {row.source:<9}  {shown_written(row.written_at, row.written_precision):<20}  "
                f"rev {row.revision}  {_cut(row.title, 70)}"
            )
        for article_id in highlight:
            story = session.scalar(select(StoryRow).where(StoryRow.article_id == article_id))
            if story is None:
                continue
            click.echo(f"\n{story.source} story {story.article_id}: {story.title}")
            for rev in story.revisions:
                when = (
                    f"updated {format_instant(rev.updated_at)}" if rev.updated_at else "no update"
                )
                click.echo(
                    f"  revision {rev.number} ({rev.kind}, {when}), seen "
                    f"{format_instant(rev.seen_at)}: {_cut(rev.title, 60)}"
                )
    engine.dispose()
    click.echo("\nLook at what was stored (times are UTC):")
    for command in next_steps(db, story=highlight[1] if len(highlight) > 1 else None):
        click.echo(f"  {command}")
    click.echo("\nBrowse it, search it and compare revisions in a web browser:")
    click.echo(f"  {serve_step(db)}    # then open {SERVE_URL}")
