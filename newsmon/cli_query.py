"""Commands that read the record: articles, search, show, export, runs, feeds.

Each opens the database read-only, so it never blocks a crawl and a crawl never blocks it; the
one exception is a feed's position, which `export --feed` and `feeds reset` write.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from newsmon.cli_options import (
    COUNT,
    NAME,
    SEARCH,
    OptionalArgument,
    Selection,
    color_wanted,
    config_option,
    db_option,
    filter_options,
    group_db,
    outlet_option,
)
from newsmon.instants import format_instant

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from newsmon.db.checks import Access
    from newsmon.selection import Filters

_Opened = TypeVar("_Opened")


def _opened(db: str, opening: Callable[[], _Opened]) -> _Opened:
    """What `opening` opens of `db`; a database newsmon cannot use is a usage error naming
    --db."""
    from newsmon.db import DEFAULT_DB
    from newsmon.db.checks import DatabaseMissing, DatabaseProblem
    from newsmon.demo import DEMO_DB

    try:
        return opening()
    except DatabaseMissing as exc:
        hint = ""
        if db == DEFAULT_DB and Path(DEMO_DB).exists():
            hint = f", or use --db {DEMO_DB} for the database `newsmon demo` made"
        raise click.BadParameter(f"{exc}{hint}", param_hint="'--db'") from None
    except DatabaseProblem as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from None


@contextmanager
def database(db: str, access: Access | None = None) -> Iterator[Engine]:
    """An engine on `db` (read-only unless `access` says otherwise). A database newsmon cannot
    use is a usage error naming --db; one that fails while being read is an error in one line."""
    from sqlalchemy.exc import DatabaseError

    from newsmon.db.checks import Access
    from newsmon.db.engine import open_engine
    from newsmon.search import QueryError

    engine = _opened(db, lambda: open_engine(db, access or Access.READ))
    try:
        yield engine
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    except DatabaseError as exc:
        raise click.ClickException(f"cannot read {db}: {exc.orig}") from None
    finally:
        engine.dispose()


@contextmanager
def sqlite_reader(db: str, engine: Engine | None = None) -> Iterator[sqlite3.Connection]:
    """A `sqlite3` connection to `db`, reported on as `database` reports: read-only, opened by
    `sqlite3` alone for a file, so a quick query loads no SQLAlchemy; through SQLAlchemy for a
    URL, or through `engine` when the caller has one (to write as well)."""
    from newsmon.db.reading import plain_reader
    from newsmon.search import QueryError

    with ExitStack() as stack:
        connection = _opened(db, lambda: plain_reader(db)) if engine is None else None
        if connection is not None:
            stack.callback(connection.close)
        else:
            if engine is None:
                engine = stack.enter_context(database(db))
            if engine.dialect.name != "sqlite":
                raise click.ClickException(f"newsmon reads SQLite databases; {db} is not one")
            raw = engine.raw_connection()
            stack.callback(raw.close)
            connection = raw.driver_connection
            assert connection is not None  # None only once the pool has detached it
        try:
            yield connection
        except QueryError as exc:
            raise click.ClickException(str(exc)) from None
        except sqlite3.Error as exc:
            raise click.ClickException(f"cannot read {db}: {exc}") from None


def _filters(selection: Selection, search: str | None = None) -> Filters:
    from newsmon.selection import Filters, parse_instant

    since, until = selection.since, selection.until
    # The options' types have checked each value already.
    filters = Filters(
        since=parse_instant(since) if since is not None else None,
        until=parse_instant(until, end_of_day=True) if until is not None else None,
        by=selection.by,
        section=selection.section,
        search=search,
        outlets=selection.outlets,
    )
    if filters.since and filters.until and filters.until <= filters.since:
        raise click.BadParameter(
            f"{until!r} is not after --since {since!r}: nothing could match",
            param_hint="'--until'",
        )
    return filters


def _check_selection(connection: sqlite3.Connection, selection: Selection) -> None:
    """A section or an outlet no stored story is in is a typo: say so, with what there is."""
    from newsmon.search import QueryError
    from newsmon.selection import check_outlets, check_section

    try:
        if selection.outlets:
            check_outlets(connection, selection.outlets)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="'--outlet'") from None
    try:
        if selection.section is not None:
            check_section(connection, selection.section)
    except QueryError as exc:
        raise click.BadParameter(str(exc), param_hint="'--section'") from None


def listed_id(connection: sqlite3.Connection, record: dict[str, Any]) -> str:
    """A story's id as `articles` shows it, which `show` takes back: the outlet's own (a KBS
    Seq_Code), or for one that is a URL (a generic outlet's, 80 characters and more) `@` and
    the story's row id, the N of its web page (stories/N), so the title keeps its room.
    `--format jsonl` has the URL whole."""
    if "://" not in record["article_id"]:
        return str(record["article_id"])
    found = connection.execute(
        "SELECT id FROM stories WHERE source = ? AND lang = ? AND article_id = ?",
        (record["source"], record["lang"], record["article_id"]),
    ).fetchone()
    return f"@{found[0]}" if found else short_id(record["article_id"])


def short_id(article_id: str) -> str:
    """A story's id where a table has no row id for it: a URL (a generic outlet's id) by its
    last path segment, so the title keeps its room. `--format jsonl` and `show URL` have it
    whole."""
    if "://" not in article_id:
        return article_id
    tail = article_id.rstrip("/").rsplit("/", 1)[-1]
    return "…/" + (tail if len(tail) <= 20 else tail[:19] + "…")


def _when(value: datetime | str | None) -> str:
    """An instant for a table: a datetime, or the text of one as stored."""
    if isinstance(value, str):
        return value
    return format_instant(value) if value else ""


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "jsonl", "json"]),
    default="table",
    show_default=True,
)


@click.command()
@db_option()
@filter_options
@click.option("--search", type=SEARCH, metavar="QUERY", help="Only stories matching this query.")
@click.option("--limit", default=50, show_default=True, type=COUNT, help="Stories at most.")
@FORMAT
def articles(
    db: str,
    selection: Selection,
    search: str | None,
    limit: int,
    fmt: str,
) -> None:
    """List stories, newest first (by written time, or with --by updated by last update).

    Times are UTC, as 2026-11-27T10:14:05Z; a written time the page gave only as a day shows
    as that day, 2026-11-27.
    """
    from newsmon.output import table, write_records
    from newsmon.records import STORY_COLUMNS, shown_written
    from newsmon.selection import stories

    filters = _filters(selection, search)
    with sqlite_reader(db) as connection:
        _check_selection(connection, selection)
        records = stories(connection, filters, limit=limit)
        if fmt != "table":
            write_records(records, STORY_COLUMNS, fmt, sys.stdout)
            return
        rows = [
            (
                r["source"],
                listed_id(connection, r),
                shown_written(r["written_at"], r["written_precision"]),
                _when(r["updated_at"]),
                r["section"] or "",
                str(r["revision"]),
                r["title"],
            )
            for r in records
        ]
    header = ("outlet", "id", "written", "updated", "section", "rev", "title")
    click.echo(table([header, *rows]) if rows else "no stories match")


@click.command()
@db_option()
@click.argument("query_text", metavar="QUERY", type=SEARCH)
@click.option("--limit", default=20, show_default=True, type=COUNT, help="Hits at most.")
@FORMAT
def search(db: str, query_text: str, limit: int, fmt: str) -> None:
    """Full-text search over the current title and body of every story, best match first.

    QUERY is SQLite FTS5 syntax: words (all must match), "a phrase", OR, NOT, prefix*.
    """
    from newsmon.output import visible, write_records
    from newsmon.records import STORY_COLUMNS, shown_written
    from newsmon.search import search as best_matches

    color = fmt == "table" and color_wanted(sys.stdout)
    mark = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    with sqlite_reader(db) as connection:
        hits = best_matches(connection, query_text, limit=limit, mark=mark)
    if fmt != "table":
        records = ({**h.story, "snippet": h.snippet, "score": round(h.score, 4)} for h in hits)
        write_records(records, (*STORY_COLUMNS, "snippet", "score"), fmt, sys.stdout)
        return
    if not hits:
        click.echo("no stories match")
    # What the page says is shown, not obeyed (`visible`); between the snippet's own marks.
    marks = re.compile("(" + "|".join(map(re.escape, mark)) + ")")
    for rank, hit in enumerate(hits, 1):
        story = hit.story
        title = visible(story["title"])
        title = click.style(title, bold=True) if color else title
        written = shown_written(story["written_at"], story["written_precision"])
        shown = f"{visible(story['article_id'])}  {written}  {title}"
        click.echo(f"{rank:>2}. {shown}")
        snippet = "".join(p if p in mark else visible(p) for p in marks.split(hit.snippet))
        click.echo("    " + " ".join(snippet.split()))


@click.command()
@db_option()
@click.argument("ident", metavar="ID_OR_URL")
@click.option("--lang", type=NAME, help="Only the story in this language (KBS: e, k, ...).")
@outlet_option(help="Only the story of this outlet (when an id names stories of several).")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Show what changed between consecutive revisions, word by word.",
)
def show(db: str, ident: str, lang: str | None, outlet: tuple[str, ...], show_diff: bool) -> None:
    """Show a story (by its outlet's id for it, such as a KBS Seq_Code, by any of its URLs, or
    by @N as `newsmon articles` lists a story whose id is a URL) and its revision history."""
    from itertools import pairwise

    from newsmon import query
    from newsmon.diff import Change, word_diff
    from newsmon.output import visible
    from newsmon.records import shown_written
    from newsmon.search import QueryError

    with database(db) as engine:
        if outlet:  # an outlet no story is from is a typo, said as every command says it
            with sqlite_reader(db, engine) as connection:
                _check_selection(connection, Selection(outlets=outlet))
        try:
            history = query.find_story(engine, ident, lang=lang, outlets=outlet)
        except QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="'ID_OR_URL'") from None
    if history is None:
        raise click.ClickException(f"no story {ident} in {db}")
    color = color_wanted(sys.stdout)
    # What the page says is shown, not obeyed (`visible`): the record keeps it as published.
    s = {k: visible(v) if isinstance(v, str) else v for k, v in history.story.items()}
    click.echo(click.style(s["title"], bold=True) if color else s["title"])
    click.echo(s["url"])
    facts = [
        ("section", s["section"]),
        ("written", shown_written(s["written_at"], s["written_precision"])),
        ("updated", _when(s["updated_at"])),
        ("reporter", s["reporter"]),
        ("photo", s["photo_credit"]),
        ("image", s["image_url"]),
        ("seen", f"{_when(s['first_seen_at'])} to {_when(s['last_seen_at'])}"),
    ]
    for name, value in facts:
        if value:
            click.echo(f"{name:>9}: {value}")
    click.echo("\n" + s["body"] + "\n")
    click.echo(f"{len(history.revisions)} revision(s):")
    revisions = [
        {k: visible(v) if isinstance(v, str) else v for k, v in rev.items()}
        for rev in history.revisions
    ]
    for rev in revisions:
        updated = _when(rev["updated_at"]) or "-"
        click.echo(
            f"  {rev['revision']:>2}  {rev['kind']:<11}  updated {updated:<20}  "
            f"seen {_when(rev['seen_at'])}  {rev['title']}"
        )
    if not show_diff:
        return

    def style(text: str, change: Change) -> str:
        return (
            click.style(text, fg="red" if change is Change.REMOVED else "green") if color else text
        )

    for old, new in pairwise(revisions):
        click.echo(f"\nrevision {old['revision']} -> {new['revision']} ({new['kind']}):")
        changed = False
        for field in ("title", "body", "summary"):
            if (old[field] or "") != (new[field] or ""):
                changed = True
                diff = word_diff(old[field] or "", new[field] or "", style)
                click.echo(f"  {field}:\n" + textwrap.indent(diff, "    "))
        if not changed:
            click.echo("  no change in title, body or summary")


def _output(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """`-o FILE`: `-` is standard output; a file goes into a folder that exists."""
    if value is None or value == "-":
        return None
    if not value.strip():
        raise click.BadParameter("needs a file name, or - for standard output", ctx, param)
    path = Path(value)
    folder = path.parent
    if not folder.is_dir():
        raise click.BadParameter(f"folder {str(folder)!r} does not exist", ctx, param)
    if path.is_dir():
        raise click.BadParameter(f"{value!r} is a folder", ctx, param)
    return path


def _may_replace(output: Path, force: bool) -> None:
    """An export replaces an earlier export or an empty file; anything else only with --force,
    and a database never (not even its own source, named by --db)."""
    from newsmon.output import is_sqlite, written_by_us
    from newsmon.records import EARLIER_COLUMNS, REVISION_COLUMNS, STORY_COLUMNS

    hint = "'-o' / '--output'"
    if is_sqlite(output):
        raise click.BadParameter(
            f"{str(output)!r} is an SQLite database; an export never replaces one", param_hint=hint
        )
    if not force and not written_by_us(output, (STORY_COLUMNS, REVISION_COLUMNS, *EARLIER_COLUMNS)):
        raise click.BadParameter(
            f"{str(output)!r} exists and is not a newsmon export; add --force to replace it",
            param_hint=hint,
        )


def _export_format(fmt: str | None, output: Path | None) -> str:
    from newsmon.output import FORMATS, format_of

    if output is None:
        return fmt or "jsonl"
    implied = format_of(output)
    if fmt is None and implied is None:
        known = ", ".join(FORMATS)
        raise click.BadParameter(
            f"cannot tell the format of {str(output)!r} from its extension ({known}); add --format",
            param_hint="'-o' / '--output'",
        )
    if fmt is not None and implied is not None and fmt != implied:
        raise click.BadParameter(
            f"{fmt} does not match {str(output)!r}, whose extension means {implied}",
            param_hint="'--format'",
        )
    return fmt or implied or "jsonl"


@click.command()
@db_option()
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "json"]),
    help="Output format; default: the output file's extension (.csv, .jsonl, .json), or JSON "
    "Lines on standard output.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(),
    callback=_output,
    help="Write to this file (whole or not at all) instead of standard output (`-`).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace FILE even if it is not an earlier newsmon export.",
)
@click.option("--revisions", is_flag=True, help="One row per revision instead of per story.")
@click.option(
    "--feed",
    metavar="NAME",
    type=NAME,
    help="Only what is new or changed since this feed's previous export; the feed "
    "moves on once the output is complete (the one write an export makes to the database).",
)
@click.option("--excel", is_flag=True, help="Start a CSV with a byte-order mark for spreadsheets.")
@click.option(
    "--raw",
    is_flag=True,
    help="Do not neutralise CSV cells that a spreadsheet would run as formulas.",
)
def export(
    db: str,
    selection: Selection,
    fmt: str | None,
    output: Path | None,
    force: bool,
    revisions: bool,
    feed: str | None,
    excel: bool,
    raw: bool,
) -> None:
    """Export current stories (or every revision) as JSON Lines, CSV or JSON, oldest first.

    Columns, in this order: source, lang, article_id, url, section, title, body, summary,
    reporter, photo_credit, image_url, written_at, written_precision, updated_at, revision,
    first_seen_at, last_seen_at (with --revisions: source, lang, article_id, url, section,
    revision, kind, title, body, summary, reporter, photo_credit, image_url, written_at,
    written_precision, updated_at, seen_at). Instants are UTC, as 2026-11-27T10:14:05Z;
    written_precision is second, or day when written_at is only the start of the day the page
    gave.
    """
    from newsmon.db.checks import Access
    from newsmon.export import Export, FeedMismatch, select_csv_rows, select_records
    from newsmon.output import BOM, atomic_file, write_csv_rows, write_records

    fmt = _export_format(fmt, output)
    for flag, name in ((excel, "--excel"), (raw, "--raw")):
        if flag and fmt != "csv":
            raise click.BadParameter(f"applies to CSV, not {fmt}", param_hint=f"'{name}'")
    if output is not None and output.exists():
        _may_replace(output, force)
    spec = Export(
        _filters(selection),
        revisions=revisions,
        feed=feed,
        # Stored as typed; no key for what was not given, so older feeds still match.
        selection={k: v for k, v in asdict(selection).items() if v != ()},
    )
    bom = excel and fmt == "csv"

    @contextmanager
    def to_stdout() -> Iterator[TextIO]:
        if bom:
            sys.stdout.write(BOM)
        yield sys.stdout
        sys.stdout.flush()

    # A feed's position is the one thing an export writes; other exports only read, on sqlite3
    # alone (no SQLAlchemy to load).
    with ExitStack() as stack:
        engine = stack.enter_context(database(db, Access.WRITE)) if feed else None
        connection = stack.enter_context(sqlite_reader(db, engine))
        _check_selection(connection, selection)
        try:
            if fmt == "csv":
                rows, position = select_csv_rows(connection, spec, raw=raw)
            else:
                records, position = select_records(connection, spec)
        except FeedMismatch as exc:
            raise click.BadParameter(str(exc), param_hint="'--feed'") from None
        try:
            with to_stdout() if output is None else atomic_file(output, bom=bom) as out:
                if fmt == "csv":
                    count = write_csv_rows(rows, spec.columns, out)
                else:
                    count = write_records(records, spec.columns, fmt, out)
        except BrokenPipeError:
            # The reader (`| head`) went away: the export is incomplete, the feed stays put, and
            # the command ends quietly (NewsmonGroup).
            raise
        except OSError as exc:
            target = output if output is not None else "standard output"
            raise click.ClickException(f"cannot write {target}: {exc.strerror}") from None
        if engine is not None and position is not None:
            from newsmon.feeds import advance

            # Now that the output is whole, the feed moves on.
            advance(engine, spec, position, count)
    if output is not None:
        what = "revisions" if revisions else "stories"
        click.echo(f"{count} {what} written to {output}", err=True)


@click.command()
@db_option()
@click.argument("run_id", cls=OptionalArgument, type=COUNT, required=False, metavar="[RUN_ID]")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=COUNT,
    help="How many recent runs to list.",
)
def runs(db: str, run_id: int | None, limit: int) -> None:
    """The run ledger: recent runs, newest first, or one run (RUN_ID) with its failures.

    Status: ok; failed (the message says why); interrupted (a signal or --max-time); locked
    (another run held the lock); running (in progress, or killed: the next run marks it
    interrupted). Times are UTC.
    """
    from newsmon.ledger_view import show_run, show_runs

    with database(db) as engine:
        if run_id is None:
            show_runs(engine, limit)
        elif not show_run(engine, run_id):
            raise click.ClickException(f"no run {run_id} in {db}")


@click.group(invoke_without_command=True)
@db_option()
@click.pass_context
def feeds(ctx: click.Context, db: str) -> None:
    """Export feeds (`export --feed NAME`): each one's selection and position.

    `newsmon feeds` lists them; `feeds reset NAME` rewinds one to the start, `feeds remove
    NAME` forgets it (and its selection).
    """
    from newsmon import feeds as stored_feeds
    from newsmon.export import describe_selection
    from newsmon.output import table

    if ctx.invoked_subcommand is not None:
        return
    with database(db) as engine:
        rows = [
            (
                row.name,
                str(row.position),
                _when(row.exported_at),
                str(row.rows),
                describe_selection(row.filters),
            )
            for row in stored_feeds.feeds(engine)
        ]
    if not rows:
        click.echo("no feeds yet (`newsmon export --feed NAME` makes one)")
        return
    header = ("feed", "position", "last export", "rows", "selection")
    click.echo(table([header, *rows]))


def _change_feed(ctx: click.Context, db: str, name: str, verb: str) -> None:
    """Rewind or remove feed `name` (`verb`: reset or remove). A subcommand's --db wins over
    the group's (`newsmon feeds --db x reset NAME` works too)."""
    from newsmon import feeds
    from newsmon.db.checks import Access

    path = group_db(ctx, db)
    change = feeds.reset if verb == "reset" else feeds.remove
    with database(path, Access.WRITE) as engine:
        if not change(engine, name):
            raise click.ClickException(f"no feed {name!r} in {path}")
    done = "rewound: its next export starts from the beginning" if verb == "reset" else "removed"
    click.echo(f"feed {name!r} {done}")


FEED_DB = db_option(group="feeds")


@feeds.command()
@click.argument("name", type=NAME)
@FEED_DB
@click.pass_context
def reset(ctx: click.Context, name: str, db: str) -> None:
    """Rewind feed NAME: its next export carries everything its selection covers."""
    _change_feed(ctx, db, name, "reset")


@feeds.command()
@click.argument("name", type=NAME)
@FEED_DB
@click.pass_context
def remove(ctx: click.Context, name: str, db: str) -> None:
    """Forget feed NAME and its selection."""
    _change_feed(ctx, db, name, "remove")


@click.command()
@db_option()
@config_option
def outlets(db: str, config: str | None) -> None:
    """The outlets newsmon watches (newsmon.toml, or the built-in one), each with its last run,
    and any other outlet the database holds stories of."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from newsmon.config import ConfigError, find, load
    from newsmon.db.engine import sqlite_path
    from newsmon.db.models import RunRow, StoryRow
    from newsmon.output import table

    try:
        configured = load(find(config)).outlets
    except (ConfigError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--config'") from None
    last: dict[str | None, RunRow] = {}
    stored: list[str] = []
    path = sqlite_path(db)
    if path is None or path.exists():  # before the first crawl, every outlet has never run
        with database(db) as engine, Session(engine) as session:
            newest = select(func.max(RunRow.id)).group_by(RunRow.outlet)
            runs = session.scalars(select(RunRow).where(RunRow.id.in_(newest)))
            last = {run.outlet: run for run in runs}
            stored = list(session.scalars(select(StoryRow.source).distinct()))
    rows = [("outlet", "site", "sections", "last run", "started", "status")]
    for outlet in configured:
        run = last.get(outlet.name)
        when = (str(run.id), _when(run.started_at), run.status) if run else ("never", "", "")
        rows.append((outlet.name, outlet.site, ", ".join(outlet.sections), *when))
    click.echo(table(rows))
    others = sorted(set(stored) - {o.name for o in configured})
    if others:
        click.echo(f"\nstories of outlets not configured here: {', '.join(others)}")


def next_steps(db: str, story: str | None = None) -> list[str]:
    """Commands to try on a database, as `newsmon demo` prints them."""
    command = _command_name()
    where = f"--db {shlex.quote(db)}"
    steps = [f"{command} articles {where}", f"{command} search {where} budget"]
    if story is not None:
        steps.append(f"{command} show {where} {shlex.quote(story)} --diff")
    return [
        *steps,
        f"{command} articles {where} --outlet meridian",
        f"{command} export {where} --format csv",
        f"{command} runs {where}",
    ]


def serve_step(db: str) -> str:
    """The command that puts a database in a web browser, as `newsmon demo` suggests it."""
    return f"{_command_name()} serve --db {shlex.quote(db)}"


def _command_name() -> str:
    """`newsmon` when the one on PATH is this one, else the command beside this Python."""
    import shutil

    command = str(Path(sys.executable).with_name("newsmon"))
    return "newsmon" if shutil.which("newsmon") == command else command
