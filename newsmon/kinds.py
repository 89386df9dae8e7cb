"""The names newsmon gives to states and kinds of things, each an enum so a typo is an error.

They are `StrEnum`s: stored in the database and shown to users as their plain values.
"""

from __future__ import annotations

import enum


class RunStatus(enum.StrEnum):
    """What became of a run (one row of the run ledger per outlet)."""

    RUNNING = "running"  # in progress, or killed: the next run marks it interrupted
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # a signal, or --max-time
    LOCKED = "locked"  # another run held the database's lock


class Stage(enum.StrEnum):
    """Where a page stopped on its way to becoming a story."""

    FETCH = "fetch"  # no usable answer
    PARSE = "parse"  # the page did not read as a story
    VALIDATE = "validate"  # it read, but lacks what a stored story needs


class PageKind(enum.StrEnum):
    """What a fetched page was for."""

    LISTING = "listing"
    FEED = "feed"
    ARCHIVE = "archive"
    STORY = "story"

    @property
    def is_index(self) -> bool:
        """An index page decides what else to fetch: if it fails, the run cannot vouch for
        what it did not see."""
        return self is not PageKind.STORY


class Precision(enum.StrEnum):
    """How much of a stored time its source gave."""

    SECOND = "second"  # an instant, as pages, feeds and listings write them
    DAY = "day"  # only a day, found in a page's text or URL: stored as its start in UTC


class WatchOn(enum.StrEnum):
    """Which revisions of a matching story a watch tells about."""

    NEW = "new"  # a story seen for the first time
    UPDATED = "updated"  # a later revision: an update or a silent edit
    ALL = "all"


class AlertStatus(enum.StrEnum):
    """Where one story's alert to one channel of a watch stands."""

    PENDING = "pending"  # matched, not yet accepted by the channel (never tried, or failing)
    SENT = "sent"  # the channel accepted a notification that carried it


class FailureKind(enum.StrEnum):
    """Kinds of failed page that name no one field or fetch error: what a hostile or broken
    page does. (A field that could not be read is `no_<field>` or `bad_<field>`; a fetch that
    failed is named by its error, `timeout`, `http_404`.)"""

    TOO_DEEP = "too_deep"  # structured data nested deeper than any page's needs
    BAD_TEXT = "bad_text"  # text that is no Unicode (a lone surrogate): no database stores it
    URL_TOO_LONG = "url_too_long"  # longer than Scrapy's URLLENGTH_LIMIT: never fetched
    UNEXPECTED = "unexpected_error"  # newsmon failed reading it (a bug): its run fails too
    # Requests the origin guard (newsmon.middlewares.OriginGuard) refused to send:
    OFFSITE = "offsite"  # a page off its outlet's hosts and ports (a stored URL re-checked)
    OFFSITE_REDIRECT = "offsite_redirect"  # led there by a redirect or a meta refresh
    PRIVATE_ADDRESS = "private_address"  # a host name resolving to a non-public address
