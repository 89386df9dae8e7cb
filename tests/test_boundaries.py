"""The crawl's boundaries (issue 18): no request leaves its outlet's hosts and ports, whatever
leads there (a meta refresh, a 3xx, a feed or canonical link, a re-check), and no host name
takes it to a loopback, private or link-local address; one slow outlet does not cut another
short; hostile Retry-After values and feeds hiding entity declarations are read safely.

The attacks are served by fixture servers on 127.0.0.1 to real crawls (marked slow); the
components are also checked in process, where that shows the rule more plainly."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from conftest import newsmon, outlets_crawler
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.http import HtmlResponse, Response, XmlResponse

from newsmon.demo.meridian import FEED_PATH, TIMEZONE, MeridianSite
from newsmon.demo.run import FAST
from newsmon.demo.server import serve
from newsmon.demo.site import Fault, FixtureSite, Page
from newsmon.hosts import AddressClass, address_class, host_key, within
from newsmon.items import Discovery
from newsmon.kinds import FailureKind, PageKind
from newsmon.middlewares import OriginGuard, Refused, retry_after_seconds
from newsmon.sites.base import IndexPage, ParseError, StoryKey
from newsmon.sites.generic.feed import parse_feed
from newsmon.spiders.outlets import OutletSpider

# Three outlets on servers of this machine, in process: nothing listens on these ports.
MIRROR, HERALD, NAMED = "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://localhost:8003"
CONFIG = f"""
[[outlets]]
name = "mirror"
site = "kbs"
base_url = "{MIRROR}"

[[outlets]]
name = "herald"
site = "generic"
feed = "{HERALD}/feed.xml"

[[outlets]]
name = "named"
site = "generic"
feed = "{NAMED}/feed.xml"
"""
STORY = "/service/news_view.htm?lang=e&Seq_Code={}"


@pytest.fixture
def crawler(tmp_path: Path, reactor: None) -> Iterator[Crawler]:
    with outlets_crawler(tmp_path, CONFIG) as crawler:
        yield crawler


def _of(outlet: str | None, url: str) -> Request:
    """A request of `outlet`'s, as the spider makes them (None: of no outlet, as a robots.txt)."""
    return Request(url, meta={"newsmon_outlet": outlet} if outlet else {})


# --- in process: the rules -------------------------------------------------------------------


def test_host_keys_carry_ports_other_than_the_default() -> None:
    assert host_key("http://Example.com:80/x") == "example.com"
    assert host_key("https://example.com:443/x") == "example.com"
    assert host_key("http://example.com:443/x") == "example.com:443"
    assert host_key("http://127.0.0.1:8001/x") == "127.0.0.1:8001"
    assert host_key("http://[::1]:8080/x") == "[::1]:8080"
    assert host_key("http://example.com:99999/x") == ""  # no port at all
    assert within("www.example.com", {"example.com"})  # a subdomain, as redirects go
    assert not within("www.example.com:8080", {"example.com"})
    assert not within("127.0.0.1:8002", {"127.0.0.1:8001"})
    assert not within("127.0.0.1", {"127.0.0.1:8001"})
    assert not within("1.127.0.0.1:8001", {"127.0.0.1:8001"})  # addresses have no subdomains


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", AddressClass.LOOPBACK),
        ("::1", AddressClass.LOOPBACK),
        ("::ffff:127.0.0.1", AddressClass.LOOPBACK),
        ("169.254.169.254", AddressClass.LINK_LOCAL),  # cloud metadata
        ("10.1.2.3", AddressClass.PRIVATE),
        ("192.168.0.1", AddressClass.PRIVATE),
        ("224.0.0.1", AddressClass.MULTICAST),
        ("0.0.0.0", AddressClass.UNSPECIFIED),
        ("100.64.0.1", AddressClass.RESERVED),  # shared address space
        ("93.184.216.34", None),
    ],
)
def test_addresses_that_are_not_public(address: str, kind: AddressClass | None) -> None:
    assert address_class(address) == kind


def test_requests_keep_to_their_outlet_s_hosts_and_ports(crawler: Crawler) -> None:
    guard = OriginGuard.from_crawler(crawler)
    assert guard.process_request(_of("mirror", f"{MIRROR}{STORY.format(1)}")) is None
    # A robots.txt is no outlet's page: any outlet's server is allowed.
    assert guard.process_request(_of(None, f"{HERALD}/robots.txt")) is None
    for url in (
        f"{HERALD}/feed.xml",  # another outlet's server on the same machine
        "http://127.0.0.1:9999/internal",  # another port
        "http://127.0.0.1/internal",  # the default port
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ):
        with pytest.raises(Refused, match="off the outlet's hosts and ports") as info:
            guard.process_request(_of("mirror", url))
        assert info.value.kind is FailureKind.OFFSITE, url


def _redirected(
    middleware: MetaRefreshMiddleware | RedirectMiddleware, request: Request, response: Response
) -> Request:
    """The request Scrapy's middleware makes of `response`, as in a crawl."""
    followed = middleware.process_response(request=request, response=response)
    assert isinstance(followed, Request), followed
    return followed


def test_a_meta_refresh_or_redirect_to_another_port_is_refused(crawler: Crawler) -> None:
    guard = OriginGuard.from_crawler(crawler)
    story = _of("mirror", f"{MIRROR}{STORY.format(7)}")
    internal = "http://127.0.0.1:9999/internal"
    refresh = HtmlResponse(
        story.url,
        body=f'<html><head><meta http-equiv="refresh" content="0; url={internal}"></head>'.encode(),
        request=story,
    )
    # Scrapy's own middlewares make the next request, as in a crawl; the guard refuses it.
    refreshed = _redirected(MetaRefreshMiddleware.from_crawler(crawler), story, refresh)
    with pytest.raises(Refused, match=f"a meta refresh on .*Seq_Code=7.* to {internal}") as info:
        guard.process_request(refreshed)
    assert info.value.kind is FailureKind.OFFSITE_REDIRECT
    moved = Response(story.url, status=302, headers={"Location": internal}, request=story)
    redirect = RedirectMiddleware.from_crawler(crawler)
    redirected = _redirected(redirect, story, moved)
    with pytest.raises(Refused, match=f"a redirect \\(HTTP 302\\) on .* to {internal}") as info:
        guard.process_request(redirected)
    assert info.value.kind is FailureKind.OFFSITE_REDIRECT
    # Within the outlet's server a redirect is followed.
    at_home = Response(story.url, status=301, headers={"Location": STORY.format(8)}, request=story)
    assert guard.process_request(_redirected(redirect, story, at_home)) is None


def test_a_name_resolving_to_loopback_is_refused(crawler: Crawler) -> None:
    """`localhost` is named in the config, but it names no address: it resolves to one, which
    could as well be a public name's answer. Only a config naming the address reaches it."""
    guard = OriginGuard.from_crawler(crawler)
    lookup = guard.process_request(_of("named", f"{NAMED}/feed.xml"))
    assert lookup is not None  # a name is looked up first
    # A loop of its own: the test process's current loop (the installed reactor's) stays set.
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(Refused, match=r"localhost resolves to 127\.0\.0\.1, a loopback") as e:
            loop.run_until_complete(lookup)
    finally:
        loop.close()
    assert e.value.kind is FailureKind.PRIVATE_ADDRESS


def test_links_and_canonicals_to_another_port_are_not_the_outlet_s(crawler: Crawler) -> None:
    assert isinstance(crawler.spider, OutletSpider)
    herald, mirror = crawler.spider.walks["herald"].outlet, crawler.spider.walks["mirror"].outlet
    other = "http://127.0.0.1:9999"
    items = "".join(
        f"<item><link>{link}</link></item>" for link in (f"{HERALD}/p/1", f"{other}/p/2")
    )
    feed = XmlResponse(f"{HERALD}/feed.xml", body=f"<rss><channel>{items}</channel></rss>".encode())
    listed = herald.read_index(IndexPage(PageKind.FEED, feed.url), feed)
    assert [e.key.article_id for e in listed] == [f"{HERALD}/p/1"]
    kbs_items = "".join(
        f"<item><title>T</title><link>{escape(origin + STORY.format(n))}</link></item>"
        for n, origin in ((1, MIRROR), (2, other))
    )
    kbs_feed = XmlResponse(
        f"{MIRROR}/rss/rss_news.htm?lang=e&id=Po",
        body=f"<rss><channel>{kbs_items}</channel></rss>".encode(),
    )
    kbs_listed = mirror.read_index(IndexPage(PageKind.FEED, kbs_feed.url, tag="Po"), kbs_feed)
    assert [e.key.article_id for e in kbs_listed] == ["1"]
    text = " ".join(["word"] * 40)
    page = HtmlResponse(
        f"{HERALD}/p/1",
        body=(
            f'<html><head><link rel="canonical" href="{other}/p/1">'
            '<meta property="article:published_time" content="2026-11-20T00:15:00Z"></head>'
            f"<body><h1>T</h1><article><p>{text}</p></article></body></html>"
        ).encode(),
        encoding="utf-8",
    )
    story = herald.parse_story(page, StoryKey("", f"{HERALD}/p/1"), Discovery())
    assert story.article_id == story.url == f"{HERALD}/p/1"  # the key it was listed under


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("Fri, 31 Dec 99999999999999999999 23:59:59 GMT", None),  # raised OverflowError
        ("Fri, 31 Dec 10000 23:59:59 GMT", None),
        ("²", None),  # a digit to str.isdigit, no number to float
        ("9" * 400, 1.7976931348623157e308),  # as long as a float says, not infinity
    ],
)
def test_hostile_retry_after_values_are_read_safely(header: str, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(10))
ITEMS = (
    '<rss version="2.0"><channel><item><title>&l9;</title><link>/p/1</link></item></channel></rss>'
)


@pytest.mark.parametrize(
    "body",
    [
        # A comment longer than the 64 KiB the raw bytes were searched in.
        f'<?xml version="1.0"?><!--{"x" * 70_000}--><!DOCTYPE rss [{LAUGHS}]>{ITEMS}'.encode(),
        # A `]` in a comment of the internal subset, where the search stopped.
        f'<?xml version="1.0"?><!DOCTYPE rss [<!-- ] -->{LAUGHS}]>{ITEMS}'.encode(),
        # UTF-16, which no search of UTF-8 bytes reads.
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE rss [{LAUGHS}]>{ITEMS}'.encode("utf-16"),
        # An external parameter entity.
        f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{HERALD}/p.dtd"> %p;]>{ITEMS}'.encode(),
    ],
    ids=["long-comment", "bracket-in-comment", "utf-16", "parameter-entity"],
)
def test_entity_declarations_are_found_however_they_hide(body: bytes) -> None:
    with pytest.raises(ParseError, match="declares XML entities") as info:
        parse_feed(XmlResponse(f"{HERALD}/feed.xml", body=body))
    assert info.value.kind == "bad_feed"


# --- real crawls: the attacks served --------------------------------------------------------

SECRET = "INTERNAL ADMIN PAGE"


class Internal:
    """A service on another port of the crawling machine, which no outlet names; it records
    every request it is sent."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        words = "The signing key is hunter2, rotate it monthly. " * 10
        return Page(
            200,
            f"<html><head><title>{SECRET}</title></head><body><article><h1>{SECRET}</h1>"
            f"<p>{words}</p></article></body></html>",
        )


# The same on every request: a re-check finds each story as it was.
WRITTEN = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")


def _story(title: str, head: str = "") -> str:
    return (
        f'<html><head><title>{title}</title><meta property="article:published_time" '
        f'content="{WRITTEN}">{head}</head><body><article><h1>{title}</h1>'
        f"<p>{'Words of the story, as a reporter filed them. ' * 8}</p></article></body></html>"
    )


class HostileSite:
    """A generic outlet's site whose pages try to lead the crawl to `internal`: a story page
    that refreshes to it, one that redirects to it, one whose canonical URL is there, and a feed
    link there; besides sound stories and a redirect within the site."""

    def __init__(self, internal: str) -> None:
        self.internal = internal
        self.requests: list[str] = []

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        internal = self.internal
        if target == "/robots.txt":
            return Page(200, "User-agent: *\nAllow: /\n", "text/plain")
        if target == "/feed.xml":
            links = (
                "/story/refresh",
                "/story/redirect",
                "/story/canonical",
                "/story/moved",
                "/story/sound",
                f"{internal}/story/linked",
            )
            items = "".join(f"<item><link>{link}</link></item>" for link in links)
            return Page(200, f"<rss><channel>{items}</channel></rss>", "application/rss+xml")
        if target == "/story/refresh":
            refresh = f'<meta http-equiv="refresh" content="0; url={internal}/internal">'
            return Page(200, _story("Refreshing", refresh))
        if target == "/story/redirect":
            return Page(302, "", headers={"Location": f"{internal}/internal"})
        if target == "/story/moved":
            return Page(301, "", headers={"Location": "/story/moved-here"})
        if target == "/story/canonical":
            return Page(
                200, _story("Canonical", f'<link rel="canonical" href="{internal}/story/x">')
            )
        return Page(200, _story(f"Sound {target}"))


def _rows(db: Path, query: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


@pytest.mark.slow
def test_no_page_leads_the_crawl_off_its_hosts_and_ports(
    tmp_path: Path, figures: Callable[..., None]
) -> None:
    internal = Internal()
    named_site = Internal()  # what a host name resolving to loopback would reach
    with serve(internal) as internal_origin, serve(named_site) as named_origin:
        site = HostileSite(internal_origin)
        with serve(site) as origin:
            named = named_origin.replace("127.0.0.1", "localhost")
            config = tmp_path / "newsmon.toml"
            config.write_text(
                f'[[outlets]]\nname = "hostile"\nsite = "generic"\nfeed = "{origin}/feed.xml"\n\n'
                f'[[outlets]]\nname = "named"\nsite = "generic"\nfeed = "{named}/feed.xml"\n',
                encoding="utf-8",
            )
            db = tmp_path / "news.db"
            first = newsmon("crawl", "--config", str(config), "--db", str(db), *FAST, cwd=tmp_path)
            # A re-check of every stored story: their stored URLs stay on the outlet's server.
            again = newsmon(
                "crawl", "--config", str(config), "--db", str(db), "--recheck", "1d", *FAST,
                "--outlet", "hostile", cwd=tmp_path,
            )  # fmt: skip
    assert internal.requests == [] and named_site.requests == []
    assert first.returncode == 1, first.stderr  # the named outlet's run failed
    assert again.returncode == 0, again.stderr
    failures = dict(_rows(db, "SELECT url, kind || ': ' || reason FROM failures"))
    figures(trials=1, failures_recorded=len(failures))
    assert failures[f"{origin}/story/refresh"].startswith(
        f"offsite_redirect: story page: a meta refresh on {origin}/story/refresh leads off the "
        f"outlet's hosts and ports ({origin[len('http://') :]}), to {internal_origin}/internal"
    )
    assert failures[f"{origin}/story/redirect"].startswith(
        "offsite_redirect: story page: a redirect (HTTP 302) on "
    )
    assert failures[f"{named}/feed.xml"] == (
        "private_address: feed page: localhost resolves to 127.0.0.1, a loopback address: newsmon "
        "fetches such an address only where an outlet's config names the address itself"
    )
    stories = dict(_rows(db, "SELECT url, title FROM stories"))
    sound = {f"{origin}/story/{name}" for name in ("canonical", "moved", "sound")}
    figures(stories_lost=len(sound - set(stories)))
    assert set(stories) == sound
    assert SECRET not in str(stories)
    # Re-checked from its own server: no revision but the first.
    assert _rows(db, "SELECT max(revision) FROM stories") == [(1,)]
    statuses = dict(_rows(db, "SELECT outlet, status FROM runs WHERE id < 3"))
    assert statuses == {"hostile": "ok", "named": "failed"}


@pytest.mark.slow
def test_a_slow_outlet_does_not_cut_another_short(
    site: FixtureSite, origin: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    """Three outlets on three servers of this machine: one whose story pages never answer, one
    whose feed and listing ask (Retry-After) for 40 s, and a sound one. Within the time limit
    the sound one's run completes, ok; only the other two are interrupted."""
    for story in site.politics():
        site.answers[STORY.format(story["article_id"])] = Page(200, "", fault=Fault.HANG)
    busy = FixtureSite.bundled()
    for path in ("/rss/rss_news.htm", "/service/news_list.htm"):
        busy.queued[path] = [Page(503, "busy", headers={"Retry-After": "40"})]
    meridian = MeridianSite.bundled()
    with serve(busy) as busy_origin, serve(meridian) as herald:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            f'[[outlets]]\nname = "slow"\nsite = "kbs"\nbase_url = "{origin}"\n\n'
            f'[[outlets]]\nname = "busy"\nsite = "kbs"\nbase_url = "{busy_origin}"\n\n'
            f'[[outlets]]\nname = "sound"\nsite = "generic"\nfeed = "{herald}{FEED_PATH}"\n'
            f'timezone = "{TIMEZONE}"\n',
            encoding="utf-8",
        )
        db = tmp_path / "news.db"
        # 20 s is many times what the sound outlet needs, even on a loaded machine; the others
        # could not finish in minutes (hanging pages time out after 10 s, and are retried).
        result = newsmon(
            "crawl", "--config", str(config), "--db", str(db), *FAST, "--max-pages", "1",
            "--max-time", "20s", "-s", "DOWNLOAD_TIMEOUT=10", cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    runs = {outlet: (status, message) for outlet, status, message in _rows(
        db, "SELECT outlet, status, message FROM runs"
    )}  # fmt: skip
    assert runs["sound"] == ("ok", None), result.stderr
    cut = ("interrupted", "stopped at its time limit (--max-time); what was fetched is stored")
    assert runs["slow"] == runs["busy"] == cut
    listed = {p for p in meridian.requests if p.startswith("/politics/2")}
    stored = _rows(db, "SELECT count(*) FROM stories WHERE source = 'sound'")[0][0]
    unread = _rows(db, "SELECT count(*) FROM failures WHERE source = 'sound' AND stage = 'parse'")
    figures(trials=1, stories_lost=len(listed) - stored - unread[0][0])
    assert listed and stored + unread[0][0] == len(listed)
