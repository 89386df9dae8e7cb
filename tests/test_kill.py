"""`kill -9` at random moments of a crawl: the database stays whole, no story is half-stored,
and the next (routine) run stores everything that was missed, once. Ten trials with the slow
tests (they crawl; each kills at a moment drawn from its own seed, spread from start-up to the
last story); NEWSMON_KILL_TRIALS sets how many (scripts/reliability.py runs and reports 20)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import crawl, crawl_in_background

from newsmon.demo.server import serve
from newsmon.demo.site import FixtureSite

TRIALS = range(int(os.environ.get("NEWSMON_KILL_TRIALS", "10")))
STORIES = 60


def big_site() -> FixtureSite:
    """The bundled section grown to 60 stories (six listing pages)."""
    site = FixtureSite.bundled()
    template = site.politics()[0]
    for n in range(STORIES - len(site.politics())):
        site.add_story(
            dict(
                template,
                article_id=template["article_id"] - 1000 - n,
                title=f"Archive story {n}",
                summary=f"Archive story {n}",
                paragraphs=[[f"Archive story {n} text."]],
                updated=None,
            )
        )
    return site


def check_whole(db: Path) -> dict[str, int]:
    """The database after a kill: intact, and every story stored with all its revisions."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        if not conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
            return {}  # killed while creating the file: the schema commits whole or not at all
        conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
        stories = dict(conn.execute("SELECT id, revision FROM stories"))
        revisions = conn.execute(
            "SELECT story_id, count(*), max(number) FROM revisions GROUP BY story_id"
        ).fetchall()
        ids = dict(conn.execute("SELECT article_id, revision FROM stories"))
    assert {story: (n, n) for story, n in stories.items()} == {
        story: (count, top) for story, count, top in revisions
    }
    return ids


@pytest.mark.slow
@pytest.mark.parametrize("trial", TRIALS)
def test_kill_9_loses_nothing(trial: int, tmp_path: Path, figures: Callable[..., None]) -> None:
    site = big_site()
    db = tmp_path / "news.db"
    chance = random.Random(trial)
    pages = ("--max-pages", "10")
    with serve(site) as origin:
        # Slowed down (a crawl of the 66 pages takes about 4 s), so the kill lands anywhere from
        # start-up to the last story.
        slowly = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.04")
        victim = crawl_in_background(origin, db, *pages, *slowly)
        time.sleep(chance.uniform(0.8, 3.5))
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)
        if db.exists():
            check_whole(db)
        after = crawl(origin, db, *pages)
        assert after.returncode == 0, after.stderr
    stored = check_whole(db)
    expected = {str(s["article_id"]): 1 for s in site.politics()}
    figures(trials=1, stories_lost=len(set(expected) - set(stored)))
    assert stored == expected


@pytest.mark.slow
def test_the_run_after_an_interrupted_one_walks_to_the_page_cap(tmp_path: Path) -> None:
    """An interrupted run may have stored page 1's stories and not page 2's: the next run may
    not stop at page 1 because it knows every story there."""
    site = big_site()
    db = tmp_path / "news.db"
    with serve(site) as origin:
        assert crawl(origin, db, "--max-pages", "1").returncode == 0
        with sqlite3.connect(db) as conn:  # as if it had been killed after page 1
            conn.execute("UPDATE runs SET status = 'interrupted'")
        site.forget_requests()
        assert crawl(origin, db, "--max-pages", "3").returncode == 0
        listings = [p for p in site.requests if p.startswith("/service/news_list.htm")]
        assert len(listings) == 3 and len(check_whole(db)) == 30
        site.forget_requests()
        assert crawl(origin, db, "--max-pages", "3").returncode == 0  # after an ok run
        assert len([p for p in site.requests if p.startswith("/service/news_list.htm")]) == 1
