"""The run's account, read from Scrapy's stats: its counts, its summary line, its verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from newsmon.items import PageFailure

PREFIX = "newsmon/"
PAGE_KINDS = ("listing", "feed", "archive", "story")
# Pages that decide what else to fetch: if one of them fails, the run cannot vouch for what it
# did not see.
INDEX_PAGES = frozenset({"listing", "feed", "archive"})


def _n(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(PREFIX + key, 0))


def _by_kind(stats: Mapping[str, Any], group: str) -> dict[str, int]:
    prefix = f"{PREFIX}{group}/"
    return {
        k.removeprefix(prefix): int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)
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
    def from_stats(cls, stats: Mapping[str, Any]) -> Counts:
        return cls(
            pages=sum(_n(stats, f"pages/{kind}") for kind in PAGE_KINDS),
            new=_n(stats, "articles/new"),
            updated=_n(stats, "articles/updated") + _n(stats, "articles/silent_edit"),
            unchanged=_n(stats, "articles/unchanged"),
            dropped=_n(stats, "dropped"),
            failed=_n(stats, "failed"),
        )


def _with_reasons(count: int, reasons: dict[str, int]) -> str:
    return f"{count}" + (
        f" ({', '.join(f'{k}: {v}' for k, v in reasons.items())})" if reasons else ""
    )


def summary_line(stats: Mapping[str, Any]) -> str:
    counts = Counts.from_stats(stats)
    pages = ", ".join(
        f"{_n(stats, f'pages/{kind}')} {kind}"
        for kind in PAGE_KINDS
        if kind != "archive" or _n(stats, "pages/archive")
    )
    run = stats.get(PREFIX + "run/id")
    status = stats.get(PREFIX + "run/status", "")
    head = f"newsmon: run {run} {status}: " if run else "newsmon: "
    return (
        f"{head}{counts.pages} pages fetched ({pages}); {counts.new} new, "
        f"{counts.updated} updated ({_n(stats, 'articles/silent_edit')} silent), "
        f"{counts.unchanged} unchanged, {_n(stats, 'articles/stale')} stale; "
        f"{_with_reasons(counts.dropped, _by_kind(stats, 'dropped'))} dropped; "
        f"{_with_reasons(counts.failed, _by_kind(stats, 'failed'))} failed"
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # ok | failed | interrupted
    message: str = ""


@dataclass(frozen=True)
class DriftLimits:
    min_pages: int = 3
    ratio: float = 0.2


def judge(
    stats: Mapping[str, Any],
    failures: Sequence[PageFailure],
    limits: DriftLimits = DriftLimits(),
) -> Verdict:
    """How the run went. Single story pages that fail are counted, not fatal; a blocked index
    page, a layout that no longer parses, or a run cut short is."""
    finish = stats.get("finish_reason")
    if finish == "shutdown":
        return Verdict("interrupted", "stopped by a signal; what was fetched is stored")
    if finish == "closespider_timeout":
        return Verdict(
            "interrupted", "stopped at its time limit (--max-time); what was fetched is stored"
        )
    if finish is None:
        return Verdict("failed", "the crawl could not start; see the error above")
    if finish != "finished":
        return Verdict("failed", f"the crawl did not finish (finish reason: {finish})")

    if robots := stats.get(PREFIX + "robots_unavailable"):
        return Verdict("failed", f"robots.txt answered {robots}: not crawling this run")
    blocked = [f for f in failures if f.stage == "fetch" and f.page in INDEX_PAGES]
    if blocked:
        first = blocked[0]
        more = f" (and {len(blocked) - 1} more index pages)" if len(blocked) > 1 else ""
        return Verdict("failed", f"blocked or unreachable: {first.url} -> {first.reason}{more}")

    if empty := stats.get(PREFIX + "drift/empty_listing"):
        return Verdict(
            "failed",
            f"layout drift: listing page 1 shows no story links ({empty}); "
            "looked for section.comp_contents_1x article h2 a",
        )
    fetched = _n(stats, "pages/story")
    unread = [f for f in failures if f.stage == "parse" and f.page == "story"]
    if fetched >= limits.min_pages and unread and len(unread) >= limits.ratio * fetched:
        fields: dict[str, int] = {}
        for f in unread:
            fields[f.kind] = fields.get(f.kind, 0) + 1
        found = ", ".join(f"{k} ({v})" for k, v in sorted(fields.items()))
        samples = ", ".join(f.url for f in unread[:3])
        return Verdict(
            "failed",
            f"layout drift: {len(unread)} of {fetched} story pages did not "
            f"parse: {found}; e.g. {samples}",
        )

    errors = sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/"))
    if errors:
        return Verdict("failed", f"{errors} unexpected error(s) while reading pages; see the log")
    if _n(stats, "pages/listing") + _n(stats, "pages/feed") == 0:
        return Verdict("failed", "neither the listing nor the feed could be read")
    return Verdict("ok")
