"""The generic profile's parsers against saved pages of the invented outlet The Meridian Herald,
each with expected values written by hand (tests/pages/generic/)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import PAGES
from scrapy.http import HtmlResponse, XmlResponse

from newsmon.config import load_text
from newsmon.items import Discovery, Story
from newsmon.kinds import PageKind, Precision
from newsmon.sites.base import IndexPage, ParseError, StoryKey
from newsmon.sites.generic.page_times import MAX_LEVELS, MAX_MARKED
from newsmon.sites.generic.urls import clean_url

GENERIC = PAGES / "generic"
HOST = "https://www.meridian-herald.example"
OUTLET = load_text(
    f"""
[[outlets]]
name = "meridian"
site = "generic"
feed = "{HOST}/politics/rss.xml"
section = "Politics"
timezone = "Asia/Seoul"
"""
).outlets[0]
FIELDS = ("article_id", "title", "body", "summary", "reporter", "image_url")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _expected(page: Path) -> Any:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def _pages(pattern: str) -> list[str]:
    found = sorted(p.name for p in GENERIC.glob(pattern))
    assert found, f"no {pattern} in {GENERIC}"
    return found


@pytest.mark.parametrize("name", _pages("*.html"))
def test_story_pages(name: str, host_tz: str) -> None:
    page = GENERIC / name
    expected = _expected(page)
    response = HtmlResponse(url=expected["url"], body=page.read_bytes(), encoding="utf-8")
    key = StoryKey("", clean_url(expected["url"]) or "")
    discovery = Discovery(section="Politics")
    if "error" in expected:
        with pytest.raises(ParseError) as info:
            OUTLET.parse_story(response, key, discovery)
        assert info.value.field == expected["error"]
        return
    story = OUTLET.parse_story(response, key, discovery)
    assert (story.source, story.lang, story.section) == ("meridian", "", "Politics")
    assert story.url == story.article_id
    got = {name: getattr(story, name) for name in FIELDS}
    got |= {"written_at": _iso(story.written_at), "updated_at": _iso(story.updated_at)}
    assert got == {name: expected[name] for name in (*FIELDS, "written_at", "updated_at")}
    # A time is an instant unless the page gave only a day (found in its text or URL).
    assert story.written_precision == expected.get("written_precision", "second")


def test_the_feed_s_time_and_summary_stand_in(host_tz: str) -> None:
    """A page without a time of its own takes the feed's (the store's validation does that,
    as for KBS); a summary from the feed wins over the page's."""
    page = GENERIC / "jsonld.html"
    expected = _expected(page)
    listed = datetime(2026, 11, 20, 0, 16, tzinfo=UTC)
    response = HtmlResponse(url=expected["url"], body=page.read_bytes(), encoding="utf-8")
    story = OUTLET.parse_story(
        response,
        StoryKey("", expected["article_id"]),
        Discovery(section="Politics", summary="From the feed", listed_at=listed),
    )
    assert (story.summary, story.listed_at) == ("From the feed", listed)


@pytest.mark.parametrize("name", _pages("*.xml"))
def test_feeds(name: str, host_tz: str) -> None:
    page = GENERIC / name
    response = XmlResponse(url=f"{HOST}/politics/atom.xml", body=page.read_bytes())
    entries = OUTLET.read_index(IndexPage(PageKind.FEED, response.url), response)
    got = [
        {
            "article_id": e.key.article_id,
            "title": e.title,
            "listed_at": _iso(e.listed_at),
            "summary": e.summary,
        }
        for e in entries
    ]
    assert got == _expected(page)
    assert {e.section for e in entries} == {"Politics"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{HOST}/a/b?utm_source=rss&utm_medium=feed", f"{HOST}/a/b"),
        (f"{HOST}/a/b?id=5&fbclid=XYZ&ref=home#comments", f"{HOST}/a/b?id=5"),
        ("HTTPS://WWW.Meridian-Herald.example:8443/A?x=1", "https://www.meridian-herald.example:8443/A?x=1"),
        ("https://www.meridian-herald.example", "https://www.meridian-herald.example/"),
        ("ftp://www.meridian-herald.example/file", None),
        ("not a url", None),
        ("https://www.meridian-herald.example:99999/a", None),  # no such port
        ("https://www.meridian-herald.example:http/a", None),
    ],
)  # fmt: skip
def test_story_urls_drop_tracking(url: str, expected: str | None) -> None:
    assert clean_url(url) == expected


def _page(head: str, body: str = "") -> HtmlResponse:
    text = " ".join(["word"] * 40)
    html = f"<html><head>{head}</head><body><h1>T</h1><article><p>{text}</p>{body}</article></body>"
    return HtmlResponse(url=f"{HOST}/p/1", body=html.encode(), encoding="utf-8")


@pytest.mark.parametrize(
    "block",
    [
        '{"@type": "NewsArticle", "datePublished": "2026-11-20T09:15:00+09:00"}',
        '[{"@type": "WebPage"}, {"@type": ["NewsArticle", "Thing"], '
        '"datePublished": "2026-11-20T09:15:00+09:00"}]',
        '{"@graph": [{"@type": "BlogPosting", "datePublished": "2026-11-20T00:15:00Z"}]}',
        # HTML entities and a trailing comma, as some templates write them
        "{&quot;@type&quot;: &quot;NewsArticle&quot;, "
        "&quot;datePublished&quot;: &quot;2026-11-20T09:15:00+09:00&quot;,}",
        # comments, and two objects back to back, as browsers' readers forgive them
        '// made by the template\n{"@type": "BreadcrumbList"} /* then */'
        '{"@type": "NewsArticle", "datePublished": "2026-11-20T09:15:00+09:00"}',
        # no article object: the page's own WebPage says it; a related item's time does not
        '{"@graph": [{"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle", '
        '"datePublished": "2026-01-01T00:00:00Z"}]}, {"@type": "WebPage", '
        '"datePublished": "2026-11-20T00:15:00Z", "publisher": {"foundingDate": "1999-01-01"}}]}',
    ],
)
def test_json_ld_in_its_many_shapes(block: str) -> None:
    response = _page(f'<script type="application/ld+json">{block}</script>')
    story = OUTLET.parse_story(response, StoryKey("", f"{HOST}/p/1"), Discovery())
    assert story.written_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)


def test_times_in_order_of_evidence_and_never_invented() -> None:
    both = _page(
        '<meta property="article:published_time" content="2026-11-20T00:15:00Z">'
        '<meta property="article:modified_time" content="2026-11-19T00:00:00Z">',
        '<time datetime="2026-01-01T00:00:00Z">1 Jan</time>',
    )
    story = OUTLET.parse_story(both, StoryKey("", f"{HOST}/p/1"), Discovery())
    # the meta tag wins over <time>; a modified time before publication updates nothing
    assert (story.written_at, story.updated_at) == (datetime(2026, 11, 20, 0, 15, tzinfo=UTC), None)
    unreadable = _page('<meta property="article:published_time" content="last Tuesday">')
    with pytest.raises(ParseError) as info:
        OUTLET.parse_story(unreadable, StoryKey("", f"{HOST}/p/1"), Discovery())
    assert info.value.kind == "bad_written_at"


def test_a_canonical_on_another_host_is_not_the_story_s_identity() -> None:
    amp = _page('<link rel="canonical" href="https://amp-cache.example/p/1">')
    story = OUTLET.parse_story(amp, StoryKey("", f"{HOST}/p/1?utm_source=x"), Discovery())
    assert story.article_id == f"{HOST}/p/1?utm_source=x"  # the key it was found under


def _feed(items: str, prolog: str = "") -> XmlResponse:
    body = f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel>{items}</channel></rss>'
    return XmlResponse(url=f"{HOST}/politics/rss.xml", body=body.encode())


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize(
    "prolog",
    [
        LAUGHS,  # a billion laughs
        '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',  # an external entity
        "<!DOCTYPE foo [\n  <!entity x 'y'>\n]>",
    ],
)
def test_feeds_declaring_entities_are_refused_unread(prolog: str) -> None:
    feed = _feed(f"<item><title>&lol9;&xxe;</title><link>{HOST}/p/1</link></item>", prolog)
    with pytest.raises(ParseError) as info:
        OUTLET.read_index(IndexPage(PageKind.FEED, feed.url), feed)
    assert info.value.kind == "bad_feed" and "entities" in str(info.value)


def test_a_feed_is_followed_only_to_its_outlet_s_hosts() -> None:
    links = [
        f"{HOST}/p/1",
        "https://elsewhere.example/p/2",
        "file:///etc/passwd",
        "http://127.0.0.1/admin",
        "http://localhost:8080/p/3",
        "http://10.0.0.1/p/4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/p/5",
        "javascript:alert(1)",
        "//elsewhere.example/p/6",
        "/p/7",  # relative: on the feed's own host
    ]
    feed = _feed("".join(f"<item><link>{link}</link></item>" for link in links))
    entries = OUTLET.read_index(IndexPage(PageKind.FEED, feed.url), feed)
    assert [e.key.article_id for e in entries] == [f"{HOST}/p/1", f"{HOST}/p/7"]


@pytest.mark.parametrize(
    "block",
    [
        "{broken",
        '{"@type": "NewsArticle", "datePublished": }',
        "[]",
        "null",
        '"just a string"',
        '{"@type": "NewsArticle", "datePublished": ["2026-11-20T09:15:00+09:00"]}',
        '{"@graph": "not a list"}',
        # (nested deeper than a page needs: its story fails, tests/test_hostile_pages.py)
    ],
)
def test_malformed_json_ld_is_passed_over(block: str) -> None:
    response = _page(
        f'<script type="application/ld+json">{block}</script>'
        '<meta property="article:published_time" content="2026-11-20T00:15:00Z">'
    )
    story = OUTLET.parse_story(response, StoryKey("", f"{HOST}/p/1"), Discovery())
    assert story.written_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)


def test_a_json_ld_modified_time_before_publication_updates_nothing() -> None:
    block = (
        '{"@type": "NewsArticle", "datePublished": "2026-11-20T09:15:00+09:00", '
        '"dateModified": "2026-11-19T09:15:00+09:00"}'
    )
    response = _page(f'<script type="application/ld+json">{block}</script>')
    story = OUTLET.parse_story(response, StoryKey("", f"{HOST}/p/1"), Discovery())
    assert (story.written_at, story.updated_at) == (datetime(2026, 11, 20, 0, 15, tzinfo=UTC), None)


def _story(head: str, body: str = "", **discovered: Any) -> Story:
    return OUTLET.parse_story(
        _page(head, body), StoryKey("", f"{HOST}/p/1"), Discovery(**discovered)
    )


FEED_TIME = datetime(2026, 11, 20, 1, 2, 3, tzinfo=UTC)


def test_an_unreadable_time_yields_to_the_next_source_and_to_the_feed_s() -> None:
    unreadable = '<meta property="article:published_time" content="last Tuesday">'
    later = '<meta name="sailthru.date" content="2026-11-19T10:00:00+09:00">'
    assert _story(unreadable + later).written_at == datetime(2026, 11, 19, 1, tzinfo=UTC)
    # With nothing else on the page, the feed's time stands in (the validation puts it in):
    # the story is not lost to a field the page wrote badly.
    story = _story(unreadable, listed_at=FEED_TIME)
    assert (story.written_at, story.listed_at) == (None, FEED_TIME)
    # A malformed updated time is no update; the story keeps its written time.
    story = _story(later + '<meta property="article:modified_time" content="2026-13-45">')
    assert (story.written_at, story.updated_at) == (datetime(2026, 11, 19, 1, tzinfo=UTC), None)


@pytest.mark.parametrize(
    "head",
    [
        '<meta name="DC.Date.Issued" content="2026-11-19T10:00:00+09:00">',  # any case
        '<meta name="parsely-pub-date" content="2026-11-19T01:00:00Z">',
        '<meta property="og:article:published_time" content="2026-11-19T01:00:00Z">',
    ],
)
def test_the_meta_names_content_systems_write(head: str) -> None:
    assert _story(head).written_at == datetime(2026, 11, 19, 1, tzinfo=UTC)


def test_a_day_alone_is_a_day_and_a_feed_s_instant_says_more() -> None:
    head = '<meta name="date" content="2026-11-18">'
    story = _story(head)
    assert (story.written_at, story.written_precision) == (
        datetime(2026, 11, 18, tzinfo=UTC),
        Precision.DAY,
    )
    story = _story(head, listed_at=FEED_TIME)
    assert (story.written_at, story.written_precision) == (None, Precision.SECOND)
    # A year or a month alone says no day at all: the page has no written time.
    story = _story('<meta name="date" content="2026">', listed_at=FEED_TIME)
    assert story.written_at is None


def test_a_page_re_dated_long_after_its_url_s_day_keeps_the_url_s_day() -> None:
    block = '{"@type": "NewsArticle", "datePublished": "2026-11-20T09:15:00+09:00"}'
    html = f'<html><head><script type="application/ld+json">{block}</script></head><body>'
    html += f"<h1>T</h1><article><p>{' '.join(['word'] * 40)}</p></article></body></html>"
    for url, written, precision in (
        (f"{HOST}/2019/07/12/story/", datetime(2019, 7, 12, tzinfo=UTC), Precision.DAY),
        # a day later is the outlet's zone, not a re-publication
        (f"{HOST}/2026/11/19/story/", datetime(2026, 11, 20, 0, 15, tzinfo=UTC), Precision.SECOND),
    ):
        response = HtmlResponse(url=url, body=html.encode(), encoding="utf-8")
        story = OUTLET.parse_story(response, StoryKey("", url), Discovery())
        assert (story.written_at, story.written_precision) == (written, precision)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="og:image" content="http://[::1">',  # no URL
        '<link rel="canonical" href="http://[oops/">',
        '<meta property="og:url" content="https://www.meridian-herald.example:99999/x">',
        '<meta property="article:modified_time" content="2026-02-30T00:00:00Z">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": ["a list"], '
        '"author": [{"name": ["x"]}, 3, null], "image": [{"url": "http://[::1"}], '
        '"description": {"not": "text"}, "dateModified": {"x": 1}, "articleBody": 7}</script>',
    ],
)
def test_one_malformed_optional_field_loses_no_story(head: str) -> None:
    published = '<meta property="article:published_time" content="2026-11-20T00:15:00Z">'
    story = _story(published + head)
    assert (story.title, story.written_at) == ("T", datetime(2026, 11, 20, 0, 15, tzinfo=UTC))
    assert (story.image_url, story.updated_at, story.url) == (None, None, f"{HOST}/p/1")


def test_a_listing_link_that_names_no_url_is_passed_over() -> None:
    outlet = load_text(
        f'[[outlets]]\nname = "m"\nsite = "generic"\nfeed = "{HOST}/rss.xml"\n'
        f'listing = "{HOST}/politics/"\nlinks = "a.story"\n'
    ).outlets[0]
    html = '<a class="story" href="http://[broken">x</a><a class="story" href="/p/2">y</a>'
    response = HtmlResponse(url=f"{HOST}/politics/", body=html.encode(), encoding="utf-8")
    entries = outlet.read_index(IndexPage(PageKind.LISTING, response.url), response)
    assert [e.key.article_id for e in entries] == [f"{HOST}/p/2"]


def test_a_template_s_zero_time_is_a_misreading_not_the_story_s() -> None:
    zero = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": '
    zero += '"1970-01-01T01:00:00+01:00"}</script>'
    later = '<meta name="parsely-pub-date" content="2026-11-19T01:00:00Z">'
    assert _story(zero + later).written_at == datetime(2026, 11, 19, 1, tzinfo=UTC)
    assert _story(zero, listed_at=FEED_TIME).written_at is None  # the feed's time stands in
    with pytest.raises(ParseError) as info:
        _story(zero + '<meta name="date" content="1970-01-01">')
    assert info.value.kind == "bad_written_at"


def test_a_page_asks_for_bounded_work_to_find_its_time() -> None:
    # Only the first MAX_MARKED elements of each kind are looked at (each up to MAX_LEVELS
    # levels up): thousands of <time>s thousands of levels deep cost minutes of XPath before.
    unreadable = '<time datetime="x">x</time>' * MAX_MARKED
    late = '<time datetime="2026-11-20T00:15:00Z">20 Nov</time>'
    story = _story("", unreadable + late, listed_at=FEED_TIME)
    assert story.written_at is None  # the feed's time stands in: the 101st was never read
    assert _story("", unreadable[: -len('<time datetime="x">x</time>')] + late).written_at == (
        datetime(2026, 11, 20, 0, 15, tzinfo=UTC)
    )
    deep = "<div>" * (MAX_LEVELS + 5)
    inside = _story(
        "", f"<aside>{deep}{late}{'</div>' * (MAX_LEVELS + 5)}</aside>", listed_at=FEED_TIME
    )
    assert inside.written_at == datetime(2026, 11, 20, 0, 15, tzinfo=UTC)  # its aside unseen
