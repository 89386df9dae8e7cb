"""The `newsmon` command: crawl a news section, export what was stored, run the offline demo."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from newsmon import __version__
from newsmon.cli_options import db_option
from newsmon.kbs.urls import CANONICAL_ORIGIN, LANGUAGES, SECTIONS

EXIT_OK, EXIT_FAILED, EXIT_LOCKED = 0, 1, 75  # 75: EX_TEMPFAIL, "try again later"
EXIT_STATUS = {
    "ok": EXIT_OK,
    "failed": EXIT_FAILED,
    "interrupted": EXIT_FAILED,
    "locked": EXIT_LOCKED,
}


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


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from newsmon.schedule import parse_duration

    if value is not None:
        try:
            parse_duration(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    return value


@main.command()
@db_option()
@click.option(
    "--base-url",
    default=CANONICAL_ORIGIN,
    show_default=True,
    help="Origin serving the site's paths (a mirror, http://rki.kbs.co.kr, a local copy); "
    "every request goes there. Only its scheme, host and port are used.",
)
@click.option(
    "--section",
    default="Po",
    show_default=True,
    type=click.Choice(list(SECTIONS)),
    help="Section id, as the site spells it.",
)
@click.option(
    "--lang",
    default="e",
    show_default=True,
    type=click.Choice(sorted(LANGUAGES)),
    help="Site language code (e English, k Korean, g German, ...).",
)
@click.option(
    "--max-pages",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Listing pages to walk at most.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Walk the listing until it is exhausted and re-fetch every story found.",
)
@click.option(
    "--recheck",
    metavar="DURATION",
    callback=_duration,
    help="Re-fetch every stored story written within DURATION (e.g. 6h, 3d), whatever "
    "the schedule says.",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Backfill from this date (Korea time, at most a year back) to today through the "
    "daily archive.",
)
@click.option(
    "--max-time",
    default="10m",
    show_default=True,
    callback=_duration,
    metavar="DURATION",
    help="Stop the run after this long.",
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
@click.option("-v", "--verbose", count=True, help="Log progress to standard error (-vv: debug).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing when the run succeeds.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    help="Append the full log (INFO, or DEBUG with -vv) to this file.",
)
def crawl(
    db: str,
    base_url: str,
    section: str,
    lang: str,
    max_pages: int,
    full: bool,
    recheck: str | None,
    since: datetime | None,
    max_time: str,
    settings: dict[str, str],
    verbose: int,
    quiet: bool,
    log_file: str | None,
) -> None:
    """Crawl a section into the database.

    A routine run reads the feed and the listing until it reaches stories it already knows,
    fetches the new ones and re-checks stored stories on an age-decaying schedule. It prints one
    summary line (nothing with --quiet) and records itself in the run ledger (`newsmon runs`).

    Exit status: 0 the run succeeded (also when nothing was new); 1 it failed or was
    interrupted (the message says why); 2 usage error; 75 another run holds the lock.
    """
    from newsmon.kbs.urls import normalise_origin
    from newsmon.runner import project_settings, run_crawl
    from newsmon.schedule import parse_duration
    from newsmon.spiders.kbs import KbsSpider

    try:
        normalise_origin(base_url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    overrides: dict[str, Any] = {
        "NEWSMON_DB": db,
        "LOG_LEVEL": ("ERROR", "INFO", "DEBUG")[min(verbose, 2)],
        "CLOSESPIDER_TIMEOUT": parse_duration(max_time).total_seconds(),
    }
    if log_file:
        # The file gets the full log; standard error keeps only newsmon's own verdict lines.
        try:
            Path(log_file).open("a").close()
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {log_file}: {exc.strerror}", param_hint="--log-file"
            ) from None
        overrides.update(LOG_FILE=log_file, LOG_LEVEL="DEBUG" if verbose > 1 else "INFO")
    if quiet:
        overrides["NEWSMON_SUMMARY"] = False
    overrides.update(settings)
    spider_args: dict[str, Any] = {
        "section": section,
        "lang": lang,
        "base_url": base_url,
        "max_pages": max_pages,
        "full": full,
        "recheck": recheck,
        "since": since.date().isoformat() if since else None,
    }
    try:
        KbsSpider(**spider_args)  # the spider checks its arguments: a usage error, not a run
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _check_database(db)
    # An unreachable robots.txt is logged with a traceback; the run's verdict already says the
    # site could not be reached, in one line.
    silenced = () if verbose or log_file else ("scrapy.downloadermiddlewares.robotstxt",)
    stats = run_crawl(project_settings(overrides), silence=silenced, **spider_args)
    status = stats.get("newsmon/run/status")
    if status is None:
        status = _unfinished(db, stats.get("newsmon/run/id"))
    sys.exit(EXIT_STATUS.get(status, EXIT_FAILED))


def _check_database(db: str) -> None:
    """Open (and if need be create) the database before the crawl, so a bad --db is one line."""
    from sqlalchemy.exc import DatabaseError

    from newsmon.db.engine import DatabaseUnavailable, make_engine

    try:
        make_engine(db).dispose()
    except DatabaseUnavailable as exc:
        raise click.BadParameter(str(exc), param_hint="--db") from None
    except DatabaseError as exc:
        raise click.BadParameter(f"cannot use {db}: {exc.orig}", param_hint="--db") from None
    except OSError as exc:
        raise click.BadParameter(f"cannot use {db}: {exc.strerror}", param_hint="--db") from None


def _unfinished(db: str, run_id: int | None) -> str:
    """The crawl ended without the ledger closing the run: it never started (a bad setting), or
    a second signal stopped it at once."""
    if run_id is None:
        click.echo("newsmon: the crawl could not start; see the error above", err=True)
        return "failed"
    from newsmon.ledger import abandon

    message = "stopped at once by a second signal"
    abandon(db, run_id, message)
    click.echo(f"newsmon: run {run_id} interrupted: {message}", err=True)
    return "interrupted"


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


# The query and export commands live in their own module; registering them here keeps one group.
from newsmon.cli_query import articles, export, runs, search, show  # noqa: E402

for command in (articles, search, show, export, runs):
    main.add_command(command)
