"""Every example in README.md and docs/schema.md runs as shown on the demo's database and returns
rows, in a folder of its own (exports land in its data/, the repository is left as it was); and
no query they cause reads the whole of `stories` or `revisions` without an index (EXPLAIN QUERY
PLAN of each SQL statement they run)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO
from sqlalchemy import Engine, event

from newsmon.cli import main

pytestmark = pytest.mark.slow  # the demo's database (demo_db)

README = REPO / "README.md"
SCHEMA = REPO / "docs" / "schema.md"
# What the query commands take; crawl, demo and the rest need a network, a server or a shell.
QUERY_COMMANDS = {"articles", "search", "show", "export", "feeds", "runs", "outlets"}
# A plan step that reads a whole table in rowid order: a table scan, no index. (Walking an index
# in order, `SCAN stories USING INDEX ...`, is how a newest-first list with a limit, or a whole
# export, should read.)
FULL_SCAN = re.compile(r"^SCAN (stories|revisions|s|r)$")
# What an export example may write (the format is the file's extension).
EXPORTS = {".csv", ".jsonl", ".ndjson", ".json"}


def code_blocks(path: Path, language: str) -> Iterator[str]:
    yield from re.findall(rf"```{language}\n(.*?)```", path.read_text(), flags=re.DOTALL)


def shell_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for block in code_blocks(path, "sh")
        for line in block.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def sql_statements(path: Path) -> list[str]:
    statements = []
    for block in code_blocks(path, "sql"):
        text = "\n".join(line for line in block.splitlines() if not line.startswith("--"))
        statements += [s.strip() for s in text.split(";") if s.strip()]
    return statements


def full_scans(db: Path, statement: str, parameters: Any = ()) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        plan = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    finally:
        conn.close()
    return [detail for *_, detail in plan if FULL_SCAN.match(detail)]


def rows_in(output: str) -> int:
    """How many records an output holds: a JSON array's items, JSON Lines' lines, or the lines
    of a table or CSV after its header (a story's body may span lines: an overestimate there
    is fine, zero is what matters)."""
    text = output.strip()
    if not text or text == "no stories match":
        return 0
    if text.startswith("["):
        return len(json.loads(text))
    lines = text.splitlines()
    return len(lines) if lines[0].startswith("{") else len(lines) - 1


def exports_in(folder: Path) -> dict[Path, tuple[int, int]]:
    """The export files anywhere in `folder`, each with its inode and time of writing (an
    export is written beside its target and renamed over it)."""
    return {
        p: (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.suffix in EXPORTS and p.is_file()
    }


def repo_entries() -> set[Path]:
    """What a user sees in a checkout: the repository root and data/ (dot-files and caches
    aside, which tools running meanwhile may make)."""
    return {
        p
        for p in (*REPO.iterdir(), *(REPO / "data").iterdir())
        if not p.name.startswith(".") and p.name != "__pycache__"
    }


@pytest.fixture
def workspace(demo_db: Path, tmp_path: Path) -> Path:
    """A folder outside the repository, as a user's checkout would be, holding a copy of the
    demo's database (feeds write to it) as data/newsmon.db, where the examples, which name no
    --db, look for it."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(demo_db, tmp_path / "data" / "newsmon.db")
    return tmp_path


@pytest.fixture
def statements() -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement newsmon runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def test_the_readme_commands_work_on_the_demo_data(
    workspace: Path, statements: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_repo = repo_entries()
    monkeypatch.chdir(workspace)
    assert not Path.cwd().resolve().is_relative_to(REPO)
    monkeypatch.delenv("NEWSMON_DB", raising=False)
    db = workspace / "data" / "newsmon.db"
    ran = set()
    for line in shell_lines(README):
        argv = shlex.split(line, comments=True)
        if argv[0] == "newsmon" and argv[1] in QUERY_COMMANDS:
            before = exports_in(workspace)
            result = CliRunner().invoke(main, argv[1:])
            assert result.exit_code == 0, (line, result.output)
            written = [p for p, stat in exports_in(workspace).items() if before.get(p) != stat]
            # Where a user keeps newsmon's files, ignored by git; not the folder it runs in.
            assert all(p.parent == workspace / "data" for p in written), (line, written)
            outputs = [result.output, *(p.read_text("utf-8-sig") for p in written)]
            assert "rewound" in result.output or max(map(rows_in, outputs)) >= 1, line
            ran.add(argv[1])
        elif argv[0] in ("sqlite3", "sqlite-utils"):
            tool = shutil.which(argv[0]) or Path(sys.executable).with_name(argv[0])
            if not Path(tool).exists():
                pytest.skip(f"{argv[0]} is not installed (Debian: apt-get install sqlite3)")
            result = subprocess.run([str(tool), *argv[1:]], capture_output=True, text=True)
            assert result.returncode == 0 and result.stdout.strip(), (line, result.stderr)
            ran.add(argv[0])
        elif argv[:2] == [".venv/bin/python", "-c"]:
            # The virtualenv's Python, which has pandas (the system's may not): this test's.
            result = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True)
            assert result.returncode == 0 and "datetime64" in result.stdout, result.stderr
            ran.add("pandas")
    assert ran >= QUERY_COMMANDS | {"sqlite-utils", "pandas"}
    assert exports_in(workspace), "no example wrote a file"
    # The examples ran in the workspace and left nothing in the checkout.
    assert not repo_entries() - in_repo

    # what those commands asked of SQLite used indexes
    queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) > 20
    for statement, parameters in queries:
        assert not full_scans(db, statement, parameters), statement


def test_the_schema_examples_return_rows_using_indexes(demo_db: Path) -> None:
    examples = sql_statements(SCHEMA) + [
        argv[-1]
        for argv in (shlex.split(line, comments=True) for line in shell_lines(README))
        if argv[0] == "sqlite3" and argv[-1].upper().startswith("SELECT")
    ]
    assert len(examples) >= 10
    conn = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    try:
        for statement in examples:
            assert conn.execute(statement).fetchall(), statement
    finally:
        conn.close()
    for statement in examples:
        assert not full_scans(demo_db, statement), statement
