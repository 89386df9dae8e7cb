"""Exports to files and to standard output, and feeds: nothing a user has is overwritten, no
folder is made, the format follows the file, and a feed keeps one selection."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsmon.cli import main


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "news.db"
    shutil.copyfile(demo_db, copy)
    return copy


def newsmon(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(db)])


def test_no_folder_is_made(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.csv"
    result = newsmon(db, "export", "-o", str(target))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: Invalid value for '-o' / '--output': folder '{target.parent}' does not exist\n"
    )
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("name", "first"),
    [("x.csv", "source,lang,"), ("x.jsonl", '{"source": '), ("x.ndjson", '{"source": '),
     ("x.json", "[")],
)  # fmt: skip
def test_the_format_follows_the_extension(db: Path, tmp_path: Path, name: str, first: str) -> None:
    target = tmp_path / name
    result = newsmon(db, "export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.output == f"32 stories written to {target}\n"
    text = target.read_text("utf-8")
    assert text.startswith(first)
    if name.endswith(".json"):
        assert len(json.loads(text)) == 32
    elif name.endswith(".csv"):
        assert len(list(csv.DictReader(io.StringIO(text)))) == 32
    else:
        assert len([json.loads(line) for line in text.splitlines()]) == 32


def test_a_format_that_contradicts_the_file_is_refused(db: Path, tmp_path: Path) -> None:
    result = newsmon(db, "export", "--format", "jsonl", "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2
    assert "'--format': jsonl does not match" in result.output and "means csv" in result.output
    unknown = newsmon(db, "export", "-o", str(tmp_path / "x.txt"))
    assert unknown.exit_code == 2 and "cannot tell the format of" in unknown.output
    assert newsmon(db, "export", "--format", "csv", "-o", str(tmp_path / "x.txt")).exit_code == 0
    excel = newsmon(db, "export", "--excel", "-o", str(tmp_path / "y.json"))
    assert excel.exit_code == 2 and "'--excel'" in excel.output
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("news.db")) == [
        "x.txt"
    ]


def test_sections_by_label_or_id_in_any_case(db: Path) -> None:
    for section in ("Politics", "politics", "Po", "po", "PO"):
        result = newsmon(db, "articles", "--section", section, "--format", "jsonl")
        assert result.exit_code == 0 and len(result.output.splitlines()) == 32, section


def test_dash_is_standard_output(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = newsmon(db, "export", "-o", "-", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == 32
    assert not (tmp_path / "-").exists()
    assert json.loads(newsmon(db, "articles", "--format", "json", "--limit", "2").output)


def test_only_an_earlier_export_is_replaced(db: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes, not an export\n")
    refused = newsmon(db, "export", "-o", str(notes))
    assert refused.exit_code == 2
    assert "exists and is not a newsmon export; add --force to replace it" in refused.output
    assert notes.read_text() == "my own notes, not an export\n"

    for name, extra in (("a.csv", ["--excel"]), ("b.jsonl", []), ("c.json", ["--revisions"])):
        target = tmp_path / name
        assert newsmon(db, "export", "-o", str(target), *extra).exit_code == 0
        again = newsmon(db, "export", "-o", str(target), *extra, "--since", "1d")
        assert again.exit_code == 0, again.output
    empty = tmp_path / "empty.csv"
    empty.touch()
    assert newsmon(db, "export", "-o", str(empty)).exit_code == 0

    forced = newsmon(db, "export", "-o", str(notes), "--force")
    assert forced.exit_code == 0 and notes.read_text().startswith("source,lang,")

    # a database is never replaced, not even the one being exported, not even with --force
    before = db.read_bytes()
    for force in ([], ["--force"]):
        own = newsmon(db, "export", "-o", str(db), "--format", "jsonl", *force)
        assert own.exit_code == 2
        assert own.output == (
            f"Error: Invalid value for '-o' / '--output': '{db}' is an SQLite database; an "
            "export never replaces one\n"
        )
    assert db.read_bytes() == before


def test_feeds_keep_their_selection_and_can_be_listed_reset_and_removed(db: Path) -> None:
    first = newsmon(db, "export", "--feed", "politics", "--section", "Politics")
    assert first.exit_code == 0 and len(first.output.splitlines()) == 32
    assert newsmon(db, "export", "--feed", "politics", "--section", "Politics").output == ""

    other = newsmon(db, "export", "--feed", "politics", "--revisions")
    assert other.exit_code == 2
    assert other.output == (
        "Error: Invalid value for '--feed': feed 'politics' selects --section Politics; this "
        "export asks for --revisions. Use the feed's options, or another feed name\n"
    )

    listing = newsmon(db, "feeds")
    assert listing.exit_code == 0
    header, row = listing.output.splitlines()
    assert header.split() == ["feed", "position", "last", "export", "rows", "selection"]
    assert row.split()[0] == "politics" and row.split()[-2:] == ["--section", "Politics"]

    reset = newsmon(db, "feeds", "reset", "politics")
    assert reset.output == "feed 'politics' rewound: its next export starts from the beginning\n"
    assert len(newsmon(db, "export", "--feed", "politics", "--section", "Politics").output) > 0
    assert newsmon(db, "feeds", "remove", "politics").exit_code == 0
    assert newsmon(db, "feeds").output == "no feeds yet (`newsmon export --feed NAME` makes one)\n"
    # once removed, the name is free for another selection
    assert newsmon(db, "export", "--feed", "politics", "--revisions").exit_code == 0

    missing = newsmon(db, "feeds", "reset", "nope")
    assert missing.exit_code == 1 and missing.output == f"Error: no feed 'nope' in {db}\n"
