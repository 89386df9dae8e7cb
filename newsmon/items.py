"""What flows from spiders to pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from newsmon.kinds import PageKind, Precision, Stage


@dataclass(frozen=True)
class Discovery:
    """What a listing page or feed said about a story before its page was fetched."""

    section: str | None = None
    summary: str | None = None
    listed_at: datetime | None = None


@dataclass
class Story:
    """One fetched version of a story: the fields newsmon stores and exports."""

    source: str
    lang: str
    article_id: str
    url: str
    title: str
    body: str
    section: str | None = None
    summary: str | None = None
    reporter: str | None = None
    photo_credit: str | None = None
    image_url: str | None = None
    written_at: datetime | None = None
    updated_at: datetime | None = None
    # DAY when the page gave only a day (written_at is then that day's start in UTC).
    written_precision: Precision = Precision.SECOND
    # The listing's or feed's time, used only when the page shows no Written time.
    listed_at: datetime | None = field(default=None, repr=False)
    # What the page gave that could not be read and was left out, the story kept: (kind,
    # reason) pairs (`bad_updated_at`), counted in the run's summary, never stored.
    warnings: tuple[tuple[str, str], ...] = field(default=(), repr=False)


# Which story, and where it was found.
IDENTITY_FIELDS = ("source", "lang", "article_id", "url", "section")
# What a version of it says; every revision keeps these whole.
CONTENT_FIELDS = (
    "title",
    "body",
    "summary",
    "reporter",
    "photo_credit",
    "image_url",
    "written_at",
    "written_precision",  # beside written_at: "day" when that is only the day's start
    "updated_at",
)
STORY_FIELDS = (*IDENTITY_FIELDS, *CONTENT_FIELDS)


@dataclass(frozen=True)
class PageFailure:
    """A page that did not become a story. `kind` is a short slug for counting (`http_404`,
    `no_body`); `reason` a sentence for people. `source` is the outlet; a story page also names
    its story, so it is retried."""

    url: str
    stage: Stage
    kind: str
    reason: str
    source: str | None = None
    lang: str | None = None
    article_id: str | None = None
    section: str | None = None
    listed_at: datetime | None = None
    page: PageKind = PageKind.STORY
