"""A second fixture site: The Meridian Herald, an invented outlet watched with the generic profile.

Its RSS feed lists every story; each story page publishes its metadata in one of the ways news
pages do (its `kind`): schema.org JSON-LD (in a `@graph`), Open Graph and article meta tags only,
`<time>` elements only, JSON-LD whose times have no offset (and a trailing comma), a page buried
in navigation, ads and related links, a page with no time at all (the feed's pubDate stands in),
and a withdrawn story with no text. Some feed links carry tracking parameters. The site can be
changed between crawls and records every request it answers.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from newsmon.demo.site import Page
from newsmon.sites.kbs.times import KST

FEED_PATH = "/politics/rss.xml"
# Its section front: the newest stories as links, for an outlet that reads a listing too.
LISTING_PATH = "/politics/"
LISTING_LINKS = "h2.headline a"
SECTION = "Politics"
TIMEZONE = "Asia/Seoul"  # the outlet writes its local times in Korea's zone
_STAMP = "%Y-%m-%d %H:%M:%S"


def _local(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=KST)


@dataclass
class MeridianSite:
    stories: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    # How many of the newest stories the feed lists (None: all); the listing shows them all.
    feed_items: int | None = None

    @classmethod
    def bundled(cls, newest_at: datetime | None = None) -> MeridianSite:
        """The bundled stories, moved in time so the newest was published at `newest_at`
        (default: 40 minutes ago)."""
        text = resources.files("newsmon.demo").joinpath("meridian.json").read_text("utf-8")
        stories = json.loads(text)["stories"]
        newest = max(_local(s["published"]) for s in stories)
        target = newest_at or datetime.now(KST).replace(microsecond=0) - timedelta(minutes=40)
        shift = target.astimezone(KST) - newest
        for story in stories:
            for name in ("published", "modified"):
                if story[name]:
                    story[name] = (_local(story[name]) + shift).strftime(_STAMP)
        return cls({s["id"]: s for s in stories})

    def later(self, after_newest: timedelta) -> str:
        """A local time stamp relative to the newest story's publication."""
        newest = max(_local(s["published"]) for s in self.stories.values())
        return (newest + after_newest).strftime(_STAMP)

    def update_story(self, story_id: int, *, modified: str | None = None, **changes: Any) -> None:
        """Change a story; with `modified` a visible update, without it a silent edit."""
        story = self.stories[story_id]
        story.update(copy.deepcopy(changes))
        if modified is not None:
            story["modified"] = modified

    def path(self, story: dict[str, Any]) -> str:
        published = _local(story["published"])
        return f"/politics/{published:%Y/%m}/{story['slug']}"

    def link(self, origin: str, story: dict[str, Any]) -> str:
        """The link the feed gives: some with the tracking parameters feeds add."""
        tracking = "?utm_source=rss&utm_medium=feed&utm_campaign=politics"
        return origin + self.path(story) + (tracking if story["tracked_link"] else "")

    # --- serving -----------------------------------------------------------------------------

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        origin = f"http://{host}"
        path = urlsplit(target).path
        if path == "/robots.txt":
            return Page(200, "User-agent: *\nDisallow: /search\n", "text/plain; charset=utf-8")
        if path == FEED_PATH:
            return Page(200, self.feed(origin), "application/rss+xml; charset=utf-8")
        if path == LISTING_PATH:
            return Page(200, self.listing())
        for story in self.stories.values():
            if path == self.path(story):
                return Page(200, RENDER[story["kind"]](story, self))
        return Page(404, "<html><body><h1>Page not found</h1></body></html>")

    def listing(self) -> str:
        """The section front: every story's headline links to it (relatively), among links to
        other sections that are no stories of this outlet's."""
        newest_first = sorted(self.stories.values(), key=lambda s: s["published"], reverse=True)
        items = "\n".join(
            f'<li><h2 class="headline"><a href="{self.path(s)}">{escape(s["title"])}</a></h2>'
            f'<p class="teaser">{escape(s["summary"])}</p></li>'
            for s in newest_first
        )
        body = f"""<main><h1>Politics</h1><ul class="stories">{items}</ul>
<aside><a href="/economy/markets-today">Markets today</a></aside></main>"""
        return _page("Politics", "", body)

    def feed(self, origin: str) -> str:
        newest_first = sorted(self.stories.values(), key=lambda s: s["published"], reverse=True)
        newest_first = newest_first[: self.feed_items]
        items = "\n".join(
            f"""<item>
  <title>{escape(s["title"])}</title>
  <link>{escape(self.link(origin, s))}</link>
  <guid isPermaLink="false">meridian-{s["id"]}</guid>
  <pubDate>{format_datetime(_local(s["published"]))}</pubDate>
  <description>{escape(s["summary"])}</description>
</item>"""
            for s in newest_first
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>The Meridian Herald: Politics</title>
<link>{origin}/politics/</link>
<atom:link href="{origin}{FEED_PATH}" rel="self" type="application/rss+xml"/>
<description>Politics from The Meridian Herald</description>
{items}
</channel>
</rss>
"""


# --- story pages, one kind at a time ------------------------------------------------------------


def _iso(stamp: str, *, offset: bool = True) -> str:
    local = _local(stamp)
    return local.isoformat() if offset else local.replace(tzinfo=None).isoformat()


def _utc(stamp: str) -> str:
    return _local(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _paragraphs(story: dict[str, Any]) -> str:
    return "\n".join(f"<p>{escape(p)}</p>" for p in story["paragraphs"])


def _page(title: str, head: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} | The Meridian Herald</title>
{head}
</head>
<body>
<header class="site-header"><a href="/" class="logo">The Meridian Herald</a>
<nav><a href="/politics/">Politics</a> <a href="/economy/">Economy</a> <a href="/world/">World</a>
<a href="/search">Search</a></nav></header>
{body}
<footer class="site-footer"><p>© 2026 The Meridian Herald. All rights reserved.</p>
<p><a href="/about">About us</a> <a href="/privacy">Privacy</a></p></footer>
</body>
</html>
"""


def _byline(story: dict[str, Any]) -> str:
    return ", ".join(story["author"])


def _jsonld(story: dict[str, Any], site: MeridianSite) -> str:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "The Meridian Herald", "url": "/"},
            {
                "@type": "BreadcrumbList",
                "itemListElement": [{"@type": "ListItem", "position": 1, "name": SECTION}],
            },
            {
                "@type": "NewsArticle",
                "headline": story["title"],
                "datePublished": _iso(story["published"]),
                **({"dateModified": _iso(story["modified"])} if story["modified"] else {}),
                "author": [{"@type": "Person", "name": n} for n in story["author"]],
                "image": {"@type": "ImageObject", "url": f"/images/{story['id']}.jpg"},
                "description": story["summary"],
                "articleBody": "\n\n".join(story["paragraphs"]),
            },
        ],
    }
    head = f"""<link rel="canonical" href="{site.path(story)}">
<script type="application/ld+json">{json.dumps(graph)}</script>"""
    body = f"""<main><article>
<h1>{escape(story["title"])}</h1>
<div class="byline">By {escape(_byline(story))}</div>
<figure><img src="/images/{story["id"]}.jpg" alt=""><figcaption>File photo</figcaption></figure>
{_paragraphs(story)}
</article></main>"""
    return _page(story["title"], head, body)


def _meta(story: dict[str, Any], site: MeridianSite) -> str:
    modified = (
        f'\n<meta property="article:modified_time" content="{_utc(story["modified"])}">'
        if story["modified"]
        else ""
    )
    head = f"""<meta property="og:title" content="{escape(story["title"])}">
<meta property="og:description" content="{escape(story["summary"])}">
<meta property="og:image" content="/images/{story["id"]}.jpg">
<meta property="og:url" content="{site.path(story)}">
<meta name="author" content="{escape(_byline(story))}">
<meta property="article:published_time" content="{_utc(story["published"])}">{modified}"""
    body = f"""<main><article class="story">
<h1>{escape(story["title"])}</h1>
<div class="share"><a href="#">Share</a> <a href="#">Print</a></div>
<div class="story-body">
{_paragraphs(story)}
</div>
</article></main>"""
    return _page(story["title"], head, body)


def _time(story: dict[str, Any], site: MeridianSite) -> str:
    modified = (
        f' <span>Updated <time class="updated" datetime="{_iso(story["modified"])}">'
        f"{story['modified'][:16]}</time></span>"
        if story["modified"]
        else ""
    )
    body = f"""<main><article>
<h1>{escape(story["title"])}</h1>
<p class="meta">By {escape(_byline(story))} |
<time itemprop="datePublished" datetime="{_iso(story["published"])}">{
        story["published"][:16]
    }</time>{modified}</p>
{_paragraphs(story)}
</article></main>"""
    return _page(story["title"], "", body)


def _naive(story: dict[str, Any], site: MeridianSite) -> str:
    # Local times without an offset, and a trailing comma, as some CMS templates write them.
    data = f"""{{
  "@context": "https://schema.org",
  "@type": "NewsArticle",
  "headline": {json.dumps(story["title"])},
  "datePublished": "{_iso(story["published"], offset=False)}",
  "author": {{"@type": "Person", "name": {json.dumps(_byline(story))}}},
  "articleBody": {json.dumps(chr(10).join(story["paragraphs"]))},
}}"""
    head = f"""<link rel="canonical" href="{site.path(story)}">
<script type="application/ld+json">{data}</script>"""
    body = f"""<main><article><h1>{escape(story["title"])}</h1>
{_paragraphs(story)}</article></main>"""
    return _page(story["title"], head, body)


def _boilerplate(story: dict[str, Any], site: MeridianSite) -> str:
    related = "\n".join(
        f'<li><a href="{site.path(s)}">{escape(s["title"])}</a></li>'
        for s in site.stories.values()
        if s["id"] != story["id"]
    )
    head = f"""<meta property="og:title" content="{escape(story["title"])}">
<meta property="article:published_time" content="{_iso(story["published"])}">
<link rel="canonical" href="{site.path(story)}">"""
    body = f"""<div class="cookie-banner">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<div class="ad ad-leaderboard">Advertisement: Subscribe to The Meridian Herald for full access
to every story, newsletter and archive, starting at just two dollars a week.</div>
<aside class="trending"><h2>Trending now</h2><ol>{related}</ol></aside>
<main><article>
<h1>{escape(story["title"])}</h1>
<div class="share-tools"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a>
<a href="#">Copy link</a></div>
<div class="article-body">
{_paragraphs(story)}
<div class="newsletter-box"><h3>Get the morning briefing</h3>
<p>Sign up for our free newsletter and get the day's most important political news
delivered to your inbox every morning before eight.</p><form><input type="email">
<button>Sign up</button></form></div>
</div>
<section class="related"><h2>Related stories</h2><ul>{related}</ul></section>
</article></main>
<div class="ad ad-footer">Advertisement: Try our new puzzle app, free for thirty days.</div>"""
    return _page(story["title"], head, body)


def _feedtime(story: dict[str, Any], site: MeridianSite) -> str:
    body = f"""<main><article><h1>{escape(story["title"])}</h1>
{_paragraphs(story)}</article></main>"""
    return _page(story["title"], f'<link rel="canonical" href="{site.path(story)}">', body)


def _nobody(story: dict[str, Any], site: MeridianSite) -> str:
    body = f"""<main><article><h1>{escape(story["title"])}</h1>
<p>This story has been withdrawn.</p></article></main>"""
    return _page(story["title"], "", body)


RENDER = {
    "jsonld": _jsonld,
    "meta": _meta,
    "time": _time,
    "naive": _naive,
    "boilerplate": _boilerplate,
    "feedtime": _feedtime,
    "nobody": _nobody,
}
