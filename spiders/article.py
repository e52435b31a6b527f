"""Single articles of any site: ``scrapy crawl article -a url=URL[,URL...]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import scrapy

from spiders.base import NewsSpider


class ArticleSpider(NewsSpider):
    """Crawls the given article pages and their related news (generic extraction off-profile)."""

    name = "article"

    def __init__(self, url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [part.strip() for part in url.split(",") if part.strip()]
        if not self.start_urls:
            raise ValueError("give the article URLs: scrapy crawl article -a url=URL[,URL...]")
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.article_request(url, None, 0)
