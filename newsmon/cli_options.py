"""What newsmon's commands share: the command group class, option decorators (the sqlite-utils
way) and the parameter types that turn what a user typed into a usage error naming the option
and the value, never a traceback."""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from newsmon.config import CONFIG_ENV, CONFIG_FILE
from newsmon.db import DEFAULT_DB

F = TypeVar("F", bound=Callable[..., Any])


class ExitStatus(enum.IntEnum):
    """newsmon's exit statuses (httpie's way: one place, named)."""

    OK = 0
    FAILED = 1  # a run failed or was interrupted; a command refused (one line says why)
    USAGE = 2  # a bad option or value, or a --db newsmon cannot use
    LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; try again later
    INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C stopped a command that has no graceful stop
    PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for `cat` whose reader went away


# Where `newsmon serve` listens unless told: this machine only, on Datasette's own port.
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8001
SERVE_URL = f"http://{SERVE_HOST}:{SERVE_PORT}/"

# SQLite integers are 64-bit: a larger number a user types would overflow inside the driver.
MAX_INT = 2**63 - 1


class MissingCommand(click.UsageError):
    """A group given no command (`newsmon`, `newsmon watch`)."""


class HelpfulGroup(click.Group):
    """A click group that, given no command, shows its whole help on standard error and exits
    2. It is a usage error (a script whose arguments got lost must not pass for a success, as
    click 8.2 decided too), but the help is what a person typing just `newsmon` wants, so it
    stays as `--help` lays it out, not squeezed onto one `Error:` line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # As click's own no_args_is_help test, raised here so that every click version (8.1
        # printed the help and exited 0) behaves alike.
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            raise MissingCommand("missing command", ctx)
        return super().parse_args(ctx, args)


class NewsmonGroup(HelpfulGroup):
    """A click group whose errors are one line on standard error: `Error: ...`, exit 2 for a
    usage error (a bad option or value), 1 for anything else a command refuses. Ctrl-C that a
    command does not handle itself is `newsmon: interrupted`, exit 130; a reader of standard
    output that goes away (`| head`) ends the command quietly, exit 141. Commands named in
    `lazy` (name -> "module:attribute") are imported when first asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attribute = self.lazy[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    # Click's main with standalone_mode=False whatever the caller asks: its overloads on
    # standalone_mode do not fit.
    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, **extra: Any
    ) -> Any:
        extra.pop("standalone_mode", None)
        try:
            result = super().main(args, prog_name, standalone_mode=False, **extra)
            # What is still buffered goes out now, where a reader that has gone is handled, not
            # at exit, where Python would report it ("Exception ignored ... BrokenPipeError").
            sys.stdout.flush()
        except BrokenPipeError:
            _reader_gone()
        except MissingCommand as exc:
            assert exc.ctx is not None
            click.echo(exc.ctx.get_help(), err=True, color=exc.ctx.color)
            sys.exit(ExitStatus.USAGE)
        except click.BadParameter as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            _fail(exc.format_message() + hint, exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort as exc:
            # click turns Ctrl-C into Abort (having ended the terminal's `^C` line): it is an
            # interruption, not an error.
            if isinstance(exc.__cause__, KeyboardInterrupt):
                _interrupted()
            _fail("aborted", ExitStatus.FAILED)
        except KeyboardInterrupt:
            _interrupted()
        sys.exit(result if isinstance(result, int) else 0)

    # A closed pipe is handled here, before click's own handling, which exits 1 (as if the
    # command had failed): in parsing (which prints --help) and in the command.
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            _reader_gone()

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _reader_gone()


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _interrupted() -> NoReturn:
    click.echo("newsmon: interrupted", err=True)
    sys.exit(ExitStatus.INTERRUPTED)


def _reader_gone() -> NoReturn:
    """Standard output is a pipe whose reader has gone (`newsmon export | head -1`): stop
    quietly, as `cat` or `git log` stop there. They die of SIGPIPE, which a shell reports as
    141; Python ignores SIGPIPE (a crawl's sockets need that), so the status is given as such.
    What the command meant to write is incomplete: an export's feed does not move on."""
    from newsmon.output import discard

    discard(sys.stdout)
    sys.exit(ExitStatus.PIPE_CLOSED)


def db_option(*, group: str | None = None) -> Callable[[F], F]:
    """`--db`, for every command that opens the database. A subcommand of `group` (`feeds
    reset`) takes the group's too (`newsmon feeds --db X reset NAME`): see `group_db`."""
    also = f" (or give it to `newsmon {group}`)" if group else ""
    return click.option(
        "--db",
        envvar="NEWSMON_DB",
        default=DEFAULT_DB,
        show_default=True,
        show_envvar=True,
        metavar="PATH|URL",
        # A path type for shell completion only: what it names is checked when it is opened.
        type=click.Path(),
        help=f"SQLite file path or SQLAlchemy URL{also}.",
    )


def group_db(ctx: click.Context, db: str) -> str:
    """The database of a subcommand whose group takes --db too: its own when typed after it,
    else the group's (typed, from NEWSMON_DB, or the default)."""
    assert ctx.parent is not None
    if ctx.get_parameter_source("db") is ParameterSource.COMMANDLINE:
        return db
    return str(ctx.parent.params["db"])


# click.ParamType is generic in its value from click 8.4 on; subscripting it at run time would
# fail with the click 8.1-8.3 that newsmon also runs with.
if TYPE_CHECKING:
    _TextType = click.ParamType[str]
    _CountType = click.ParamType[int]
else:
    _TextType = _CountType = click.ParamType


class _Validated(_TextType):
    """A text option checked by `check(text)`, which raises ValueError with the reason. The
    value stays the text the user typed (a feed remembers its filters as typed)."""

    def __init__(self, name: str, check: Callable[[str], object]) -> None:
        self.name = name
        self.check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            self.check(text)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return text.strip()


def _instant(text: str) -> None:
    from newsmon.instants import parse_user_instant

    parse_user_instant(text)


def _duration(text: str) -> None:
    from newsmon.schedule import parse_duration

    parse_duration(text)


def _search(text: str) -> None:
    from newsmon.search import check_search

    check_search(text)


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ValueError("it is empty")


def _day(text: str) -> None:
    """A day of the calendar, as an archive is read: not an instant, whose day would depend on
    the zone it is taken in (`crawl --since` reads KBS's archive in Korea time)."""
    from newsmon.instants import parse_user_instant

    with contextlib.suppress(ValueError):
        date.fromisoformat(text.strip())
        return
    try:
        parse_user_instant(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a day of the calendar (YYYY-MM-DD)") from None
    what = "a time ago" if re.fullmatch(r"[\d.smhdw]+", text.strip().lower()) else "an instant"
    raise ValueError(f"{text!r} is {what}, not a day: give a day of the calendar (YYYY-MM-DD)")


class _Count(_CountType):
    """A whole number from 1 up, small enough for SQLite."""

    name = "count"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if not 1 <= number <= MAX_INT:
            self.fail(f"{value!r} is not a whole number from 1 up (to 2^63 - 1)", param, ctx)
        return number


class OptionalArgument(click.Argument):
    """A positional argument that may be left out, given `metavar="[NAME]"` so that the usage
    line shows it so; an error names it plainly, as `'NAME'`."""

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return f"'{self.human_readable_name.strip('[]')}'"


INSTANT = _Validated("instant", _instant)
DURATION = _Validated("duration", _duration)
SEARCH = _Validated("search", _search)
NAME = _Validated("name", _not_blank)
DAY = _Validated("day", _day)
COUNT = _Count()


@dataclass(frozen=True)
class Selection:
    """Which stories a query or export covers, as the user typed it (a feed keeps it so)."""

    since: str | None = None
    until: str | None = None
    by: str = "written"
    section: str | None = None
    outlets: tuple[str, ...] = ()


def filter_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """`--since`, `--until`, `--by`, `--section`, `--outlet`: which stories a query or export
    covers, handed to the command as one `selection`."""

    @functools.wraps(f)
    def command(
        *args: Any,
        since: str | None,
        until: str | None,
        by: str,
        section: str | None,
        outlet: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        return f(*args, selection=Selection(since, until, by, section, outlet), **kwargs)

    for option in reversed(
        [
            click.option(
                "--since",
                type=INSTANT,
                metavar="WHEN",
                help="From this UTC day (2026-11-01), ISO 8601 instant, or this long ago (6h, 3d).",
            ),
            click.option(
                "--until",
                type=INSTANT,
                metavar="WHEN",
                help="Up to this UTC day (inclusive), or before this ISO 8601 instant or this "
                "long ago.",
            ),
            click.option(
                "--by",
                type=click.Choice(["written", "updated"]),
                default="written",
                show_default=True,
                help="Filter on the written time, or on the last update (the written "
                "time for stories never updated).",
            ),
            click.option(
                "--section",
                type=NAME,
                shell_complete=section_names,
                help="Only this section: its label (Politics) or the site's id (Po).",
            ),
            outlet_option(help="Only stories of this outlet (repeatable)."),
        ]
    ):
        command = option(command)
    return command


def _completions(names: Sequence[str], incomplete: str) -> list[str]:
    return [n for n in names if n.casefold().startswith(incomplete.casefold())]


def section_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a query's --section: the labels and ids the profiles know."""
    from newsmon.sites import section_aliases

    aliases = section_aliases()
    return _completions([*dict.fromkeys(aliases.values()), *aliases], incomplete)


def section_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of crawl's --section: the ids the profiles know."""
    from newsmon.sites import section_aliases

    return _completions(list(section_aliases()), incomplete)


config_option = click.option(
    "--config",
    envvar=CONFIG_ENV,
    show_envvar=True,
    metavar="PATH",
    type=click.Path(),
    help=f"The outlets to watch (default: ./{CONFIG_FILE} if there is one, else the built-in "
    "KBS WORLD Politics outlet).",
)


def outlet_option(*, help: str) -> Callable[[F], F]:
    return click.option("--outlet", "outlet", multiple=True, type=NAME, metavar="NAME", help=help)


def color_wanted(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return bool(stream.isatty()) and not os.environ.get("NO_COLOR")
