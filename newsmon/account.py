"""Each outlet's account of a run, read from Scrapy's stats: its counts, its summary line and its
verdict. Every count of an outlet is under `newsmon/<outlet>/`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from newsmon.items import PageFailure
from newsmon.kinds import PageKind, RunStatus, Stage

PREFIX = "newsmon/"
# Why the database stopped taking writes during the run (set by newsmon.db.crawl).
DATABASE_ERROR = f"{PREFIX}database_error"
# An outlet's count of unexpected errors (exceptions in reading its pages, in storing its
# stories); and of Scrapy's spider exceptions (counted for the whole crawl), how many some
# outlet's page raised. The others (in reading the start requests) count against every outlet.
ERRORS = "errors"
ATTRIBUTED_ERRORS = f"{PREFIX}attributed_errors"
SPIDER_EXCEPTIONS = "spider_exceptions/count"
# An outlet's pages asked for and not yet answered (set by the spider), and whether it has asked
# for all it will but what those pages lead to: a time limit cut short only the outlets whose
# pages were still open.
PAGES_OPEN = "run/pages_open"
ALL_ASKED = "run/all_asked"


def key(outlet: str, name: str) -> str:
    """The stats key of `name` for `outlet`."""
    return f"{PREFIX}{outlet}/{name}"


class _Stats:
    """One outlet's view of the stats."""

    def __init__(self, stats: Mapping[str, Any], outlet: str) -> None:
        self.stats = stats
        self.outlet = outlet

    def n(self, name: str) -> int:
        return int(self.stats.get(key(self.outlet, name), 0))

    def get(self, name: str) -> Any:
        return self.stats.get(key(self.outlet, name))

    def by_kind(self, group: str) -> dict[str, int]:
        prefix = key(self.outlet, f"{group}/")
        return {
            k.removeprefix(prefix): int(v)
            for k, v in sorted(self.stats.items())
            if k.startswith(prefix)
        }


@dataclass(frozen=True)
class Counts:
    pages: int
    new: int
    updated: int
    unchanged: int
    dropped: int
    failed: int

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], outlet: str) -> Counts:
        s = _Stats(stats, outlet)
        return cls(
            pages=sum(s.n(f"pages/{kind}") for kind in PageKind),
            new=s.n("articles/new"),
            updated=s.n("articles/updated") + s.n("articles/silent_edit"),
            unchanged=s.n("articles/unchanged"),
            dropped=s.n("dropped"),
            failed=s.n("failed"),
        )

    @classmethod
    def total(cls, stats: Mapping[str, Any], outlets: Iterable[str]) -> Counts:
        every = [cls.from_stats(stats, outlet) for outlet in outlets]
        return cls(*(sum(getattr(c, name) for c in every) for name in cls.__dataclass_fields__))


def _with_reasons(count: int, reasons: dict[str, int]) -> str:
    return f"{count}" + (
        f" ({', '.join(f'{k}: {v}' for k, v in reasons.items())})" if reasons else ""
    )


def summary_line(stats: Mapping[str, Any], outlet: str) -> str:
    """`newsmon: kbs-world run 42 ok: 4 pages fetched (2 listing, 1 feed, 1 story); ...`"""
    s = _Stats(stats, outlet)
    counts = Counts.from_stats(stats, outlet)
    pages = ", ".join(
        f"{s.n(f'pages/{kind}')} {kind}"
        for kind in PageKind
        if kind is not PageKind.ARCHIVE or s.n(f"pages/{kind}")
    )
    run, status = s.get("run/id"), s.get("run/status") or ""
    head = f"newsmon: {outlet} run {run} {status}: " if run else f"newsmon: {outlet}: "
    # Fields left out of stored stories, which did not cost them (said only when there are).
    warned = s.by_kind("warnings")
    warnings = f"; {_with_reasons(sum(warned.values()), warned)} warned" if warned else ""
    return (
        f"{head}{counts.pages} pages fetched ({pages}); {counts.new} new, "
        f"{counts.updated} updated ({s.n('articles/silent_edit')} silent), "
        f"{counts.unchanged} unchanged, {s.n('articles/stale')} stale; "
        f"{_with_reasons(counts.dropped, s.by_kind('dropped'))} dropped; "
        f"{_with_reasons(counts.failed, s.by_kind('failed'))} failed{warnings}"
    )


@dataclass(frozen=True)
class Verdict:
    status: RunStatus
    message: str = ""


@dataclass(frozen=True)
class DriftLimits:
    min_pages: int
    ratio: float


def _all_answered(s: _Stats) -> bool:
    return bool(s.get(ALL_ASKED)) and s.n(PAGES_OPEN) == 0


def judge(
    stats: Mapping[str, Any],
    outlet: str,
    failures: Sequence[PageFailure],
    limits: DriftLimits,
    *,
    hosts: Iterable[str] = (),
    drift_hint: str = "",
) -> Verdict:
    """How the run went for `outlet` (its `failures` only). Single story pages that fail are
    counted, not fatal; a blocked index page, a layout that no longer parses, or a run cut short
    is."""
    finish = stats.get("finish_reason")
    if finish == "closespider_timeout" and _all_answered(_Stats(stats, outlet)):
        finish = "finished"  # the time limit came after this outlet's work was done
    if database_error := stats.get(DATABASE_ERROR):
        return Verdict(
            RunStatus.FAILED,
            f"{database_error}: what was fetched after that is not stored; the next run "
            "fetches it again",
        )
    if finish == "shutdown":
        return Verdict(RunStatus.INTERRUPTED, "stopped by a signal; what was fetched is stored")
    if finish == "closespider_timeout":
        return Verdict(
            RunStatus.INTERRUPTED,
            "stopped at its time limit (--max-time); what was fetched is stored",
        )
    if finish is None:
        return Verdict(RunStatus.FAILED, "the crawl could not start; see the error above")
    if finish != "finished":
        return Verdict(RunStatus.FAILED, f"the crawl did not finish (finish reason: {finish})")

    s = _Stats(stats, outlet)
    for host in sorted(hosts):
        if robots := stats.get(f"{PREFIX}robots_unavailable/{host}"):
            return Verdict(
                RunStatus.FAILED, f"robots.txt of {host} answered {robots}: not crawling this run"
            )
    blocked = [f for f in failures if f.stage is Stage.FETCH and f.page.is_index]
    if blocked:
        first = blocked[0]
        more = f" (and {len(blocked) - 1} more index pages)" if len(blocked) > 1 else ""
        return Verdict(
            RunStatus.FAILED, f"blocked or unreachable: {first.url} -> {first.reason}{more}"
        )

    if unreadable := s.get("unreadable_index"):
        return Verdict(RunStatus.FAILED, f"an index page could not be read: {unreadable}")
    if empty := s.get("drift/empty_page"):
        hint = f"; {drift_hint}" if drift_hint else ""
        return Verdict(RunStatus.FAILED, f"layout drift: {empty}{hint}")
    fetched = s.n(f"pages/{PageKind.STORY}")
    unread = [f for f in failures if f.stage is Stage.PARSE and f.page is PageKind.STORY]
    if fetched >= limits.min_pages and unread and len(unread) >= limits.ratio * fetched:
        fields: dict[str, int] = {}
        for f in unread:
            fields[f.kind] = fields.get(f.kind, 0) + 1
        found = ", ".join(f"{k} ({v})" for k, v in sorted(fields.items()))
        samples = ", ".join(f.url for f in unread[:3])
        return Verdict(
            RunStatus.FAILED,
            f"layout drift: {len(unread)} of {fetched} story pages did not "
            f"parse: {found}; e.g. {samples}",
        )

    unattributed = int(stats.get(SPIDER_EXCEPTIONS, 0)) - int(stats.get(ATTRIBUTED_ERRORS, 0))
    errors = s.n(ERRORS) + max(unattributed, 0)
    if errors:
        return Verdict(
            RunStatus.FAILED,
            f"{errors} unexpected error(s) while reading pages or storing stories; see the log",
        )
    if sum(s.n(f"pages/{kind}") for kind in PageKind if kind.is_index) == 0:
        return Verdict(RunStatus.FAILED, "no index page (listing, feed) could be read")
    return Verdict(RunStatus.OK)
