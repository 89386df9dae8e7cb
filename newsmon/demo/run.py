"""`newsmon demo`: crawl the bundled offline site twice, with a change in between, and show the
record. Each crawl is a subprocess, as Scrapy's reactor runs once per process."""

from __future__ import annotations

import subprocess
import sys
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
        written="2026-11-27 07:02:11",
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
        updated="2026-11-27 08:15:00",
        paragraphs=[*updated["paragraphs"], ["(Updated with the ruling party's response.)"]],
    )
    site.update_story(
        edited["article_id"],
        title=edited["title"].replace(" to ", " To ", 1)
        if " to " in edited["title"]
        else edited["title"] + " (corrected)",
    )
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
        click.echo(f"First crawl into {db}:")
        first = subprocess.run(crawl_command(origin, db), check=False)
        if first.returncode:
            return first.returncode
        changed = change_site(site)
        click.echo("The site publishes a story, updates one and silently edits another.")
        click.echo("Second crawl:")
        second = subprocess.run(crawl_command(origin, db, "--max-pages", "1"), check=False)
        if second.returncode:
            return second.returncode
    show(db, changed)
    return 0


def show(db: str, highlight: list[int]) -> None:
    engine = make_engine(db, create=False)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(StoryRow))
        revisions = session.scalar(select(func.count()).select_from(RevisionRow))
        click.echo(f"\n{total} stories, {revisions} revisions in {db}. Newest first:")
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
    click.echo("\nExport it with: newsmon export --db " + db + " --format csv")
