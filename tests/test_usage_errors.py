"""Every usage error is one line on standard error, exit 2, naming the option and the bad value;
no input a user can type ends in a traceback; and a --db newsmon cannot use gets its own
sentence from every command, with the file left as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsmon.cli import main
from newsmon.db import DEFAULT_DB
from newsmon.db.checks import Access, DatabaseProblem
from newsmon.db.engine import open_engine
from newsmon.demo import DEMO_DB
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite


def newsmon(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_usage_error(result: Result, *names: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["articles", "--since", "yesterday"], ["'--since'", "'yesterday'"]),
        (["articles", "--until", "2026-13-01"], ["'--until'", "'2026-13-01'"]),
        (["export", "--since", "3 weeks ago"], ["'--since'", "'3 weeks ago'"]),
        (["articles", "--since", "99999-01-01"], ["'--since'", "'99999-01-01'"]),
        (["crawl", "--recheck", "soon"], ["'--recheck'", "'soon'"]),
        (["crawl", "--max-time", "10 minutes"], ["'--max-time'", "'10 minutes'"]),
        (["search", "budget AND ("], ["'QUERY'", "cannot read the search query"]),
        (["articles", "--search", '"unclosed'], ["'--search'", "cannot read the search query"]),
        (["articles", "--search", "a\x00b"], ["'--search'", "NUL"]),
        (["search", "   "], ["'QUERY'", "empty"]),
        (["crawl", "-s", "DOWNLOAD_DELAY=abc"], ["'-s' / '--set'", "DOWNLOAD_DELAY=abc"]),
        (
            ["crawl", "-s", "DOWNLOD_DELAY=0"],
            ["'-s' / '--set'", "DOWNLOD_DELAY=0", "did you mean DOWNLOAD_DELAY?"],
        ),
        (["crawl", "-s", "ROBOTSTXT_OBEY=maybe"], ["ROBOTSTXT_OBEY=maybe", "not a flag"]),
        (["crawl", "-s", "CONCURRENT_REQUESTS=1.5"], ["CONCURRENT_REQUESTS=1.5", "whole"]),
        (["crawl", "-s", "NEWSMON_RECHECK_SCHEDULE=6h"], ["NEWSMON_RECHECK_SCHEDULE=6h"]),
        (["crawl", "-s", "NEWSMON_DRIFT_RATIO=2"], ["NEWSMON_DRIFT_RATIO=2", "between 0 and 1"]),
        (["crawl", "-s", "NEWSMON_DB=x.db"], ["NEWSMON_DB=x.db", "set it with --db"]),
        (["crawl", "-s", "ITEM_PIPELINES=[1]"], ["ITEM_PIPELINES=[1]", "JSON object"]),
        (["crawl", "-s", "novalue"], ["'-s' / '--set'", "'novalue'"]),
        (["crawl", "--since", "2020-01-01"], ["'--since'", "2020-01-01", "366 days"]),
        (["crawl", "--base-url", "ftp://example.com"], ["'--base-url'", "ftp://example.com"]),
        (["crawl", "--section", "Xx"], ["'--section'", "'Xx'"]),
        (["articles", "--limit", "0"], ["'--limit'", "'0' is not a whole number from 1 up"]),
        (["runs", "abc"], ["'RUN_ID'", "'abc' is not a whole number"]),
        (["crawl", "--since", "2026-02-30"], ["'--since'", "'2026-02-30' is not a day"]),
        (["crawl", "--base-url", "notaurl"], ["'--base-url'", "not an http(s) origin: 'notaurl'"]),
        (["articles", "--since", "2026-11-20", "--until", "2026-11-10"], ["'--until'", "after"]),
        (["articles", "--section", "Sports"], ["'--section'", "stored sections are: Politics"]),
        (["export", "--section", "Foo"], ["'--section'", "'Foo'", "Politics"]),
        (["export", "--raw", "--format", "json"], ["'--raw'", "applies to CSV"]),
        (["export", "-o", ""], ["'-o' / '--output'", "needs a file name"]),
        (["articles", "--limit", "99999999999999999999"], ["'--limit'", "99999999999999999999"]),
        (["runs", "99999999999999999999"], ["RUN_ID", "99999999999999999999"]),
        (["export", "--format", "xml"], ["'--format'", "'xml'"]),
        (["articles", "--section", " "], ["'--section'", "empty"]),
        (["export", "--feed", " "], ["'--feed'", "empty"]),
        (["articles", "--nonsense"], ["No such option '--nonsense'", "articles --help"]),
        (
            ["show", "204156", "--outlet", "nope"],
            ["'--outlet'", "no story is from outlet 'nope'", "outlets are: kbs-world, meridian"],
        ),
        (
            ["crawl", "--since", "2026-11-01T10:00:00Z"],
            ["'--since'", "'2026-11-01T10:00:00Z' is an instant, not a day", "(YYYY-MM-DD)"],
        ),
        (["crawl", "--since", "3d"], ["'--since'", "'3d' is a time ago, not a day"]),
        (["serve", "--host", "no such host"], ["'--host'", "no address is known for 'no such"]),
    ],
)
def test_usage_errors_are_one_line_naming_the_option_and_value(
    args: list[str], names: list[str], demo_db: Path
) -> None:
    assert_usage_error(newsmon(*args, "--db", str(demo_db)), *names)


def test_a_bad_newsmon_setting_stops_the_crawl_before_any_request(tmp_path: Path) -> None:
    site = FixtureSite.bundled()
    db = tmp_path / "news.db"
    with serve(site) as origin:
        for setting in ("NEWSMON_RECHECK_SCHEDULE=6h:1h,1h:1m", "NEWSMON_DRIFT_MIN_PAGES=0"):
            result = newsmon("crawl", "--base-url", origin, "--db", str(db), "-s", setting)
            assert_usage_error(result, setting)
    assert site.requests == [] and not db.exists()


@pytest.mark.parametrize("command", [["crawl"], ["demo"]], ids=" ".join)
def test_a_new_database_is_made_only_in_a_folder_that_exists(
    command: list[str], tmp_path: Path
) -> None:
    site = FixtureSite.bundled()
    typo = tmp_path / "dta" / "news.db"
    (tmp_path / "file").touch()
    with serve(site) as origin:
        mirror = ["--base-url", origin] if command == ["crawl"] else []
        result = newsmon(*command, *mirror, "--db", str(typo))
        assert_usage_error(
            result, "'--db'", f"the folder {typo.parent} does not exist; create it first"
        )
        result = newsmon(*command, *mirror, "--db", str(tmp_path / "file" / "news.db"))
        assert_usage_error(result, "'--db'", f"{tmp_path / 'file'} is a file, not a folder")
    assert site.requests == [] and sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_only_newsmon_s_own_folder_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the defaults are relative to the working directory
    for db in (DEFAULT_DB, DEMO_DB, "here.db"):  # in data/, made; in a folder that exists
        open_engine(db, Access.CREATE).dispose()
        assert (tmp_path / db).is_file(), db
    with pytest.raises(DatabaseProblem, match=r"^the folder other does not exist; create it"):
        open_engine("other/news.db", Access.CREATE)
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("command", [["crawl"], ["outlets"]], ids=" ".join)
def test_a_config_folder_is_said_to_be_a_folder(command: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    db = str(tmp_path / "news.db")
    result = newsmon(*command, "--config", str(folder), "--db", db)
    assert_usage_error(result, "'--config'", f"{folder} is a folder, not a config file")
    (folder / "newsmon.toml").touch()
    result = newsmon(*command, "--config", str(folder), "--db", db)
    assert_usage_error(result, f"is a folder, not a config file (the one in it is {folder}/")
    assert not Path(db).exists()


GENERIC = """
[[outlets]]
name = "{name}"
site = "generic"
feed = "http://127.0.0.1:9/feed.xml"
"""


def test_crawl_since_says_only_what_matters(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.toml"
    mixed.write_text('[[outlets]]\nname = "kbs"\nsite = "kbs"\n' + GENERIC.format(name="meridian"))
    db = str(tmp_path / "news.db")
    # The KBS outlet's archive is why 2020 cannot be read: that the other has none is beside it.
    result = newsmon("crawl", "--config", str(mixed), "--since", "2020-01-01", "--db", db)
    assert_usage_error(result, "'--since'", "2020-01-01: may reach back at most 366 days")
    assert "meridian" not in result.output and "archive" not in result.output
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(GENERIC.format(name="one") + GENERIC.format(name="two"))
    result = newsmon("crawl", "--config", str(feeds), "--since", "2026-11-01", "--db", db)
    assert_usage_error(
        result, "none of the selected outlets (one, two) has an archive to backfill from"
    )
    assert result.output.count("archive") == 1
    assert not Path(db).exists()


HOSTILE = [
    "",
    " ",
    "\x00",
    "'; DROP TABLE stories; --",
    '"',
    "%",
    "\\",
    "9" * 400,
    "-1",
    "NaN",
    "1e309",
    "🙂",
    "\u202e",
    "2026-02-30",
    "title:budget",
    "NEAR(a b",
]
OPTIONS = [
    ["articles", "--since"],
    ["articles", "--until"],
    ["articles", "--section"],
    ["articles", "--search"],
    ["articles", "--limit"],
    ["search"],
    ["show"],
    ["show", "1", "--lang"],
    ["export", "--feed"],
    ["runs"],
    ["feeds", "reset"],
]


@pytest.mark.parametrize("option", OPTIONS, ids=" ".join)
def test_no_input_ends_in_a_traceback(option: list[str], demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(demo_db.read_bytes())  # `feeds reset`, `export --feed` may write
    for value in HOSTILE:
        result = newsmon(*option, value, "--db", str(db))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            value,
            result.exception,
        )
        assert result.exit_code in (0, 1, 2), (value, result.output)
        assert "Traceback" not in result.output
        if result.exit_code:
            assert len(result.output.splitlines()) == 1, (value, result.output)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM stories").fetchone() == (32,)
    conn.close()


# --- a --db newsmon cannot use ------------------------------------------------------------------


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def _empty(path: Path) -> Path:
    path.touch()
    return path


def _text(path: Path) -> Path:
    path.write_text("my notes\n" * 100)
    return path


def _foreign(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('Kim', '010')")
    conn.commit()
    conn.close()
    return path


KINDS = {
    "folder": (_folder, "{db} is a folder, not a database file"),
    "empty": (_empty, "{db} is an empty file, not yet a newsmon database; `newsmon crawl"),
    "text": (_text, "{db} is not an SQLite database; newsmon leaves it alone"),
    "foreign": (
        _foreign,
        "{db} is another program's SQLite database (tables: contacts), not newsmon's; "
        "newsmon leaves it alone",
    ),
}
COMMANDS = [
    ["articles"],
    ["search", "budget"],
    ["show", "1"],
    ["export"],
    ["export", "--feed", "f"],
    ["runs"],
    ["feeds"],
    ["feeds", "reset", "f"],
    ["migrate"],
    ["crawl", "--base-url", "http://127.0.0.1:9"],
]


def fingerprint(path: Path) -> str:
    if path.is_dir():
        return repr(sorted(p.name for p in path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("kind", "command"),
    [
        (kind, command)
        for kind in KINDS
        for command in COMMANDS
        # a crawl makes its database in an empty file: there is nothing to lose
        if not (kind == "empty" and command[0] == "crawl")
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_each_unusable_database_gets_its_own_sentence(
    kind: str, command: list[str], tmp_path: Path
) -> None:
    make, sentence = KINDS[kind]
    db = make(tmp_path / "thing.db")
    before = fingerprint(db)
    result = newsmon(*command, "--db", str(db))
    assert_usage_error(result, "'--db'", sentence.format(db=db))
    assert fingerprint(db) == before


@pytest.mark.parametrize("kind", ["folder", "text", "foreign", "crawled"])
def test_demo_leaves_what_it_did_not_make(kind: str, tmp_path: Path, demo_db: Path) -> None:
    if kind == "crawled":  # a crawl's database, with its runs: not the demo's to replace
        db = tmp_path / "thing.db"
        db.write_bytes(demo_db.read_bytes())
        conn = sqlite3.connect(db)
        conn.execute("DROP TABLE newsmon_demo")
        conn.close()
    else:
        db = KINDS[kind][0](tmp_path / "thing.db")
    before = fingerprint(db)
    result = newsmon("demo", "--db", str(db))
    assert_usage_error(result, "'--db'", f"{db} ")
    assert "newsmon demo` made; it was left alone" in result.output or kind == "folder"
    assert fingerprint(db) == before
