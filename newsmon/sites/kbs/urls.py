"""The KBS WORLD URL scheme: which links are stories, how a story is named, where things live.

A story's identity is (language, Seq_Code): the same story is reachable under both schemes, two
host names and any parameter order, so raw URLs are never compared.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

from newsmon.hosts import host_key
from newsmon.sites.base import StoryKey
from newsmon.sites.links import join_url

CANONICAL_ORIGIN = "https://world.kbs.co.kr"
SITE_HOSTS = frozenset({"world.kbs.co.kr", "rki.kbs.co.kr"})

ARTICLE_PATH = "/service/news_view.htm"
LISTING_PATH = "/service/news_list.htm"
ARCHIVE_PATH = "/service/news_today.htm"
FEED_PATH = "/rss/rss_news.htm"

# Section ids as the site spells them (case matters), with their English labels.
SECTIONS = {
    "Po": "Politics",
    "Ec": "Economy",
    "IK": "Inter-Korea",
    "In": "International",
    "Dm": "Society",
    "Cu": "Culture",
    "Sp": "Sports",
}
LANGUAGES = frozenset("ekcjfgsrvia")

_DIGITS = re.compile(r"\d+")


def _query(url: str) -> dict[str, str]:
    # Parameter names are matched case-insensitively: `Seq_Code` has been seen as `seq_code`.
    return {k.lower(): v[0] for k, v in parse_qs(urlsplit(url).query).items() if v}


def story_key(
    url: str,
    *,
    allowed_hosts: frozenset[str] | None = SITE_HOSTS,
    default_lang: str | None = None,
) -> StoryKey | None:
    """The story a link points to, or None when it is not a story link of one of
    `allowed_hosts` (host names, with a port where it is not the default one: see
    newsmon.hosts; None: any host). A link without `lang` names a story only given
    `default_lang`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if allowed_hosts is not None and host_key(url) not in allowed_hosts:
        return None
    if not parts.path.endswith(ARTICLE_PATH):
        return None
    q = _query(url)
    seq, lang = q.get("seq_code", ""), q.get("lang", default_lang or "")
    if not seq.isascii() or not _DIGITS.fullmatch(seq) or lang not in LANGUAGES:
        return None
    return StoryKey(lang=lang, article_id=str(int(seq)))


def resolve_story_link(
    href: str, page_url: str, *, allowed_hosts: frozenset[str] = SITE_HOSTS
) -> StoryKey | None:
    """Resolve a (possibly relative) link found on `page_url` to the story it names."""
    url = join_url(page_url, href)
    return story_key(url, allowed_hosts=allowed_hosts) if url else None


def canonical_url(key: StoryKey) -> str:
    """The one URL a story is stored under, whichever host or mirror it was fetched from."""
    return story_url(key, CANONICAL_ORIGIN)


def story_url(key: StoryKey, origin: str) -> str:
    return f"{origin}{ARTICLE_PATH}?{urlencode({'lang': key.lang, 'Seq_Code': key.article_id})}"


def listing_url(origin: str, lang: str, section: str, page: int) -> str:
    return f"{origin}{LISTING_PATH}?{urlencode({'lang': lang, 'id': section, 'page': page})}"


def archive_url(origin: str, lang: str, day: date) -> str:
    return f"{origin}{ARCHIVE_PATH}?{urlencode({'lang': lang, 'date': day.isoformat()})}"


def feed_url(origin: str, lang: str, section: str) -> str:
    return f"{origin}{FEED_PATH}?{urlencode({'lang': lang, 'id': section})}"


def normalise_origin(base_url: str) -> str:
    """`http://host:port/anything` -> `http://host:port`; rejects what is not an http(s) origin."""
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) origin: {base_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def section_label(section_id: str) -> str:
    return SECTIONS.get(section_id, section_id)
