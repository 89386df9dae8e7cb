"""A written time that is only a day is shown as that day wherever people read it (the query
commands' tables, `show`, the web UI's story page and latest stories, notifications), and
exports keep the instant with its precision beside it: on a real SQLite file filled through
newsmon's store, with expected values written by hand."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from newsmon.alerts.message import Item, compose
from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.store import record_story
from newsmon.items import Story
from newsmon.kinds import Precision
from newsmon.web.serve import datasette

SEEN = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
DAY_URL = "https://meridian.example/politics/2020/12/05/budget-talks"
# A generic outlet's story whose page gave only its day, and a KBS story with its instant, the
# evening before (UTC): the day's story, stored at the day's start, lists first.
DAY_STORY = Story(
    source="meridian",
    lang="",
    article_id=DAY_URL,
    url=DAY_URL,
    title="Budget Talks Resume",
    body="The budget talks resumed.",
    section="Politics",
    written_at=datetime(2020, 12, 5, tzinfo=UTC),
    written_precision=Precision.DAY,
)
EXACT_STORY = Story(
    source="kbs-world",
    lang="e",
    article_id="204156",
    url="https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=204156",
    title="Budget Committee Meets",
    body="The budget committee met.",
    section="Politics",
    written_at=datetime(2020, 12, 4, 23, 10, 5, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stored(tmp_path_factory.mktemp("precision") / "news.db", DAY_STORY, EXACT_STORY)


def stored(path: Path, *stories: Story) -> Path:
    """A database at `path` holding `stories`, fetched in this order."""
    engine = open_engine(str(path), Access.CREATE)
    try:
        with Session(engine) as session, session.begin():
            for story in stories:
                record_story(session, story, SEEN)
    finally:
        engine.dispose()
    return path


def newsmon(db: Path, *args: str) -> Result:
    # (wide enough for a whole row, whatever terminal the tests run in)
    result = CliRunner(env={"COLUMNS": "300"}).invoke(main, [*args, "--db", str(db)])
    assert result.exit_code == 0, result.output
    return result


def test_the_articles_table_shows_a_day_as_a_day(db: Path) -> None:
    header, *rows = newsmon(db, "articles").output.splitlines()
    assert header.split() == ["outlet", "id", "written", "updated", "section", "rev", "title"]
    assert [row.split() for row in rows] == [
        ["meridian", "@1", "2020-12-05", "Politics", "1", "Budget", "Talks", "Resume"],
        ["kbs-world", "204156", "2020-12-04T23:10:05Z", "Politics", "1", "Budget", "Committee",
         "Meets"],
    ]  # fmt: skip


def test_search_and_show_show_a_day_as_a_day(db: Path) -> None:
    # Each hit's line, its rank aside (its snippet is on the next line).
    hits = {line[4:] for line in newsmon(db, "search", "budget").output.splitlines()[::2]}
    assert hits == {
        f"{DAY_URL}  2020-12-05  Budget Talks Resume",
        "204156  2020-12-04T23:10:05Z  Budget Committee Meets",
    }
    shown = newsmon(db, "show", "@1").output.splitlines()
    assert "  written: 2020-12-05" in shown
    assert "  written: 2020-12-04T23:10:05Z" in newsmon(db, "show", "204156").output.splitlines()


def test_exports_keep_the_instant_with_its_precision_beside_it(db: Path) -> None:
    rows = list(csv.reader(io.StringIO(newsmon(db, "export", "--format", "csv").output)))
    header = rows[0]
    assert header[header.index("written_at") :][:3] == [
        "written_at",
        "written_precision",
        "updated_at",
    ]
    at, precision = header.index("written_at"), header.index("written_precision")
    # oldest first
    assert [(r[2], r[at], r[precision]) for r in rows[1:]] == [
        ("204156", "2020-12-04T23:10:05Z", "second"),
        (DAY_URL, "2020-12-05T00:00:00Z", "day"),
    ]
    lines = newsmon(db, "export", "--revisions").output.splitlines()
    revisions = [json.loads(line) for line in lines]
    assert [(r["written_at"], r["written_precision"]) for r in revisions] == [
        ("2020-12-05T00:00:00Z", "day"),
        ("2020-12-04T23:10:05Z", "second"),
    ]
    keys = list(revisions[0])
    assert keys[keys.index("written_at") + 1] == "written_precision"
    listed = newsmon(db, "articles", "--format", "json").output
    assert [(s["written_at"], s["written_precision"]) for s in json.loads(listed)] == [
        ("2020-12-05T00:00:00Z", "day"),
        ("2020-12-04T23:10:05Z", "second"),
    ]


# The columns of `export --revisions` before written_precision (newsmon up to schema 7).
EARLIER_REVISION = ["source", "lang", "article_id", "url", "section", "revision", "kind", "title",
                    "body", "summary", "reporter", "photo_credit", "image_url", "written_at",
                    "updated_at", "seen_at"]  # fmt: skip


def test_an_export_made_before_the_precision_column_may_be_replaced(
    db: Path, tmp_path: Path
) -> None:
    """An export newsmon wrote before `written_precision` is still its export: a new one
    replaces it without --force; a file that is no export is still left alone."""
    earlier = tmp_path / "stories.csv"
    earlier.write_text(
        "source,lang,article_id,url,section,title,body,summary,reporter,photo_credit,"
        "image_url,written_at,updated_at,revision,first_seen_at,last_seen_at\r\n",
        encoding="utf-8",
    )
    revisions = tmp_path / "revisions.jsonl"
    revisions.write_text(json.dumps(dict.fromkeys(EARLIER_REVISION)) + "\n", encoding="utf-8")
    newsmon(db, "export", "-o", str(earlier))
    assert earlier.read_text(encoding="utf-8").count("\n") == 3
    newsmon(db, "export", "--revisions", "-o", str(revisions))
    assert "written_precision" in revisions.read_text(encoding="utf-8")
    other = tmp_path / "notes.csv"
    other.write_text("a,b\r\n1,2\r\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["export", "-o", str(other), "--db", str(db)])
    assert refused.exit_code == 2 and "is not a newsmon export" in refused.output


def get(db: Path, path: str) -> tuple[int, str]:
    async def fetch() -> tuple[int, str]:
        response = await datasette(db, config=None, public=False).client.get(path)
        return response.status_code, response.text

    return asyncio.run(fetch())


def test_the_web_ui_shows_a_day_as_a_day(db: Path) -> None:
    status, page = get(db, "/news/stories/1")
    assert status == 200
    assert "<tr><th>written</th><td>2020-12-05</td><td>2020-12-05</td></tr>" in page
    status, page = get(db, "/news/stories/2")
    assert "<tr><th>written</th><td>2020-12-04T23:10:05Z</td>" in page
    status, text = get(db, "/news/latest_stories.json?_shape=array")
    assert status == 200, text
    assert [(r["outlet"], r["written_at"]) for r in json.loads(text)] == [
        ("meridian", "2020-12-05"),
        ("kbs-world", "2020-12-04T23:10:05Z"),
    ]
    status, text = get(db, "/-/metadata.json")
    columns = json.loads(text)["databases"]["news"]["tables"]["current_stories"]["columns"]
    assert "day" in columns["written_precision"] and "day" in columns["written_at"]


def item(**changed: Any) -> Item:
    fields: dict[str, Any] = {
        "outlet": "meridian",
        "section": "Politics",
        "title": DAY_STORY.title,
        "url": DAY_URL,
        "kind": "new",
        "number": 1,
        "written_at": DAY_STORY.written_at,
        "written_precision": Precision.DAY,
        "updated_at": None,
    }
    return Item(**(fields | changed))


def test_a_notification_says_a_day_as_a_day() -> None:
    _, body = compose("budget", [item()])
    assert body == f"NEW: Budget Talks Resume\nmeridian, Politics, written 2020-12-05\n{DAY_URL}"
    exact = item(written_at=EXACT_STORY.written_at, written_precision=Precision.SECOND)
    assert "written 2020-12-04T23:10:05Z\n" in compose("budget", [exact])[1]


@pytest.fixture
def upgraded(tmp_path: Path) -> Iterator[Path]:
    """The day's story, then fetched again with its page giving the exact time."""
    exact = replace(
        DAY_STORY,
        written_at=datetime(2020, 12, 5, 9, 30, tzinfo=UTC),
        written_precision=Precision.SECOND,
    )
    yield stored(tmp_path / "news.db", DAY_STORY, exact)


def test_an_exact_time_found_later_is_shown(upgraded: Path) -> None:
    assert "  written: 2020-12-05T09:30:00Z" in newsmon(upgraded, "show", "@1").output.splitlines()
