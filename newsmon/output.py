"""Writing records for people and for other tools: terminal tables, CSV, JSON Lines, JSON.

CSV follows RFC 4180 (UTF-8, CRLF, quotes doubled). Cells that a spreadsheet would run as a
formula are neutralised by default, as OWASP recommends; JSON is never altered.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from newsmon.db import SQLITE_HEADER
from newsmon.instants import format_instant

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = re.compile(r"\s+")
BOM = "\ufeff"


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 story`, `2 stories`: a count with its noun."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def plain(value: Any) -> Any:
    """Instants in newsmon's one form (`2026-11-27T10:14:05Z`); everything else as it is."""
    return format_instant(value) if isinstance(value, datetime) else value


# What a terminal obeys rather than shows, in text from a page: C0 controls but for a newline
# and a tab (ESC starts the sequences that set the window's title, write the clipboard through
# OSC 52, clear the screen), DEL, C1 controls (CSI among them), and the marks that reorder text
# (embeddings, overrides, isolates: `\u202e` shows `exe.gnp` as `png.exe`). And lone
# surrogates, which cannot be written to a terminal at all.
_UNSEEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` for a terminal or a log: what a terminal would obey is shown escaped as Python
    writes it (`\\x1b`, `\\u202e`); the rest is left as it is. Only what is shown: the record
    and exports keep the text as published."""
    return _UNSEEN.sub(_escaped, text)


def neutralise(value: Any) -> Any:
    """Prefix a formula-looking cell with `'` so a spreadsheet shows it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(
    records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO, *, raw: bool = False
) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    cell = plain if raw else csv_cell
    for record in records:
        writer.writerow([cell(record.get(name)) for name in columns])
        count += 1
    return count


def write_csv_rows(rows: Iterable[Sequence[Any]], columns: Sequence[str], out: TextIO) -> int:
    """Rows whose cells are ready for CSV (see newsmon.selection.story_rows), as they come."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for count, row in enumerate(rows, 1):  # noqa: B007 (the count is the result)
        writer.writerow(row)
    return count


def csv_cell(value: Any) -> Any:
    """`neutralise(plain(value))` in one step: a CSV export calls it for every cell."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return format_instant(value) if isinstance(value, datetime) else value


def write_jsonl(records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps({k: plain(record.get(k)) for k in columns}, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_json(records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    """A JSON array, one object per line, written as the records come."""
    out.write("[")
    count = 0
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps({k: plain(record.get(k)) for k in columns}, ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count


# What a file's extension says its format is.
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def written_by_us(path: Path, column_sets: Iterable[Sequence[str]]) -> bool:
    """Whether the file at `path` is empty or an export newsmon wrote (it begins with one of
    these column lists, as a CSV header or as the keys of a JSON Lines or JSON record), and so
    may be replaced by another."""
    with path.open("rb") as f:
        head = f.read(256 * 1024).decode("utf-8", errors="replace").removeprefix(BOM)
    if not head.strip():
        return True
    lines = head.splitlines()
    first = lines[0]
    if first == "[":  # write_json: "[", then one object per line, or "]" when there are none
        first = lines[1].rstrip(",") if len(lines) > 1 else ""
        if first == "]":
            return True
    for columns in column_sets:
        if first == ",".join(columns):
            return True
        try:
            record = json.loads(first)
        except ValueError:
            continue
        if isinstance(record, dict) and list(record) == list(columns):
            return True
    return False


def write_records(
    records: Iterable[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    out: TextIO,
    *,
    raw: bool = False,
) -> int:
    if fmt == "csv":
        return write_csv(records, columns, out, raw=raw)
    if fmt == "jsonl":
        return write_jsonl(records, columns, out)
    if fmt == "json":
        return write_json(records, columns, out)
    raise ValueError(f"unknown format {fmt!r}")


def table(rows: Sequence[Sequence[str]], *, width: int | None = None) -> str:
    """Columns padded to line up; the last column is cut to fit the terminal."""
    if not rows:
        return ""
    # One line per row: a tab or newline inside a cell would break the columns.
    rows = [[visible(_SPACES.sub(" ", cell)) for cell in row] for row in rows]
    width = width or shutil.get_terminal_size((120, 24)).columns
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        head = "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
        room = max(width - len(head) - 2, 20)
        last = row[-1] if len(row[-1]) <= room else row[-1][: room - 1] + "…"
        lines.append(f"{head}  {last}".rstrip() if widths else last)
    return "\n".join(lines)


@contextmanager
def atomic_file(path: Path, *, bom: bool = False) -> Iterator[TextIO]:
    """A text file that appears whole at `path` when the block succeeds, and not at all when it
    fails: written beside it, then renamed over it."""
    path = Path(os.path.realpath(path))  # through a symlink to the file it names
    fd, temp = _create_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            if bom:
                out.write(BOM)
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_beside(path: Path) -> tuple[int, Path]:
    """A new file beside `path`, open for writing, with the mode the file it replaces has, or
    else the one a plain open() would give it. The mode goes to os.open, which applies the
    umask itself: reading the umask means setting it, for every thread of the process at once.
    """
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    for _ in range(100):  # a name taken (a leftover of a killed export) is passed over
        temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(temp, flags, 0o666 if mode is None else 0o600)
        except FileExistsError:
            continue
        if mode is not None:
            # The replaced file's mode, as it is: a private file stays private, a shared one
            # shared (fchmod is not subject to the umask).
            os.fchmod(fd, mode)
        return fd, temp
    raise FileExistsError(f"no free temporary name beside {path}")


def discard(stream: TextIO) -> None:
    """Make what is still to be written to `stream` go nowhere: its reader (a pipe's, `| head
    -1`) has gone, and Python would otherwise report the failed flush at exit ("Exception
    ignored ... BrokenPipeError")."""
    with contextlib.suppress(OSError, ValueError):  # no file descriptor (click's CliRunner)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
