"""newsmon's web UI: a Datasette plugin, installed with newsmon and used by `newsmon serve`.

For every database Datasette serves that carries newsmon's mark (`PRAGMA application_id`),
whatever the file is called, it supplies what Datasette cannot know by itself: titles and
descriptions of the tables, views and columns, facets, sort orders, the search index of the
story tables, canned queries; and a story page in place of Datasette's row page of `stories`:
the current version with its times in UTC and in the outlet's zone, every revision, and the words
that changed between any two.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup, escape

from newsmon.db.checks import APPLICATION_ID
from newsmon.web.metadata import database_metadata
from newsmon.web.story import story_page

if TYPE_CHECKING:
    _Hook = TypeVar("_Hook", bound=Callable[..., Any])

    # Datasette ships no types; its `hookimpl` marks a function and returns it unchanged.
    def hookimpl(function: _Hook, /) -> _Hook: ...
else:
    from datasette import hookimpl

# Database path -> whether newsmon made it; checked once per database, and known only once its
# header could be read (a busy or unreadable file is asked again next time).
_ours: dict[str, bool] = {}
# The config file (None: ./newsmon.toml or the built-in outlet) -> each outlet's zone.
_zones: dict[str | None, dict[str, tzinfo]] = {}
# Where a channel's URL is (secret:KEY, env:NAME, file:PATH; in a database not yet migrated to
# schema 7, the URL itself, token and all): every connection of the UI reads it as null,
# whatever the query (arbitrary SQL included).
_SECRET_COLUMNS = frozenset({("watch_channels", "url")})
# Columns of views that hold a story's row id, linked to its page.
_STORY_IDS = {"current_stories": "id", "story_revisions": "story_id"}


def _mark(database: Any) -> bool | None:
    """Whether newsmon made `database`; None when its header cannot be read now (the file is
    locked by a writer, or unreadable), which is never remembered."""
    if database.is_memory or not database.path:
        return False
    if database.path not in _ours:
        try:
            conn = database.connect()  # read-only, as Datasette opens it
            try:
                found = conn.execute("PRAGMA application_id").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        _ours[database.path] = found == APPLICATION_ID
    return _ours[database.path]


def _is_newsmon(database: Any) -> bool:
    return bool(_mark(database))


def _ours_by_name(datasette: Any, name: str | None) -> bool:
    database = datasette.databases.get(name) if name else None
    return database is not None and _is_newsmon(database)


def outlet_zones(datasette: Any) -> dict[str, tzinfo]:
    """Each configured outlet's zone: from the config `newsmon serve` was given, else
    ./newsmon.toml, else the built-in outlet."""
    from newsmon.config import find, load
    from newsmon.web.http import Served

    path = datasette.newsmon_config if isinstance(datasette, Served) else None
    if path not in _zones:
        try:
            outlets = load(find(path)).outlets
        except (ValueError, OSError):
            outlets = ()
        _zones[path] = {o.name: o.zone for o in outlets}
    return _zones[path]


def _hide_secrets(action: int, table: str | None, column: str | None, *_: Any) -> int:
    if action == sqlite3.SQLITE_READ and (table, column) in _SECRET_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Every connection hides the secret columns unless its database is known to be another
    program's: Datasette keeps a connection for the life of the server, so one prepared while
    the file was busy must not go without (it would show the column to every later query)."""
    found = datasette.databases.get(database)
    if found is None or _mark(found) is not False:
        conn.set_authorizer(_hide_secrets)


@hookimpl
def get_metadata(
    datasette: Any, key: str, database: str | None, table: str | None
) -> dict[str, Any]:
    databases = {
        name: database_metadata() for name, db in datasette.databases.items() if _is_newsmon(db)
    }
    return {"databases": databases} if databases else {}


@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, request: Any, datasette: Any
) -> Any:
    if template != "row.html" or table != "stories" or not _ours_by_name(datasette, database):
        return {}

    async def story() -> dict[str, Any]:
        pks = request.url_vars.get("pks", "")
        if not pks.isdigit():
            return {}
        page = await story_page(
            datasette.get_database(database), int(pks), outlet_zones(datasette), request.args
        )
        return {"newsmon": page} if page else {}

    return story


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """A story's row id in a view links to its page, as the `stories` table's own do."""
    if _STORY_IDS.get(table or "") != column or not isinstance(value, int):
        return None
    if not _ours_by_name(datasette, database):
        return None
    href = datasette.urls.row(database, "stories", str(value))
    return Markup(f'<a href="{escape(href)}">{value}</a>')


@hookimpl
def extra_css_urls(database: str | None, datasette: Any) -> list[str]:
    if not _ours_by_name(datasette, database):
        return []
    return [datasette.urls.static_plugins("newsmon", "newsmon.css")]


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Security headers on every answer, and CSV with formulas neutralised (newsmon.web.http)."""
    from newsmon.web.http import secure  # once Datasette has loaded: see newsmon.web.http

    return secure
