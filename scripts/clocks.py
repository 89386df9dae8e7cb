"""Run the tests with the clock at the edges of a month and of a year, in each host time zone.

The fixture sites date their stories by the clock (the newest a little before now), so a test
that holds a story's date, or an order that depends on it, can pass on most days and fail on
the first or last of a month. This runs pytest under libfaketime (the build that the
`libfaketime` package of the test extra ships: Debian's 0.9.10 hangs Python's timed waits when
the clock is moved forward) with the clock moved to each instant below, in UTC and in Korea
time; every process the tests start, crawls and servers included, sees the same moved clock,
which keeps running.

    python scripts/clocks.py [--instant 2027-01-01T00:00:00Z ...] [--zone UTC ...] [PYTEST ARGS]

Without pytest arguments it runs the tests that follow the clock: the end-to-end crawls, the
demo and what reads its database. Each run is a line of its own; it exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import libfaketime

REPO = Path(__file__).resolve().parents[1]

# The last and first minutes of a year and of a month, in UTC (the stored instants) and in
# Korea time (KBS WORLD's dates, the Meridian Herald's URLs): each run starts a minute before
# or right at the edge, so its crawls cross it or begin on the new side.
INSTANTS = (
    "2026-12-31T14:59:00Z",  # the last minute of 2026 in Korea
    "2026-12-31T15:00:00Z",  # the first minute of 2027 in Korea
    "2026-12-31T23:59:00Z",  # the last minute of 2026 in UTC
    "2027-01-01T00:00:00Z",  # the first minute of 2027 in UTC
    "2027-02-28T14:59:00Z",  # the last minute of February in Korea
    "2027-02-28T15:00:00Z",  # the first minute of March in Korea
    "2027-02-28T23:59:00Z",  # the last minute of February in UTC
    "2027-03-01T00:00:00Z",  # the first minute of March in UTC
)
ZONES = ("UTC", "Asia/Seoul")
# The tests whose fixtures follow the clock, when no pytest arguments are given.
FOLLOW_THE_CLOCK = (
    "tests/test_outlets_e2e.py",
    "tests/test_crawl_e2e.py",
    "tests/test_cron.py",
    "tests/test_documented.py",
    "tests/test_query.py",
    "tests/test_tools.py",
    "tests/test_schedule.py",
    "tests/test_times.py",
    "tests/test_alerts.py",
    "tests/test_web.py",
)


def run(instant: str, zone: str, pytest_args: list[str]) -> int:
    """pytest with the clock moved to `instant` (it then keeps running) and TZ=`zone`."""
    at = datetime.fromisoformat(instant).astimezone(UTC)
    # An offset rather than an absolute time: every process the tests start keeps the same
    # clock, where an absolute start would restart the clock in each of them.
    offset = round(at.timestamp() - time.time())
    _, preload = libfaketime.get_reload_information()
    env = {
        **os.environ,
        **preload,
        # Timeouts and sleeps measure the real monotonic clock: moved, they wait for ever.
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME": f"{offset:+d}",
        "TZ": zone,
    }
    command = [sys.executable, "-m", "pytest", *pytest_args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"{instant} TZ={zone:<10} exit {done.returncode}: {last}", flush=True)
    if done.returncode != 0:
        print(done.stdout[-6000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
    return done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instant", action="append", help="an instant (repeatable)")
    parser.add_argument("--zone", action="append", help="a host time zone (repeatable)")
    args, pytest_args = parser.parse_known_args()
    pytest_args = pytest_args or ["-q", "-p", "no:cacheprovider", *FOLLOW_THE_CLOCK]
    failed = [
        (instant, zone)
        for instant in args.instant or INSTANTS
        for zone in args.zone or ZONES
        if run(instant, zone, pytest_args) != 0
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
