"""The soak (issue 11, point 13): routine runs one after another against a site that keeps
changing, with readers, the web UI and an alert receiver running. scripts/soak.py does the work
and checks the end state; this test runs it as a user would and reads its figures.

The suite soaks 200 runs; NEWSMON_SOAK_RUNS sets another count (a multiple of 50:
scripts/reliability.py soaks 500). Its verdict never depends on the machine's speed: the
soak gets the time it needs (pytest's timeout is raised for it), and whatever ends it, its
whole process group (the web UI it starts included) is stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[1] / "scripts" / "soak.py"
RUNS = int(os.environ.get("NEWSMON_SOAK_RUNS", "200"))


@pytest.mark.slow
@pytest.mark.longest
@pytest.mark.timeout(RUNS * 3)  # 0.2 s a run on a quiet machine: room for a very busy one
def test_routine_runs_lose_and_double_nothing(tmp_path: Path, figures: Callable[..., None]) -> None:
    assert RUNS % 50 == 0, "NEWSMON_SOAK_RUNS: a multiple of 50 (the listing fails every 50th)"
    soak = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--runs", str(RUNS), "--folder", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: stopped whole below
    )
    try:
        out, err = soak.communicate()
    finally:
        # Ended by a timeout or an error, the soak would leave its web UI listening.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(soak.pid, signal.SIGKILL)
        soak.wait()
    soaked = json.loads(out)
    figures(
        trials=soaked["runs"],
        failures_recorded=sum(soaked["failures recorded"].values()),
        stories_lost=soaked["stories lost"] + soaked["versions lost"],
    )
    assert soaked["problems"] == [], soaked
    assert soak.returncode == 0, err[-2000:]
    # It really soaked: every run happened, the site grew and changed, pages and the listing
    # failed now and then, and every reader and the receiver were busy throughout.
    assert soaked["runs"] == RUNS + 1
    assert soaked["run statuses"]["failed"] == RUNS // 50
    assert soaked["stories"] > RUNS // 3
    # (how many versions the crawls saw between publishing and the last run depends on the
    # clock; that each was stored once, and the last of each, is what "problems" checks)
    assert soaked["versions published"] > RUNS // 5
    assert soaked["revisions"] > soaked["stories"]
    assert set(soaked["failures recorded"]) == {"listing page: HTTP 503", "story page: HTTP 503"}
    assert soaked["alerts delivered"] > RUNS // 3
    assert min(soaked["reads"].values()) > 0
    assert set(soaked["reads"]) == {"articles", "search", "export", "web UI"}
