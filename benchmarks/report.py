"""The table of docs/benchmarks.md, in Markdown, from a results file of benchmarks.run: each
figure beside its target (issue 12), with ✓ or ✗ where there is one.

    python -m benchmarks.report RESULTS.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _mark(value: float, target: str) -> str:
    """✓ when `value` meets `target` (as benchmarks.run.TARGETS writes them: `>= 0.85`)."""
    bound = float(target.split()[1])
    met = value >= bound if target.startswith(">=") else value <= bound
    return "✓" if met else "✗"


def _goal(target: str, unit: str = "×") -> str:
    return target.replace(">=", "≥").replace("<=", "≤") + unit


def rows(r: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(what, figure, target) for each line of the table."""
    t = r["targets"]  # the targets the run was measured against
    crawl = r["crawl"]
    yield (
        f"static site server ({crawl['server']}), one story page, 4 clients",
        f"{crawl['server_pages_per_s']:.0f} pages/s",
        "faster than any crawl",
    )
    yield (
        f"full crawl of {crawl['stories']:,} stories, politeness off: newsmon vs bare Scrapy",
        f"{crawl['newsmon_pages_per_s']:.0f} vs {crawl['bare_pages_per_s']:.0f} stories/s = "
        f"{crawl['crawl_ratio']:.2f}× {_mark(crawl['crawl_ratio'], t['crawl_ratio'])}",
        _goal(t["crawl_ratio"]),
    )
    sizes = sorted(int(s) for s in r["store"] if s.isdigit())
    bare = r["idle"]["bare"]
    yield (
        "bare one-page Scrapy process",
        f"{bare['cpu']:.2f} s CPU, {bare['wall']:.2f} s wall, {bare['peak_mib']:.0f} MiB",
        "",
    )
    for size in sizes:
        idle = r["idle"][str(size)]
        ratio = idle["idle_cpu_ratio"]
        yield (
            f"idle cron run, {size:,} stories",
            f"{idle['requests'] + 1} requests, {idle['cpu']:.2f} s CPU ({ratio:.2f}× "
            f"{_mark(ratio, t['idle_cpu_ratio'])}), {idle['wall']:.2f} s wall, "
            f"{idle['peak_mib']:.0f} MiB",
            f"{_goal(t['idle_requests'], ' requests')}, {_goal(t['idle_cpu_ratio'])} CPU",
        )
    for size in sizes:
        store = r["store"][str(size)]
        yield (
            f"store a story, {size:,} stored",
            f"new {store['new_ms']:.2f} ms, update {store['update_ms']:.2f} ms "
            f"({store['store_ratio']:.2f}× of the smallest "
            f"{_mark(store['store_ratio'], t['store_ratio'])})",
            f"{_goal(t['store_ratio'])} of the smallest",
        )
    for size in sizes:
        for name, label in (
            ("rare", "a rare"),
            ("two_terms", "a two-term"),
            ("common", "a common"),
        ):
            s = r["search"][str(size)][name]
            p95 = s["search"]["p95_ms"]
            target = _goal(t["search_p95_ms"], " ms") if name != "common" else "(explained)"
            mark = f" {_mark(p95, t['search_p95_ms'])}" if name != "common" else ""
            yield (
                f"search, {label} query, {size:,} stories (hits shown: {s['hits']})",
                f"in process p50 {s['search']['p50_ms']:.1f} / p95 {p95:.1f} ms{mark}; "
                f"`articles --search` p95 {s['articles_search']['p95_ms']:.1f} ms; whole "
                f"`newsmon search` p50 {s['search_process']['p50_ms']:.0f} ms "
                f"{_mark(s['search_process']['p50_ms'], t['search_process_ms'])}",
                f"{target}; process {_goal(t['search_process_ms'], ' ms')}",
            )
    export = r["export"]
    export_sizes = sorted(int(s) for s in export if s.isdigit())
    for size in export_sizes:
        e = export[str(size)]
        yield (
            f"export CSV of {size:,} stories vs the csv module",
            f"{e['newsmon_rows_per_s']:,.0f} vs {e['plain_rows_per_s']:,.0f} rows/s = "
            f"{e['export_rate_ratio']:.2f}× "
            f"{_mark(e['export_rate_ratio'], t['export_rate_ratio'])}; "
            f"peak {e['newsmon_peak_mib']:.0f} vs {e['plain_peak_mib']:.0f} MiB",
            _goal(t["export_rate_ratio"]),
        )
    yield (
        f"export peak memory, {export_sizes[-1]:,} vs {export_sizes[0]:,} stories",
        f"{export['export_memory_ratio']:.2f}× "
        f"{_mark(export['export_memory_ratio'], t['export_memory_ratio'])}",
        _goal(t["export_memory_ratio"]),
    )
    w = r["web_and_alerts"]
    yield (
        f"story page with a diff, {w['size']:,} stories",
        f"p50 {w['story_page']['p50_ms']:.1f} / p95 {w['story_page']['p95_ms']:.1f} ms",
        "",
    )
    yield (
        f"match {w['watches']} watches after a run storing {w['stories']} stories, "
        f"{w['size']:,} stories",
        f"{w['match_ms']:.0f} ms ({w['matched']} alerts)",
        "",
    )
    for size in sizes:
        d = r["size_on_disk"][str(size)]
        yield (
            f"database size, {size:,} stories",
            f"{d['bytes_per_story']:,.0f} bytes a story; {d['without_fts']:,.0f} without the "
            "full-text index",
            "",
        )


def table(results: dict[str, Any]) -> str:
    lines = ["| What | Figure | Target |", "|---|---|---|"]
    lines += [f"| {what} | {figure} | {target} |" for what, figure, target in rows(results)]
    versions = ", ".join(f"{k} {v}" for k, v in results["versions"].items())
    lines += [
        "",
        f"Measured {results['date']} ({results['plan']} plan, {results['seconds']:.0f} s) on "
        f"{results['machine']}; {versions}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), end="")
