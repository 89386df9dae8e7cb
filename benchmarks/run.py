"""newsmon's benchmark harness: prints each figure beside its target, as ratios measured in one
run, and writes them all to a JSON file (and, with --plot, a PNG of costs against archive size).

    python -m benchmarks.run --quick    # archives of 1k and 20k stories, a 500-story crawl
    python -m benchmarks.run            # 1k, 100k and 1M stories, a 5,000-story crawl
    python -m benchmarks.run --smoke    # a few hundred stories: checks the harness works

Archives are made once in --data (default benchmarks/.data) and reused. Every figure is the
median of repeated runs (p50/p95 for latencies); processes are measured from outside (CPU
seconds, peak resident memory) by a small wrapper, so the harness's own memory never counts.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks import data
from benchmarks.site import serve, server_rate, write_site

REPO = Path(__file__).resolve().parents[1]
BARE = Path(__file__).resolve().with_name("bare.py")
# Politeness off, the same for newsmon and the bare spider.
UNLEASHED = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}
# Runs a command; writes its wall and CPU seconds and peak resident MiB as JSON to a file.
_MEASURE = (
    "import json, resource, subprocess, sys, time; started = time.monotonic(); "
    "done = subprocess.run(sys.argv[2:], capture_output=True, text=True); "
    "wall = time.monotonic() - started; usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "json.dump({'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, "
    "'peak_mib': usage.ru_maxrss / 1024, 'status': done.returncode, "
    "'stderr': done.stderr[-3000:]}, open(sys.argv[1], 'w'))"
)


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    crawl_stories: int
    repeats: int
    latency_repeats: int
    export_sizes: tuple[int, ...]


PLANS = {
    "full": Plan((1_000, 100_000, 1_000_000), 5_000, 5, 30, (100_000, 1_000_000)),
    "quick": Plan((1_000, 20_000), 500, 3, 15, (20_000,)),
    "smoke": Plan((200,), 60, 1, 3, (200,)),
}
# The targets of issue 12, by figure.
TARGETS = {
    "crawl_ratio": ">= 0.85",
    "idle_cpu_ratio": "<= 1.5",
    "idle_requests": "<= 3",
    "store_ratio": "<= 1.3",
    "search_p95_ms": "<= 50",  # a rare word, two words
    "search_process_ms": "<= 300",
    "export_rate_ratio": ">= 0.8",
    "export_memory_ratio": "<= 1.2",
}


def measured(command: list[str], folder: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = folder / "measure.json"
    subprocess.run(
        [sys.executable, "-c", _MEASURE, str(out), *command],
        cwd=folder,
        env=env,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    if result["status"] != 0:
        raise RuntimeError(
            f"{' '.join(command[:4])}... exited {result['status']}: " + result["stderr"]
        )
    return result


def settings(values: dict[str, str]) -> list[str]:
    return [arg for name, value in values.items() for arg in ("-s", f"{name}={value}")]


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000}


def newsmon_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsmon", *args]


def env_for_processes() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "NEWSMON_DB"} | {"TZ": "UTC"}


# --- the crawl -------------------------------------------------------------------------------


def full_crawl(plan: Plan, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    now = datetime.now(UTC)
    root = work / "site-crawl"
    if not root.exists():
        write_site(root, data.site_stories(plan.crawl_stories, plan.crawl_stories, now))
    env = env_for_processes()
    with serve([root], work / "nginx-crawl") as (origins, server):
        origin = origins[0]
        rate = server_rate(origin, f"/service/news_view.htm?lang=e&Seq_Code={data.FIRST_ID}")
        ours, bare = [], []
        for n in range(plan.repeats):
            db = work / f"crawl-{n}.db"
            db.unlink(missing_ok=True)
            crawl = ["crawl", "--full", "-q", "--base-url", origin, "--db", str(db)]
            ours.append(measured(newsmon_command(*crawl, *settings(UNLEASHED)), work, env))
            stored = sqlite3.connect(db).execute("SELECT count(*) FROM stories").fetchone()[0]
            if stored != plan.crawl_stories:
                raise RuntimeError(f"the crawl stored {stored} of {plan.crawl_stories} stories")
            spider = [sys.executable, "-m", "scrapy", "runspider", str(BARE), "-a"]
            spider += [f"base_url={origin}", "-s", "LOG_LEVEL=WARNING", *settings(UNLEASHED)]
            bare.append(measured(spider, work, env))
            walls = f"newsmon {ours[-1]['wall']:.1f} s, bare {bare[-1]['wall']:.1f} s"
            log(f"crawl {n + 1}/{plan.repeats}: {walls}")
    ours_wall, bare_wall = median_of(ours, "wall"), median_of(bare, "wall")
    return {
        "stories": plan.crawl_stories,
        "server": server,
        "server_pages_per_s": rate,
        "newsmon_pages_per_s": plan.crawl_stories / ours_wall,
        "bare_pages_per_s": plan.crawl_stories / bare_wall,
        "newsmon_cpu_s": median_of(ours, "cpu"),
        "bare_cpu_s": median_of(bare, "cpu"),
        "crawl_ratio": bare_wall / ours_wall,
    }


# --- idle runs -------------------------------------------------------------------------------


def idle_runs(
    plan: Plan, archives: dict[int, Path], work: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    now = datetime.now(UTC)
    roots = []
    for size in plan.sizes:
        root = work / f"site-idle-{size}"
        if root.exists():
            shutil.rmtree(root)
        write_site(root, data.site_stories(size, 30, now))
        roots.append(root)
    env = env_for_processes()
    figures: dict[str, Any] = {}
    with serve(roots, work / "nginx-idle") as (origins, _):
        bare = [
            measured(
                [
                    sys.executable,
                    "-m",
                    "scrapy",
                    "runspider",
                    str(BARE),
                    "-a",
                    f"base_url={origins[0]}",
                    "-a",
                    "mode=page",
                    "-s",
                    "LOG_LEVEL=WARNING",
                ],
                work,
                env,
            )
            for _ in range(plan.repeats)
        ]
        figures["bare"] = {k: median_of(bare, k) for k in ("cpu", "wall", "peak_mib")}
        for size, origin in zip(plan.sizes, origins, strict=True):
            db = archives[size]
            runs = []
            for _ in range(plan.repeats + 1):  # the first may find the run ledger cold
                runs.append(
                    measured(
                        newsmon_command("crawl", "-q", "--base-url", origin, "--db", str(db)),
                        work,
                        env,
                    )
                )
            runs = runs[1:]
            with sqlite3.connect(db) as conn:
                pages = conn.execute(
                    "SELECT pages, new, updated FROM runs ORDER BY id DESC LIMIT 1"
                ).fetchone()
            figures[str(size)] = {
                **{k: median_of(runs, k) for k in ("cpu", "wall", "peak_mib")},
                "requests": pages[0],
                "stored": pages[1] + pages[2],
                "idle_cpu_ratio": median_of(runs, "cpu") / figures["bare"]["cpu"],
            }
            log(f"idle run at {size}: {figures[str(size)]}")
    return figures


# --- storing ---------------------------------------------------------------------------------


BENCH_SOURCES = ("bench-store", "bench-alerts")


def forget_bench_stories(db: Path) -> None:
    """Remove the stories the measurements stored, so an archive keeps its size run after run
    (their revisions and alerts go with them; the full-text index by its trigger)."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        marks = ",".join("?" * len(BENCH_SOURCES))
        conn.execute(f"DELETE FROM stories WHERE source IN ({marks})", BENCH_SOURCES)  # noqa: S608
    conn.close()


def store_each(database: Any, stories: list[Any], seen: datetime) -> float:
    """Store `stories` as a crawl does (a transaction each, on the DB-API connection that
    newsmon.db.crawl.CrawlDatabase.writing gives the store pipeline); seconds a story."""
    from newsmon.db.store import record_story

    started = time.perf_counter()
    for story in stories:
        with database.writing() as connection:
            record_story(connection, story, seen)
    return (time.perf_counter() - started) / len(stories)


def store_cost(plan: Plan, archives: dict[int, Path], log: Callable[[str], None]) -> dict[str, Any]:
    from newsmon.db.crawl import CrawlDatabase

    figures: dict[str, Any] = {}
    for size in plan.sizes:
        database = CrawlDatabase(str(archives[size]))
        database.open()
        new_costs, update_costs = [], []
        for _ in range(plan.repeats):
            written = datetime.now(UTC) - timedelta(days=1)
            stories = data.new_stories(BENCH_SOURCES[0], 200, written, seed=size)
            new_costs.append(store_each(database, stories, datetime.now(UTC)))
            later = [
                replace(s, body=s.body + " Updated.", updated_at=s.written_at + timedelta(hours=1))
                for s in stories
            ]
            update_costs.append(store_each(database, later, datetime.now(UTC)))
        database.close()
        forget_bench_stories(archives[size])
        figures[str(size)] = {
            "new_ms": statistics.median(new_costs) * 1000,
            "update_ms": statistics.median(update_costs) * 1000,
        }
        log(f"store at {size}: {figures[str(size)]}")
    first = figures[str(plan.sizes[0])]
    for size in plan.sizes:
        f = figures[str(size)]
        f["store_ratio"] = (f["new_ms"] + f["update_ms"]) / (first["new_ms"] + first["update_ms"])
    return figures


# --- queries ---------------------------------------------------------------------------------


def timed(action: Callable[[], Any], repeats: int) -> list[float]:
    action()  # warm the page cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def searches(
    plan: Plan, archives: dict[int, Path], work: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    from newsmon import search, selection
    from newsmon.db.reading import plain_reader

    figures: dict[str, Any] = {}
    env = env_for_processes()
    for size in plan.sizes:
        # What `newsmon search` and `articles` read through: a read-only sqlite3 connection.
        reader = plain_reader(str(archives[size]))
        assert reader is not None
        at: dict[str, Any] = {}
        for name, term in (
            ("rare", data.RARE),
            ("common", data.COMMON),
            ("two_terms", data.TWO_TERMS),
        ):
            hits = len(search.search(reader, term, limit=20))
            filters = selection.Filters(search=term)
            articles = timed(
                lambda r=reader, f=filters: list(selection.stories(r, f, limit=20)),
                plan.latency_repeats,
            )
            best = timed(
                lambda r=reader, t=term: search.search(r, t, limit=20), plan.latency_repeats
            )
            processes = [
                measured(
                    newsmon_command("search", term, "--db", str(archives[size]), "--limit", "20"),
                    work,
                    env,
                )["wall"]
                for _ in range(max(1, plan.latency_repeats // 5))
            ]
            articles_processes = [
                measured(
                    newsmon_command(
                        "articles", "--search", term, "--db", str(archives[size]), "--limit", "20"
                    ),
                    work,
                    env,
                )["wall"]
                for _ in range(max(1, plan.latency_repeats // 5))
            ]
            at[name] = {
                "hits": hits,
                "search": percentiles(best),
                "articles_search": percentiles(articles),
                "search_process": percentiles(processes),
                "articles_process": percentiles(articles_processes),
            }
        reader.close()
        figures[str(size)] = at
        log(
            f"search at {size}: "
            + json.dumps({k: round(v["search"]["p95_ms"], 1) for k, v in at.items()})
        )
    return figures


def exports(
    plan: Plan, archives: dict[int, Path], work: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    env = env_for_processes()
    figures: dict[str, Any] = {}
    plain = Path(__file__).resolve().with_name("plain_export.py")
    for size in plan.export_sizes:
        ours, theirs = [], []
        for _ in range(max(1, plan.repeats // 2)):
            out = work / "export.csv"
            out.unlink(missing_ok=True)
            ours.append(
                measured(
                    newsmon_command(
                        "export", "--format", "csv", "-o", str(out), "--db", str(archives[size])
                    ),
                    work,
                    env,
                )
            )
            out.unlink()
            theirs.append(
                measured([sys.executable, str(plain), str(archives[size]), str(out)], work, env)
            )
            out.unlink()
        figures[str(size)] = {
            "newsmon_rows_per_s": size / median_of(ours, "wall"),
            "plain_rows_per_s": size / median_of(theirs, "wall"),
            "newsmon_peak_mib": median_of(ours, "peak_mib"),
            "plain_peak_mib": median_of(theirs, "peak_mib"),
            "export_rate_ratio": median_of(theirs, "wall") / median_of(ours, "wall"),
        }
        log(f"export at {size}: {figures[str(size)]}")
    sizes = [str(s) for s in plan.export_sizes]
    figures["export_memory_ratio"] = (
        figures[sizes[-1]]["newsmon_peak_mib"] / figures[sizes[0]]["newsmon_peak_mib"]
    )
    return figures


def web_and_alerts(
    plan: Plan, archives: dict[int, Path], work: Path, log: Callable[[str], None]
) -> dict[str, Any]:

    from newsmon.alerts.channels import check
    from newsmon.alerts.deliver import match
    from newsmon.alerts.watches import NewWatch, add, remove
    from newsmon.db.crawl import CrawlDatabase
    from newsmon.demo.server import newsmon_serve

    size = plan.sizes[-1]
    db = archives[size]
    with newsmon_serve(db) as ui:
        # Stories with two revisions (every tenth, from the fourth), spread over the archive.
        step = max(10, size // plan.latency_repeats // 10 * 10)
        ids = [4 + k * step for k in range(plan.latency_repeats) if 4 + k * step <= size]
        pages = iter(ids * 3)

        def page() -> None:
            url = f"{ui}/{db.stem}/stories/{next(pages)}?from=1&to=2"
            with urllib.request.urlopen(url, timeout=60) as answer:
                body = answer.read()
            if b"<del" not in body and b"<ins" not in body:
                raise RuntimeError("the story page shows no diff")

        web = percentiles(timed(page, min(len(ids) * 2, plan.latency_repeats)))
    log(f"story page at {size}: {web}")
    database = CrawlDatabase(str(db))
    database.open()
    engine = database.engine
    names = [f"bench-{n}" for n in range(10)]
    terms = [data.COMMON, data.RARE, data.TWO_TERMS, "budget", "committee"] * 2
    for name, term in zip(names, terms, strict=True):
        add(engine, NewWatch(name, term, [check("json://127.0.0.1:9/")]), datetime.now(UTC))
    try:
        written = datetime.now(UTC) - timedelta(hours=1)
        store_each(database, data.new_stories(BENCH_SOURCES[1], 100, written, seed=7), written)
        started = time.perf_counter()
        matched = match(engine, datetime.now(UTC))
        took = time.perf_counter() - started
    finally:
        for name in names:
            remove(engine, name)
        database.close()
        forget_bench_stories(db)
    log(f"alerts at {size}: {matched} matched in {took * 1000:.0f} ms")
    return {
        "size": size,
        "story_page": web,
        "watches": len(names),
        "stories": 100,
        "matched": matched,
        "match_ms": took * 1000,
    }


def sizes_on_disk(plan: Plan, archives: dict[int, Path]) -> dict[str, Any]:
    figures = {}
    for size in plan.sizes:
        conn = sqlite3.connect(f"file:{archives[size]}?mode=ro", uri=True)
        pages = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        conn.close()
        total = sum(pages.values())
        fts = sum(v for k, v in pages.items() if k.startswith("stories_fts"))
        figures[str(size)] = {
            "stories": stories,
            "bytes_per_story": total / stories,
            "without_fts": (total - fts) / stories,
        }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="plan", const="quick")
    mode.add_argument("--smoke", action="store_const", dest="plan", const="smoke")
    parser.add_argument("--data", type=Path, default=REPO / "benchmarks" / ".data")
    parser.add_argument("--out", type=Path, default=None, help="the JSON file (default: in --data)")
    parser.add_argument("--plot", type=Path, default=None, help="a PNG of costs against size")
    args = parser.parse_args()
    name = args.plan or "full"
    plan = PLANS[name]
    started = time.monotonic()

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {line}", file=sys.stderr, flush=True)

    archives = {}
    for size in plan.sizes:
        log(f"archive of {size} stories")
        archives[size] = data.archive(args.data, size)
    with tempfile.TemporaryDirectory(prefix="newsmon-bench-") as folder:
        work = Path(folder)
        results: dict[str, Any] = {
            "plan": name,
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
            "versions": {
                "python": platform.python_version(),
                "sqlite": sqlite3.sqlite_version,
                **{p: version(p) for p in ("newsmon", "scrapy", "sqlalchemy", "datasette")},
            },
            "targets": TARGETS,
        }
        results["size_on_disk"] = sizes_on_disk(plan, archives)
        results["idle"] = idle_runs(plan, archives, work, log)
        results["store"] = store_cost(plan, archives, log)
        results["search"] = searches(plan, archives, work, log)
        results["export"] = exports(plan, archives, work, log)
        results["web_and_alerts"] = web_and_alerts(plan, archives, work, log)
        results["crawl"] = full_crawl(plan, work, log)
    results["seconds"] = round(time.monotonic() - started, 1)
    out = args.out or args.data / f"results-{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    if args.plot:
        from benchmarks.plot import plot

        plot(results, args.plot)
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
