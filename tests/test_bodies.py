"""A story's body (issue 19, point 5): its length counted in characters where words are written
without spaces, JSON-LD articleBody only when it is the whole text, and a recall-first pass when
the precision-first one finds nothing. The golden pages (tests/pages/generic: chinese, japanese,
teaser, noscript) are checked whole by test_generic.py; here, that each of them still shows the
defect it was written for, and the rules on pages too small to keep as files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PAGES
from scrapy.http import HtmlResponse

from newsmon.sites.base import ParseError
from newsmon.sites.generic.body import MIN_BODY_WORDS, PASSES, _extract, _untabled, read_body, words
from newsmon.sites.generic.jsonld import json_ld_article

GENERIC = PAGES / "generic"
HOST = "https://www.meridian-herald.example"


def _saved(name: str) -> tuple[HtmlResponse, Any]:
    page = GENERIC / f"{name}.html"
    expected = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    return HtmlResponse(url=expected["url"], body=page.read_bytes(), encoding="utf-8"), expected


def _page(body: str, head: str = "") -> HtmlResponse:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return HtmlResponse(url=f"{HOST}/p/1", body=html.encode(), encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("one two  three\nfour", 4),
        ("", 0),
        ("한국어는 띄어쓰기를 합니다", 3),  # Korean is written with spaces
        ("市议会通过了方案", 4),  # 8 Chinese characters, 2 a word
        ("市議会は運賃改定案を可決した。", 7),  # 15 characters with kana and the full stop
        ("東京 Tokyo 2026", 3),  # 2 characters (1 word) and two spaced words
        ("ภาษาไทยง่าย", 2),  # 11 Thai characters, 4 a word
    ],
)
def test_length_in_words_counts_unspaced_scripts_by_characters(text: str, expected: int) -> None:
    assert words(text) == expected


@pytest.mark.parametrize("name", ["chinese", "japanese"])
def test_a_story_without_spaces_is_stored(name: str) -> None:
    response, expected = _saved(name)
    body = read_body(response, json_ld_article(response), expected["title"])
    assert body == expected["body"]
    # counted in space-separated words, as before, it was too short to be a story
    assert len(body.split()) < MIN_BODY_WORDS <= words(body)


def test_a_short_notice_without_spaces_is_still_no_story() -> None:
    response = _page("<article><h1>公交票价</h1><p>本文已被撤回。敬请谅解。</p></article>")
    with pytest.raises(ParseError) as info:
        read_body(response, {}, "公交票价")
    assert info.value.kind == "no_body"


def test_a_truncated_article_body_gives_way_to_the_whole_text() -> None:
    response, expected = _saved("teaser")
    ld = json_ld_article(response)
    teaser = ld["articleBody"]
    # long enough to pass for a story: only its length beside the page's text gives it away
    assert words(teaser) >= MIN_BODY_WORDS and teaser.endswith("...")
    body = read_body(response, ld, expected["title"])
    assert body == expected["body"] and body.startswith(teaser.removesuffix("..."))


def test_an_article_body_longer_than_the_page_s_text_is_the_body() -> None:
    """A page that shows a part (a paywall, a "read more" button) and has the whole text in its
    JSON-LD: the publisher's text wins."""
    shown = " ".join(["The page shows the first part of the story."] * 4)
    whole = shown + " " + " ".join(["The rest is for subscribers only."] * 6)
    response = _page(f"<article><h1>T</h1><p>{shown}</p></article>")
    assert read_body(response, {"articleBody": whole}, "T") == whole


def test_the_recall_pass_finds_what_the_precision_pass_misses() -> None:
    response, expected = _saved("noscript")
    # the first pass alone finds no story here: the second is what stores it
    assert words(_extract(response, expected["title"], PASSES[0])) < MIN_BODY_WORDS
    assert read_body(response, {}, expected["title"]) == expected["body"]


def test_a_page_with_nothing_in_any_pass_is_no_body() -> None:
    response, _ = _saved("nobody")
    with pytest.raises(ParseError) as info:
        read_body(response, {}, "Cabinet Reshuffle Expected This Week")
    assert info.value.kind == "no_body"


def test_layout_table_rows_read_as_text_and_data_tables_stay_tables() -> None:
    extracted = [
        "|  | The harbour reopened on Monday. |",  # a layout table: one filled cell
        "|---|---|",
        "|  |  |",
        "Results by district:",
        "| District | Turnout |",
        "|---|---|",
        "| North \\| East | 61% |",
        "| South |  |",
    ]
    assert _untabled(extracted) == [
        "The harbour reopened on Monday.",
        "Results by district:",
        "| District | Turnout |",
        "|---|---|",
        "| North \\| East | 61% |",
        "South",
    ]


def test_a_title_holding_terminal_escapes_keeps_its_body() -> None:
    # Characters XML forbids (ESC, BEL) in the page: the parsed tree gives the extractor
    # nothing, its own reading of the text drops them.
    title = "Title \x1b]0;owned\x07 \x1b[2J"
    words_ = "Words of the story. " * 20
    response = _page(
        f"<article><h1>{title}</h1><p>{words_}</p></article>", f"<title>{title}</title>"
    )
    assert read_body(response, {}, title) == words_.strip()
