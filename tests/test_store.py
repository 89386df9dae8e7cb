"""Revision logic and time storage, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from newsmon.db.checks import SCHEMA_VERSION, Access, DatabaseMissing
from newsmon.db.engine import open_engine
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.db.store import Outcome, record_story
from newsmon.items import Story
from newsmon.kinds import Precision

T0 = datetime(2023, 10, 20, 6, 38, 59, tzinfo=UTC)
SEEN = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)

STORY = Story(
    source="kbs-world",
    lang="e",
    article_id="181234",
    url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181234",
    section="Politics",
    title="Seoul Monitoring Moves",
    body="Anchor: first.\nSecond line.\n\nBae Joo-yon, KBS World Radio News.",
    summary="Anchor: first.",
    reporter="Bae Joo-yon",
    written_at=T0,
    updated_at=T0 + timedelta(hours=1),
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    (tmp_path / "sub").mkdir()  # a new database is made only in a folder that exists
    engine = open_engine(str(tmp_path / "sub" / "news.db"), Access.CREATE)
    yield engine
    engine.dispose()


def store(engine: Engine, story: Story, seen_at: datetime = SEEN) -> Outcome:
    with Session(engine) as session, session.begin():
        return record_story(session, story, seen_at)


def history(engine: Engine) -> list[tuple[int, str, str, datetime | None]]:
    with Session(engine) as session:
        return [
            (r.number, r.kind, r.title, r.updated_at)
            for r in session.scalars(select(RevisionRow).order_by(RevisionRow.number))
        ]


def current(engine: Engine) -> StoryRow:
    with Session(engine) as session:
        return session.scalars(select(StoryRow)).one()


def test_a_new_story_is_revision_one(engine: Engine) -> None:
    assert store(engine, STORY) == Outcome.NEW
    row = current(engine)
    assert (row.revision, row.first_seen_at, row.last_seen_at) == (1, SEEN, SEEN)
    assert history(engine) == [(1, "new", STORY.title, STORY.updated_at)]


def test_a_later_update_is_a_new_revision(engine: Engine) -> None:
    store(engine, STORY)
    later = replace(
        STORY,
        title="Seoul Monitoring Moves Closely",
        updated_at=STORY.updated_at + timedelta(hours=2),
    )
    assert store(engine, later, SEEN + timedelta(minutes=10)) == Outcome.UPDATED
    row = current(engine)
    assert (row.revision, row.title, row.updated_at) == (2, later.title, later.updated_at)
    assert (row.first_seen_at, row.last_seen_at) == (SEEN, SEEN + timedelta(minutes=10))
    assert history(engine) == [
        (1, "new", STORY.title, STORY.updated_at),
        (2, "updated", later.title, later.updated_at),
    ]


def test_an_update_reads_no_earlier_revision(engine: Engine) -> None:
    """Storing a story's third version asks for its current row and nothing of its history."""
    store(engine, STORY)
    later = replace(STORY, body="Second version.", updated_at=STORY.updated_at + timedelta(hours=1))
    store(engine, later)
    statements: list[str] = []
    third = replace(later, body="Third version.", updated_at=later.updated_at + timedelta(hours=1))
    raw = engine.raw_connection()
    connection = raw.driver_connection  # as the crawl stores: a plain connection
    connection.set_trace_callback(statements.append)  # each statement SQLite runs
    assert record_story(connection, third, SEEN) == Outcome.UPDATED
    connection.commit()
    connection.set_trace_callback(None)
    raw.close()
    # (the full-text index reads its own tables as its trigger runs)
    reads = [s for s in statements if s.startswith("SELECT") and "stories_fts" not in s]
    assert len(reads) == 1 and "FROM revisions" not in reads[0], reads
    assert any(s.startswith("INSERT INTO revisions") for s in statements), statements
    assert [n for n, *_ in history(engine)] == [1, 2, 3]


def test_an_update_time_appearing_is_an_update(engine: Engine) -> None:
    store(engine, replace(STORY, updated_at=None))
    assert store(engine, STORY) == Outcome.UPDATED
    assert [kind for _, kind, _, _ in history(engine)] == ["new", "updated"]


def test_same_update_time_new_text_is_a_silent_edit(engine: Engine) -> None:
    store(engine, STORY)
    edited = replace(STORY, body=STORY.body.replace("first", "the first"))
    assert store(engine, edited) == Outcome.SILENT_EDIT
    assert current(engine).body == edited.body
    assert history(engine)[-1][:2] == (2, "silent_edit")


def test_same_update_time_and_text_changes_only_last_seen(engine: Engine) -> None:
    store(engine, STORY)
    respaced = replace(STORY, body=STORY.body.replace(" ", "  "), title=f" {STORY.title}\n")
    later = SEEN + timedelta(hours=3)
    assert store(engine, respaced, later) == Outcome.UNCHANGED
    row = current(engine)
    assert (row.revision, row.body, row.last_seen_at) == (1, STORY.body, later)
    assert len(history(engine)) == 1


def test_an_older_copy_is_ignored(engine: Engine) -> None:
    store(engine, STORY)
    stale = replace(STORY, title="Old", updated_at=STORY.updated_at - timedelta(minutes=1))
    assert store(engine, stale, SEEN + timedelta(hours=1)) == Outcome.STALE
    assert store(engine, replace(stale, updated_at=None)) == Outcome.STALE
    row = current(engine)
    assert (row.title, row.revision, row.last_seen_at) == (STORY.title, 1, SEEN)


# A generic outlet's story whose page gave only its day (2020-12-05, in its text): stored as
# the day's start in UTC. Later, its page gives the exact time, 09:30 UTC that day.
DAY = datetime(2020, 12, 5, tzinfo=UTC)
EXACT = datetime(2020, 12, 5, 9, 30, tzinfo=UTC)
DAY_STORY = replace(
    STORY,
    source="meridian",
    article_id="https://meridian.example/politics/2020/12/05/budget",
    url="https://meridian.example/politics/2020/12/05/budget",
    written_at=DAY,
    written_precision=Precision.DAY,
    updated_at=None,
)
EXACT_STORY = replace(DAY_STORY, written_at=EXACT, written_precision=Precision.SECOND)
LATER = DAY + timedelta(days=1)  # an updated time


def written(engine: Engine) -> tuple[object, ...]:
    """The current row's written time and precision, as stored (text), and each revision's."""
    with engine.connect() as conn:
        story = conn.execute(text("SELECT written_at, written_precision FROM stories")).one()
        revisions = conn.execute(
            text(
                "SELECT number, kind, written_at, written_precision FROM revisions ORDER BY number"
            )
        ).all()
    return tuple(story), [tuple(r) for r in revisions]


def test_a_day_is_stored_as_a_day(engine: Engine) -> None:
    assert store(engine, DAY_STORY) == Outcome.NEW
    assert written(engine) == (
        ("2020-12-05T00:00:00Z", "day"),
        [(1, "new", "2020-12-05T00:00:00Z", "day")],
    )
    row = current(engine)  # through the models too
    assert (row.written_at, row.written_precision) == (DAY, "day")


# A later fetch of the day's story, for every outcome, with the page now giving the exact time;
# the revisions each outcome makes, as (number, kind, written_at, written_precision).
FIRST_DAY = (1, "new", "2020-12-05T00:00:00Z", "day")
EXACT_LATER = [
    pytest.param(DAY_STORY, EXACT_STORY, Outcome.UNCHANGED, [FIRST_DAY], id="unchanged"),
    pytest.param(
        DAY_STORY,
        replace(EXACT_STORY, updated_at=LATER),
        Outcome.UPDATED,
        [FIRST_DAY, (2, "updated", "2020-12-05T09:30:00Z", "second")],
        id="updated",
    ),
    pytest.param(
        DAY_STORY,
        replace(EXACT_STORY, body="Another text."),
        Outcome.SILENT_EDIT,
        [FIRST_DAY, (2, "silent_edit", "2020-12-05T09:30:00Z", "second")],
        id="silent_edit",
    ),
    pytest.param(
        replace(DAY_STORY, updated_at=LATER),
        replace(EXACT_STORY, updated_at=LATER - timedelta(minutes=1)),
        Outcome.STALE,
        [FIRST_DAY],
        id="stale",
    ),
]


@pytest.mark.parametrize(("first", "then", "outcome", "revisions"), EXACT_LATER)
def test_an_exact_time_found_later_replaces_a_day_without_a_revision(
    engine: Engine,
    first: Story,
    then: Story,
    outcome: Outcome,
    revisions: list[tuple[object, ...]],
) -> None:
    """Whatever the fetch's outcome, the story takes the exact time; a revision is made only
    for what the outlet changed, and each revision keeps what its version said."""
    store(engine, first)
    assert store(engine, then, SEEN + timedelta(hours=1)) == outcome
    assert written(engine) == (("2020-12-05T09:30:00Z", "second"), revisions)
    row = current(engine)
    seen = SEEN if outcome is Outcome.STALE else SEEN + timedelta(hours=1)
    assert (row.revision, row.last_seen_at, row.checked_at) == (
        len(revisions),
        seen,
        SEEN + timedelta(hours=1),
    )


FIRST_EXACT = (1, "new", "2020-12-05T09:30:00Z", "second")


@pytest.mark.parametrize(
    ("then", "outcome", "revisions"),
    [
        pytest.param(DAY_STORY, Outcome.UNCHANGED, [FIRST_EXACT], id="unchanged"),
        pytest.param(
            replace(DAY_STORY, updated_at=LATER),
            Outcome.UPDATED,
            [FIRST_EXACT, (2, "updated", "2020-12-05T00:00:00Z", "day")],
            id="updated",
        ),
        pytest.param(
            replace(DAY_STORY, title="Budget"),
            Outcome.SILENT_EDIT,
            [FIRST_EXACT, (2, "silent_edit", "2020-12-05T00:00:00Z", "day")],
            id="silent_edit",
        ),
    ],
)
def test_a_day_found_later_never_replaces_an_exact_time(
    engine: Engine, then: Story, outcome: Outcome, revisions: list[tuple[object, ...]]
) -> None:
    """A later fetch whose page gives only the day (its machine-readable time gone) leaves the
    story its exact time; a revision it makes says the day its version gave."""
    store(engine, EXACT_STORY)
    assert store(engine, then, SEEN + timedelta(hours=1)) == outcome
    assert written(engine) == (("2020-12-05T09:30:00Z", "second"), revisions)
    row = current(engine)
    assert (row.revision, row.title, row.updated_at) == (
        len(revisions),
        then.title,
        then.updated_at,
    )


def test_a_later_day_replaces_a_day_only_with_a_revision(engine: Engine) -> None:
    """Two days: the newer version's day is the story's, as any field of it is."""
    store(engine, DAY_STORY)
    next_day = replace(DAY_STORY, written_at=DAY + timedelta(days=1))
    assert store(engine, next_day) == Outcome.UNCHANGED
    assert written(engine)[0] == ("2020-12-05T00:00:00Z", "day")
    assert store(engine, replace(next_day, updated_at=LATER)) == Outcome.UPDATED
    assert written(engine) == (
        ("2020-12-06T00:00:00Z", "day"),
        [FIRST_DAY, (2, "updated", "2020-12-06T00:00:00Z", "day")],
    )


def test_instants_read_back_as_utc_whatever_the_host_zone(engine: Engine, host_tz: str) -> None:
    kst = timezone(timedelta(hours=9))
    store(engine, replace(STORY, written_at=datetime(2023, 10, 20, 15, 38, 59, tzinfo=kst)))
    row = current(engine)
    assert row.written_at == T0
    assert row.written_at.utcoffset() == timedelta(0)
    with engine.connect() as conn:  # what SQL users see: newsmon's one form of an instant
        raw = conn.execute(text("SELECT written_at FROM stories")).scalar_one()
    assert raw == "2023-10-20T06:38:59Z"


def test_naive_times_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="aware datetime"):
        store(engine, replace(STORY, written_at=datetime(2023, 10, 20, 15, 38)))


def test_sqlite_runs_in_wal_with_a_busy_timeout(engine: Engine, tmp_path: Path) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() >= 1000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    plain = sqlite3.connect(tmp_path / "sub" / "news.db")
    assert plain.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    plain.close()


def test_readers_do_not_create_a_missing_database(tmp_path: Path) -> None:
    for access in (Access.READ, Access.WRITE):
        with pytest.raises(DatabaseMissing):
            open_engine(str(tmp_path / "absent.db"), access)
    assert not (tmp_path / "absent.db").exists()
