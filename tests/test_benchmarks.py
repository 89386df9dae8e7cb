"""The benchmark harness keeps working (issue 12): a smoke run of a few hundred stories makes
its data, measures every figure and draws its plot. Nothing here judges speed: the figures are
for people (docs/benchmarks.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_a_smoke_run_measures_every_figure(tmp_path: Path) -> None:
    results, png = tmp_path / "results.json", tmp_path / "figure.png"
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_DB"}
    harness = [sys.executable, "-m", "benchmarks.run", "--smoke", "--data", str(tmp_path)]
    done = subprocess.run(
        [*harness, "--out", str(results), "--plot", str(png)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(results.read_text(encoding="utf-8"))
    assert figures["plan"] == "smoke"
    size = "200"
    # An idle run against the synthetic site fetched its listing page and feed, stored nothing.
    assert (figures["idle"][size]["requests"], figures["idle"][size]["stored"]) == (2, 0)
    assert figures["crawl"]["newsmon_pages_per_s"] > 0 and figures["crawl"]["bare_pages_per_s"] > 0
    assert figures["store"][size]["new_ms"] > 0
    assert figures["search"][size]["rare"]["hits"] < figures["search"][size]["common"]["hits"]
    assert figures["export"][size]["newsmon_rows_per_s"] > 0
    assert figures["web_and_alerts"]["matched"] > 0
    assert (
        0
        < figures["size_on_disk"][size]["without_fts"]
        < figures["size_on_disk"][size]["bytes_per_story"]
    )
    assert png.read_bytes().startswith(b"\x89PNG")
