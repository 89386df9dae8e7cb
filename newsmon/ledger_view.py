"""Showing the run ledger in a terminal."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime

import click
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from newsmon.db.models import ChannelRow, NotificationRow, RunRow, WatchRow
from newsmon.instants import format_instant
from newsmon.output import counted, table, visible

COLUMNS = (
    "run",
    "outlet",
    "started",
    "took",
    "status",
    "pages",
    "new",
    "upd",
    "same",
    "drop",
    "fail",
    "message",
)


def _when(value: datetime | None) -> str:
    return format_instant(value) if value else "-"


def _took(run: RunRow) -> str:
    if run.ended_at is None:
        return "-"
    seconds = (run.ended_at - run.started_at).total_seconds()
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


def show_runs(engine: Engine, limit: int) -> None:
    with Session(engine) as session:
        runs = session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(limit)).all()
    if not runs:
        click.echo("no runs yet")
        return
    rows = [COLUMNS] + [
        (
            str(r.id),
            r.outlet or "-",
            _when(r.started_at),
            _took(r),
            r.status,
            str(r.pages),
            str(r.new),
            str(r.updated),
            str(r.unchanged),
            str(r.dropped),
            str(r.failed),
            (r.message or "")[:70],
        )
        for r in runs
    ]
    click.echo(table(rows))


def show_run(engine: Engine, run_id: int) -> bool:
    with Session(engine) as session:
        run = session.scalar(
            select(RunRow).where(RunRow.id == run_id).options(selectinload(RunRow.failures))
        )
        if run is None:
            return False
        arguments = json.loads(run.arguments or "{}")
        # A message may quote a page (a URL, a reason): shown, not obeyed (`visible`).
        message = f": {visible(run.message)}" if run.message else ""
        click.echo(f"run {run.id} ({run.outlet or '-'}): {run.status}{message}")
        click.echo(
            f"  started  {_when(run.started_at)}, ended {_when(run.ended_at)} "
            f"({_took(run)}), pid {run.pid}"
        )
        shown = ", ".join(
            f"{k}={v}" for k, v in sorted(arguments.items()) if v not in (None, False)
        )
        click.echo(f"  arguments {visible(shown)}")
        click.echo(
            f"  pages {run.pages}; new {run.new}, updated {run.updated}, unchanged "
            f"{run.unchanged}, dropped {run.dropped}, failed {run.failed}"
        )
        if run.failures:
            click.echo(f"  failures ({len(run.failures)}):")
            rows = [("stage", "kind", "url", "reason")] + [
                (f.stage, f.kind, f.url, f.reason) for f in run.failures
            ]
            click.echo(textwrap.indent(table(rows), "    "))
        notes = session.execute(
            select(NotificationRow, WatchRow.name, ChannelRow.shown)
            .join(ChannelRow, ChannelRow.id == NotificationRow.channel_id)
            .join(WatchRow, WatchRow.id == ChannelRow.watch_id)
            .where(NotificationRow.run_id == run_id)
            .order_by(NotificationRow.id)
        ).all()
        if notes:
            click.echo(f"  alerts ({counted(len(notes), 'notification')}, after the crawl):")
            rows = [("watch", "channel", "stories", "outcome")] + [
                (watch, shown, str(n.stories), "accepted" if n.accepted else f"not: {n.error}")
                for n, watch, shown in notes
            ]
            click.echo(textwrap.indent(table(rows), "    "))
    return True
