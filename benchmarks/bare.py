"""What newsmon is measured against: bare Scrapy spiders, run with `scrapy runspider`.

`-a mode=crawl` walks the section's listing pages and requests every story page they link,
in the form newsmon requests it, parsing nothing; `-a mode=page` fetches robots.txt and one
listing page, as an idle newsmon run would, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

_STORY = re.compile(r"Seq_Code=(\d+)")


class Bare(scrapy.Spider):
    name = "bare"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, base_url: str, mode: str = "crawl", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url, self.mode = base_url.rstrip("/"), mode
        self.seen: set[str] = set()

    def listing(self, page: int) -> scrapy.Request:
        url = f"{self.base_url}/service/news_list.htm?lang=e&id=Po&page={page}"
        return scrapy.Request(url, self.parse_listing, cb_kwargs={"page": page}, priority=10)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.listing(1)

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        if self.mode != "crawl":
            return
        links = response.css("section.comp_contents_1x a::attr(href)").getall()
        codes = [m.group(1) for link in links if (m := _STORY.search(link))]
        fresh = [c for c in dict.fromkeys(codes) if c not in self.seen]
        self.seen.update(fresh)
        for code in fresh:
            url = f"{self.base_url}/service/news_view.htm?lang=e&Seq_Code={code}"
            yield scrapy.Request(url, self.parse_story)
        if fresh:
            yield self.listing(page + 1)

    def parse_story(self, response: Response) -> None:
        return None
