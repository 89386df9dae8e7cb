"""Writing records for people and for other tools: terminal tables, CSV, JSON Lines, JSON.

CSV follows RFC 4180 (UTF-8, CRLF, quotes doubled). Cells that a spreadsheet would run as a
formula are neutralised by default, as OWASP recommends; JSON is never altered.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = re.compile(r"\s+")
BOM = "\ufeff"


def plain(value: Any) -> Any:
    """Instants as ISO 8601 with their UTC offset; everything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


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
    for record in records:
        cells = [plain(record.get(name)) for name in columns]
        writer.writerow(cells if raw else [neutralise(cell) for cell in cells])
        count += 1
    return count


def write_jsonl(records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps({k: plain(record.get(k)) for k in columns}, ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_json(records: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    rows = [{k: plain(record.get(k)) for k in columns} for record in records]
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(rows)


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
    rows = [[_SPACES.sub(" ", cell) for cell in row] for row in rows]
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        # mkstemp makes the file private; give it the mode a plain open() would have.
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            if bom:
                out.write(BOM)
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The replaced file's mode, or what the umask allows a new file."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
