"""Options shared by newsmon's commands, as decorators (the sqlite-utils way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "data/newsmon.db"


def db_option() -> Callable[[F], F]:
    """`--db`, for every command that opens the database."""
    return click.option(
        "--db",
        envvar="NEWSMON_DB",
        default=DEFAULT_DB,
        show_default=True,
        show_envvar=True,
        metavar="PATH|URL",
        help="SQLite file path or SQLAlchemy URL.",
    )


def filter_options(f: F) -> F:
    """`--since`, `--until`, `--by`, `--section`: which stories a query or export covers."""
    for option in reversed(
        [
            click.option(
                "--since",
                metavar="DATE|TIME",
                help="From this UTC day (2026-11-01) or ISO 8601 instant on.",
            ),
            click.option(
                "--until",
                metavar="DATE|TIME",
                help="Up to this UTC day (inclusive) or before this ISO 8601 instant.",
            ),
            click.option(
                "--by",
                type=click.Choice(["written", "updated"]),
                default="written",
                show_default=True,
                help="Filter on the written time, or on the last update (the written "
                "time for stories never updated).",
            ),
            click.option("--section", help="Only this section (as stored, e.g. Politics)."),
        ]
    ):
        f = option(f)
    return f
