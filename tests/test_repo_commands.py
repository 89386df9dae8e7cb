"""The commands a developer runs from the repository root, Alembic's, say nothing but what
matters (no warnings) and leave no file behind that they were not asked for (`scrapy crawl`:
tests/test_crawl_e2e.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from newsmon.db.checks import Access
from newsmon.db.engine import open_engine

ALEMBIC = Path(sys.executable).with_name("alembic")


def without_newsmon_db() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "NEWSMON_DB"}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What Alembic's command line needs from the repository root: pyproject.toml (its
    settings) and the migrations where they say, plus an empty data/ where the default
    database would go."""
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "newsmon").symlink_to(REPO / "newsmon", target_is_directory=True)
    (tmp_path / "data").mkdir()
    return tmp_path


def alembic(*args: str, cwd: Path, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = without_newsmon_db()
    if db is not None:
        env["NEWSMON_DB"] = str(db)
    return subprocess.run(
        [str(ALEMBIC), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_alembic_check_without_newsmon_db_checks_the_migrations_and_makes_no_file(
    checkout: Path,
) -> None:
    result = alembic("check", cwd=checkout)
    # Only a database the migrations brought to their newest revision passes: an empty one is
    # "not up to date".
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No new upgrade operations detected."
    assert result.stderr == ""
    assert list((checkout / "data").iterdir()) == []


def test_alembic_check_and_upgrade_on_newsmon_db_are_quiet(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    result = alembic("upgrade", "head", cwd=REPO, db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""
    conn = sqlite3.connect(db)
    try:
        # Migrated: newsmon's mark and its search index are there.
        assert conn.execute("PRAGMA application_id").fetchone() == (0x6E6D6F6E,)
        assert conn.execute("SELECT count(*) FROM stories_fts").fetchone() == (0,)
    finally:
        conn.close()

    # The indexes on expressions, which SQLAlchemy cannot reflect, warn no more.
    result = alembic("check", cwd=REPO, db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No new upgrade operations detected."
    assert result.stderr == ""

    # And the check still compares: a table the models do not have is found.
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
    conn.close()
    result = alembic("check", cwd=REPO, db=db)
    assert result.returncode != 0
    assert "New upgrade operations detected" in result.stdout + result.stderr
    assert "stray" in result.stdout + result.stderr
    assert "Warning" not in result.stderr


def test_alembic_check_refuses_a_missing_newsmon_db_without_making_it(
    checkout: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.db"
    result = alembic("check", cwd=checkout, db=missing)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and f"no database at {missing} (NEWSMON_DB)" in lines[0], lines
    assert not missing.exists()


def test_alembic_current_refuses_the_missing_default_database(checkout: Path) -> None:
    result = alembic("current", cwd=checkout)
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and "no database at data/newsmon.db" in lines[0], lines
    assert list((checkout / "data").iterdir()) == []


def test_alembic_current_reads_an_existing_database(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    open_engine(str(db), Access.CREATE).dispose()
    result = alembic("current", cwd=REPO, db=db)
    assert result.returncode == 0, result.stderr
    assert "(head)" in result.stdout
    assert result.stderr == ""
