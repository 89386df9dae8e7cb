"""Shared fixtures: the host time zone, the fixture site on 127.0.0.1, and crawl subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler

from newsmon.demo.run import FAST, crawl_command
from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

REPO = Path(__file__).resolve().parent.parent
PAGES = Path(__file__).resolve().parent / "pages"
ZONES = ("UTC", "Asia/Seoul")


@pytest.fixture(params=ZONES)
def host_tz(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test with the host's local time zone set to each of ZONES in turn."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def figures(record_property: Callable[[str, object], None]) -> Callable[..., None]:
    """Counts a fault test reports for docs/reliability.md: `figures(trials=1,
    failures_recorded=2, stories_lost=0)`. scripts/reliability.py reads them from the JUnit
    XML; a plain test run ignores them."""

    def record(**counts: int) -> None:
        for name, value in counts.items():
            record_property(name, value)

    return record


@pytest.fixture
def site() -> FixtureSite:
    return FixtureSite.bundled()


@pytest.fixture
def origin(site: FixtureSite) -> Iterator[str]:
    with serve(site) as url:
        yield url


# Whether the running test is marked slow: only those may start a crawl in a subprocess, so
# that `-m 'not slow'` stays a quick check (set for each test by `pytest_runtest_setup`).
_may_crawl = False
CRAWLING_COMMANDS = ("crawl", "demo")


# Fixtures that crawl to make what their tests read: those tests are slow too.
CRAWLING_FIXTURES = ("demo_db", "crawled")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of the test is set up (a module's crawl included)."""
    global _may_crawl
    _may_crawl = item.get_closest_marker("slow") is not None


def _crawling(command: str) -> None:
    """Fail a test that starts a crawl in a subprocess without being marked slow."""
    assert _may_crawl, f"a test that runs `newsmon {command}` in a subprocess is marked slow"


def _env(tz: str | None = None) -> dict[str, str]:
    """The environment of a subprocess: the host's time zone unless `tz` is given (so that
    scripts/clocks.py, which runs the tests in each zone, reaches the crawls too)."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_DB"}
    if tz is not None:
        env["TZ"] = tz
    return env


def newsmon(
    *args: str, cwd: Path, tz: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the `newsmon` command in a subprocess (Scrapy's reactor runs once per process)."""
    if args and args[0] in CRAWLING_COMMANDS:
        _crawling(args[0])
    return subprocess.run(
        [sys.executable, "-m", "newsmon", *args],
        cwd=cwd,
        env=_env(tz),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def crawl(
    origin: str, db: Path, *args: str, tz: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`newsmon crawl` of the fixture site into `db`, without the polite delay: the site is ours."""
    _crawling("crawl")
    result = subprocess.run(
        crawl_command(origin, str(db), *args),
        cwd=db.parent,
        env=_env(tz),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_no_warnings(result.stderr)
    return result


def scrapy_crawl(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl newsmon ARGS` from the repository root into `db`, as a developer runs it,
    without the polite delay."""
    _crawling("crawl")
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "newsmon", *args, "-s", f"NEWSMON_DB={db}",
         *FAST],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip


def accuracy_figures(corpus: Path, out: Path) -> tuple[dict[str, Any], str]:
    """`python -m benchmarks.accuracy CORPUS --json OUT` as a user runs it: its figures, and
    what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.accuracy", str(corpus), "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures, done.stdout


def assert_no_warnings(log: str) -> None:
    """Warnings are errors in tests, also in crawl subprocesses (Scrapy logs them)."""
    warnings = [line for line in log.splitlines() if re.search(r"\w+Warning: ", line)]
    assert not warnings, "\n".join(warnings)


def story_fetches(site: FixtureSite) -> Counter[int]:
    return Counter(
        int(m.group(1))
        for path in site.requests
        if path.startswith("/service/news_view.htm") and (m := re.search(r"Seq_Code=(\d+)", path))
    )


SUMMARY = re.compile(
    r"newsmon: [\w.-]+ run \d+ \w+: "
    r"(\d+) pages fetched \((\d+) listing, (\d+) feed, (\d+) story\); "
    r"(\d+) new, (\d+) updated \((\d+) silent\), (\d+) unchanged, (\d+) stale; "
    r"(\d+)(?: \([^)]*\))? dropped; (\d+)(?: \([^)]*\))? failed"
)


def summary(stdout: str) -> tuple[int, ...]:
    m = SUMMARY.search(stdout)
    assert m, stdout
    return tuple(int(g) for g in m.groups())


def crawl_in_background(origin: str, db: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start a crawl and return at once; the caller waits for it or stops it."""
    _crawling("crawl")
    return subprocess.Popen(
        crawl_command(origin, str(db), *args),
        cwd=db.parent,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database `newsmon demo` makes: 26 stories, an update and a silent edit, a failed
    story page, three runs. Shared by the tests that only read it (or copy it)."""
    folder = tmp_path_factory.mktemp("demo")
    result = newsmon("demo", "--db", "demo.db", cwd=folder, timeout=240)
    assert result.returncode == 0, result.stderr
    return folder / "demo.db"


@pytest.fixture(scope="session")
def reactor() -> Iterator[None]:
    """Twisted's asyncio reactor, installed (never run) in the test process, for components
    tested in process with Scrapy's get_crawler."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor as installed

    yield
    installed._asyncioEventloop.close()  # type: ignore[attr-defined]


@contextmanager
def outlets_crawler(folder: Path, config: str, **spider_args: str) -> Iterator[Crawler]:
    """A crawler of newsmon's spider over the outlets of `config` (newsmon.toml's text), its
    database in `folder`, for components tested in process (with the `reactor` fixture)."""
    from scrapy.utils.test import get_crawler

    from newsmon.db.crawl import CrawlDatabase
    from newsmon.runner import project_settings
    from newsmon.spiders.outlets import OutletSpider

    path = folder / "newsmon.toml"
    path.write_text(config, encoding="utf-8")
    settings = project_settings({"NEWSMON_DB": str(folder / "news.db"), "NEWSMON_SUMMARY": False})
    crawler = get_crawler(OutletSpider, settings.copy_to_dict())
    crawler.spider = OutletSpider.from_crawler(crawler, config=str(path), **spider_args)
    try:
        yield crawler
    finally:
        CrawlDatabase.of(crawler).close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads what a crawl made (CRAWLING_FIXTURES) is slow; and the longest tests
    start first, so the workers of `-n auto` finish together."""
    for item in items:
        if set(CRAWLING_FIXTURES) & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: "longest" not in item.keywords)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker more than there are cores. The end-to-end tests spend much of their
    time waiting on subprocesses and servers, so one more keeps the cores busy."""
    return (os.cpu_count() or 1) + 1
