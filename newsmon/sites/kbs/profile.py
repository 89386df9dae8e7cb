"""The KBS WORLD profile: one or more sections of one language of the site.

A run reads each section's RSS feed and listing pages (and, to backfill, the daily archive,
which mixes every section and names each story's section). Requests go to the outlet's origin,
the site itself or a mirror serving the same paths; stories are stored under their canonical
`world.kbs.co.kr` URL whatever origin served them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from scrapy.http import TextResponse

from newsmon.hosts import host_key
from newsmon.items import Discovery, Story
from newsmon.kinds import PageKind
from newsmon.sites.base import IndexPage, Listed, Option, Outlet, Site, StoryKey
from newsmon.sites.kbs.article import parse_article
from newsmon.sites.kbs.listing import Entry, parse_feed, parse_listing
from newsmon.sites.kbs.times import KST
from newsmon.sites.kbs.urls import (
    CANONICAL_ORIGIN,
    LANGUAGES,
    SECTIONS,
    SITE_HOSTS,
    archive_url,
    canonical_url,
    feed_url,
    listing_url,
    normalise_origin,
    story_key,
    story_url,
)

# How far back `since` may reach, so a typo cannot queue years of archive pages.
MAX_BACKFILL_DAYS = 366


def _sections(value: Any) -> tuple[str, ...]:
    ids = (value,) if isinstance(value, str) else value
    if not isinstance(ids, list | tuple) or not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError('a section id or a list of them, e.g. "Po" or ["Po", "IK"]')
    for section in ids:
        if section not in SECTIONS:
            raise ValueError(f"unknown section id {section!r}; known: {', '.join(SECTIONS)}")
    return tuple(dict.fromkeys(ids))


def _lang(value: Any) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"unknown language code {value!r}; known: {', '.join(sorted(LANGUAGES))}")
    return str(value)


def _origin(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('an http(s) origin, e.g. "https://world.kbs.co.kr"')
    return normalise_origin(value)


class KbsSite(Site):
    name = "kbs"
    options: ClassVar[Mapping[str, Option]] = {
        "section": Option(
            "section id or ids, as the site spells them: " + ", ".join(SECTIONS),
            _sections,
            default=("Po",),
        ),
        "lang": Option("the site's language code (e English, k Korean, ...)", _lang, default="e"),
        "base_url": Option(
            "another origin serving the same paths (a mirror, a local copy); every request "
            "goes there, stored URLs stay canonical",
            _origin,
            default=CANONICAL_ORIGIN,
        ),
    }
    section_aliases = SECTIONS

    @classmethod
    def outlet(cls, name: str, values: Mapping[str, Any]) -> KbsOutlet:
        return KbsOutlet(name, values["section"], values["lang"], values["base_url"])

    @classmethod
    def story_ids(cls, url: str) -> list[tuple[str | None, str]]:
        # Any host: the story may have been fetched from a mirror. A link without `lang`
        # names the story in whichever language is stored.
        named = story_key(url, allowed_hosts=None)
        key = named or story_key(url, allowed_hosts=None, default_lang="e")
        if key is None:
            return []
        return [(key.lang if named else None, key.article_id)]


class KbsOutlet(Outlet):
    site = "kbs"
    zone = KST
    drift_hint = "looked for section.comp_contents_1x article h2 a"

    def __init__(self, name: str, sections: tuple[str, ...], lang: str, origin: str) -> None:
        super().__init__(name, lang=lang, sections=tuple(SECTIONS[s] for s in sections))
        self.section_ids = sections
        self.origin = origin
        # Links may name any of the site's hosts; requests all go to the chosen origin (its
        # port too: another server on the mirror's machine is not the site).
        self.hosts = SITE_HOSTS | {host_key(origin)}

    def first_pages(self, *, since: date | None = None) -> Iterator[IndexPage]:
        for section in self.section_ids:
            yield IndexPage(PageKind.FEED, feed_url(self.origin, self.lang, section), tag=section)
            yield self._listing(section, 1)
        if since is not None:
            day, today = since, datetime.now(KST).date()
            while day <= today:
                yield IndexPage(PageKind.ARCHIVE, archive_url(self.origin, self.lang, day))
                day += timedelta(days=1)

    def check_since(self, since: date) -> None:
        """The daily archive is read in Korea time, and at most a year back."""
        today = datetime.now(KST).date()
        if since > today:
            raise ValueError(f"{since} is after today ({today}, Korea time)")
        if since < today - timedelta(days=MAX_BACKFILL_DAYS):
            raise ValueError(f"{since}: may reach back at most {MAX_BACKFILL_DAYS} days")

    def _listing(self, section: str, number: int) -> IndexPage:
        url = listing_url(self.origin, self.lang, section, number)
        # Page 1 of a live section always lists stories: an empty one is a layout change.
        return IndexPage(PageKind.LISTING, url, number, section, always_lists=number == 1)

    def next_listing(self, page: IndexPage) -> IndexPage | None:
        return self._listing(page.tag, page.number + 1)

    def read_index(self, page: IndexPage, response: TextResponse) -> list[Listed]:
        if page.kind is PageKind.FEED:
            entries: Iterable[Entry] = parse_feed(response, allowed_hosts=self.hosts)
        else:
            entries = parse_listing(response, allowed_hosts=self.hosts)
        # A page may link the same story in other languages.
        entries = [e for e in entries if e.key.lang == self.lang]
        if page.kind is not PageKind.ARCHIVE:
            label = SECTIONS[page.tag]
            return [_listed(e, label) for e in entries]
        # The daily archive mixes every section; its `.cate` label says which.
        labels = {label.casefold(): label for label in self.sections}
        return [
            _listed(e, labels[e.category.casefold()])
            for e in entries
            if e.category and e.category.casefold() in labels
        ]

    def fetch_url(self, key: StoryKey) -> str:
        return story_url(key, self.origin)

    def parse_story(self, response: TextResponse, key: StoryKey, discovery: Discovery) -> Story:
        return parse_article(response, discovery, source=self.name, key=key)

    def canonical_url(self, key: StoryKey) -> str:
        return canonical_url(key)

    def arguments(self) -> dict[str, Any]:
        return {
            **super().arguments(),
            "section": ",".join(self.section_ids),
            "base_url": self.origin,
        }


def _listed(entry: Entry, section: str) -> Listed:
    return Listed(
        key=entry.key,
        title=entry.title,
        listed_at=entry.listed_at,
        summary=entry.summary,
        section=section,
    )
