"""What `newsmon crawl` logs, and where.

newsmon's own events are short readable lines: a run starting, each story stored or failed, the
run's summary. Scrapy's log (requests, middlewares, stats dumps) is for debugging only.

| where | default | -v | -vv |
|---|---|---|---|
| standard error | errors, Python's warnings | + newsmon's events | + Scrapy's log |
| `--log-file` | newsmon's events, errors | the same | + Scrapy's log |

With `--log-file`, standard error shows only newsmon's verdict, which the run ledger prints
itself. An idle cron run writes two lines to the file: the run starting and its summary.

No secret is written, at any verbosity: the HTTP libraries that send notifications (urllib3,
requests, Apprise) are never written, since their lines carry request paths where Discord,
Telegram, Slack and ntfy keep a channel's secret; every line has the URLs in it masked (a user
part, `?apikey=` and the like: `newsmon.masking`); and a log file newsmon makes is readable by
its owner only (0600).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

from newsmon.instants import SQL_FORMAT
from newsmon.masking import mask_urls
from newsmon.output import visible

# A record of something the run ledger has printed already (the summary, a verdict): written to
# a log file, not a second time to the terminal.
PRINTED = "newsmon_printed"
# Loggers never written (see above), with their children.
SILENCED = ("urllib3", "requests", "apprise")
LOG_FILE_MODE = 0o600


def _own(record: logging.LogRecord) -> bool:
    return record.name == "newsmon" or record.name.startswith("newsmon.")


class _Levels(logging.Filter):
    def __init__(self, verbose: int, *, terminal: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.terminal = terminal

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in SILENCED:
            return False
        if self.terminal and getattr(record, PRINTED, False):
            return False
        if self.verbose >= 2 or record.name == "py.warnings":
            return True
        if _own(record) and self.verbose:
            return record.levelno >= logging.INFO
        return record.levelno >= logging.ERROR


class _Format(logging.Formatter):
    """`2026-11-27T10:14:05Z new 204156: Title` for newsmon's events; level and logger name for
    everything else."""

    converter: Callable[[float | None], time.struct_time] = time.gmtime

    def __init__(self) -> None:
        super().__init__(datefmt=SQL_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        head = self.formatTime(record, self.datefmt)
        # The message, with a traceback if there is one; URLs in it masked.
        text = mask_urls(super().format(record))
        # A page's title, URL or reason in it is shown, not obeyed by a terminal (`visible`).
        text = visible(text)
        if _own(record) and record.levelno == logging.INFO:
            return f"{head} {text}"
        return f"{head} {record.levelname} {record.name}: {text}"


class _Stderr(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the time, so lines go above a live progress
    display (which replaces sys.stderr while it runs)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def open_log(path: str) -> io.TextIOWrapper:
    """`path` open for appending; made, when missing, readable by its owner only: the mode is
    given to os.open (the umask can only take permissions away). A file that exists keeps its
    mode. OSError when it cannot be written."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_FILE_MODE)
    return os.fdopen(fd, "a", encoding="utf-8")


class _PrivateFile(logging.FileHandler):
    """A log file made by `open_log`."""

    def _open(self) -> io.TextIOWrapper:
        return open_log(self.baseFilename)


def configure(verbose: int, log_file: str | None) -> None:
    """Install newsmon's handlers on the root logger (Scrapy is told not to install its own)."""
    root = logging.getLogger()
    # Records that no handler would write are not made at all (the filters below say which are
    # written): Scrapy logs every request and every item at debug level, which cost a crawl more
    # than 1% of its CPU when each record was made only to be dropped.
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.ERROR)
    own = logging.DEBUG if verbose >= 2 else logging.INFO if verbose or log_file else logging.ERROR
    logging.getLogger("newsmon").setLevel(own)
    logging.getLogger("py.warnings").setLevel(logging.WARNING)
    handlers: list[logging.Handler] = []
    if log_file:
        handlers.append(_PrivateFile(log_file, encoding="utf-8"))
        handlers[-1].addFilter(_Levels(max(verbose, 1), terminal=False))
    else:
        handlers.append(_Stderr())
        handlers[-1].addFilter(_Levels(verbose, terminal=True))
    for handler in handlers:
        handler.setFormatter(_Format())
        root.addHandler(handler)
