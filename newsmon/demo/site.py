"""A fixture copy of the KBS WORLD English site, rendered from `stories.json`.

Pages follow the site notes and rotate through every markup variation they list (how Written
and Updated are laid out, photo block forms, link forms, parameter orders), so a crawl of it
exercises the parser as the real site would. The site can be changed between crawls (a new
story, an update, a silent edit, a failing page) and records every request it answers.
"""

from __future__ import annotations

import copy
import enum
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newsmon.sites.kbs.times import KST
from newsmon.sites.kbs.urls import SECTIONS

PER_PAGE = 10
FEED_ITEMS = 10
ROBOTS = "User-agent: *\nDisallow: /admin/\n"


def load_stories() -> list[dict[str, Any]]:
    text = resources.files("newsmon.demo").joinpath("stories.json").read_text(encoding="utf-8")
    stories: list[dict[str, Any]] = json.loads(text)["stories"]
    return stories


class Fault(enum.Enum):
    """How a page can fail on the wire, beyond its status (see newsmon.demo.server)."""

    HANG = "hang"  # never answers, until the server stops
    DROP = "drop"  # closes the connection without a word
    TRUNCATE = "truncate"  # promises the whole body, sends half of it, closes


@dataclass
class Page:
    status: int
    body: str | bytes  # text is sent as UTF-8; bytes as they are (another charset, gzip)
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0  # seconds before the answer
    fault: Fault | None = None

    @property
    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode("utf-8")


@dataclass
class FixtureSite:
    stories: dict[int, dict[str, Any]] = field(default_factory=dict)
    # path+query prefixes answered with a fixed status instead (e.g. a 404 story, a 403 listing)
    failures: dict[str, int] = field(default_factory=dict)
    # path+query prefixes answered with a redirect to the given URL
    redirects: dict[str, str] = field(default_factory=dict)
    # story ids whose page is served without a body (a layout the parser must reject)
    broken: set[int] = field(default_factory=set)
    robots: str = ROBOTS
    # path+query prefix -> pages to answer with, one per request, before the real page
    queued: dict[str, list[Page]] = field(default_factory=dict)
    # path+query prefix -> the page to answer with every time (a fault, another encoding)
    answers: dict[str, Page] = field(default_factory=dict)
    # the story text's class attribute (a site redesign renames it)
    body_class: str = "body_txt fr-view"
    requests: list[str] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)

    @classmethod
    def bundled(cls, newest_at: datetime | None = None) -> FixtureSite:
        """The bundled stories, moved in time so that the newest was written at `newest_at`
        (default: half an hour ago), as a live section would look."""
        stories = load_stories()
        newest = max(_parse_kst(s["written"]) for s in stories)
        target = newest_at or datetime.now(KST).replace(microsecond=0) - timedelta(minutes=30)
        shift = target.astimezone(KST).replace(tzinfo=None) - newest
        for story in stories:
            for name in ("written", "updated"):
                if story[name]:
                    story[name] = kst_text(_parse_kst(story[name]) + shift)
        return cls({s["article_id"]: s for s in stories})

    def kst(self, after_newest: timedelta) -> str:
        """A Korea-time stamp relative to the newest story's written time."""
        newest = max(_parse_kst(s["written"]) for s in self.stories.values())
        return kst_text(newest + after_newest)

    # --- changing the site -------------------------------------------------------------------

    def add_story(self, story: dict[str, Any]) -> None:
        self.stories[story["article_id"]] = copy.deepcopy(story)

    def update_story(self, article_id: int, *, updated: str | None = None, **changes: Any) -> None:
        """Change a story; with `updated` it is a visible update, without it a silent edit."""
        story = self.stories[article_id]
        story.update(changes)
        if updated is not None:
            story["updated"] = updated

    def forget_requests(self) -> None:
        self.requests.clear()
        self.request_times.clear()

    # --- serving -----------------------------------------------------------------------------

    def politics(self, section: str = "Po") -> list[dict[str, Any]]:
        """A section's stories, newest first."""
        chosen = [s for s in self.stories.values() if s["section_id"] == section]
        return sorted(chosen, key=lambda s: s["article_id"], reverse=True)

    def handle(self, target: str, host: str = "") -> Page:
        self.requests.append(target)
        self.request_times.append(time.monotonic())
        for prefix, pages in self.queued.items():
            if target.startswith(prefix) and pages:
                return pages.pop(0)
        for prefix, page in self.answers.items():
            if target.startswith(prefix):
                return page
        for prefix, status in self.failures.items():
            if target.startswith(prefix):
                return Page(status, f"<html><body><h1>{status}</h1></body></html>")
        for prefix, location in self.redirects.items():
            if target.startswith(prefix):
                return Page(302, "", headers={"Location": location})
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/robots.txt":
            return Page(200, self.robots, "text/plain; charset=utf-8")
        if parts.path == "/service/news_list.htm":
            number = int(query.get("page", "1") or 1)
            return Page(200, self.listing(query.get("id", "Po"), number))
        if parts.path == "/service/news_today.htm":
            return Page(200, self.archive(query.get("date", "")))
        if parts.path == "/rss/rss_news.htm":
            return Page(200, self.feed(query.get("id", "Po")), "application/xml; charset=utf-8")
        if parts.path == "/service/news_view.htm":
            story = self.stories.get(int(query.get("Seq_Code", "0") or 0))
            if story is not None and query.get("lang") == "e":
                return Page(200, self.article(story))
        return Page(404, "<html><body><h1>404 Not Found</h1></body></html>")

    # --- rendering ---------------------------------------------------------------------------

    def listing(self, section: str, page: int) -> str:
        stories = self.politics(section)[(page - 1) * PER_PAGE : page * PER_PAGE]
        items = "\n".join(_listing_item(s, i) for i, s in enumerate(stories))
        return _chrome(
            f"News {SECTIONS.get(section, section)} l KBS WORLD",
            f"""<ul class="tab_menu">{_tabs(section)}</ul>
<section class="comp_contents_1x">
{items}
</section>
<div class="comp_pagination"><a href="./news_list.htm?lang=e&id={section}&page={max(page - 1, 1)}"
 class="prev">prev</a> <strong>{page}</strong>
<a href="./news_list.htm?lang=e&id={section}&page={page + 1}" class="next">next</a></div>
{self._editors_pick()}""",
        )

    def archive(self, day: str) -> str:
        """The daily archive: every section's stories written on `day` (Korea time)."""
        stories = sorted(
            (s for s in self.stories.values() if s["written"].startswith(day + " ")),
            key=lambda s: s["article_id"],
            reverse=True,
        )
        items = "\n".join(_listing_item(s, 1) for s in stories)  # always with a `.cate`
        return _chrome(
            "News Today l KBS WORLD",
            f"""<section class="comp_contents_1x">
{items}
</section>
{self._editors_pick()}""",
        )

    def feed(self, section: str) -> str:
        items = []
        for i, s in enumerate(self.politics(section)[:FEED_ITEMS]):
            link = _link_forms(s["article_id"], section)[i % 3 + 2]
            guid = (
                f'\n  <guid isPermaLink="false">kbs-e-{s["article_id"]}</guid>'
                if i % 4 == 0
                else ""
            )
            items.append(f"""<item>
  <title><![CDATA[{s["title"]}]]></title>
  <link>{escape(link)}</link>
  <description><![CDATA[{s["summary"]} ... <a href="{escape(link)}">[more...]</a>]]></description>
  <pubDate>{_rfc822(s["written"])}</pubDate>
  <category>{SECTIONS[section]}</category>{guid}
</item>""")
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>News - English [KBS WORLD Radio] | {SECTIONS.get(section, section)}</title>
<link>https://world.kbs.co.kr/service/news_list.htm?lang=e&amp;id={section}</link>
<description>KBS WORLD Radio News</description>
{chr(10).join(items)}
</channel>
</rss>
"""

    def article(self, s: dict[str, Any]) -> str:
        n = s["article_id"]
        body = (
            ""
            if n in self.broken
            else (
                f'<div id="ele1"><div class="{self.body_class}">{_photo(s)}'
                f'<div class="func_menu"><button>Print</button><button>A+</button></div>'
                f"{_body_html(s)}</div></div>"
            )
        )
        related = [t for t in self.politics(s["section_id"]) if t["article_id"] != n][:3]
        related_html = "".join(
            f'<li><a href="./news_view.htm?lang=e&Seq_Code={t["article_id"]}">'
            f"{escape(t['title'])}</a></li>"
            for t in related
        )
        return _chrome(
            f"{escape(s['title'])} l KBS WORLD",
            f"""<div class="title_area">
<span class="cate">{SECTIONS.get(s["section_id"], "")}</span>
<h1>{escape(s["title"])}</h1>
{_dates(s)}
</div>
{body}
<div class="related_news"><h3>Related News</h3><ul>{related_html}</ul></div>
{self._editors_pick()}""",
            head=f'<meta property="og:image" content="/data/news/{n}.jpg">' if n % 2 else "",
            canonical=f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={n}",
        )

    def _editors_pick(self) -> str:
        others = [s for s in self.stories.values() if s["section_id"] != "Po"]
        links = "".join(
            f'<article><h2><a href="./news_view.htm?lang=e&Seq_Code={s["article_id"]}&id='
            f'{s["section_id"]}">{escape(s["title"])}</a></h2></article>'
            for s in others
        )
        return f'<section class="comp_contents_3x"><h3>Editor\'s Pick</h3>{links}</section>'


def _chrome(title: str, contents: str, *, head: str = "", canonical: str = "") -> str:
    canonical_link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
{canonical_link}
{head}
<script>window.dataLayer = [];</script>
<style>.func_menu {{ float: right; }}</style>
</head>
<body>
<div id="header"><a href="/service/index.htm?lang=e">KBS WORLD</a>
<ul class="gnb"><li><a href="/service/news_list.htm?lang=e">News</a></li></ul></div>
<div id="container"><div class="contents">
{contents}
</div></div>
<div id="footer"><p>This website uses cookies and other technology to enhance quality of
service.</p></div>
<script>console.log("tracking");</script>
</body>
</html>
"""


def _tabs(active: str) -> str:
    active_class = ' class="active"'
    return "".join(
        f"<li{active_class if sid == active else ''}>"
        f'<a href="./news_list.htm?lang=e&id={sid}">{label}</a></li>'
        for sid, label in SECTIONS.items()
    )


def _link_forms(n: int, section: str) -> list[str]:
    """Every form a story link has been seen in, relative, root-relative and absolute."""
    return [
        f"./news_view.htm?lang=e&Seq_Code={n}",
        f"./news_view.htm?Seq_Code={n}&lang=e&id={section}",
        f"/service/news_view.htm?id={section}&lang=e&Seq_Code={n}",
        f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={n}&id={section}",
        f"http://rki.kbs.co.kr/service/news_view.htm?Seq_Code={n}&lang=e",
    ]


def _listing_item(s: dict[str, Any], i: int) -> str:
    n, section = s["article_id"], s["section_id"]
    href = escape(_link_forms(n, section)[n % 5])
    cate = f'<span class="cate">{SECTIONS[section]}</span>' if i % 3 else ""
    return f"""<article>
 <div class="thumb"><a href="{href}"><img src="/data/news/{n}_t.jpg" alt=""></a></div>
 {cate}<h2><a href="{href}">{escape(s["title"])}</a></h2>
 <p class="date">{s["updated"] or s["written"]}</p>
 <p class="sum">{escape(s["summary"])} ...</p>
</article>"""


def _dates(s: dict[str, Any]) -> str:
    # `page_written` lets a test show a page whose Written time differs from the listing's.
    written = f"Written: {s.get('page_written') or s['written']}"
    updated = s["updated"] and f"Updated: {s['updated']}"
    if not updated:
        return f'<p class="date">{written}</p>'
    form = s["article_id"] % 3
    if form == 0:  # run together, as in the seed page
        return f'<p class="date">{written}{updated}</p>'
    if form == 1:
        return f'<p class="date">{written}<br>{updated}</p>'
    return f'<p class="date"><span>{written}</span><span>{updated}</span></p>'


def _photo(s: dict[str, Any]) -> str:
    credit, n = s.get("photo_credit"), s["article_id"]
    if not credit:
        return ""
    form = n % 3
    if form == 0:
        return (
            f'<div class="img_box"><img src="/data/news/{n}.jpg" alt="">'
            f'<p class="cap">Photo : {escape(credit)}</p></div>'
        )
    if form == 1:
        return (
            f'<div class="photo"><img src="/data/news/{n}.jpg" alt="">'
            f"Photo : {escape(credit)}</div>"
        )
    return f"Photo : {escape(credit)}<br><br>"


def _body_html(s: dict[str, Any]) -> str:
    return "<br><br>\n".join(
        "<br>\n".join(escape(line) for line in para) for para in s["paragraphs"]
    )


def _parse_kst(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def kst_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _rfc822(kst: str) -> str:
    return format_datetime(_parse_kst(kst).replace(tzinfo=KST))
