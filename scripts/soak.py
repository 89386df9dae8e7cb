"""Soak: newsmon's routine runs one after another against a site that keeps changing.

The fixture copy of KBS WORLD's Politics section publishes, updates and silently edits stories
between runs; now and then a story page or the listing answers 503. Meanwhile readers query the
database (`newsmon articles`, `search`, `export` in subprocesses), the web UI serves it
(`newsmon serve`), and a webhook takes the alerts of a watch. The runs are newsmon's own spider,
pipelines, ledger and alerts, run one after another in this process (as cron would run
`newsmon crawl`, without a Python start-up each time).

At the end it checks that every story is stored once, with exactly the versions the site served
it in (each version a revision, once), that every alert reached the webhook once and none is
pending, that no reader or page of the web UI failed, and that the database and log stay within
the sizes stated below; it prints its figures and exits 1 if any check fails.

    python scripts/soak.py [--runs 500] [--folder DIR] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# What the files may grow to in a soak of 500 runs (about 190 stories, 500 ledger rows).
MAX_DATABASE_MB = 20
MAX_LOG_MB = 5
# Young stories are re-checked every 2 s, so updates are seen within a few runs.
SCHEDULE = "1h:10s"
READ_EVERY = 12  # runs
WORD = "soakword"  # in every story the soak publishes: the watch's search
MARKER = re.compile(r"version marker (\d+)")


class Webhook(ThreadingHTTPServer):
    """Takes Apprise's json:// posts and keeps each message."""

    daemon_threads = True

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:
                size = int(handler.headers.get("Content-Length", 0))
                self.messages.append(json.loads(handler.rfile.read(size)))
                handler.send_response(200)
                handler.end_headers()

            def log_message(handler, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class Readers(threading.Thread):
    """Queries the database and the web UI while the crawls go on, counting what failed: once
    for every READ_EVERY runs (`due`), so a slow machine reads no more per run than a fast one,
    each query in a process of its own alongside the crawl."""

    def __init__(self, db: Path, ui: str) -> None:
        super().__init__(daemon=True)
        self.db, self.ui = db, ui
        self.due = threading.Semaphore(0)
        self.stop = threading.Event()
        self.reads = Counter[str]()
        self.errors: list[str] = []

    def run(self) -> None:
        commands = (
            ["articles", "--limit", "5"],
            ["search", WORD, "--limit", "5"],
            ["export", "--format", "jsonl", "--since", "1h"],
        )
        n = 0
        while True:
            # Every read that fell due is made, also those still owed when the runs end: what
            # is read does not depend on how fast the readers are beside the crawls.
            if not self.due.acquire(timeout=0.2):
                if self.stop.is_set():
                    return
                continue
            args = commands[n % len(commands)]
            n += 1
            result = subprocess.run(
                [sys.executable, "-m", "newsmon", *args, "--db", str(self.db)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if result.returncode != 0:
                self.errors.append(f"{args[0]}: {result.stderr.strip()}")
            self.reads[args[0]] += 1
            try:
                with urllib.request.urlopen(f"{self.ui}/soak/stories.json?_size=5", timeout=30):
                    self.reads["web UI"] += 1
            except OSError as exc:
                self.errors.append(f"web UI: {exc}")


def soak(runs: int, folder: Path, seed: int) -> dict[str, Any]:
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    from newsmon import logs
    from newsmon.alerts.channels import check
    from newsmon.alerts.watches import NewWatch, add
    from newsmon.db.engine import Access, open_engine
    from newsmon.demo.server import newsmon_serve, serve
    from newsmon.demo.site import FixtureSite, Page, kst_text
    from newsmon.instants import now
    from newsmon.runner import project_settings
    from newsmon.sites.kbs.times import KST
    from newsmon.spiders.outlets import OutletSpider

    db, log = folder / "soak.db", folder / "soak.log"
    served: dict[int, list[int]] = {}  # story -> the version marker of each page served

    class RecordingSite(FixtureSite):
        def article(self, s: dict[str, Any]) -> str:
            found = MARKER.search(" ".join(" ".join(p) for p in s["paragraphs"]))
            served.setdefault(s["article_id"], []).append(int(found.group(1)) if found else 0)
            return super().article(s)

    site = RecordingSite(FixtureSite.bundled().stories)
    chance = random.Random(seed)
    webhook = Webhook()
    threading.Thread(target=webhook.serve_forever, args=(0.05,), daemon=True).start()
    engine = open_engine(str(db), Access.CREATE)
    watch = NewWatch("soak", WORD, [check(f"json://127.0.0.1:{webhook.server_port}/hook")])
    add(engine, watch, now())
    engine.dispose()
    logs.configure(0, str(log))
    statuses: Counter[str] = Counter()
    newest = bundled = max(site.stories)
    versions = 0
    template = site.politics()[0]

    def story(n: int) -> dict[str, Any]:
        return dict(
            template,
            article_id=n,
            title=f"Soak story {n}",
            summary=f"Soak story {n}",
            written=kst_text(datetime.now(KST).replace(tzinfo=None) - timedelta(seconds=5)),
            updated=None,
            paragraphs=[[f"Soak story {n} about the {WORD}."], ["version marker 0"]],
        )

    def change(run: int) -> list[str]:
        """What the newsroom does before run `run`; returns the paths that fail this run."""
        nonlocal newest, versions
        soaked = [n for n in site.stories if n > bundled]
        if run % 3 == 0:
            newest += 1
            site.add_story(story(newest))
        if soaked and run % 5 == 0:  # an update: a later Updated time, a new version
            versions += 1
            n = chance.choice(soaked)
            updated = kst_text(datetime.now(KST).replace(tzinfo=None) - timedelta(seconds=1))
            paragraphs = [site.stories[n]["paragraphs"][0], [f"version marker {versions}"]]
            site.update_story(n, updated=updated, paragraphs=paragraphs)
        if soaked and run % 7 == 0:  # a silent edit: new words, the same Updated time
            versions += 1
            n = chance.choice(soaked)
            paragraphs = [site.stories[n]["paragraphs"][0], [f"version marker {versions}"]]
            site.update_story(n, paragraphs=paragraphs)
        failing = []
        if run % 4 == 0:  # the newest story's page down for this run (it is always due)
            failing.append(f"/service/news_view.htm?lang=e&Seq_Code={newest}")
        if run % 50 == 25:  # the listing down for this run: the run fails, the next resumes
            failing.append("/service/news_list.htm")
        return failing

    async def crawl_all() -> None:
        settings = project_settings(
            {
                "NEWSMON_DB": str(db),
                "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False,
                "RETRY_TIMES": 0,
                "NEWSMON_SUMMARY": False,
                "NEWSMON_RECHECK_SCHEDULE": SCHEDULE,
                "LOG_INSTALL_ROOT_HANDLER": False,
            }
        )
        runner = AsyncCrawlerRunner(settings)
        with serve(site) as origin:
            readers.start()
            for run in range(runs + 1):
                last = run == runs
                failing = [] if last else change(run)
                for path in failing:
                    site.answers[path] = Page(503, "busy")
                crawler = runner.create_crawler(OutletSpider)
                # The last run, with the site still, re-checks every story once more.
                extra = {"recheck": "1h"} if last else {}
                await runner.crawl(crawler, base_url=origin, max_pages=3, **extra)
                assert crawler.stats is not None
                statuses[str(crawler.stats.get_value("newsmon/status"))] += 1
                for path in failing:
                    del site.answers[path]
                if run % READ_EVERY == 0:
                    readers.due.release()
            readers.stop.set()

    with newsmon_serve(db) as ui:
        readers = Readers(db, ui)
        started = time.monotonic()
        done = deferred_from_coro(crawl_all())
        failure: list[Any] = []
        done.addErrback(failure.append)
        done.addBoth(lambda _: reactor.stop())  # type: ignore[attr-defined]
        reactor.run()  # type: ignore[attr-defined]
        took = time.monotonic() - started
        readers.join()
    webhook.shutdown()
    if failure:
        failure[0].raiseException()
    return check_result(db, log, served, site, webhook, readers, statuses, runs, took, versions)


def check_result(
    db: Path,
    log: Path,
    served: dict[int, list[int]],
    site: Any,
    webhook: Webhook,
    readers: Readers,
    statuses: Counter[str],
    runs: int,
    took: float,
    published: int,
) -> dict[str, Any]:
    problems: list[str] = []
    conn = sqlite3.connect(db)
    if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
        problems.append("integrity_check is not ok")
    conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
    stored = {
        int(a): (sid, url)
        for sid, a, url in conn.execute("SELECT id, article_id, url FROM stories")
    }
    on_site = {s["article_id"] for s in site.politics()}
    if set(stored) != on_site:
        problems.append(f"stories: {len(stored)} stored, {len(on_site)} on the site")
    revisions = versions_lost = versions_doubled = 0
    for article_id, (story_id, _) in stored.items():
        bodies = [
            b
            for (b,) in conn.execute(
                "SELECT body FROM revisions WHERE story_id = ? ORDER BY number", (story_id,)
            )
        ]
        revisions += len(bodies)
        markers = [int(m.group(1)) if (m := MARKER.search(b)) else 0 for b in bodies]
        seen = [
            v
            for i, v in enumerate(served.get(article_id, []))
            if i == 0 or v != served[article_id][i - 1]
        ]
        versions_lost += (Counter(seen) - Counter(markers)).total()
        versions_doubled += (Counter(markers) - Counter(seen)).total()
        if markers != seen:
            problems.append(f"story {article_id}: revisions {markers}, versions served {seen}")
    # alerts: every revision of a story with the word, once, and nothing pending
    expected = Counter(
        (url, number)
        for url, number in conn.execute(
            "SELECT s.url, r.number FROM revisions r JOIN stories s ON s.id = r.story_id "
            "WHERE s.body LIKE ?",
            (f"%{WORD}%",),
        )
    )
    # What the webhook took: the stories each message lists, and those it counts as "N more"
    # (a message lists at most newsmon.alerts.MAX_LISTED).
    got: Counter[tuple[str, int]] = Counter()
    more = 0
    for message in webhook.messages:
        for block in message["message"].split("\n\n"):
            lines = block.splitlines()
            if counted := re.match(r"… and (\d+) more", block):
                more += int(counted.group(1))
            if len(lines) < 3:
                continue
            number = re.search(r"\(revision (\d+)\)", lines[0])
            got[(lines[2], int(number.group(1)) if number else 1)] += 1
    # ... and what the database says was sent: one alert per revision, as the schema requires.
    sent = conn.execute(
        "SELECT count(*) FROM alerts a JOIN revisions r ON r.id = a.revision_id "
        "JOIN stories s ON s.id = r.story_id WHERE a.status = 'sent' AND s.body LIKE ?",
        (f"%{WORD}%",),
    ).fetchone()[0]
    failures = dict(conn.execute("SELECT reason, count(*) FROM failures GROUP BY reason"))
    pending = conn.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()[0]
    delivered = got.total() + more
    alerts_doubled = (got - expected).total() + max(0, delivered - expected.total())
    alerts_lost = max(0, expected.total() - delivered) + max(0, expected.total() - sent)
    if alerts_doubled or alerts_lost:
        problems.append(f"alerts: {alerts_doubled} doubled or unexpected, {alerts_lost} lost")
    if pending:
        problems.append(f"alerts: {pending} still pending")
    conn.close()
    if readers.errors:
        problems.append(f"readers: {len(readers.errors)} errors, e.g. {readers.errors[0]}")
    sizes = {
        "database": db.stat().st_size / 1e6,
        "wal": (db.with_name(db.name + "-wal").stat().st_size / 1e6)
        if db.with_name(db.name + "-wal").exists()
        else 0.0,
        "log": log.stat().st_size / 1e6,
    }
    if sizes["database"] + sizes["wal"] > MAX_DATABASE_MB:
        problems.append(f"database {sizes['database'] + sizes['wal']:.1f} MB > {MAX_DATABASE_MB}")
    if sizes["log"] > MAX_LOG_MB:
        problems.append(f"log {sizes['log']:.1f} MB > {MAX_LOG_MB}")
    return {
        "runs": runs + 1,
        "seconds": round(took, 1),
        "run statuses": dict(statuses),
        "failures recorded": failures,
        "stories": len(stored),
        "stories lost": len(on_site - set(stored)),
        "versions lost": versions_lost,
        "versions doubled": versions_doubled,
        "revisions": revisions,
        "versions published": published,
        "versions served": sum(len(v) for v in served.values()),
        "alerts delivered": delivered,
        "alerts lost": alerts_lost,
        "alerts doubled": alerts_doubled,
        "notifications": len(webhook.messages),
        "reads": dict(readers.reads),
        "reader errors": len(readers.errors),
        "database MB": round(sizes["database"] + sizes["wal"], 2),
        "log MB": round(sizes["log"], 2),
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--folder", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="newsmon-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    result = soak(args.runs, folder, args.seed)
    print(json.dumps(result, indent=2))
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
