"""Writing the current stories out as JSON Lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from newsmon.db.models import StoryRow
from newsmon.items import STORY_FIELDS

EXPORT_FIELDS = (*STORY_FIELDS, "revision", "first_seen_at", "last_seen_at")
FORMATS = ("jsonl", "csv")


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def story_records(engine: Engine) -> Iterator[dict[str, Any]]:
    """Current stories, oldest written first (so appending exports read in time order)."""
    with Session(engine) as session:
        rows = session.scalars(
            select(StoryRow).order_by(
                StoryRow.written_at, StoryRow.source, StoryRow.lang, StoryRow.article_id
            )
        )
        for row in rows:
            yield {name: _value(getattr(row, name)) for name in EXPORT_FIELDS}


def write_records(records: Iterator[dict[str, Any]], fmt: str, out: TextIO) -> int:
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for record in records:
            writer.writerow(record)
            count += 1
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return count
