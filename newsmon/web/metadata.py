"""What Datasette shows of a newsmon database: titles and descriptions of its tables, views and
columns, facets, sort orders, the search index of the story tables, and canned queries."""

from __future__ import annotations

from typing import Any

_UTC = "UTC, as 2026-11-27T10:14:05Z"
STORY_COLUMNS = {
    "id": "Row id; the story's page (its revisions and what changed) is at stories/<id>",
    "source": "The outlet the story is from (its name in newsmon.toml)",
    "lang": "The outlet's language code",
    "article_id": "The outlet's id for the story: a KBS Seq_Code, or a generic outlet's "
    "canonical URL",
    "url": "The story's canonical URL",
    "section": "The section the story was found in",
    "title": "Headline",
    "body": "The text as a reader sees it: paragraphs separated by a blank line",
    "summary": "The listing's or feed's summary",
    "reporter": "The byline or author",
    "photo_credit": "Credit of the story's photo",
    "image_url": "The story's image",
    "written_at": f"When the outlet published it, {_UTC}",
    "updated_at": f"When the outlet last updated it, by its own account, {_UTC}; empty if never",
    "revision": "The number of the current revision, which is also how many there are",
    "revisions": "How many revisions the story has had",
    "first_seen_at": f"When newsmon first stored it, {_UTC}",
    "last_seen_at": f"When a fetch last found it unchanged or newer, {_UTC}",
    "checked_at": f"When its page was last fetched, {_UTC}",
}
REVISION_COLUMNS = {
    "story_id": "The story (stories.id)",
    "number": "1 for the first version, then 2, 3, ...",
    "revision": "1 for the first version, then 2, 3, ...",
    "kind": "new; updated (a later updated time); silent_edit (the same updated time, other text)",
    "seen_at": f"When newsmon fetched this version, {_UTC}",
    "revision_id": "Row id of the revision (revisions.id)",
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
        "description": "The 100 most recently published stories, of every outlet.",
        "sql": "SELECT id, source AS outlet, section, title, written_at, updated_at, revisions "
        "FROM current_stories ORDER BY written_at DESC LIMIT 100",
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

HIDDEN = ("alembic_version", "stories_fts_config", "stories_fts_data", "stories_fts_docsize",
          "stories_fts_idx")  # fmt: skip


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
            "columns": STORY_COLUMNS,
        },
        "revisions": {
            "title": "Revisions",
            "description": "Every version of every story, kept whole.",
            "facets": ["kind"],
            "sort_desc": "seen_at",
            "columns": {**STORY_COLUMNS, **REVISION_COLUMNS},
        },
        "story_revisions": {
            "title": "Story revisions",
            "description": "Every revision of every story, with the story's identity beside it.",
            "facets": ["source", "kind"],
            "sort_desc": "seen_at",
            "columns": {**STORY_COLUMNS, **REVISION_COLUMNS},
        },
        "changed_last_day": {
            "title": "Changed in the last 24 hours",
            "description": "Stories that appeared or changed in the last 24 hours.",
            "sort_desc": "changed_at",
            "columns": {
                **STORY_COLUMNS,
                "changed_at": f"When its newest revision was seen, {_UTC}",
            },
        },
        "runs": {
            "title": "Runs",
            "description": "The run ledger: one row per outlet and crawl.",
            "facets": ["outlet", "status"],
            "sort_desc": "id",
            "columns": {
                "outlet": "The outlet crawled",
                "status": "running, ok, failed, interrupted or locked",
                "started_at": f"{_UTC}",
                "ended_at": f"{_UTC}; empty while running, or for a run that was killed",
                "message": "Why the run failed or was interrupted, or who held the lock",
            },
        },
        "failures": {
            "title": "Failures",
            "description": "Pages that did not become stories, with why.",
            "facets": ["source", "stage", "kind"],
            "sort_desc": "id",
            "columns": {
                "stage": "fetch (no usable answer), parse (not a story), validate (lacks what "
                "a story needs)",
                "kind": "A short cause: http_404, no_body, no_written_time, ...",
                "occurred_at": f"{_UTC}",
            },
        },
        "feeds": {
            "title": "Export feeds",
            "description": "Where each named export feed (`newsmon export --feed`) stands.",
        },
        "watches": {
            "title": "Watches",
            "description": "Standing searches (`newsmon watch add`): stories matching one are "
            "sent to its channels.",
            "columns": {
                "search": "A full-text query, as `newsmon search` takes it",
                "notify_on": "new (new stories), updated (later revisions), or all",
                "position": "The newest revision (revisions.id) already matched",
                "created_at": _UTC,
            },
        },
        "watch_channels": {
            "title": "Watch channels",
            "description": "Where each watch sends. The URL may hold a token or a password: "
            "here it always reads as empty; `shown` has it masked.",
        },
        "alerts": {
            "title": "Alerts",
            "description": "Each revision a watch matched, owed to one of its channels: pending "
            "until the channel accepts a notification carrying it.",
            "facets": ["status"],
            "sort_desc": "id",
            "columns": {
                "status": "pending or sent",
                "tries": "Notifications carrying it that the channel did not accept",
                "matched_at": _UTC,
            },
        },
        "notifications": {
            "title": "Notifications",
            "description": "Every message sent to a channel, accepted or not, and why not.",
            "facets": ["accepted"],
            "sort_desc": "id",
            "columns": {
                "run_id": "The crawl's run that sent it; empty when `newsmon alerts send` did",
                "attempted_at": _UTC,
                "error": "Why the channel did not accept it, secrets masked",
            },
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
