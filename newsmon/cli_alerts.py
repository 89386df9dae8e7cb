"""Commands for watches and alerts: `newsmon watch add|list|remove|test`, `newsmon alerts`
and `newsmon alerts send`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from newsmon.cli_options import (
    COUNT,
    INSTANT,
    NAME,
    SEARCH,
    ExitStatus,
    HelpfulGroup,
    config_option,
    db_option,
    group_db,
)
from newsmon.cli_query import database, short_id
from newsmon.instants import format_instant
from newsmon.kinds import WatchOn

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from newsmon.alerts.channels import Channel


@click.group(cls=HelpfulGroup)
def watch() -> None:
    """Watches: standing searches whose matching stories are sent to you as they appear or
    change, once each, by email, Slack, Discord, Telegram, Matrix, ntfy, a webhook, ...

    After each crawl (and on `newsmon alerts send`) every watch is matched against the
    revisions stored since it last was, and each of its channels gets one notification listing
    them.
    """


def _channels(given: tuple[str, ...]) -> list[Channel]:
    from newsmon.alerts.channels import ChannelError, check

    found = []
    for value in given:
        try:
            found.append(check(value))
        except ChannelError as exc:
            raise click.BadParameter(str(exc), param_hint="'--notify'") from None
    return found


def _check_scope(
    engine: Engine, config: str | None, outlet: str | None, section: str | None
) -> None:
    """An outlet or section that no configured outlet has and no stored story is from: a typo
    (a watch on it would wait forever)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from newsmon.config import ConfigError, find, load
    from newsmon.db.models import StoryRow
    from newsmon.sites import section_aliases

    try:
        configured = load(find(config)).outlets
    except (ConfigError, FileNotFoundError) as exc:
        raise click.BadParameter(str(exc), param_hint="'--config'") from None
    with Session(engine) as session:
        outlets = {o.name for o in configured} | set(
            session.scalars(select(StoryRow.source).distinct())
        )
        sections = {s for o in configured for s in o.sections} | {
            s for s in session.scalars(select(StoryRow.section).distinct()) if s
        }
    if outlet is not None and outlet not in outlets:
        raise click.BadParameter(
            f"no outlet {outlet!r} is configured or stored (outlets: {', '.join(sorted(outlets))})",
            param_hint="'--outlet'",
        )
    names = {s.casefold() for s in sections} | {a.casefold() for a in section_aliases()}
    if section is not None and section.casefold() not in names:
        raise click.BadParameter(
            f"no section {section!r} is configured or stored (sections: "
            f"{', '.join(sorted(sections))})",
            param_hint="'--section'",
        )


@watch.command("add")
@click.argument("name", type=NAME)
@click.option(
    "--search",
    "search",
    required=True,
    type=SEARCH,
    metavar="QUERY",
    help='Full-text query, as `newsmon search` takes it (budget, "N. Korea", a OR b).',
)
@click.option(
    "--notify",
    multiple=True,
    required=True,
    metavar="URL",
    help="Where to send (repeatable): an Apprise URL (mailto://, slack://, discord://, "
    "tgram://, ntfy://, json://, ...), kept in a private file beside the database (never in "
    "it), or env:NAME or file:PATH to read it from, keeping it out of the shell's history too.",
)
@click.option("--outlet", type=NAME, metavar="NAME", help="Only stories of this outlet.")
@click.option("--section", type=NAME, help="Only stories of this section (Politics, or Po).")
@click.option(
    "--on",
    "notify_on",
    type=click.Choice([w.value for w in WatchOn]),
    default=WatchOn.ALL.value,
    show_default=True,
    help="New stories, later revisions of stories (updates and silent edits), or both.",
)
@click.option(
    "--from",
    "start",
    type=INSTANT,
    metavar="WHEN",
    help="Also match what was stored since then (a UTC day, an ISO 8601 instant, or 3d); "
    "by default a watch starts with what is stored from now on.",
)
@db_option()
@config_option
def add(
    name: str,
    search: str,
    notify: tuple[str, ...],
    outlet: str | None,
    section: str | None,
    notify_on: str,
    start: str | None,
    db: str,
    config: str | None,
) -> None:
    """Add watch NAME: stories matching --search are sent to each --notify channel."""
    from newsmon.alerts.channels import readable_by_others
    from newsmon.alerts.secret_store import SecretError
    from newsmon.alerts.watches import NewWatch, WatchError, add
    from newsmon.db.engine import Access
    from newsmon.instants import now, parse_user_instant

    channels = _channels(notify)
    for given in notify:
        if (loose := readable_by_others(given)) is not None:
            click.echo(f"newsmon: note: other users may read {loose} (chmod 600 it)", err=True)
    begins = parse_user_instant(start) if start else None
    if begins is not None and begins > now():
        raise click.BadParameter(
            f"{start!r} is in the future; without --from a watch starts from now",
            param_hint="'--from'",
        )
    new = NewWatch(
        name=name,
        search=search,
        channels=channels,
        outlet=outlet,
        section=section,
        notify_on=WatchOn(notify_on),
        start=begins,
    )
    with database(db, Access.WRITE) as engine:
        _check_scope(engine, config, outlet, section)
        try:
            add(engine, new, now())
        except WatchError as exc:
            raise click.BadParameter(str(exc), param_hint="'NAME'") from None
        except SecretError as exc:
            raise click.ClickException(str(exc)) from None
    where = ", ".join(c.shown for c in channels)
    since = f"stored since {format_instant(begins)}" if begins else "stored from now on"
    kinds = {"all": "new and changed", "new": "new", "updated": "changed"}[notify_on]
    click.echo(f"watch {name!r} added: {kinds} stories matching {search!r} {since} go to {where}")


@watch.command("list")
@db_option()
def list_watches(db: str) -> None:
    """The watches, with their channels (secrets masked) and how many alerts each has sent
    and still owes."""
    from newsmon.alerts.watches import summaries
    from newsmon.output import table

    with database(db) as engine:
        rows = [
            (
                s.watch.name,
                s.watch.outlet or "any",
                s.watch.section or "any",
                s.watch.notify_on,
                str(s.sent),
                str(s.pending),
                s.watch.search,
                ", ".join(s.channels),
            )
            for s in summaries(engine)
        ]
    if not rows:
        click.echo("no watches yet (`newsmon watch add NAME --search QUERY --notify URL`)")
        return
    header = ("watch", "outlet", "section", "on", "sent", "pending", "search", "channels")
    click.echo(table([header, *rows]))


@watch.command("remove")
@click.argument("name", type=NAME)
@db_option()
def remove(name: str, db: str) -> None:
    """Forget watch NAME, its channels, and the record of its alerts."""
    from newsmon.alerts.watches import WatchError, remove
    from newsmon.db.engine import Access

    with database(db, Access.WRITE) as engine:
        try:
            gone = remove(engine, name)
        except WatchError as exc:
            raise click.BadParameter(str(exc), param_hint="'NAME'") from None
    from newsmon.output import counted

    dropped = f"; {counted(gone.pending, 'pending alert')} dropped" if gone.pending else ""
    click.echo(f"watch {name!r} removed ({counted(gone.sent, 'alert')} had been sent{dropped})")


@watch.command("test")
@click.argument("name", type=NAME)
@db_option()
def test(name: str, db: str) -> None:
    """Send one test message to each channel of watch NAME; exit 1 if any refuses it."""
    from sqlalchemy.orm import Session

    from newsmon.alerts.channels import send
    from newsmon.alerts.message import compose_test
    from newsmon.alerts.secret_store import store_of
    from newsmon.alerts.watches import WatchError, find

    with database(db) as engine, Session(engine) as session:
        try:
            found = find(session, name)
        except WatchError as exc:
            raise click.BadParameter(str(exc), param_hint="'NAME'") from None
        targets = [(c.url, c.shown) for c in found.channels]
        search = found.search
        store = store_of(engine)
    failed = 0
    for given, shown in targets:
        error = send(given, *compose_test(name, search, shown), store)
        if error is None:
            click.echo(f"sent to {shown}")
        else:
            failed += 1
            click.echo(f"newsmon: not sent to {shown}: {error}", err=True)
    if failed:
        sys.exit(ExitStatus.FAILED)


@click.group(invoke_without_command=True)
@click.option("--watch", "watch_name", type=NAME, metavar="NAME", help="Only this watch's.")
@click.option("--limit", default=50, show_default=True, type=COUNT, help="Alerts at most.")
@db_option()
@click.pass_context
def alerts(ctx: click.Context, watch_name: str | None, limit: int, db: str) -> None:
    """Alerts, newest first: the story, the watch, the channel (secrets masked), and whether it
    was sent (when) or is pending; then the channels whose last notification was refused, and
    why. Times are UTC.

    `newsmon alerts send` matches and sends outside a crawl.
    """
    from sqlalchemy.orm import Session

    from newsmon.alerts.watches import WatchError, alert_lines, find, refusals
    from newsmon.output import counted, table

    if ctx.invoked_subcommand is not None:
        for name in ("watch_name", "limit"):
            if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
                option = "--watch" if name == "watch_name" else "--limit"
                raise click.UsageError(f"{option} lists alerts; `alerts send` sends every watch's")
        return
    with database(db) as engine:
        if watch_name is not None:
            with Session(engine) as session:
                try:
                    find(session, watch_name)
                except WatchError as exc:
                    raise click.BadParameter(str(exc), param_hint="'--watch'") from None
        rows = [
            (
                format_instant(a.matched_at),
                a.watch,
                a.channel,
                f"sent {format_instant(a.sent_at)}"
                if a.sent_at
                else f"{a.status}, {counted(a.tries, 'failed try', 'failed tries')}",
                a.outlet,
                short_id(a.article_id),
                a.kind,
                a.title,
            )
            for a in alert_lines(engine, watch_name, limit)
        ]
        refused = list(refusals(engine, watch_name))
    if not rows:
        click.echo("no alerts yet")
    else:
        header = ("matched", "watch", "channel", "status", "outlet", "id", "kind", "title")
        click.echo(table([header, *rows]))
    for r in refused:
        click.echo(
            f"\nwatch {r.watch} to {r.channel}: last refused {format_instant(r.attempted_at)}: "
            f"{r.error}"
        )


@alerts.command()
@click.pass_context
@click.option(
    "--tries",
    type=COUNT,
    default=None,
    help="Failed tries after which a channel is reported failing (default: the crawl's "
    "NEWSMON_ALERT_TRIES).",
)
@db_option(group="alerts")
def send(ctx: click.Context, tries: int | None, db: str) -> None:
    """Match the watches and send what they owe, as a crawl does after its runs (for a cron
    line of its own). Exit 0 when every channel accepted, 1 when one refused, 75 when another
    process is sending."""
    from newsmon.alerts import DEFAULT_TRIES
    from newsmon.alerts.deliver import deliver
    from newsmon.db.engine import Access
    from newsmon.instants import now
    from newsmon.lock import ALERTS, CrawlLock

    db = group_db(ctx, db)  # `newsmon alerts --db X send` too
    lock = CrawlLock(db, ALERTS)
    with database(db, Access.WRITE) as engine:
        if not lock.acquire():
            click.echo(f"newsmon: locked: {lock.holder()} is sending alerts", err=True)
            sys.exit(ExitStatus.LOCKED)
        try:
            lock.describe(started_at=format_instant(now()))
            outcome = deliver(engine, tries=tries or DEFAULT_TRIES)
        finally:
            lock.release()
    click.echo(outcome.line())
    for refused in outcome.refused:
        click.echo(f"newsmon: {refused.message()}", err=True)
    if outcome.refused:
        sys.exit(ExitStatus.FAILED)
