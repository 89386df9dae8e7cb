"""Schema changes go through migrations: a database made by the previous release opens with every
row intact, a fresh database and a migrated one are the same, the models match the migrations,
and a migration that fails leaves the file as it was."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner, Result
from conftest import REPO, crawl
from receivers import Webhook
from sqlalchemy import create_engine

from newsmon import __version__
from newsmon.cli import main
from newsmon.db.checks import APPLICATION_ID, SCHEMA_VERSION, Access, DatabaseProblem, OlderSchema
from newsmon.db.engine import open_engine
from newsmon.db.models import Base
from newsmon.db.schema import modelled, transactional_sqlite
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

RELEASE_0_1_0 = REPO / "tests" / "data" / "release-0.1.0.db"
TABLES = ("stories", "revisions", "runs", "failures", "feeds")
# The columns that hold instants, in every table of 0.1.0.
INSTANTS = {
    "written_at",
    "updated_at",
    "first_seen_at",
    "last_seen_at",
    "checked_at",
    "seen_at",
    "started_at",
    "ended_at",
    "listed_at",
    "occurred_at",
    "exported_at",
}

# The tables that say how precise each written time is (migration 8).
PRECISE = ("stories", "revisions")


def precise(table_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of PRECISE from before migration 8 as they are after it: every written time stored
    then was an instant."""
    return [{**row, "written_precision": "second"} for row in table_rows]


def rows(db: Path, table: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]  # noqa: S608
    finally:
        conn.close()


def schema(db: Path) -> set[tuple[str, str, str]]:
    """Every object's SQL, with white space normalised (0.1.0 wrote its DDL differently)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        objects = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    finally:
        conn.close()
    return {
        (kind, name, re.sub(r"\s*([(),])\s*", r"\1", re.sub(r"\s+", " ", sql or "")).strip())
        for kind, name, sql in objects
    }


def dump(db: Path) -> str:
    """The whole content, as SQL: equal dumps, equal databases."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new_form(old: str | None) -> str | None:
    """0.1.0's `2026-11-27 12:15:59.123456` as newsmon now writes it: to the second, with T
    and Z. Worked out by hand, not by newsmon."""
    if old is None:
        return None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?", old), old
    return f"{old[:10]}T{old[11:19]}Z"


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A copy of the kept database: SQLite makes -wal and -shm files beside any database it
    opens in WAL mode, even read-only, and the repository's copy is never opened in place."""
    copy = tmp_path / "news.db"
    shutil.copyfile(RELEASE_0_1_0, copy)
    return copy


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another copy, only ever read."""
    copy = tmp_path_factory.mktemp("release") / "original.db"
    shutil.copyfile(RELEASE_0_1_0, copy)
    return copy


def newsmon(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_the_kept_database_is_what_0_1_0_made(original: Path) -> None:
    conn = sqlite3.connect(f"file:{original}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert conn.execute("PRAGMA application_id").fetchone() == (0,)
        counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]  # noqa: S608
    finally:
        conn.close()
    assert counts == [25, 27, 3, 4, 2]


def test_a_0_1_0_database_opens_with_every_row_intact(old_db: Path, tmp_path: Path) -> None:
    before = {table: rows(old_db, table) for table in TABLES}
    result = newsmon("migrate", "--db", str(old_db))
    assert result.exit_code == 0, result.output
    assert result.output == f"{old_db} migrated to schema {SCHEMA_VERSION}, every row kept\n"

    for table in TABLES:
        after = rows(old_db, table)
        expected = [
            {k: new_form(v) if k in INSTANTS else v for k, v in row.items()}
            for row in before[table]
        ]
        if table == "feeds":  # feeds now remember their selection, unknown for old ones
            expected = [{**row, "filters": None} for row in expected]
        if table == "runs":  # every run of 0.1.0 was of its one outlet, KBS WORLD
            expected = [{**row, "outlet": "kbs-world"} for row in expected]
        if table in PRECISE:
            expected = precise(expected)
        assert after == expected, table
    conn = sqlite3.connect(old_db)
    try:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            f"{SCHEMA_VERSION:04d}",
        )
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()

    # the same schema as a database newsmon makes today
    fresh = tmp_path / "fresh.db"
    open_engine(str(fresh), Access.CREATE).dispose()
    assert schema(old_db) == schema(fresh)

    # search works on what was stored before the migration, and finds what it should
    expected_hits = {
        r["article_id"] for r in before["stories"] if "budget" in (r["title"] + r["body"]).lower()
    }
    hits = newsmon("search", "budget", "--db", str(old_db), "--format", "jsonl", "--limit", "99")
    assert hits.exit_code == 0, hits.output
    found = {line.split('"article_id": "')[1].split('"')[0] for line in hits.output.splitlines()}
    assert found == expected_hits and len(found) >= 3

    # feed positions are kept: the next export under a feed's name carries nothing old
    feed = newsmon("export", "--db", str(old_db), "--feed", "revs", "--revisions")
    assert feed.exit_code == 0 and feed.output == ""
    assert newsmon("migrate", "--db", str(old_db)).output == (
        f"{old_db} is up to date (schema {SCHEMA_VERSION})\n"
    )


def at_revision(path: Path, target: str) -> None:
    """A database made by the migrations up to `target`, as that newsmon made it."""
    from alembic import command
    from alembic.config import Config

    engine = transactional_sqlite(create_engine(f"sqlite:///{path}"))
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", "newsmon.db:migrations")
            config.attributes["connection"] = conn
            command.upgrade(config, target)
    finally:
        engine.dispose()


# A generic outlet's id is its canonical URL: 84 characters in the demo, and any length.
LONG_ID = "https://meridian.example/politics/2026/11/" + "a-long-headline-slug-" * 12 + "end"
LONG_NAME = "a name longer than the eighty characters once declared for it, " * 2
# Rows of every table at schema 5, each referring to the others as newsmon's would.
SCHEMA_5_ROWS: dict[str, list[tuple[Any, ...]]] = {
    "runs": [
        (1, "2026-11-27T01:00:00Z", "2026-11-27T01:01:00Z", "ok", "{}", 7, 3, 2, 0, 0, 0, 1, None,
         "meridian"),
    ],
    "stories": [
        (1, "meridian", "zh-Hant-TW", LONG_ID, LONG_ID, LONG_NAME, "Budget Talks Resume",
         "The budget talks resumed.", None, None, None, None, "2026-11-27T00:00:00Z", None, 2,
         "2026-11-27T01:00:00Z", "2026-11-27T02:00:00Z", "2026-11-27T02:00:00Z"),
        (2, "kbs-world", "e", "204156",
         "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=204156", "Politics",
         "Assembly Meets", "The assembly met.", "A summary", "Reporter", "YONHAP News", None,
         "2026-11-26T00:00:00Z", "2026-11-26T03:00:00Z", 1, "2026-11-27T01:00:00Z",
         "2026-11-27T01:00:00Z", "2026-11-27T01:00:00Z"),
    ],
    "revisions": [
        (1, 1, 1, "new", "Budget Talks", "The talks resumed.", None, None, None, None,
         "2026-11-27T00:00:00Z", None, "2026-11-27T01:00:00Z"),
        (2, 1, 2, "silent_edit", "Budget Talks Resume", "The budget talks resumed.", None, None,
         None, None, "2026-11-27T00:00:00Z", None, "2026-11-27T02:00:00Z"),
        (3, 2, 1, "new", "Assembly Meets", "The assembly met.", "A summary", "Reporter",
         "YONHAP News", None, "2026-11-26T00:00:00Z", "2026-11-26T03:00:00Z",
         "2026-11-27T01:00:00Z"),
    ],
    "failures": [
        (1, 1, LONG_ID + "/2", "meridian", "zh-Hant-TW", LONG_ID + "/2", LONG_NAME,
         "2026-11-27T00:30:00Z", "validate", "no_body", "no text", "2026-11-27T01:00:30Z"),
    ],
    "feeds": [(LONG_NAME, 3, "2026-11-27T03:00:00Z", 3, '{"revisions": true}')],
    "watches": [(1, LONG_NAME, "budget", "meridian", LONG_NAME, "all", "2026-11-27T00:00:00Z", 2)],
    "watch_channels": [(1, 1, "json://127.0.0.1:9/hook", "json://127.0.0.1:9/…")],
    "notifications": [(1, 1, 1, "2026-11-27T02:00:01Z", 1, 1, None)],
    "alerts": [(1, 1, 2, "sent", "2026-11-27T02:00:00Z", 0, 1)],
}  # fmt: skip


def test_ids_of_any_length_keep_every_row_index_and_trigger(tmp_path: Path) -> None:
    """Migration 6 makes ids, languages, sections and names TEXT: SQLite makes each such table
    again, and every row (a child's too: nothing cascades), index, trigger and view comes
    through, with the search index still in step."""
    db = tmp_path / "news.db"
    at_revision(db, "0005")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")  # as newsmon writes: the rows hold together
    with conn:
        for table, values in SCHEMA_5_ROWS.items():
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.close()
    before = {table: rows(db, table) for table in SCHEMA_5_ROWS}
    assert all(before.values())
    assert "article_id VARCHAR(40)" in {name: sql for _, name, sql in schema(db)}["stories"]

    result = newsmon("migrate", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert result.output == f"{db} migrated to schema {SCHEMA_VERSION}, every row kept\n"
    after = {table: rows(db, table) for table in SCHEMA_5_ROWS}
    # Migration 7 moves the channel's URL out of the database (its own test is below);
    # migration 8 says that every written time stored before it was an instant.
    [channel] = after["watch_channels"]
    assert channel["url"].startswith("secret:")
    assert {**after, "watch_channels": [{**channel, "url": "json://127.0.0.1:9/hook"}]} == {
        **before,
        **{table: precise(before[table]) for table in PRECISE},
    }
    tables = {name: sql for kind, name, sql in schema(db) if kind == "table"}
    assert "article_id TEXT NOT NULL" in tables["stories"] and "VARCHAR(8)" not in tables["stories"]
    fresh = tmp_path / "fresh.db"
    open_engine(str(fresh), Access.CREATE).dispose()
    assert schema(db) == schema(fresh)  # every index, trigger and view, as a new database has

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
        # The triggers keep the search index in step with what changes after the migration.
        conn.execute("UPDATE stories SET title = 'Zeppelin Talks Resume' WHERE id = 1")
        conn.commit()
        conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    # What was indexed before is found by the same ids; what changed after, too.
    for word, article_id in (("assembly", "204156"), ("zeppelin", LONG_ID)):
        hits = newsmon("search", word, "--db", str(db), "--format", "jsonl")
        assert hits.exit_code == 0, hits.output
        assert [json.loads(line)["article_id"] for line in hits.output.splitlines()] == [article_id]


def test_written_precision_comes_with_every_row_kept_each_an_instant(tmp_path: Path) -> None:
    """Migration 8 on a database at schema 7 with rows in every table: every row is as it was,
    each story and revision with written_precision `second`; the views show it beside
    written_at; the schema is a new database's, and the search index still in step."""
    db = tmp_path / "news.db"
    at_revision(db, "0007")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:
        for table, values in SCHEMA_5_ROWS.items():
            if table == "watch_channels":  # at schema 7 a channel names where its URL is
                values = [(1, 1, "env:NEWSMON_HOOK", "env:NEWSMON_HOOK")]
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
    conn.close()
    before = {table: rows(db, table) for table in SCHEMA_5_ROWS}
    assert all(before.values()) and "written_precision" not in before["stories"][0]

    result = newsmon("migrate", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert result.output == f"{db} migrated to schema {SCHEMA_VERSION}, every row kept\n"
    after = {table: rows(db, table) for table in SCHEMA_5_ROWS}
    assert after == {**before, "stories": precise(before["stories"]),
                     "revisions": precise(before["revisions"])}  # fmt: skip
    fresh = tmp_path / "fresh.db"
    open_engine(str(fresh), Access.CREATE).dispose()
    assert schema(db) == schema(fresh)

    conn = sqlite3.connect(db)
    try:
        columns = {
            view: [c[1] for c in conn.execute(f"PRAGMA table_info('{view}')")]
            for view in ("current_stories", "story_revisions", "changed_last_day")
        }
        assert columns == {
            "current_stories": ["id", "source", "lang", "article_id", "url", "section", "title",
                                "body", "summary", "reporter", "photo_credit", "image_url",
                                "written_at", "written_precision", "updated_at", "revisions",
                                "first_seen_at", "last_seen_at"],
            "story_revisions": ["source", "lang", "article_id", "url", "section", "revision",
                                "kind", "title", "body", "summary", "reporter", "photo_credit",
                                "image_url", "written_at", "written_precision", "updated_at",
                                "seen_at", "story_id", "revision_id"],
            "changed_last_day": ["source", "lang", "article_id", "url", "section", "title",
                                 "written_at", "written_precision", "updated_at", "revisions",
                                 "changed_at"],
        }  # fmt: skip
        shown = conn.execute(
            "SELECT article_id, written_at, written_precision FROM current_stories ORDER BY id"
        ).fetchall()
        assert shown == [
            (LONG_ID, "2026-11-27T00:00:00Z", "second"),
            ("204156", "2026-11-26T00:00:00Z", "second"),
        ]
        assert conn.execute(
            "SELECT revision, written_precision FROM story_revisions ORDER BY revision_id"
        ).fetchall() == [(1, "second"), (2, "second"), (1, "second")]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    hits = newsmon("search", "assembly", "--db", str(db), "--format", "jsonl")
    assert hits.exit_code == 0, hits.output
    [hit] = [json.loads(line) for line in hits.output.splitlines()]
    assert (hit["article_id"], hit["written_precision"]) == ("204156", "second")


def test_read_only_commands_never_migrate(old_db: Path) -> None:
    before = digest(old_db)
    for command in (["articles"], ["search", "budget"], ["show", "204156"], ["export"], ["runs"]):
        result = newsmon(*command, "--db", str(old_db))
        assert result.exit_code == 2, result.output
        assert result.output == (
            f"Error: Invalid value for '--db': {old_db} has schema 1, older than this newsmon's "
            f"{SCHEMA_VERSION}; `newsmon migrate --db {old_db}` (or the next crawl) upgrades it, "
            "keeping every row\n"
        )
    with pytest.raises(OlderSchema):
        open_engine(str(old_db), Access.READ)
    assert digest(old_db) == before


def test_a_failed_migration_leaves_the_file_as_it_was(old_db: Path) -> None:
    # A user's own object that takes a name migration 0002 needs: the migration fails midway,
    # after it has rewritten every instant.
    conn = sqlite3.connect(old_db)
    conn.execute("CREATE VIEW ix_revisions_kind AS SELECT 1")
    conn.close()
    before = dump(old_db)
    with pytest.raises(DatabaseProblem, match="it was left as it was"):
        open_engine(str(old_db), Access.WRITE)
    assert dump(old_db) == before
    result = newsmon("migrate", "--db", str(old_db))
    assert result.exit_code == 1
    assert "could not migrate" in result.output and "left as it was" in result.output
    assert dump(old_db) == before


def test_the_models_match_the_migrations(tmp_path: Path) -> None:
    engine = open_engine(str(tmp_path / "fresh.db"), Access.CREATE)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            # SQLAlchemy cannot reflect the two indexes on expressions, which only the
            # migrations make (see newsmon/db/models.py).
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            context = MigrationContext.configure(conn, opts={"include_object": modelled})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@pytest.fixture
def newer_db(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "newer.db"
    open_engine(str(db), Access.CREATE).dispose()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    yield db


def test_a_newer_schema_is_refused_by_every_command(newer_db: Path) -> None:
    before = dump(newer_db)
    for command in (
        ["articles"],
        ["search", "budget"],
        ["export", "--feed", "x"],
        ["runs"],
        ["feeds"],
        ["migrate"],
        ["crawl", "--base-url", "http://127.0.0.1:9"],
    ):
        result = newsmon(*command, "--db", str(newer_db))
        assert result.exit_code == 2, (command, result.output)
        assert result.output == (
            f"Error: Invalid value for '--db': {newer_db} was made by a newer newsmon (schema "
            f"{SCHEMA_VERSION + 1}; newsmon {__version__} knows up to {SCHEMA_VERSION}): "
            "upgrade newsmon to use it\n"
        )
    assert dump(newer_db) == before


@pytest.mark.slow
def test_a_crawl_migrates_a_0_1_0_database_and_carries_on(old_db: Path, original: Path) -> None:
    old = {table: rows(original, table) for table in TABLES}
    with serve(FixtureSite.bundled()) as origin:
        result = crawl(origin, old_db)
    assert result.returncode == 0, result.stderr
    # the run continues the ledger; every story 0.1.0 stored keeps its identity and history
    assert result.stdout.startswith("newsmon: kbs-world run 4 ok: ")
    stories = {r["article_id"]: r for r in rows(old_db, "stories")}
    for story in old["stories"]:
        now = stories[story["article_id"]]
        assert now["id"] == story["id"] and now["revision"] >= story["revision"]
        assert now["first_seen_at"] == new_form(story["first_seen_at"])
    revisions = {r["id"]: r for r in rows(old_db, "revisions")}
    for revision in old["revisions"]:
        assert revisions[revision["id"]]["seen_at"] == new_form(revision["seen_at"])
    assert [r["position"] for r in rows(old_db, "feeds")] == [r["position"] for r in old["feeds"]]
    conn = sqlite3.connect(old_db)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()


# Secrets in channel URLs stored as given, as newsmon did up to schema 6.
PASSWORD = "hunter2-s3cret-PASSWORD"
PATH_TOKEN = "SECRETPATHTOKEN-0af31c"
TOPIC = "newsmon-topic-7c1e2a"
REMOVED = "removed-watch-s3cret"


def file_bytes(db: Path) -> bytes:
    """Everything SQLite keeps of `db` on disk: the file and its -wal."""
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_channel_urls_move_out_of_the_database_and_still_deliver(tmp_path: Path) -> None:
    """Migration 7 on a database at schema 6 whose channels hold a password, a token in the
    path, an ntfy topic (shown in full then, in `shown` and in an error), an env: reference, and
    one channel removed before: afterwards no byte of any secret is in the file or its -wal,
    each URL is in a file only its owner may read, every other row is as it was, and every
    channel delivers to a real receiver."""
    webhook = Webhook()
    hook, in_path = webhook.url(PASSWORD), f"json://127.0.0.1:{webhook.port}/hooks/{PATH_TOKEN}"
    db = tmp_path / "news.db"
    at_revision(db, "0006")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")  # as newsmon keeps its databases
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:
        for table in ("runs", "stories", "revisions"):
            values = SCHEMA_5_ROWS[table]
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)  # noqa: S608
        conn.executemany(
            "INSERT INTO watches VALUES (?, ?, ?, NULL, NULL, 'all', '2026-11-27T00:00:00Z', ?)",
            [(1, "budget", "budget", 0), (2, "quiet", "zeppelin", 3)],
        )
        conn.executemany(
            "INSERT INTO watch_channels VALUES (?, ?, ?, ?)",
            [
                (1, 1, hook, f"json://****@127.0.0.1:{webhook.port}/…"),
                (2, 1, in_path, f"json://127.0.0.1:{webhook.port}/…"),
                (3, 1, "env:NEWSMON_TEST_HOOK", "env:NEWSMON_TEST_HOOK"),
                (4, 2, f"ntfy://{TOPIC}", f"ntfys://{TOPIC}"),
                (5, 2, f"json://newsmon:{REMOVED}@127.0.0.1:9/hook", "json://****@127.0.0.1:9/…"),
            ],
        )
        conn.execute(
            "INSERT INTO notifications VALUES (1, 4, 1, '2026-11-27T02:00:01Z', 0, 1, ?)",
            (f"failed at ntfys://{TOPIC}/?priority=default",),
        )
    with conn:
        conn.execute("DELETE FROM watch_channels WHERE id = 5")
    conn.close()
    secrets = (PASSWORD, PATH_TOKEN, TOPIC, REMOVED)
    assert all(s.encode() in file_bytes(db) for s in secrets[:3])
    kept = ("runs", "stories", "revisions", "watches")
    before = {table: rows(db, table) for table in kept}

    migrated = newsmon("migrate", "--db", str(db))
    assert migrated.exit_code == 0, migrated.output
    assert [s for s in secrets if s.encode() in file_bytes(db)] == []
    assert {table: rows(db, table) for table in kept} == {
        **before,
        **{table: precise(before[table]) for table in PRECISE},
    }
    channels = rows(db, "watch_channels")
    assert [(c["id"], c["url"][:7], c["shown"]) for c in channels] == [
        (1, "secret:", f"json://****@127.0.0.1:{webhook.port}/…"),
        (2, "secret:", f"json://127.0.0.1:{webhook.port}/…"),
        (3, "env:NEW", "env:NEWSMON_TEST_HOOK"),
        (4, "secret:", "ntfys://****"),
    ]
    [note] = rows(db, "notifications")
    assert note["error"] == "failed at ntfys://****/?priority=default"
    folder = db.with_name(db.name + ".secrets")
    files = sorted(folder.iterdir())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(f.stat().st_mode) for f in files] == [0o600] * 3
    assert {f.read_text(encoding="utf-8") for f in files} == {
        f"{hook}\n",
        f"{in_path}\n",
        f"ntfy://{TOPIC}\n",
    }

    # Watch 1 matches the budget story's two revisions: each of its three channels gets them.
    with webhook.up():
        sent = CliRunner().invoke(
            main, ["alerts", "send", "--db", str(db)], env={"NEWSMON_TEST_HOOK": webhook.url()}
        )
    assert sent.exit_code == 0, sent.output
    assert sent.output.startswith("newsmon: alerts: 2 matched; 3 notifications sent (6 stories)")
    assert sorted(webhook.paths) == ["/hook", "/hook", f"/hooks/{PATH_TOKEN}"]
    assert len(webhook.accepted) == 3
