"""Column types that keep their meaning on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from newsmon.instants import to_second

# newsmon's one form of an instant (see `newsmon.instants`), as SQLAlchemy's SQLite DATETIME
# writes and reads it. (SQLAlchemy leaves this constructor unannotated.)
_SQLITE_INSTANT = sqlite.DATETIME(  # type: ignore[no-untyped-call]
    storage_format="%(year)04d-%(month)02d-%(day)02dT%(hour)02d:%(minute)02d:%(second)02dZ",
    regexp=r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z",
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, stored in UTC to the second and read back as aware UTC.

    On SQLite the column is text in newsmon's one instant form, `2026-11-27T10:14:05Z`, so an
    analyst comparing it with a value copied from an export gets the right answer.
    `DateTime(timezone=True)` on SQLite would silently drop the offset instead. Naive values are
    refused on the way in: they would mean whatever the host's zone is.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLITE_INSTANT)
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise ValueError(f"an aware datetime is required, got {value!r}")
        return to_second(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant: datetime = value  # what the SQLite DATETIME above reads
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
