"""The `newsmon` command: crawl a news section, export what was stored, run the offline demo."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from newsmon import __version__
from newsmon.cli_options import (
    COUNT,
    DAY,
    DURATION,
    SERVE_HOST,
    SERVE_PORT,
    ExitStatus,
    NewsmonGroup,
    config_option,
    db_option,
    outlet_option,
    section_ids,
)
from newsmon.config import DEFAULT_MAX_PAGES
from newsmon.demo import DEMO_DB
from newsmon.kinds import RunStatus
from newsmon.startup import collection_paused

# A run's status as the exit status of `newsmon crawl`.
EXIT_STATUS = {
    RunStatus.OK: ExitStatus.OK,
    RunStatus.FAILED: ExitStatus.FAILED,
    RunStatus.INTERRUPTED: ExitStatus.FAILED,
    RunStatus.LOCKED: ExitStatus.LOCKED,
}


def _setting(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", ctx, param)
        settings[name.strip()] = setting
    return settings


@click.group(cls=NewsmonGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsmon")
def main() -> None:
    """newsmon keeps an exact, queryable record of what a news section published and how each
    story changed.

    Start with `newsmon demo` (works offline), then `newsmon crawl` from cron.
    """


@main.command()
@db_option()
@config_option
@outlet_option(help="Crawl only this outlet (repeatable); default: every configured outlet.")
@click.option(
    "--base-url",
    help="Another origin serving a KBS outlet's paths (a mirror, http://rki.kbs.co.kr, a local "
    "copy): every request goes there. For every outlet that takes one.",
)
@click.option(
    "--section",
    multiple=True,
    shell_complete=section_ids,
    help="Section id of the built-in KBS outlet (repeatable): Po (the default), Ec, IK, In, "
    "Dm, Cu, Sp. With a config file, sections are set per outlet.",
)
@click.option(
    "--lang",
    help="Language code of the built-in KBS outlet (e English, the default; k Korean, ...).",
)
@click.option(
    "--max-pages",
    default=DEFAULT_MAX_PAGES,
    show_default=True,
    type=COUNT,
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
    type=DURATION,
    help="Re-fetch every stored story written within DURATION (e.g. 6h, 3d), whatever "
    "the schedule says.",
)
@click.option(
    "--since",
    type=DAY,
    metavar="YYYY-MM-DD",
    help="Backfill from this date (Korea time, at most a year back) to today through the "
    "daily archive.",
)
@click.option(
    "--max-time",
    default="10m",
    show_default=True,
    type=DURATION,
    metavar="DURATION",
    help="Stop the crawl after this long: the runs of outlets still fetching pages are then "
    "marked interrupted; 0s: no limit.",
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
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log the run's start and each story stored or failed to standard error (-vv: and "
    "Scrapy's log). The run's summary line stays on standard output.",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing when the run succeeds; no progress."
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    help="Append newsmon's events to this file (with -vv also Scrapy's log); standard error "
    "then shows only the verdict.",
)
# Start-up runs without the garbage collector; run_crawl resumes it (see newsmon.startup).
@collection_paused()
def crawl(
    db: str,
    config: str | None,
    outlet: tuple[str, ...],
    base_url: str | None,
    section: tuple[str, ...],
    lang: str | None,
    max_pages: int,
    full: bool,
    recheck: str | None,
    since: str | None,
    max_time: str,
    settings: dict[str, str],
    verbose: int,
    quiet: bool,
    log_file: str | None,
) -> None:
    """Crawl the configured outlets (newsmon.toml; without one, KBS WORLD Politics) into the
    database.

    A routine run reads each outlet's feed and listing until it reaches stories it already
    knows, fetches the new ones and re-checks stored stories on an age-decaying schedule. It
    prints one summary line per outlet (nothing with --quiet) and records each outlet's run in
    the run ledger (`newsmon runs`).

    Exit status: 0 every outlet's run succeeded (also when nothing was new); 1 one failed or
    was interrupted (the message says why); 2 usage error; 75 another run holds the lock.
    """
    from newsmon.crawl_settings import SettingError, check_overrides
    from newsmon.ledger import RUN_IDS, STATUS
    from newsmon.runner import project_settings, run_crawl
    from newsmon.schedule import parse_duration
    from newsmon.spiders.outlets import ArgumentError, OutletSpider

    try:
        check_overrides(settings, project_settings())
    except SettingError as exc:
        raise click.BadParameter(str(exc), param_hint="'-s' / '--set'") from None
    if log_file:
        from newsmon.logs import open_log

        try:
            open_log(log_file).close()  # made private now, before anything is written to it
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {log_file}: {exc.strerror}", param_hint="'--log-file'"
            ) from None
    overrides: dict[str, Any] = {
        **settings,
        "NEWSMON_DB": db,
        # newsmon installs its own log handlers (newsmon.logs); Scrapy's would print its raw log.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "CLOSESPIDER_TIMEOUT": parse_duration(max_time).total_seconds(),
        "NEWSMON_SUMMARY": not quiet,
        "NEWSMON_PROGRESS": not quiet and sys.stderr.isatty(),
    }
    spider_args: dict[str, Any] = {
        "config": config,
        "outlet": list(outlet),
        "section": list(section) or None,
        "lang": lang,
        "base_url": base_url,
        "max_pages": max_pages,
        "full": full,
        "recheck": recheck,
        "since": since,
    }
    try:
        OutletSpider(**spider_args)  # the spider checks its arguments: a usage error, not a run
    except ArgumentError as exc:
        option = f"'--{exc.argument.replace('_', '-')}'"
        raise click.BadParameter(str(exc), param_hint=option) from None
    _check_database(db)
    stats = run_crawl(
        project_settings(overrides), verbose=verbose, log_file=log_file, **spider_args
    )
    status = stats.get(STATUS)
    if status is None:
        status = _unfinished(db, stats.get(RUN_IDS))
    # The crawl's work is recorded and its verdict said: a Ctrl-C now (the second of an impatient
    # user, while Python exits) would only turn that verdict into a KeyboardInterrupt no code can
    # catch any more, and the exit status into death by signal.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(EXIT_STATUS.get(status, ExitStatus.FAILED))


def _check_database(db: str) -> None:
    """Open (and if need be make or migrate) the database before the crawl, so a bad --db is
    one line and no page is fetched for a database that cannot take it."""
    from newsmon.db.checks import Access, DatabaseProblem, DiskProblem
    from newsmon.db.engine import open_engine

    try:
        open_engine(db, Access.CREATE).dispose()
    except DiskProblem as exc:
        raise click.ClickException(str(exc)) from None
    except DatabaseProblem as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from None


def _unfinished(db: str, run_ids: dict[str, int] | None) -> RunStatus:
    """The crawl ended without the ledger closing its runs: it never started (a bad setting),
    or a second signal stopped it at once."""
    if not run_ids:
        click.echo("newsmon: the crawl could not start; see the error above", err=True)
        return RunStatus.FAILED
    from newsmon.ledger import abandon

    message = "stopped at once by a second signal"
    abandon(db, list(run_ids.values()), message)
    for outlet, run_id in run_ids.items():
        click.echo(f"newsmon: {outlet} run {run_id} interrupted: {message}", err=True)
    return RunStatus.INTERRUPTED


@main.command()
@click.option(
    "--db",
    default=DEMO_DB,
    show_default=True,
    metavar="PATH",
    help="SQLite file for the demo. It is replaced on each run, but only if an earlier demo "
    "made it: any other file is left alone.",
)
def demo(db: str) -> None:
    """Serve bundled offline copies of two outlets (KBS WORLD's Politics section, The Meridian
    Herald) on 127.0.0.1, crawl them into the demo database, let them publish, update and
    silently edit stories, crawl again, and show what was stored. Needs no network."""
    from newsmon.db.checks import DatabaseProblem, DiskProblem
    from newsmon.demo.run import NotDemoDatabase, run_demo

    try:
        sys.exit(run_demo(db))
    except DiskProblem as exc:
        raise click.ClickException(str(exc)) from None
    except (NotDemoDatabase, DatabaseProblem) as exc:  # a folder that does not exist, say
        raise click.BadParameter(str(exc), param_hint="'--db'") from None


@main.command()
@db_option()
def migrate(db: str) -> None:
    """Bring a database made by an older newsmon to this version's schema, keeping every row.

    A crawl does this on its own; query and export commands never change a database, so they
    ask for it. The migration runs in one transaction: if it fails, the file stays as it was.
    """
    from newsmon.db.checks import SCHEMA_VERSION, Access, DatabaseProblem, OlderSchema
    from newsmon.db.engine import open_engine

    try:
        open_engine(db, Access.READ).dispose()
        click.echo(f"{db} is up to date (schema {SCHEMA_VERSION})")
        return
    except OlderSchema:
        pass
    except DatabaseProblem as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from None
    try:
        open_engine(db, Access.WRITE).dispose()
    except DatabaseProblem as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{db} migrated to schema {SCHEMA_VERSION}, every row kept")


@main.command()
@db_option()
@config_option
@click.option(
    "--host",
    default=SERVE_HOST,
    show_default=True,
    help="Address to listen on; any but this machine's own needs --public.",
)
@click.option("--port", default=SERVE_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--public",
    is_flag=True,
    help="Allow other machines to connect; turns off arbitrary SQL. Put authentication and a "
    "reverse proxy in front.",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests for NAME, a reverse proxy's public name (repeatable; needs "
    "--public). Any other name is refused.",
)
def serve(
    db: str, config: str | None, host: str, port: int, public: bool, allow_hosts: tuple[str, ...]
) -> None:
    """Browse, search and compare revisions in a web browser: Datasette on the database,
    read-only (a crawl may write meanwhile), with newsmon's story pages.

    Then open the address it prints and follow a story to see its revisions and what changed.
    """
    from newsmon.config import ConfigError, find, load
    from newsmon.db.checks import Access, DatabaseProblem
    from newsmon.db.engine import open_engine, sqlite_path
    from newsmon.web.serve import CannotListen, Hosts, allowed_host, datasette, listen, not_private
    from newsmon.web.serve import serve as run

    path = sqlite_path(db)
    if path is None:
        raise click.BadParameter(f"{db}: serving needs an SQLite file", param_hint="'--db'")
    if not public and (refusal := not_private(host)) is not None:
        raise click.BadParameter(refusal, param_hint="'--host'")
    try:
        allowed = frozenset(allowed_host(name, public=public) for name in allow_hosts)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--allow-host'") from None
    try:
        open_engine(db, Access.READ).dispose()
    except DatabaseProblem as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from None
    # The pages show each outlet's times in its zone: a config with a mistake is said now, as
    # every command that takes one says it, not left to fall back to no zones later.
    try:
        load(find(config))
    except (ConfigError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--config'") from None
    try:
        sock = listen(host, port)
    except CannotListen as exc:
        raise click.BadParameter(str(exc), param_hint=f"'--{exc.option}'") from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"newsmon: serving {path} at http://{shown}:{port}/ (Ctrl-C stops)", err=True)
    hosts = Hosts(listen=host, allowed=allowed, public=public)
    if not run(datasette(path, config=config, public=public), sock, hosts):
        raise click.ClickException("the web server could not start; see the error above")


# The query, export and alert commands live in modules of their own, imported only when run:
# a cron run or a query then loads only what it needs (see docs/benchmarks.md).
_QUERY_COMMANDS = ("articles", "search", "show", "export", "runs", "feeds", "outlets")
main.lazy.update(
    {name: f"newsmon.cli_query:{name}" for name in _QUERY_COMMANDS}
    | {name: f"newsmon.cli_alerts:{name}" for name in ("watch", "alerts")}
)
