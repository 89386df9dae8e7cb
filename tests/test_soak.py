"""The soak (issue 11, point 13): 500 routine runs against a site that keeps changing, with
readers, the web UI and an alert receiver running. scripts/soak.py does the work and checks the
end state; this test runs it as a user would and reads its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "scripts" / "soak.py"
RUNS = 500


@pytest.mark.slow
@pytest.mark.longest
def test_five_hundred_routine_runs_lose_and_double_nothing(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", str(RUNS), "--folder", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=280,
    )
    soaked = json.loads(done.stdout)
    figures(
        trials=soaked["runs"],
        failures_recorded=sum(soaked["failures recorded"].values()),
        stories_lost=soaked["stories lost"] + soaked["versions lost"],
    )
    assert soaked["problems"] == [], soaked
    assert done.returncode == 0, done.stderr[-2000:]
    # It really soaked: every run happened, the site grew and changed, pages and the listing
    # failed now and then, and every reader and the receiver were busy throughout.
    assert soaked["runs"] == RUNS + 1
    assert soaked["run statuses"]["failed"] == RUNS // 50
    assert soaked["stories"] > RUNS // 3
    assert soaked["revisions"] > soaked["stories"] + RUNS // 5
    assert set(soaked["failures recorded"]) == {"listing page: HTTP 503", "story page: HTTP 503"}
    assert soaked["alerts delivered"] > RUNS // 3
    assert min(soaked["reads"].values()) > 0
    assert set(soaked["reads"]) == {"articles", "search", "export", "web UI"}
