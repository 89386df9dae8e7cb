"""Commands that read the record: articles, search, show, export, runs.

Each opens the database read-only, so it never blocks a crawl and a crawl never blocks it.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from newsmon.cli_options import db_option, filter_options

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from newsmon.query import Filters


@contextmanager
def _reading(db: str) -> Iterator[Engine]:
    """A read-only engine; a missing database or a malformed query is a clean error."""
    from sqlalchemy.exc import DatabaseError

    from newsmon.db.engine import DatabaseMissing, DatabaseUnavailable, make_engine
    from newsmon.query import QueryError

    try:
        engine = make_engine(db, readonly=True)
    except DatabaseMissing as exc:
        raise click.ClickException(f"{exc}; run `newsmon crawl` first") from None
    except DatabaseUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield engine
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    except DatabaseError as exc:  # not (yet) a newsmon database, or not a database at all
        raise click.ClickException(f"cannot read {db}: {exc.orig}") from None
    finally:
        engine.dispose()


def _filters(
    since: str | None, until: str | None, by: str, section: str | None, search: str | None = None
) -> Filters:
    from newsmon.query import Filters, QueryError, parse_instant

    if section is not None and not section.strip():
        raise click.BadParameter("--section is empty")
    try:
        return Filters(
            since=parse_instant(since) if since is not None else None,
            until=parse_instant(until, end_of_day=True) if until is not None else None,
            by=by,
            section=section,
            search=search,
        )
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%MZ") if value else ""


def _emit(records: list[dict[str, Any]], columns: tuple[str, ...], fmt: str) -> None:
    from newsmon.output import write_records

    write_records(records, columns, fmt, sys.stdout)


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
@click.option("--search", metavar="QUERY", help="Only stories matching this full-text query.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@FORMAT
def articles(
    db: str,
    since: str | None,
    until: str | None,
    by: str,
    section: str | None,
    search: str | None,
    limit: int,
    fmt: str,
) -> None:
    """List stories, newest first (by written time, or with --by updated by last update)."""
    from newsmon import query
    from newsmon.output import table

    filters = _filters(since, until, by, section, search)
    with _reading(db) as engine:
        records = query.stories(engine, filters, limit=limit)
    if fmt != "table":
        _emit(records, query.STORY_COLUMNS, fmt)
        return
    rows = [("id", "written", "updated", "section", "rev", "title")] + [
        (
            r["article_id"],
            _when(r["written_at"]),
            _when(r["updated_at"]),
            r["section"] or "",
            str(r["revision"]),
            r["title"],
        )
        for r in records
    ]
    click.echo(table(rows) if records else "no stories match")


@click.command()
@db_option()
@click.argument("query_text", metavar="QUERY")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@FORMAT
def search(db: str, query_text: str, limit: int, fmt: str) -> None:
    """Full-text search over the current title and body of every story, best match first.

    QUERY is SQLite FTS5 syntax: words (all must match), "a phrase", OR, NOT, prefix*.
    """
    from newsmon import query

    color = fmt == "table" and sys.stdout.isatty()
    mark = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    with _reading(db) as engine:
        hits = query.search(engine, query_text, limit=limit, mark=mark)
    if fmt != "table":
        records = [{**h.story, "snippet": h.snippet, "score": round(h.score, 4)} for h in hits]
        _emit(records, (*query.STORY_COLUMNS, "snippet", "score"), fmt)
        return
    if not hits:
        click.echo("no stories match")
    for rank, hit in enumerate(hits, 1):
        story = hit.story
        click.echo(
            f"{rank:>2}. {story['article_id']}  {_when(story['written_at'])}  "
            f"{click.style(story['title'], bold=True)}",
            color=color,
        )
        click.echo("    " + " ".join(hit.snippet.split()), color=color)


@click.command()
@db_option()
@click.argument("ident", metavar="ID_OR_URL")
@click.option("--lang", default="e", show_default=True, help="Language of a numeric ID.")
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Show what changed between consecutive revisions, word by word.",
)
def show(db: str, ident: str, lang: str, show_diff: bool) -> None:
    """Show a story (by its Seq_Code or any of its URLs) and its revision history."""
    from newsmon import query
    from newsmon.diff import word_diff

    with _reading(db) as engine:
        history = query.find_story(engine, ident, lang=lang)
    if history is None:
        raise click.ClickException(f"no story {ident} in {db}")
    s = history.story
    click.echo(click.style(s["title"], bold=True))
    click.echo(s["url"])
    facts = [
        ("section", s["section"]),
        ("written", _when(s["written_at"])),
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
    for rev in history.revisions:
        updated = _when(rev["updated_at"]) or "-"
        click.echo(
            f"  {rev['revision']:>2}  {rev['kind']:<11}  updated {updated:<17}  "
            f"seen {_when(rev['seen_at'])}  {rev['title']}"
        )
    if not show_diff:
        return

    def style(text: str, kind: str) -> str:
        return click.style(text, fg="red" if kind == "removed" else "green")

    for old, new in zip(history.revisions, history.revisions[1:], strict=False):
        click.echo(f"\nrevision {old['revision']} -> {new['revision']} ({new['kind']}):")
        changed = False
        for field in ("title", "body", "summary"):
            if (old[field] or "") != (new[field] or ""):
                changed = True
                diff = word_diff(old[field] or "", new[field] or "", style)
                click.echo(f"  {field}:\n" + textwrap.indent(diff, "    "))
        if not changed:
            click.echo("  no change in title, body or summary")


def _feed_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("a feed needs a name", ctx, param)
    return value


@click.command()
@db_option()
@filter_options
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (whole or not at all) instead of standard output.",
)
@click.option("--revisions", is_flag=True, help="One row per revision instead of per story.")
@click.option(
    "--feed",
    metavar="NAME",
    callback=_feed_name,
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
    since: str | None,
    until: str | None,
    by: str,
    section: str | None,
    fmt: str,
    output: Path | None,
    revisions: bool,
    feed: str | None,
    excel: bool,
    raw: bool,
) -> None:
    """Export current stories (or every revision) as JSON Lines or CSV.

    Columns, in this order: source, lang, article_id, url, section, title, body, summary,
    reporter, photo_credit, image_url, written_at, updated_at, revision, first_seen_at,
    last_seen_at (with --revisions: source, lang, article_id, url, section, revision, kind,
    title, body, summary, reporter, photo_credit, image_url, written_at, updated_at, seen_at).
    Instants are ISO 8601 in UTC (+00:00). Oldest first.
    """
    from sqlalchemy.exc import DatabaseError

    from newsmon.db.engine import make_engine
    from newsmon.export import Export, advance, select_records
    from newsmon.output import BOM, atomic_file, write_records

    spec = Export(_filters(since, until, by, section), revisions=revisions, feed=feed)
    bom = excel and fmt == "csv"

    @contextmanager
    def to_stdout() -> Iterator[TextIO]:
        if bom:
            sys.stdout.write(BOM)
        yield sys.stdout
        sys.stdout.flush()

    with _reading(db) as engine:
        records, position = select_records(engine, spec)
    try:
        with to_stdout() if output is None else atomic_file(output, bom=bom) as out:
            count = write_records(records, spec.columns, fmt, out, raw=raw)
    except BrokenPipeError:
        # The reader (`| head`) went away: the export is incomplete, the feed stays put.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        target = output if output is not None else "standard output"
        raise click.ClickException(f"cannot write {target}: {exc.strerror}") from None

    if feed is not None and position is not None:
        # The one write an export makes: the feed's position, now that its output is whole.
        writer = make_engine(db, create=False)
        try:
            advance(writer, feed, position, count)
        except DatabaseError as exc:
            raise click.ClickException(
                f"{count} rows were written, but the feed's position could not be saved "
                f"({exc.orig}); the next export under {feed!r} repeats them"
            ) from None
        finally:
            writer.dispose()
    if output is not None:
        what = "revisions" if revisions else "stories"
        click.echo(f"{count} {what} written to {output}", err=True)


@click.command()
@db_option()
@click.argument("run_id", type=int, required=False)
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many recent runs to list.",
)
def runs(db: str, run_id: int | None, limit: int) -> None:
    """The run ledger: recent runs, newest first, or one run (RUN_ID) with its failures.

    Status: ok; failed (the message says why); interrupted (a signal or --max-time); locked
    (another run held the lock); running (in progress, or killed: the next run marks it
    interrupted).
    """
    from newsmon.ledger_view import show_run, show_runs

    with _reading(db) as engine:
        if run_id is None:
            show_runs(engine, limit)
        elif not show_run(engine, run_id):
            raise click.ClickException(f"no run {run_id} in {db}")
