"""What Datasette shows of a newsmon database: titles and descriptions of its tables, views and
columns, facets, sort orders, the search index of the story tables, and canned queries."""

from __future__ import annotations

from typing import Any

_UTC = "UTC, as 2026-11-27T10:14:05Z"
# What each column of a story means wherever it appears: the stories table, its views, and the
# revisions (as it was in that version). Each table and view picks its own, in its own order
# (`_columns`); a test holds every description to the real columns of a migrated database.
STORY_FIELDS = {
    "id": "Row id; the story's page (its revisions and what changed) is at stories/<id>",
    "source": "The outlet the story is from (its name in newsmon.toml)",
    "lang": "The outlet's language code (e at KBS; often empty at a generic outlet)",
    "article_id": "The outlet's id for the story: a KBS Seq_Code, or a generic outlet's "
    "canonical URL",
    "url": "The story's canonical URL",
    "section": "The section the story was found in",
    "title": "Headline",
    "body": "The text as a reader sees it: paragraphs separated by a blank line (lists show "
    "its start; a row's page shows it whole)",
    "summary": "The listing's or feed's summary",
    "reporter": "The byline or author",
    "photo_credit": "Credit of the story's photo",
    "image_url": "The story's image",
    "written_at": f"When the outlet published it, {_UTC}; when written_precision is day, "
    "the page gave only the day, and this is its start (00:00:00Z), no time the page gave",
    "written_precision": "second: written_at is the instant the outlet gave; day: only the day "
    "is known (read from the page's text or URL), so read written_at as that day",
    "updated_at": f"When the outlet last updated it, by its own account, {_UTC}; empty if never",
    "revision": "The number of the current revision, which is also how many there are",
    "revisions": "How many revisions the story has had",
    "first_seen_at": f"When newsmon first stored it, {_UTC}",
    "last_seen_at": f"When a fetch last found it unchanged or newer, {_UTC}",
    "checked_at": f"When its page was last fetched, {_UTC}",
}
REVISION_FIELDS = {
    "id": "Row id of the revision; grows with every revision stored (an export feed's position "
    "is one)",
    "story_id": "The story (stories.id), whose page is at stories/<story_id>",
    "number": "1 for the first version, then 2, 3, ...",
    "revision": "1 for the first version, then 2, 3, ... (revisions.number)",
    "kind": "new; updated (a later updated time, or one where there was none); silent_edit "
    "(the same updated time, another title or body)",
    "seen_at": f"When newsmon fetched this version, {_UTC}",
    "revision_id": "Row id of the revision (revisions.id)",
}


def _columns(fields: dict[str, str], names: str) -> dict[str, str]:
    """The descriptions of `names` (space-separated, in the table's order) from `fields`."""
    return {name: fields[name] for name in names.split()}


_STORY_IDENTITY = "source lang article_id url section"
_STORY_TEXT = "title body summary reporter photo_credit image_url written_at updated_at"
# The views show written_precision beside written_at; the tables have it last (migration 0008
# added it to each).
_STORY_SHOWN = _STORY_TEXT.replace("written_at", "written_at written_precision")
STORY_COLUMNS = _columns(
    STORY_FIELDS,
    f"id {_STORY_IDENTITY} {_STORY_TEXT} revision first_seen_at last_seen_at checked_at "
    "written_precision",
)
CURRENT_STORY_COLUMNS = _columns(
    STORY_FIELDS, f"id {_STORY_IDENTITY} {_STORY_SHOWN} revisions first_seen_at last_seen_at"
)
REVISION_COLUMNS = {
    **_columns(REVISION_FIELDS, "id story_id number kind"),
    **_columns(STORY_FIELDS, _STORY_TEXT),
    **_columns(REVISION_FIELDS, "seen_at"),
    **_columns(STORY_FIELDS, "written_precision"),
}
STORY_REVISION_COLUMNS = {
    **_columns(STORY_FIELDS, _STORY_IDENTITY),
    **_columns(REVISION_FIELDS, "revision kind"),
    **_columns(STORY_FIELDS, _STORY_SHOWN),
    **_columns(REVISION_FIELDS, "seen_at story_id revision_id"),
}
CHANGED_COLUMNS = {
    **_columns(
        STORY_FIELDS, f"{_STORY_IDENTITY} title written_at written_precision updated_at revisions"
    ),
    "changed_at": f"When its newest revision of the last 24 hours was seen, {_UTC}",
}
STORY_TABLE = {
    "facets": ["source", "section", "reporter"],
    "sort_desc": "written_at",
    "fts_table": "stories_fts",
    "label_column": "title",
}

QUERIES: dict[str, dict[str, Any]] = {
    "latest_stories": {
        "title": "Latest stories",
        "description": "The 100 most recently published stories, of every outlet (a written "
        "time that is only a day shows as that day).",
        # written_at as newsmon.records.shown_written shows it: a day as that day.
        "sql": "SELECT id, source AS outlet, section, title, CASE written_precision "
        "WHEN 'day' THEN substr(written_at, 1, 10) ELSE written_at END AS written_at, "
        "updated_at, revisions "
        "FROM current_stories ORDER BY current_stories.written_at DESC LIMIT 100",
    },
    "changed_last_day": {
        "title": "Changed in the last 24 hours",
        "description": "Stories that appeared or changed (a new revision was seen) in the last "
        "24 hours, most recent first.",
        "sql": "SELECT * FROM changed_last_day ORDER BY changed_at DESC",
    },
    "silent_edits": {
        "title": "Silent edits",
        "description": "Revisions whose text changed while the outlet's updated time did not.",
        "sql": "SELECT story_id, source AS outlet, article_id, revision, title, updated_at, "
        "seen_at FROM story_revisions WHERE kind = 'silent_edit' ORDER BY seen_at DESC",
    },
    "story_history": {
        "title": "A story's history",
        "description": "Every revision of one story, by its outlet's id for it (a KBS "
        "Seq_Code, 204156) or its canonical URL.",
        "sql": "SELECT story_id, source AS outlet, revision, kind, title, updated_at, seen_at "
        "FROM story_revisions WHERE story_id IN "
        "(SELECT id FROM stories WHERE article_id = :story OR url = :story) "
        "ORDER BY source, revision",
    },
    "recent_runs": {
        "title": "Recent runs",
        "description": "The last 50 runs of every outlet, newest first, with how many pages "
        "failed; a run's failures are in the failures table (run_id).",
        "sql": "SELECT r.id, r.outlet, r.started_at, r.ended_at, r.status, r.pages, r.new, "
        "r.updated, r.dropped, r.failed, r.message, "
        "(SELECT count(*) FROM failures f WHERE f.run_id = r.id) AS failures "
        "FROM runs r ORDER BY r.id DESC LIMIT 50",
    },
    "run_failures": {
        "title": "A run's failures",
        "description": "The pages a run could not store, with why.",
        "sql": "SELECT stage, kind, url, reason, occurred_at FROM failures WHERE run_id = :run "
        "ORDER BY id",
    },
}

# Datasette hides the search index and its shadow tables by itself; said here too, so that
# every table and view of a newsmon database is either described or hidden.
HIDDEN = ("alembic_version", "stories_fts", "stories_fts_config", "stories_fts_data",
          "stories_fts_docsize", "stories_fts_idx")  # fmt: skip


def database_metadata() -> dict[str, Any]:
    """The metadata of one newsmon database, for Datasette's `databases` block."""
    tables: dict[str, Any] = {
        "stories": {
            **STORY_TABLE,
            "title": "Stories",
            "description": "One row per story, a copy of its current revision. Open a row for "
            "its page: every revision and what changed between them.",
            "columns": STORY_COLUMNS,
        },
        "current_stories": {
            **STORY_TABLE,
            "fts_pk": "id",  # a view has no rowid: its search goes through `id`
            "title": "Current stories",
            "description": "Every story as it stands now, with how many revisions it has had.",
            "columns": CURRENT_STORY_COLUMNS,
        },
        "revisions": {
            "title": "Revisions",
            "description": "Every version of every story, kept whole: the story's text and "
            "times as they were in that version.",
            "facets": ["kind"],
            "sort_desc": "seen_at",
            "columns": REVISION_COLUMNS,
        },
        "story_revisions": {
            "title": "Story revisions",
            "description": "Every revision of every story, with the story's identity beside it.",
            "facets": ["source", "kind"],
            "sort_desc": "seen_at",
            "columns": STORY_REVISION_COLUMNS,
        },
        "changed_last_day": {
            "title": "Changed in the last 24 hours",
            "description": "Stories that appeared or changed in the last 24 hours.",
            "sort_desc": "changed_at",
            "columns": CHANGED_COLUMNS,
        },
        "runs": {
            "title": "Runs",
            "description": "The run ledger: one row per outlet and crawl.",
            "facets": ["outlet", "status"],
            "sort_desc": "id",
            "columns": {
                "id": "Run number; the run's failures carry it as run_id",
                "started_at": _UTC,
                "ended_at": f"{_UTC}; empty while running, or for a run that was killed",
                "status": "running, ok, failed, interrupted or locked",
                "arguments": "The run's options, as JSON: the outlet's (section, lang, base_url "
                "or feed, ...), max_pages, full, recheck, since",
                "pid": "The crawling process's id",
                "pages": "Pages fetched: listings, feeds and stories",
                "new": "Stories stored for the first time",
                "updated": "Stories stored with a new revision, silent edits included",
                "unchanged": "Stories fetched again and found as stored",
                "dropped": "Story pages fetched that did not read as a story (see failures)",
                "failed": "Pages that could not be fetched (see failures)",
                "message": "Why the run failed or was interrupted, or who held the lock",
                "outlet": "The outlet crawled (each outlet of a crawl has a run of its own)",
            },
        },
        "failures": {
            "title": "Failures",
            "description": "Pages that did not become stories, with why.",
            "facets": ["source", "stage", "kind"],
            "sort_desc": "id",
            "columns": {
                "id": "Row id",
                "run_id": "The run that met it (runs.id)",
                "url": "A story's canonical URL, or the listing, feed or archive fetched",
                "source": "The outlet",
                "lang": "The story's language code, when it was a story page",
                "article_id": "The outlet's id for the story, when it was a story page",
                "section": "The section the story was listed in",
                "listed_at": f"The listing's or feed's time for that story, {_UTC}",
                "stage": "fetch (no usable answer), parse (not a story), validate (lacks what "
                "a story needs)",
                "kind": "A short cause: http_404, network, no_body, no_written_time, ...",
                "reason": "The cause in words",
                "occurred_at": _UTC,
            },
        },
        "feeds": {
            "title": "Export feeds",
            "description": "Where each named export feed (`newsmon export --feed`) stands.",
            "columns": {
                "name": "The --feed name",
                "position": "The newest revision (revisions.id) it has delivered",
                "exported_at": f"Its last complete export, {_UTC}",
                "rows": "Rows in that export",
                "filters": "The selection it was first exported with, as JSON; empty for a "
                "feed made by newsmon 0.1.0 until its next export",
            },
        },
        "watches": {
            "title": "Watches",
            "description": "Standing searches (`newsmon watch add`): stories matching one are "
            "sent to its channels.",
            "columns": {
                "id": "Row id",
                "name": "The watch's name, unique",
                "search": "A full-text query, as `newsmon search` takes it",
                "outlet": "Only stories of this outlet; empty for every outlet",
                "section": "Only stories of this section; empty for every section",
                "notify_on": "new (new stories), updated (later revisions), or all",
                "created_at": _UTC,
                "position": "The newest revision (revisions.id) already matched",
            },
        },
        "watch_channels": {
            "title": "Watch channels",
            "description": "Where each watch sends.",
            "columns": {
                "id": "Row id",
                "watch_id": "The watch (watches.id)",
                "url": "Where the channel's Apprise URL is, never the URL: env:NAME or "
                "file:PATH as given, or secret:KEY, a file readable by the crawl's user only in "
                "the folder beside the database (news.db.secrets). Here it always reads as empty",
                "shown": "The URL with its secrets masked, as every listing shows it",
            },
        },
        "alerts": {
            "title": "Alerts",
            "description": "Each revision a watch matched, owed to one of its channels: pending "
            "until the channel accepts a notification carrying it.",
            "facets": ["status"],
            "sort_desc": "id",
            "columns": {
                "id": "Row id",
                "channel_id": "The channel it is owed to (watch_channels.id)",
                "revision_id": "The revision that matched (revisions.id)",
                "status": "pending or sent",
                "matched_at": _UTC,
                "tries": "Notifications carrying it that the channel did not accept",
                "notification_id": "The notification the channel accepted with it "
                "(notifications.id)",
            },
        },
        "notifications": {
            "title": "Notifications",
            "description": "Every message sent to a channel, accepted or not, and why not.",
            "facets": ["accepted"],
            "sort_desc": "id",
            "columns": {
                "id": "Row id",
                "channel_id": "The channel it went to (watch_channels.id)",
                "run_id": "The crawl's run that sent it; empty when `newsmon alerts send` did",
                "attempted_at": _UTC,
                "accepted": "1 when the channel accepted it, else 0",
                "stories": "How many alerts it carried",
                "error": "Why the channel did not accept it, secrets masked",
            },
        },
        "newsmon_demo": {
            "title": "Demo",
            "description": "In the demo's database only: it marks one `newsmon demo` made, "
            "which the next `newsmon demo` may replace.",
            "columns": {"made_at": _UTC, "note": "What made it"},
        },
        **{name: {"hidden": True} for name in HIDDEN},
    }
    return {
        "title": "newsmon",
        "description": "What news outlets published and how each story changed, as newsmon "
        "recorded it. Every time is UTC.",
        "tables": tables,
        "queries": QUERIES,
    }
