"""A user who may only read the database and its folder (a typical analyst account) can query it
with newsmon, the sqlite3 shell and Datasette, also while a crawl writes.

Root ignores file permissions, so these tests act as `nobody`, with Debian's Python: the Python
that runs the tests lives where other users may not enter. newsmon and its libraries reach that
Python through PYTHONPATH, copied to a world-readable folder when they are not readable as they
are.
"""

from __future__ import annotations

import os
import shutil
import site
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO, crawl, crawl_in_background

from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

SYSTEM_PYTHON = Path("/usr/bin/python3")
Reader = Callable[..., subprocess.CompletedProcess[str]]


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "acting as another user needs root"
    if shutil.which("runuser") is None:
        return "runuser (util-linux) is not installed"
    if not SYSTEM_PYTHON.exists():
        return "Debian's /usr/bin/python3 is not installed"
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if version != str(sys.version_info[:2]):
        return f"/usr/bin/python3 is {version}, the tests run on {sys.version_info[:2]}"
    return None


pytestmark = [
    pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or ""),
    pytest.mark.slow,
]


def _as_nobody(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    settings = [f"{name}={value}" for name, value in (env or {}).items()]
    return subprocess.run(
        ["runuser", "-u", "nobody", "--", "env", "-i", *settings, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _readable_by_nobody(path: Path) -> bool:
    return _as_nobody("/usr/bin/test", "-r", str(path)).returncode == 0


@pytest.fixture(scope="module")
def reader() -> Iterator[Reader]:
    """Run a command as `nobody`, with newsmon importable by Debian's Python."""
    packages = Path(site.getsitepackages()[0])
    temp = None
    path = [REPO, packages]
    if not all(_readable_by_nobody(p / name) for p, name in ((REPO, "newsmon"), (packages, "."))):
        temp = Path(tempfile.mkdtemp(prefix="newsmon-reader-"))
        shutil.copytree(REPO / "newsmon", temp / "code" / "newsmon")
        shutil.copytree(packages, temp / "packages", symlinks=True)
        for folder, _, files in os.walk(temp):
            os.chmod(folder, 0o755)
            for name in files:
                file = Path(folder, name)
                if not file.is_symlink():
                    file.chmod(file.stat().st_mode | stat.S_IROTH)
        path = [temp / "code", temp / "packages"]
    env = {
        "PYTHONPATH": os.pathsep.join(map(str, path)),
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "TZ": "UTC",
        "LANG": "C.UTF-8",
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return _as_nobody(*argv, env=env)

    yield run
    if temp is not None:
        shutil.rmtree(temp)


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder root owns and others may only read (pytest's own temporary folders are private)."""
    path = Path(tempfile.mkdtemp(prefix="newsmon-readonly-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def newsmon(reader: Reader, *args: str) -> subprocess.CompletedProcess[str]:
    return reader(str(SYSTEM_PYTHON), "-m", "newsmon", *args)


DATASETTE = """
import asyncio, sys
from datasette.app import Datasette
async def main():
    ds = Datasette([sys.argv[1]])
    r = await ds.client.get("/news/current_stories.json?_search=budget&_shape=array")
    assert r.status_code == 200, r.text
    print(len(r.json()))
asyncio.run(main())
"""


def test_a_reader_without_write_permission_can_query(reader: Reader, folder: Path) -> None:
    db = folder / "news.db"
    with serve(FixtureSite.bundled()) as origin:
        assert crawl(origin, db, "-q").returncode == 0
    db.chmod(0o644)
    assert _as_nobody("/usr/bin/test", "-w", str(folder)).returncode != 0

    for args in (
        ["articles", "--limit", "3"],
        ["search", "budget"],
        ["show", "204156"],
        ["export", "--format", "csv"],
        ["runs"],
    ):
        result = newsmon(reader, *args, "--db", str(db))
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.strip() and not result.stderr, args
    # a feed's position is a write: refused in one line, nothing changed
    feed = newsmon(reader, "export", "--feed", "mine", "--db", str(db))
    assert feed.returncode == 2
    assert feed.stderr == f"Error: Invalid value for '--db': cannot write {db}: permission denied\n"

    if shutil.which("sqlite3"):
        shell = reader("sqlite3", "-readonly", str(db), "SELECT count(*) FROM stories")
        assert (shell.returncode, shell.stdout) == (0, "26\n"), shell.stderr
    datasette = reader(str(SYSTEM_PYTHON), "-c", DATASETTE, str(db))
    assert datasette.returncode == 0, datasette.stderr
    conn = sqlite3.connect(db)
    matching = conn.execute("SELECT count(*) FROM stories_fts WHERE stories_fts MATCH 'budget'")
    assert int(datasette.stdout) == matching.fetchone()[0] >= 2
    conn.close()


def test_a_reader_can_query_while_a_crawl_writes(reader: Reader, folder: Path) -> None:
    db = folder / "news.db"
    site = FixtureSite.bundled()
    with serve(site) as origin:
        assert crawl(origin, db, "-q", "--max-pages", "1").returncode == 0
        db.chmod(0o644)
        writer = crawl_in_background(origin, db, "--full", "-s", "DOWNLOAD_DELAY=0.1")
        results = []
        try:
            while writer.poll() is None or len(results) < 3:
                results.append(newsmon(reader, "articles", "--limit", "2", "--db", str(db)))
        finally:
            _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 0, stderr
    failed = [r.stderr for r in results if r.returncode != 0]
    assert not failed and len(results) >= 5
    # and after the crawl, the files a reader needs are still there
    assert (folder / "news.db-wal").exists() and (folder / "news.db-shm").exists()
    assert newsmon(reader, "articles", "--db", str(db)).returncode == 0


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl's database, in WAL mode, with its -wal and -shm beside it."""
    db = tmp_path_factory.mktemp("crawled") / "news.db"
    with serve(FixtureSite.bundled()) as origin:
        assert crawl(origin, db, "-q").returncode == 0
    return db


@pytest.mark.parametrize("copied", [(), ("-wal",), ("-shm",)], ids=["alone", "-wal", "-shm"])
def test_a_copy_without_its_wal_files_in_a_read_only_folder_says_what_is_missing(
    reader: Reader, folder: Path, crawled: Path, copied: tuple[str, ...]
) -> None:
    db = folder / "news.db"

    def copy(*suffixes: str) -> None:
        for suffix in suffixes:
            shutil.copyfile(f"{crawled}{suffix}", f"{db}{suffix}")
            Path(f"{db}{suffix}").chmod(0o644)

    copy("", *copied)
    missing = " and ".join(f"news.db{s}" for s in ("-wal", "-shm") if s not in copied)
    expected = (
        f"Error: Invalid value for '--db': {db} is in WAL mode and its folder is not writable: "
        f"SQLite needs to create {missing} beside it; copy it into a writable folder, or copy "
        "news.db-wal and news.db-shm with it\n"
    )
    for args in (["articles"], ["search", "budget"], ["show", "204156"], ["export"], ["runs"]):
        result = newsmon(reader, *args, "--db", str(db))
        assert (result.returncode, result.stderr) == (2, expected), args
    assert sorted(p.name for p in folder.iterdir()) == [f"news.db{s}" for s in ("", *copied)]
    # with both files beside it, the same copy reads
    copy("-wal", "-shm")
    result = newsmon(reader, "articles", "--limit", "3", "--db", str(db))
    assert result.returncode == 0 and len(result.stdout.splitlines()) >= 3, result.stderr
