"""A Datasette plugin, installed with newsmon: Datasette finds newsmon's search index on its own.

Datasette detects the full-text index of the `stories` table by itself; this adds what it cannot
detect: that the view `current_stories` is searched through the same index (by `id`), and that
stories read best newest first. It applies to every database Datasette serves that carries
newsmon's mark (`PRAGMA application_id`), whatever the file is called.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl

from newsmon.db.schema import APPLICATION_ID

_TABLES = {
    "stories": {"fts_table": "stories_fts", "sort_desc": "written_at"},
    "current_stories": {"fts_table": "stories_fts", "fts_pk": "id", "sort_desc": "written_at"},
}
# Database path -> whether newsmon made it; checked once per database.
_ours: dict[str, bool] = {}


def _is_newsmon(database: Any) -> bool:
    if database.is_memory or not database.path:
        return False
    if database.path not in _ours:
        conn = database.connect()  # read-only, as Datasette opens it
        try:
            _ours[database.path] = conn.execute("PRAGMA application_id").fetchone()[0] == (
                APPLICATION_ID
            )
        except sqlite3.Error:
            _ours[database.path] = False
        finally:
            conn.close()
    return _ours[database.path]


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> dict:
    databases = {
        name: {"tables": _TABLES} for name, db in datasette.databases.items() if _is_newsmon(db)
    }
    return {"databases": databases} if databases else {}
