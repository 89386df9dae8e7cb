"""The harness's own data: archives of N stories in newsmon's schema, and a static copy of the
fixture site with N stories.

An archive is made once per size and kept in the data folder (rerunning reuses it). Its stories
are KBS WORLD's (source `kbs-world`, language `e`), written over the years before now at about
270 a day (1M stories: ten years), one in ten with a second revision. Their words are drawn
from a vocabulary with a Zipf distribution, so some words are in most stories and some in a
handful, as in news; the newest SITE_STORIES stories are those the synthetic site lists, all
checked recently, so a routine run against the site has nothing due and nothing new.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsmon.items import Story

SOURCE, LANG, SECTION = "kbs-world", "e", "Politics"
FIRST_ID = 100_000  # article ids are FIRST_ID + n, oldest first
PER_DAY = 270
# The search terms: `korea` in almost every story; `budget` and `committee` each in about 1
# sentence in 20 (both in about 9% of stories); `quasar` in 1 story in 100,000.
COMMON, TWO_TERMS, RARE = "korea", "budget committee", "quasar"
_VOCABULARY = 5000
_FORM = "%Y-%m-%dT%H:%M:%SZ"


def instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime(_FORM)


def _words(chance: random.Random) -> list[str]:
    """The vocabulary, most frequent first: made-up words of 3 to 9 letters."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    seen: set[str] = set()
    words = []
    while len(words) < _VOCABULARY:
        word = "".join(chance.choices(letters, k=chance.randint(3, 9)))
        if word not in seen and word not in {COMMON, RARE, *TWO_TERMS.split()}:
            seen.add(word)
            words.append(word)
    return words


class Writer:
    """Texts of stories: a headline and a body of about 120 words."""

    def __init__(self, seed: int = 1) -> None:
        self.chance = random.Random(seed)
        self.words = _words(self.chance)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def text(self, n: int, k: int) -> str:
        words = self.chance.choices(self.words, self.weights, k=k)
        if self.chance.random() < 0.9:
            words[k // 2] = COMMON
        for term in TWO_TERMS.split():
            if self.chance.random() < 0.05:
                words[self.chance.randrange(k)] = term
        if n % 100_000 == 77:
            words[1] = RARE
        return " ".join(words)

    def story(self, n: int) -> tuple[str, str]:
        title = self.text(n, 9).capitalize()
        sentences = [self.text(n, 20).capitalize() + "." for _ in range(6)]
        return title, "\n\n".join(sentences)


def new_stories(source: str, count: int, written_at: datetime, *, seed: int) -> list[Story]:
    """`count` stories of `source` not stored before (their ids are new at every call), written
    at `written_at`: what the measurements of storing and alerting store."""
    writer = Writer(seed)
    batch = f"{time.time_ns():x}"
    stories = []
    for n in range(count):
        title, body = writer.story(n)
        stories.append(
            Story(
                source=source,
                lang=LANG,
                article_id=f"{batch}-{n}",
                url=f"https://example.org/{source}/{batch}/{n}",
                section=SECTION,
                title=title,
                body=body,
                summary=body[:200],
                written_at=written_at.replace(microsecond=0),
                updated_at=None,
            )
        )
    return stories


def written(n: int, size: int, now: datetime) -> datetime:
    """Story n of `size` (0 the oldest): the newest 20 days old, PER_DAY a day before it."""
    return now - timedelta(days=20) - timedelta(seconds=(size - 1 - n) * 86400 / PER_DAY)


def url(article_id: int) -> str:
    return f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={article_id}"


_MAKE = (
    "import sys; from newsmon.db.engine import Access, open_engine; "
    "open_engine(sys.argv[1], Access.CREATE).dispose()"
)


def make_archive(path: Path, size: int, now: datetime) -> None:
    """A database of `size` stories in newsmon's schema (made by newsmon's own migrations)."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    # In a process of its own: a process that wrote keeps a connection open until it exits.
    subprocess.run(
        [sys.executable, "-c", _MAKE, str(partial)],
        check=True,
        env={k: v for k, v in os.environ.items() if k != "NEWSMON_DB"},
    )
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    writer = Writer()
    seen = instant(now - timedelta(minutes=5))
    with conn:
        for batch in _batches(size, writer, now, seen):
            stories, revisions = batch
            conn.executemany(
                "INSERT INTO stories (id, source, lang, article_id, url, section, title, body, "
                "summary, reporter, photo_credit, image_url, written_at, updated_at, revision, "
                "first_seen_at, last_seen_at, checked_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                stories,
            )
            conn.executemany(
                "INSERT INTO revisions (story_id, number, kind, title, body, summary, reporter, "
                "photo_credit, image_url, written_at, updated_at, seen_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                revisions,
            )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("ANALYZE")
    conn.close()
    partial.rename(path)


def _batches(
    size: int, writer: Writer, now: datetime, seen: str
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    stories: list[tuple[Any, ...]] = []
    revisions: list[tuple[Any, ...]] = []
    for n in range(size):
        story_id, article_id = n + 1, FIRST_ID + n
        title, body = writer.story(n)
        summary = body[:200]
        at = instant(written(n, size, now))
        versions = [(title, body, None, "new")]
        if n % 10 == 3:  # an update, a word changed
            versions.append((title, body.replace(COMMON, "seoul", 1), at, "updated"))
        for number, (t, b, updated, kind) in enumerate(versions, 1):
            revisions.append(
                (story_id, number, kind, t, b, summary, "Reporter", None, None, at, updated, seen)
            )
        t, b, updated, _ = versions[-1]
        stories.append(
            (
                story_id,
                SOURCE,
                LANG,
                str(article_id),
                url(article_id),
                SECTION,
                t,
                b,
                summary,
                "Reporter",
                None,
                None,
                at,
                updated,
                len(versions),
                seen,
                seen,
                seen,
            )
        )
        if len(stories) == 10_000:
            yield stories, revisions
            stories, revisions = [], []
    if stories:
        yield stories, revisions


def archive(folder: Path, size: int) -> Path:
    """The archive of `size` stories, made if it is not there yet."""
    path = folder / f"archive-{size}.db"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        make_archive(path, size, datetime.now(UTC))
    return path


def site_stories(size: int, count: int, now: datetime) -> list[dict[str, Any]]:
    """The newest `count` stories of an archive of `size`, as the fixture site's records: what
    the synthetic site serves (their texts differ from the archive's; a routine run does not
    fetch them)."""
    from newsmon.demo.site import FixtureSite, kst_text
    from newsmon.sites.kbs.times import KST

    template = FixtureSite.bundled().politics()[0]
    writer = Writer(seed=2)
    stories = []
    for n in range(max(size - count, 0), size):
        title, body = writer.story(n)
        kst = written(n, size, now).astimezone(KST).replace(tzinfo=None)
        stories.append(
            dict(
                template,
                article_id=FIRST_ID + n,
                title=title,
                summary=body[:200],
                written=kst_text(kst),
                updated=None,
                paragraphs=[[p] for p in body.split("\n\n")],
            )
        )
    return stories
