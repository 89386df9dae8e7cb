"""Hostile text in titles and bodies (markup, quotes, NUL, very long lines, right-to-left marks,
emoji) is stored exactly, found by search, and exported so that each tool reads back exactly
what was stored (but for CSV's formula guard, which is its point)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsmon.cli import main
from newsmon.db.engine import Access, open_engine
from newsmon.db.models import RevisionRow, StoryRow
from newsmon.db.store import record_story
from newsmon.items import Story

HOSTILE = {
    "markup": '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; &lt;b&gt;',
    "quotes": "He said \"no\", she said 'yes'; it's `done` — «oui» „ja“ 「はい」",
    "nul": "before\x00after",
    "long": "word " * 40_000,
    "rtl": "\u202eevil.exe\u202c מדינת ישראל العربية \u200f",
    "emoji": "Summit 🇰🇷🤝🇺🇸 👨‍👩‍👧‍👦 🏳️‍🌈",
    "korean": "통일부, 민간단체 대북접촉 승인",
    "sql": "'; DROP TABLE stories; --",
    "formula": '=HYPERLINK("http://evil")',
    "lines": "line one\r\nline two\rline three\n\n\tindented",
}
WRITTEN = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
# A cell a spreadsheet would run: guarded in CSV unless --raw.
FORMULA, FORMULA_ID = '=HYPERLINK("http://evil.example","click")', "399999"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.db"
    engine = open_engine(str(path), Access.CREATE)
    with Session(engine) as session, session.begin():
        for n, (name, text) in enumerate(HOSTILE.items()):
            story = Story(
                source="kbs-world",
                lang="e",
                article_id=str(300000 + n),
                url=f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={300000 + n}",
                title=f"{name}: {text[:200]}",
                body=f"{name} body: {text}",
                section="Politics",
                written_at=WRITTEN,
            )
            record_story(session, story, WRITTEN)
            record_story(session, replace(story, body=story.body + " (edited)"), WRITTEN)
        record_story(
            session, replace(story, article_id=FORMULA_ID, title=FORMULA, body="-1"), WRITTEN
        )
    engine.dispose()
    return path


def stored(db: Path) -> dict[str, tuple[str, str]]:
    engine = open_engine(str(db))
    with Session(engine) as session:
        found = {row.article_id: (row.title, row.body) for row in session.scalars(select(StoryRow))}
        revisions = session.scalars(select(RevisionRow.body)).all()
    engine.dispose()
    assert len(revisions) == 2 * len(HOSTILE) + 1
    return found


def test_hostile_text_is_stored_exactly(db: Path) -> None:
    found = stored(db)
    for n, (name, text) in enumerate(HOSTILE.items()):
        assert found[str(300000 + n)] == (f"{name}: {text[:200]}", f"{name} body: {text} (edited)")
    assert found[FORMULA_ID] == (FORMULA, "-1")


def test_exports_read_back_exactly(db: Path) -> None:
    found = stored(db)
    csv.field_size_limit(1024 * 1024)  # Python's reader stops at 128 KiB a cell by default
    jsonl = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "jsonl"])
    assert jsonl.exit_code == 0, jsonl.output
    rows = [json.loads(line) for line in jsonl.output.splitlines()]
    assert {r["article_id"]: (r["title"], r["body"]) for r in rows} == found

    raw = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv", "--raw"])
    assert raw.exit_code == 0, raw.output
    # (click's `output` turns CRLF into LF; the bytes are what a file would hold)
    table = list(csv.DictReader(io.StringIO(raw.stdout_bytes.decode(), newline="")))
    assert {r["article_id"]: (r["title"], r["body"]) for r in table} == found

    safe = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv"])
    titles = {
        r["article_id"]: r["title"] for r in csv.DictReader(io.StringIO(safe.output, newline=""))
    }
    formula = str(300000 + list(HOSTILE).index("formula"))
    assert titles[formula] == found[formula][0]  # "formula: =HYPER…" starts with a letter
    bodies = {
        r["article_id"]: r["body"] for r in csv.DictReader(io.StringIO(safe.output, newline=""))
    }
    assert all(not body.startswith(("=", "+", "-", "@")) for body in bodies.values())


@pytest.mark.parametrize("word", ["evil.exe", "통일부", "DROP", "click", "after"])
def test_hostile_text_is_found_by_search(db: Path, word: str) -> None:
    result = CliRunner().invoke(main, ["search", "--db", str(db), f'"{word}"', "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1, result.output


# --- query input -------------------------------------------------------------------------------


REFUSED = "refused"


@pytest.mark.parametrize(
    ("args", "outcome"),
    [
        # FTS5 syntax is the search language: its operators work on words, as data
        (["search", "exe*"], ["300004"]),
        (["search", "title:exe"], ["300004"]),
        (["search", "NEAR(DROP TABLE)"], ["300007"]),
        (["search", "^rtl"], ["300004"]),
        (["search", '"DROP TABLE stories"'], ["300007"]),
        # what is not FTS5 is refused before any SQL runs
        (["search", "'; DROP TABLE stories; --"], (REFUSED, "'QUERY'")),
        (["search", "budget OR 1=1"], (REFUSED, "'QUERY'")),
        (["search", '"unterminated'], (REFUSED, "'QUERY'")),
        (["search", "a\x00b"], (REFUSED, "'QUERY'")),
        (["articles", "--search", '") OR 1=1 --'], (REFUSED, "'--search'")),
        # filters are bound values: no story is in such a section or outlet
        (["articles", "--section", "Politics' OR '1'='1"], (REFUSED, "'--section'")),
        (["articles", "--outlet", "x' OR 1=1 --"], (REFUSED, "'--outlet'")),
        (["export", "--section", "%"], (REFUSED, "'--section'")),
        (["export", "--outlet", "*"], (REFUSED, "'--outlet'")),
        (["show", "1 OR 1=1"], (REFUSED, "'ID_OR_URL'")),
        (["show", "300000; DELETE FROM stories"], (REFUSED, "'ID_OR_URL'")),
    ],
)
def test_query_input_is_data_or_refused(
    db: Path, args: list[str], outcome: list[str] | tuple[str, str]
) -> None:
    before = stored(db)
    fmt = ["--format", "jsonl"] if args[0] in ("search", "export") else []
    result = CliRunner().invoke(main, [*args, *fmt, "--db", str(db)])
    assert "Traceback" not in result.output
    if isinstance(outcome, tuple):
        assert result.exit_code == 2, result.output
        [line] = result.output.splitlines()
        assert line.startswith("Error: ") and outcome[1] in line, line
    else:
        assert result.exit_code == 0, result.output
        hits = [json.loads(line)["article_id"] for line in result.output.splitlines()]
        assert hits == outcome
    assert stored(db) == before  # nothing was run as SQL
