"""Write docs/reliability.md: each fault newsmon is tested against, what becomes of it, and the
counts from running those tests now (trials, failures recorded, stories lost).

It runs the fault tests with pytest (slow ones included, in parallel as the suite's settings
say), reads the counts each test reports through its `figures` fixture from the JUnit XML, and
writes the page, which ends with how long the run took and on what machine.
It exits 1 if any test failed or did not run; the page then says which.

    python scripts/reliability.py [--kill-trials 20] [--output docs/reliability.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARK = "<!-- written by scripts/reliability.py: rerun it rather than editing this page -->"
FIGURES = ("trials", "failures_recorded", "stories_lost")


@dataclass(frozen=True)
class Fault:
    what: str  # the fault, as served or done to newsmon
    outcome: str  # what the tests require to become of it
    tests: tuple[str, ...]  # pytest node ids, without parameters


# In the order of issue 11's list.
FAULTS = (
    Fault(
        "Story pages that time out, hang, drop the connection, send a truncated body or answer 5xx",
        "The run completes, ok (exit 0); each page is retried, then recorded as a failure of kind "
        "`timeout`, `network`, `truncated` or `http_503`; every other story is stored.",
        ("tests/test_faults.py::test_network_faults_on_story_pages_lose_only_those_pages",),
    ),
    Fault(
        "The listing or feed blocked (403, 503), with or without Retry-After",
        "The run fails (exit 1) with one line naming the status and URL; a Retry-After within "
        "bounds is waited for, a long one is not.",
        (
            "tests/test_crawl_e2e.py::test_a_blocked_site_fails_the_run",
            "tests/test_cron.py::test_a_blocked_listing_fails_the_run_naming_status_and_url",
            "tests/test_cron.py::test_retry_after_is_honoured",
            "tests/test_cron.py::test_a_long_retry_after_is_not_waited_for",
        ),
    ),
    Fault(
        "A redirect to another host (and one within the site)",
        "Not followed: recorded as `offsite_redirect`; a redirect within the outlet's hosts is "
        "followed.",
        (
            "tests/test_crawl_e2e.py::test_robots_and_offsite_redirects_are_obeyed",
            "tests/test_components.py::test_a_redirect_may_not_leave_its_outlet_s_hosts",
        ),
    ),
    Fault(
        "A gzip bomb (250 KB inflating to 256 MiB) and a 6 MiB page",
        "Refused at the download cap (4 MiB) as `too_large`, peak memory under 200 MiB; the "
        "other stories are stored.",
        (
            "tests/test_faults.py::test_bombs_and_giants_are_refused_without_eating_memory",
            "tests/test_crawl_e2e.py::test_downloads_are_capped",
        ),
    ),
    Fault(
        "robots.txt answering 404, 503, or `Disallow` for the section",
        "404: crawled as allowed. 503: nothing else is fetched that run, which fails (exit 1). "
        "Disallow: nothing under it is fetched; each refusal is recorded as `robots_forbidden`.",
        (
            "tests/test_faults.py::test_robots_txt_missing_means_allowed",
            "tests/test_cron.py::test_robots_txt_answering_5xx_means_do_not_crawl",
            "tests/test_faults.py::test_robots_txt_disallowing_the_section_is_obeyed",
        ),
    ),
    Fault(
        "EUC-KR pages declared in the header, only in a meta tag, undeclared, or declared wrongly; "
        "bytes that are no text",
        "Korean text comes out right in each case; a page that decodes as nothing sensible is "
        "recorded as `bad_encoding`, never stored as mojibake.",
        (
            "tests/test_faults.py::test_korean_pages_are_read_right_or_not_at_all",
            "tests/test_charsets.py::test_pages_read_right",
            "tests/test_charsets.py::test_pages_that_read_as_nothing_are_failures",
        ),
    ),
    Fault(
        "Bad times: empty, `2023-02-30`, overflowing digits, far future, before 1990, "
        "`오전/오후`, a JSON-LD `dateModified` before `datePublished`",
        "Empty, impossible and overflowing: `bad_written_at`; far future: `future_written_at`; "
        "before 1990: `early_written_at`; 오전/오후: the right instant; an earlier modified time "
        "is no update. Never an exception, never a future instant.",
        (
            "tests/test_faults.py::test_bad_times_become_instants_or_recorded_failures",
            "tests/test_times.py::test_twelve_hour_clocks",
            "tests/test_times.py::test_a_label_without_a_real_time_is_an_error",
            "tests/test_generic.py::test_a_json_ld_modified_time_before_publication_updates_nothing",
        ),
    ),
    Fault(
        "Titles and bodies holding HTML, quotes, NUL, 100,000-character lines, right-to-left "
        "text and emoji",
        "Stored exactly; found by search; CSV, JSON Lines and JSON read back exactly.",
        (
            "tests/test_hostile_text.py::test_hostile_text_is_stored_exactly",
            "tests/test_hostile_text.py::test_exports_read_back_exactly",
            "tests/test_hostile_text.py::test_hostile_text_is_found_by_search",
        ),
    ),
    Fault(
        "`kill -9` at a random moment of a crawl (60 stories)",
        "`PRAGMA integrity_check` is ok and no story is half-stored after every kill; the next "
        "routine run stores everything missed, once; it walks the listing to the page cap.",
        (
            "tests/test_kill.py::test_kill_9_loses_nothing",
            "tests/test_kill.py::test_the_run_after_an_interrupted_one_walks_to_the_page_cap",
        ),
    ),
    Fault(
        "A full disk (a cap on the size of the files a crawl writes)",
        "The run fails (exit 1) saying the database cannot be written; the database stays "
        "intact; the next run stores everything.",
        ("tests/test_faults.py::test_a_full_disk_fails_the_run_cleanly_and_loses_nothing",),
    ),
    Fault(
        "Readers (`articles`, `search`, `export`, a user who may only read) during a crawl; a "
        "second writer",
        "No reader sees an error; the second crawl is turned away with the lock message.",
        (
            "tests/test_query.py::test_readers_work_while_a_crawl_writes",
            "tests/test_readonly_user.py::test_a_reader_can_query_while_a_crawl_writes",
            "tests/test_cron.py::test_a_second_run_is_locked_out_and_a_killed_run_does_not_block",
        ),
    ),
    Fault(
        "Query input holding SQL metacharacters, FTS operators, quotes or NUL",
        "Treated as data, or refused in one line (exit 2); the database is left as it was.",
        (
            "tests/test_hostile_text.py::test_query_input_is_data_or_refused",
            "tests/test_query.py::test_a_malformed_search_is_a_clear_error",
            "tests/test_usage_errors.py::test_no_input_ends_in_a_traceback",
        ),
    ),
    Fault(
        "Feeds declaring entities (billion laughs, external entities)",
        "Refused unread as `bad_feed`; the run fails saying an index page could not be read.",
        (
            "tests/test_generic.py::test_feeds_declaring_entities_are_refused_unread",
            "tests/test_faults.py::test_a_feed_that_would_expand_is_refused",
        ),
    ),
    Fault(
        "Feed links to another host, `file://`, private and loopback addresses; a canonical "
        "link to another host",
        "Not followed (unless the outlet's config names the host); a foreign canonical is not "
        "the story's identity.",
        (
            "tests/test_generic.py::test_a_feed_is_followed_only_to_its_outlet_s_hosts",
            "tests/test_generic.py::test_a_canonical_on_another_host_is_not_the_story_s_identity",
        ),
    ),
    Fault(
        "A feed of 100,000 items; malformed JSON-LD",
        "Read within the download cap; the first NEWSMON_MAX_ENTRIES stories are fetched and "
        "the rest named in a warning; malformed JSON-LD is passed over for the next evidence.",
        (
            "tests/test_faults.py::test_a_feed_of_100000_items_is_read_within_the_caps",
            "tests/test_generic.py::test_malformed_json_ld_is_passed_over",
        ),
    ),
    Fault(
        "Alert channels that hang, answer 500 or 503, answer slowly, or are down",
        "A run spends at most NEWSMON_ALERTS_MAX_TIME on alerts; what is not sent waits for the "
        "next run; nothing is lost or sent twice.",
        (
            "tests/test_alerts.py::test_hanging_failing_and_slow_channels_hold_a_run_up_a_bounded_time",
            "tests/test_alerts.py::test_a_channel_down_keeps_its_alerts_until_it_is_back",
            "tests/test_alerts.py::test_a_refusing_channel_is_retried",
            "tests/test_alerts.py::test_a_timeout_says_so",
        ),
    ),
    Fault(
        "A soak: 500 routine runs in a row against a site publishing, updating and silently "
        "editing stories, with flaky story pages and listing, while readers, the web UI and an "
        "alert receiver run (scripts/soak.py)",
        "Every story and every version served is stored once; every alert arrives once; no "
        "reader errs; the database stays under 20 MB and the log under 5 MB.",
        ("tests/test_soak.py::test_routine_runs_lose_and_double_nothing",),
    ),
    Fault(
        "A hostile page beside a harmless outlet in one crawl: JSON-LD nested 200,000 deep, a "
        "feed pubDate in the year 99999999999999999999, a Written time no datetime holds, a lone "
        "surrogate in JSON-LD, a story URL of 3,000 characters; an unexpected error",
        "Each fails only its own story, recorded as `too_deep`, `bad_written_at`, `bad_text` or "
        "`url_too_long` (a feed entry's time out of range loses only that time); every run is ok "
        "(exit 0). An unexpected error fails only the run of the outlet whose page raised it, "
        "and its page is recorded as `unexpected_error`.",
        (
            "tests/test_hostile_pages.py::test_hostile_pages_fail_only_their_own_stories",
            "tests/test_faults.py::test_a_hostile_kbs_page_fails_only_its_story",
            "tests/test_hostile_pages.py::test_json_ld_nested_too_deep_fails_its_story",
            "tests/test_hostile_pages.py::test_times_out_of_range_are_bad_times",
            "tests/test_hostile_pages.py::test_a_feed_entry_s_time_out_of_range_loses_only_that_time",
            "tests/test_hostile_pages.py::test_kbs_times_out_of_range_are_bad_times",
            "tests/test_hostile_pages.py::test_text_holding_a_lone_surrogate_fails_its_story",
            "tests/test_hostile_pages.py::test_a_story_url_longer_than_scrapy_takes_is_a_recorded_failure",
            "tests/test_hostile_pages.py::test_an_unexpected_error_counts_against_its_own_outlet_only",
            "tests/test_hostile_pages.py::test_a_story_no_pipeline_could_store_is_a_recorded_failure",
        ),
    ),
    Fault(
        "Titles, URLs and reasons holding terminal escapes (set the title, OSC 52 to write the "
        "clipboard, clear the screen, C1 controls) and direction overrides",
        "Stored and exported exactly; shown escaped (`\\x1b`, `\\u202e`) by `crawl -v`, "
        "`--log-file`, `articles`, `show`, `search` and `runs`.",
        (
            "tests/test_hostile_pages.py::test_page_text_reaches_a_terminal_shown_not_obeyed",
            "tests/test_hostile_pages.py::test_exports_keep_page_text_exact",
            "tests/test_hostile_pages.py::test_log_lines_show_page_text_not_obey_it",
        ),
    ),
    Fault(
        "Requests to the web UI for another Host (a page elsewhere whose name resolves to this "
        "machine: DNS rebinding), or forwarded by a reverse proxy to a server without --public",
        "Refused with 400 and one line saying why, on every page, JSON and CSV; the address "
        "served, localhost on loopback, and names given with --allow-host are answered.",
        (
            "tests/test_web.py::test_serve_answers_only_requests_for_its_own_address",
            "tests/test_web.py::test_serve_refuses_what_a_proxy_forwarded_without_public",
            "tests/test_web.py::test_allow_host_answers_a_reverse_proxy_s_name",
        ),
    ),
    Fault(
        "Stories whose title, summary, byline or body a spreadsheet would run as a formula "
        "(`=HYPERLINK(...)`, `-2+3+cmd|...`, `@SUM(...)`, a leading tab), downloaded as CSV "
        "from the web UI",
        "Every CSV (table, view, row, canned and arbitrary query, streamed) prefixes the cell "
        "with `'`, as newsmon's exports do; the JSON keeps it exact.",
        (
            "tests/test_web.py::test_csv_downloads_neutralise_formulas",
            "tests/test_web.py::test_json_keeps_formula_looking_values_exact",
        ),
    ),
    Fault(
        "Another site framing the web UI (clickjacking); a browser sniffing a CSV or JSON "
        "answer as HTML; a visitor reading the server's folders from /-/databases.json or "
        "/-/metadata.json",
        "Every answer says nosniff and may not be framed (X-Frame-Options, CSP frame-ancestors), "
        "and Chromium refuses the frame while the UI's pages work under the policy; no page "
        "shows the database's or the config's folder.",
        (
            "tests/test_web.py::test_every_answer_says_nosniff_and_may_not_be_framed",
            "tests/test_browser.py::test_no_other_site_can_frame_the_ui",
            "tests/test_browser.py::test_pages_work_under_the_content_security_policy",
            "tests/test_web.py::test_no_answer_shows_where_the_files_are",
        ),
    ),
    Fault(
        "Stories costly to compare: 3,000 words with a change every 50, and 50,000 words made "
        "to cost a diff the most, on the story page and in alerts to several channels",
        "Compared in a bounded number of steps (texts beyond the bound: both versions shown "
        "whole, saying so); the page's diff runs off the event loop, so other requests answer "
        "at once; alerts compare each revision once, and a channel still being prepared when "
        "NEWSMON_ALERTS_MAX_TIME runs out is left for the next run.",
        (
            "tests/test_diff.py::test_a_long_story_with_many_changes_costs_little",
            "tests/test_diff.py::test_texts_beyond_the_bounds_are_shown_whole_and_say_so",
            "tests/test_web.py::test_a_story_too_large_to_compare_shows_both_versions",
            "tests/test_web.py::test_a_costly_story_page_holds_up_no_other_request",
            "tests/test_alerts.py::test_long_stories_are_compared_once_for_every_channel",
            "tests/test_alerts.py::test_the_time_for_alerts_holds_while_finding_what_changed",
        ),
    ),
    Fault(
        "Headlines and bodies holding chat mentions (`@everyone`, `@here`, `<@&role>`, `<@id>`)",
        "Sent with a zero-width space after the `@`, `#` or `!`: they look the same and ping "
        "no one.",
        ("tests/test_alerts.py::test_mentions_in_a_story_ping_no_one",),
    ),
    Fault(
        "Readers of the database file hunting for channel secrets (`sqlite3`, Datasette without "
        "newsmon's plugin, a backup), in a new database and in one made before schema 7",
        "No byte of a channel's password, path token or ntfy topic is in the file or its -wal: "
        "the URL is in a 0600 file beside the database; migration 7 moves old ones out, and "
        "every channel still delivers.",
        (
            "tests/test_secrets.py::test_a_channel_url_never_reaches_the_database",
            "tests/test_secrets.py::test_a_copied_database_without_its_secrets_says_what_is_missing",
            "tests/test_migrations.py::test_channel_urls_move_out_of_the_database_and_still_deliver",
        ),
    ),
    Fault(
        "A refusing channel whose secret is in its path, under `crawl -vv --log-file`",
        "The secret is in no log line, output or row; the log file is made 0600.",
        ("tests/test_secrets.py::test_a_crawl_logs_no_channel_secret_at_any_verbosity",),
    ),
    Fault(
        "A database locked by a writer when the web UI first reads it",
        "The UI answers that request with an error and every later one with "
        "`watch_channels.url` as null: no connection goes without the authorizer.",
        ("tests/test_secrets.py::test_the_web_ui_hides_channel_urls_after_a_busy_start",),
    ),
    Fault(
        "Credentials in URLs: a feed's `?apikey=` or `?token=` (one feed failing), a "
        "`user:password@` feed, an ntfy topic as a channel",
        "Fetched as configured; masked (`****`) in `runs.arguments`, `runs.message`, `failures` "
        "and every log line; a `user:password@` feed is refused at config load naming file, line "
        "and key; an ntfy topic is shown as `ntfys://****`.",
        (
            "tests/test_secrets.py::test_a_feed_token_is_masked_in_the_ledger_failures_and_logs",
            "tests/test_secrets.py::test_a_feed_url_with_a_user_and_password_is_refused_at_load",
            "tests/test_alerts.py::test_an_ntfy_topic_is_never_shown",
        ),
    ),
    Fault(
        "A thread making a file while an export is written",
        "The export never changes the process's umask, so no other file is made world-writable.",
        ("tests/test_secrets.py::test_an_export_file_is_made_without_changing_the_umask",),
    ),
    Fault(
        'A story page that refreshes (`<meta http-equiv="refresh">`) or redirects to another '
        "port of the crawling machine, where a service holds a secret; a canonical URL and a feed "
        "link there; an outlet named by a host name that resolves to loopback",
        "Nothing there is requested: the refresh and the redirect are recorded as "
        "`offsite_redirect` naming where they led, the name as `private_address` (its run "
        "fails); a canonical URL or feed link there is not the story's, and re-checks stay on "
        "the outlet's server, adding no revision.",
        (
            "tests/test_boundaries.py::test_no_page_leads_the_crawl_off_its_hosts_and_ports",
            "tests/test_boundaries.py::test_requests_keep_to_their_outlet_s_hosts_and_ports",
            "tests/test_boundaries.py::test_a_meta_refresh_or_redirect_to_another_port_is_refused",
            "tests/test_boundaries.py::test_a_name_resolving_to_loopback_is_refused",
            "tests/test_boundaries.py::test_links_and_canonicals_to_another_port_are_not_the_outlet_s",
        ),
    ),
    Fault(
        "Beside a sound outlet, one whose story pages hang and one whose feed and listing ask "
        "(Retry-After) for 40 s, under `--max-time 20s`",
        "The sound outlet's run completes, ok, within the time limit; only the other two are "
        "interrupted.",
        ("tests/test_boundaries.py::test_a_slow_outlet_does_not_cut_another_short",),
    ),
    Fault(
        "A Retry-After in the year 99999999999999999999, of 400 digits, or `²`; feeds hiding "
        "entity declarations behind a 70,000-character comment, a `]` in a comment, UTF-16 or a "
        "parameter entity",
        "Read without an error (a date no calendar holds: retried as any 5xx; 400 digits: given "
        "up at once); each feed refused unread as `bad_feed`.",
        (
            "tests/test_boundaries.py::test_hostile_retry_after_values_are_read_safely",
            "tests/test_boundaries.py::test_entity_declarations_are_found_however_they_hide",
        ),
    ),
)


@dataclass
class Tally:
    run: int = 0
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    figures: Counter[str] = field(default_factory=Counter)
    reported: set[str] = field(default_factory=set)


def run_tests(kill_trials: int, xml: Path) -> float:
    tests = sorted({test for fault in FAULTS for test in fault.tests})
    # The suite soaks 200 runs; the page reports the 500 it promises.
    env = dict(os.environ, NEWSMON_KILL_TRIALS=str(kill_trials), NEWSMON_SOAK_RUNS="500")
    started = time.monotonic()
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    subprocess.run(
        [*pytest, f"--junitxml={xml}", *tests],
        cwd=REPO,
        env=env,
        check=False,
    )
    return time.monotonic() - started


def tally(xml: Path) -> dict[str, Tally]:
    """Each test's outcome and figures, by node id without parameters."""
    tallies: dict[str, Tally] = {}
    for case in ElementTree.parse(xml).iter("testcase"):
        node = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        test = node.split("[")[0]
        t = tallies.setdefault(test, Tally())
        if case.find("skipped") is not None:
            continue
        t.run += 1
        if case.find("failure") is None and case.find("error") is None:
            t.passed += 1
        else:
            t.failed.append(node)
        for prop in case.iter("property"):
            name = prop.get("name", "")
            if name in FIGURES:
                t.figures[name] += int(prop.get("value", "0"))
                t.reported.add(name)
    return tallies


def page(tallies: dict[str, Tally], took: float, kill_trials: int) -> tuple[str, list[str]]:
    problems: list[str] = []
    rows = []
    totals: Counter[str] = Counter()
    for fault in FAULTS:
        parts = [tallies.get(test, Tally()) for test in fault.tests]
        for test, part in zip(fault.tests, parts, strict=True):
            if not part.run:
                problems.append(f"{test} did not run")
            problems.extend(f"{node} failed" for node in part.failed)
        run, passed = sum(p.run for p in parts), sum(p.passed for p in parts)
        trials = sum(p.figures["trials"] if "trials" in p.reported else p.run for p in parts)

        def figure(name: str, parts: list[Tally] = parts) -> str:
            if not any(name in p.reported for p in parts):
                return "n/a"
            value = sum(p.figures[name] for p in parts)
            totals[name] += value
            return str(value)

        totals["tests"] += run
        totals["passed"] += passed
        totals["trials"] += trials
        rows.append(
            f"| {fault.what} | {fault.outcome} | {passed}/{run} | {trials} | "
            f"{figure('failures_recorded')} | {figure('stories_lost')} |"
        )
    with sqlite3.connect(":memory:") as conn:
        sqlite_version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("newsmon", "scrapy", "sqlalchemy", "apprise")
    )
    text = f"""{MARK}
# Reliability: the faults newsmon is tested against

Each row is a fault the test suite serves to newsmon (from the fixture server on 127.0.0.1, a
killed process, a capped disk, hostile input) and what the tests require to become of it, with
the counts from the run that wrote this page. *Trials* counts crawls or cases; *failures
recorded* counts pages recorded in the `failures` table (the faults are meant to make them);
*stories lost* counts stories the tests expected stored and did not find (n/a: the test stores
no stories). Rerun it with `python scripts/reliability.py`: it runs every test named here,
the slow ones included; the last lines say how long the run that wrote this page took, and where.

| Fault | What becomes of it | Tests passed | Trials | Failures recorded | Stories lost |
|---|---|---|---|---|---|
{chr(10).join(rows)}
| **All** | | **{totals["passed"]}/{totals["tests"]}** | **{totals["trials"]}** | \
**{totals["failures_recorded"]}** | **{totals["stories_lost"]}** |

Written {datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")} in {took:.0f} s on {platform.system()}
{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite
{sqlite_version}, {versions}; `kill -9` trials: {kill_trials}
(`--kill-trials`).
"""
    if problems:
        text += "\n**Not all held:**\n\n" + "".join(f"- {p}\n" for p in problems)
    return text, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kill-trials", type=int, default=20, metavar="N")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "reliability.md")
    args = parser.parse_args()
    output: Path = args.output
    if output.exists() and MARK not in output.read_text(encoding="utf-8"):
        parser.error(f"--output: {output} is not a page this script wrote; not replacing it")
    with tempfile.TemporaryDirectory() as folder:
        xml = Path(folder) / "results.xml"
        took = run_tests(args.kill_trials, xml)
        if not xml.exists():
            print("reliability: pytest wrote no results", file=sys.stderr)
            return 1
        text, problems = page(tally(xml), took, args.kill_trials)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}" + (f"; {len(problems)} problems" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
