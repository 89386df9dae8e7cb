"""What a site profile is: the interface between newsmon's core, which names no site, and the
knowledge of one kind of site.

A `Site` (a profile: `kbs`, `generic`) says which keys an outlet of it takes in newsmon.toml and
makes an `Outlet` from them. An `Outlet` is one watched section of one site: its hosts, how a link
names a story, which index pages to read first and how to read them, where to fetch a story and
how to read its page, and what the drift alarm should name when its pages stop parsing. The
spider walks outlets through this interface alone; parsers are pure functions of a response.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from newsmon.items import Discovery, Story
from newsmon.kinds import PageKind

if TYPE_CHECKING:  # the CLI reads configs through this module: it should not load Scrapy
    from scrapy.http import TextResponse


@dataclass(frozen=True, order=True)
class StoryKey:
    """What makes two links the same story, within one outlet: its language and the outlet's
    own id for it (KBS: the Seq_Code; a generic outlet: the canonical URL)."""

    lang: str
    article_id: str


@dataclass(frozen=True)
class Listed:
    """A story as an index page (listing, feed, archive) shows it."""

    key: StoryKey
    title: str | None = None
    listed_at: datetime | None = None
    summary: str | None = None
    # The section label to store with the story; None when the page does not say.
    section: str | None = None


@dataclass(frozen=True)
class IndexPage:
    """An index page to read: a listing page, a feed, a day of an archive."""

    kind: PageKind
    url: str
    # Listings: which page of it. Profiles may use `tag` to remember what the page is of
    # (KBS: the section id).
    number: int = 1
    tag: str = ""
    # A page that always lists stories while the layout holds: an empty one is layout drift.
    always_lists: bool = False


class ParseError(ValueError):
    """The page is not a story newsmon can store; `field` names what could not be read."""

    def __init__(self, field: str, reason: str, *, missing: bool = False) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        # A short slug for counting: `no_body` (not found) or `bad_written_at` (found, unreadable).
        self.kind = f"{'no' if missing else 'bad'}_{field}"


class OptionError(ValueError):
    """Options of an outlet that do not go together; `key` names the one to change."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key


@dataclass(frozen=True)
class Option:
    """A key an outlet of a site takes in newsmon.toml. `read` checks and converts the value
    from TOML, raising ValueError with the reason."""

    help: str
    read: Callable[[Any], Any]
    required: bool = False
    default: Any = None


class NoArchive(ValueError):
    """An outlet has no archive to backfill from (`crawl --since`)."""


class Outlet(ABC):
    """One watched section (or a few) of one site, as configured."""

    def __init__(self, name: str, *, lang: str, sections: tuple[str, ...]) -> None:
        self.name = name  # stored as every story's `source`
        self.lang = lang
        self.sections = sections  # the labels stored with its stories

    #: The profile it is of (`Site.name`).
    site: ClassVar[str]
    #: Hosts whose links and redirects the crawl may follow.
    hosts: frozenset[str]
    #: The zone the outlet writes its local times in (shown beside UTC by the web UI).
    zone: tzinfo
    #: What the drift alarm names when pages stop parsing: where the parser looked.
    drift_hint: str

    @abstractmethod
    def first_pages(self, *, since: date | None = None) -> Iterable[IndexPage]:
        """The index pages a run starts from; with `since`, also those reaching back to that
        day (see `check_since`)."""

    def check_since(self, since: date) -> None:
        """Whether the outlet can backfill from `since`; raises ValueError saying why not
        (NoArchive for an outlet that has none)."""
        raise NoArchive(f"outlet {self.name!r} has no archive to backfill from")

    def next_listing(self, page: IndexPage) -> IndexPage | None:
        """The listing page after `page`, for outlets whose listing has pages."""
        return None

    @abstractmethod
    def read_index(self, page: IndexPage, response: TextResponse) -> list[Listed]:
        """The stories an index page shows, in page order, of this outlet's sections only."""

    @abstractmethod
    def fetch_url(self, key: StoryKey) -> str:
        """Where to request a story."""

    @abstractmethod
    def parse_story(self, response: TextResponse, key: StoryKey, discovery: Discovery) -> Story:
        """Read a story page. Raises ParseError when it is not a story that can be stored."""

    @abstractmethod
    def canonical_url(self, key: StoryKey) -> str:
        """The URL a story is stored under, and a failed one recorded under."""

    def arguments(self) -> dict[str, Any]:
        """What the run ledger records of this outlet's options."""
        return {"outlet": self.name, "lang": self.lang, "section": ", ".join(self.sections)}


class Site(ABC):
    """A profile: how to watch one kind of site."""

    name: ClassVar[str]
    options: ClassVar[Mapping[str, Option]]
    #: Other names users may give a section label in queries (KBS: its ids, `Po` -> Politics).
    section_aliases: ClassVar[Mapping[str, str]] = {}

    @classmethod
    @abstractmethod
    def outlet(cls, name: str, values: Mapping[str, Any]) -> Outlet:
        """An outlet from its checked options (every key of `options`, defaults filled in);
        OptionError for options that do not go together."""

    @classmethod
    def story_ids(cls, url: str) -> list[tuple[str | None, str]]:
        """The (language, id) pairs a URL may name a story by in outlets of this site (a
        language of None: any), for `newsmon show URL`."""
        return []
