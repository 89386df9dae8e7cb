"""The fixture sites date their stories by the clock, so the crawls' tests are run again with
the clock at the edges of a month and of a year (scripts/clocks.py, under libfaketime): a few
edges here, each in one host time zone; `python scripts/clocks.py` runs every edge in both."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO

# The tests whose results follow the clock most closely: dates in URLs and in listings,
# revisions by time, schedules.
FOLLOWING = (
    "tests/test_outlets_e2e.py::test_a_generic_outlet_from_feed_to_revisions",
    "tests/test_crawl_e2e.py::test_crawl_then_changes_make_exact_revisions",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("instant", "zone"),
    [
        ("2026-12-31T14:59:00Z", "UTC"),  # the last minute of a year in Korea
        ("2026-12-31T15:00:00Z", "Asia/Seoul"),  # the first minute of a year in Korea
        ("2027-02-28T23:59:00Z", "Asia/Seoul"),  # the last minute of a month in UTC
        ("2027-03-01T00:00:00Z", "UTC"),  # the first minute of a month in UTC
    ],
)
def test_the_crawls_hold_at_the_edges_of_months_and_years(instant: str, zone: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "scripts/clocks.py",
            "--instant",
            instant,
            "--zone",
            zone,
            *("-n0", "-q", "-p", "no:cacheprovider", "-m", "slow", *FOLLOWING),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-4000:]
    # the clock really moved: the line names the instant, and both tests ran
    assert done.stdout.startswith(f"{instant} TZ={zone}"), done.stdout
    assert "2 passed" in done.stdout, done.stdout
