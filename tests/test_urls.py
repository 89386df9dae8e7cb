import pytest

from newsmon.sites.kbs.urls import (
    StoryKey,
    canonical_url,
    feed_url,
    listing_url,
    normalise_origin,
    resolve_story_link,
    story_key,
)

PAGE = "https://world.kbs.co.kr/service/news_list.htm?lang=e&id=Po"
KEY = StoryKey("e", "181234")


@pytest.mark.parametrize(
    "href",
    [
        "./news_view.htm?lang=e&Seq_Code=181234",
        "./news_view.htm?Seq_Code=181234&lang=e&id=Po",
        "news_view.htm?id=Po&lang=e&Seq_Code=181234",
        "/service/news_view.htm?lang=e&Seq_Code=181234",
        "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181234",
        "http://world.kbs.co.kr/service/news_view.htm?Seq_Code=181234&lang=e",
        "http://rki.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181234&id=Po",
        " ./news_view.htm?lang=e&seq_code=181234 ",
    ],
)
def test_every_link_form_names_the_same_story(href: str) -> None:
    assert resolve_story_link(href, PAGE) == KEY


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/service/news_view.htm?lang=e&Seq_Code=181234",  # another host
        "https://world.kbs.co.kr/service/news_list.htm?lang=e&Seq_Code=181234",  # not a story
        "https://world.kbs.co.kr/service/news_view.htm?lang=e",  # no Seq_Code
        "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=12a",
        "https://world.kbs.co.kr/service/news_view.htm?lang=xx&Seq_Code=1",
        "ftp://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=1",
    ],
)
def test_other_links_are_not_stories(url: str) -> None:
    assert story_key(url) is None


def test_the_same_code_in_two_languages_is_two_stories() -> None:
    german = story_key("https://world.kbs.co.kr/service/news_view.htm?lang=g&Seq_Code=181234")
    assert german == StoryKey("g", "181234")
    assert german != KEY


def test_canonical_url_is_one_form_whatever_the_host() -> None:
    assert canonical_url(KEY) == (
        "https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181234"
    )


def test_site_urls_on_another_origin() -> None:
    origin = normalise_origin("http://127.0.0.1:8080/anything?x=1")
    assert origin == "http://127.0.0.1:8080"
    assert listing_url(origin, "e", "Po", 2) == (
        "http://127.0.0.1:8080/service/news_list.htm?lang=e&id=Po&page=2"
    )
    assert feed_url(origin, "e", "Po") == "http://127.0.0.1:8080/rss/rss_news.htm?lang=e&id=Po"
    with pytest.raises(ValueError, match="not an http"):
        normalise_origin("world.kbs.co.kr")


@pytest.mark.parametrize("href", ["http://[broken", "https://world.kbs.co.kr:http/x", "//[::1"])
def test_a_link_that_names_no_url_names_no_story(href: str) -> None:
    assert resolve_story_link(href, PAGE) is None
