"""`newsmon demo`: crawl the bundled offline site twice, with a change in between, and show the
record. Each crawl is a subprocess, as Scrapy's reactor runs once per process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsmon.db.engine import make_engine
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

# The demo site is this machine's own: no need to wait between requests.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")


def crawl_command(origin: str, db: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "newsmon",
        "crawl",
        "--base-url",
        origin,
        "--db",
        db,
        *FAST,
        *extra,
    ]


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


def reset(db: str) -> None:
    """The demo starts from an empty database each time, so every run shows the same story."""
    path = Path(db)
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def run_demo(db: str) -> int:
    reset(db)
    site = FixtureSite.bundled()
    with serve(site) as origin:
        click.echo(f"Serving the offline copy of KBS WORLD Politics at {origin}")
        steps = [
            (f"First crawl into {db}: every story is new.", ()),
            (
                "The site publishes a story, updates one and silently edits another.\n"
                "A routine crawl (what cron runs) fetches only the new story:",
                (),
            ),
            (
                "A crawl with --recheck 2d re-fetches the last two days' stories and finds the "
                "update and the edit:",
                ("--recheck", "2d"),
            ),
        ]
        changed: list[int] = []
        for number, (title, extra) in enumerate(steps):
            if number == 1:
                changed = change_site(site)
            click.echo(title)
            result = subprocess.run(crawl_command(origin, db, *extra), check=False)
            if result.returncode:
                return result.returncode
    show(db, changed)
    return 0


def show(db: str, highlight: list[int]) -> None:
    engine = make_engine(db, create=False)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(StoryRow))
        revisions = session.scalar(select(func.count()).select_from(RevisionRow))
        click.echo(f"\n{total} stories, {revisions} revisions in {db}. The 8 newest:")
        rows = session.scalars(select(StoryRow).order_by(StoryRow.written_at.desc()).limit(8))
        for row in rows:
            click.echo(
                f"  {row.article_id}  {row.written_at:%Y-%m-%d %H:%MZ}  "
                f"rev {row.revision}  {row.title[:70]}"
            )
        for article_id in highlight:
            story = session.scalar(select(StoryRow).where(StoryRow.article_id == str(article_id)))
            if story is None:
                continue
            click.echo(f"\nStory {story.article_id}: {story.title}")
            for rev in story.revisions:
                when = (
                    f"updated {rev.updated_at:%Y-%m-%d %H:%MZ}" if rev.updated_at else "no update"
                )
                click.echo(
                    f"  revision {rev.number} ({rev.kind}, {when}), seen "
                    f"{rev.seen_at:%H:%M:%SZ}: {rev.title[:60]}"
                )
    engine.dispose()
    # The command beside this Python, named plainly when it is the one on PATH.
    command = str(Path(sys.executable).with_name("newsmon"))
    if shutil.which("newsmon") == command:
        command = "newsmon"
    click.echo(f"\nExport it with: {command} export --db {db} --format csv")
    click.echo(f"See the run ledger with: {command} runs --db {db}")
