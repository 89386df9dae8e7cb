"""The `newsmon` command: crawl a news section, export what was stored, run the offline demo."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from newsmon import __version__
from newsmon.kbs.urls import CANONICAL_ORIGIN, SECTIONS

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "data/newsmon.db"

EXIT_OK, EXIT_FAILED = 0, 1


def db_option() -> Callable[[F], F]:
    """`--db`, shared by every command that opens the database."""
    return click.option(
        "--db",
        envvar="NEWSMON_DB",
        default=DEFAULT_DB,
        show_default=True,
        show_envvar=True,
        metavar="PATH|URL",
        help="SQLite file path or SQLAlchemy URL.",
    )


def _setting(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", ctx, param)
        settings[name.strip()] = setting
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsmon")
def main() -> None:
    """newsmon keeps an exact, queryable record of what a news section published and how each
    story changed.

    Start with `newsmon demo` (works offline), then `newsmon crawl` from cron.
    """


@main.command()
@db_option()
@click.option(
    "--base-url",
    default=CANONICAL_ORIGIN,
    show_default=True,
    help="Origin serving the site's paths (a mirror, http://rki.kbs.co.kr, a local "
    "copy); every request goes there.",
)
@click.option(
    "--section",
    default="Po",
    show_default=True,
    type=click.Choice(list(SECTIONS)),
    help="Section id, as the site spells it.",
)
@click.option("--lang", default="e", show_default=True, help="Site language code.")
@click.option(
    "--max-pages",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Listing pages to walk.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Walk the listing until it is exhausted and re-fetch every story found.",
)
@click.option(
    "-s",
    "--set",
    "settings",
    metavar="NAME=VALUE",
    multiple=True,
    callback=_setting,
    help="Set a Scrapy setting for this run (repeatable).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
def crawl(
    db: str,
    base_url: str,
    section: str,
    lang: str,
    max_pages: int,
    full: bool,
    settings: dict[str, str],
    verbose: int,
    quiet: bool,
) -> None:
    """Crawl a section into the database and print one summary line.

    Exit status: 0 when the run succeeded (also when nothing was new), 1 when it failed
    (see the message), 2 for a usage error.
    """
    from newsmon.account import judge
    from newsmon.kbs.urls import normalise_origin
    from newsmon.runner import project_settings, run_crawl

    try:
        normalise_origin(base_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    overrides: dict[str, Any] = {
        "NEWSMON_DB": db,
        "LOG_LEVEL": ("WARNING", "INFO", "DEBUG")[min(verbose, 2)],
    }
    if quiet:
        overrides["NEWSMON_SUMMARY"] = False
    overrides.update(settings)
    stats = run_crawl(
        project_settings(overrides),
        section=section,
        lang=lang,
        base_url=base_url,
        max_pages=max_pages,
        full=full,
    )
    verdict = judge(stats)
    if not verdict.ok:
        click.echo(f"newsmon: run failed: {verdict.reason}", err=True)
        sys.exit(EXIT_FAILED)


@main.command()
@db_option()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export(db: str, fmt: str, output: Path | None) -> None:
    """Write one row per current story: the story's fields, its revision count and when it was
    first and last seen. Instants are ISO 8601 in UTC (+00:00)."""
    from newsmon.db.engine import DatabaseMissing, make_engine
    from newsmon.export import story_records, write_records

    try:
        engine = make_engine(db, create=False)
    except DatabaseMissing as exc:
        raise click.ClickException(f"{exc}; run `newsmon crawl` first") from None
    try:
        if output is None:
            write_records(story_records(engine), fmt, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = write_records(story_records(engine), fmt, out)
            click.echo(f"{count} stories written to {output}", err=True)
    finally:
        engine.dispose()


@main.command()
@click.option(
    "--db",
    default="data/demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite file for the demo; it is emptied at the start of each run.",
)
def demo(db: str) -> None:
    """Serve the bundled offline copy of the Politics section on 127.0.0.1, crawl it into the
    demo database, let the site publish, update and silently edit stories, crawl again, and show
    what was stored. Needs no network."""
    from newsmon.demo.run import run_demo

    sys.exit(run_demo(db))
