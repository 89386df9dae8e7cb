"""Parsers against saved pages, each with expected values written by hand (tests/pages/)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import PAGES as ALL_PAGES
from scrapy.http import HtmlResponse, XmlResponse

from newsmon.items import Discovery
from newsmon.sites.base import ParseError
from newsmon.sites.kbs.article import parse_article
from newsmon.sites.kbs.listing import parse_feed, parse_listing

PAGES = ALL_PAGES / "kbs"
SOURCE = "kbs-world"
ARTICLE_FIELDS = (
    "lang",
    "article_id",
    "url",
    "title",
    "body",
    "reporter",
    "photo_credit",
    "image_url",
    "written_at",
    "updated_at",
)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _expected(page: Path) -> Any:
    return json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))


def _names(pattern: str) -> list[str]:
    found = sorted(p.name for p in PAGES.glob(pattern))
    assert found, f"no {pattern} in {PAGES}"
    return found


def article_response(page: Path, expected: dict[str, Any]) -> HtmlResponse:
    url = expected.get("url") or (
        f"https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code={expected['article_id']}"
    )
    return HtmlResponse(url=url, body=page.read_bytes(), encoding="utf-8")


@pytest.mark.parametrize("name", _names("article_*.html"))
def test_article_pages(name: str, host_tz: str) -> None:
    page = PAGES / name
    expected = _expected(page)
    if "error" in expected:
        url = "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=190000"
        with pytest.raises(ParseError) as info:
            parse_article(
                HtmlResponse(url=url, body=page.read_bytes(), encoding="utf-8"), source=SOURCE
            )
        assert info.value.field == expected["error"]
        return
    story = parse_article(article_response(page, expected), source=SOURCE)
    got = {name: _iso(getattr(story, name)) for name in ARTICLE_FIELDS}
    assert got == {name: expected[name] for name in ARTICLE_FIELDS}


def test_the_seed_article_reads_as_its_reader_saw_it(host_tz: str) -> None:
    page = PAGES / "article_seed.html"
    story = parse_article(article_response(page, _expected(page)), source=SOURCE)
    assert story.written_at is not None and story.updated_at is not None
    assert story.written_at.isoformat() == "2023-10-20T06:38:59+00:00"
    assert story.updated_at.isoformat() == "2023-10-20T08:24:42+00:00"
    assert story.body.startswith("Anchor: South Korea is watching intently")
    assert story.body.endswith("Bae Joo-yon, KBS World Radio News.")
    assert (story.reporter, story.photo_credit) == ("Bae Joo-yon", "YONHAP News")


def test_discovery_supplies_what_the_page_does_not(host_tz: str) -> None:
    page = PAGES / "article_seed.html"
    listed = datetime.fromisoformat("2023-10-20T06:40:00+00:00")
    story = parse_article(
        article_response(page, _expected(page)),
        Discovery(section="Politics", summary="S", listed_at=listed),
        source=SOURCE,
    )
    assert (story.section, story.summary, story.listed_at) == ("Politics", "S", listed)


def test_parsing_leaves_the_response_untouched() -> None:
    page = PAGES / "article_seed.html"
    response = article_response(page, _expected(page))
    before = response.css("div.body_txt").get()
    parse_article(response, source=SOURCE)
    assert response.css("div.body_txt").get() == before


def _entries(entries: list[Any]) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        record = asdict(entry)
        key = record.pop("key")
        record.pop("category")
        record.update(
            article_id=key["article_id"], lang=key["lang"], listed_at=_iso(entry.listed_at)
        )
        out.append(record)
    return out


@pytest.mark.parametrize("name", _names("listing_*.html"))
def test_listing_pages(name: str, host_tz: str) -> None:
    page = PAGES / name
    response = HtmlResponse(
        url="https://world.kbs.co.kr/service/news_list.htm?lang=e&id=Po&page=1",
        body=page.read_bytes(),
        encoding="utf-8",
    )
    assert _entries(parse_listing(response)) == _expected(page)


@pytest.mark.parametrize("name", _names("rss_*.xml"))
def test_feeds(name: str, host_tz: str) -> None:
    page = PAGES / name
    response = XmlResponse(
        url="https://world.kbs.co.kr/rss/rss_news.htm?lang=e&id=Po", body=page.read_bytes()
    )
    assert _entries(parse_feed(response)) == _expected(page)


def test_a_feed_served_as_html_still_reads_as_xml() -> None:
    page = PAGES / _names("rss_*.xml")[0]
    response = HtmlResponse(
        url="https://world.kbs.co.kr/rss/rss_news.htm?lang=e&id=Po", body=page.read_bytes()
    )
    assert _entries(parse_feed(response)) == _expected(page)
