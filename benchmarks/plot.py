"""The figure in docs/benchmarks.md: idle-run CPU, store cost and search latency against archive
size, from a results file of benchmarks.run.

    python -m benchmarks.plot RESULTS.json OUT.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def plot(results: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    sizes = sorted(int(s) for s in results["store"] if s.isdigit())
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    idle, store, search = axes
    idle.plot(sizes, [results["idle"][str(s)]["cpu"] for s in sizes], "o-", label="newsmon crawl")
    idle.axhline(results["idle"]["bare"]["cpu"], color="grey", ls="--", label="bare Scrapy, 1 page")
    idle.set_title("Idle cron run: CPU seconds")
    for kind in ("new", "update"):
        store.plot(sizes, [results["store"][str(s)][f"{kind}_ms"] for s in sizes], "o-", label=kind)
    store.set_title("Store one story: ms")
    for name in ("rare", "two_terms", "common"):
        p95 = [results["search"][str(s)][name]["search"]["p95_ms"] for s in sizes]
        search.plot(sizes, p95, "o-", label=name.replace("_", " "))
    search.set_title("Search in process: p95 ms")
    search.set_yscale("log")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("stories in the archive")
        ax.set_ylim(bottom=0 if ax is not search else None)
        ax.legend()
        ax.grid(alpha=0.3)
    figure.suptitle(f"newsmon {results['versions']['newsmon']}, {results['machine']}")
    figure.savefig(out, dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    plot(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), Path(sys.argv[2]))
