"""Single articles of any site: ``scrapy crawl article -a url=URL[,URL...]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy

from crawler.config import HttpUrls, argument
from spiders.base import NewsSpider


@dataclass(frozen=True)
class ArticleArguments:
    """``-a url=URL[,URL...]``: the article pages to crawl (required)."""

    url: tuple[str, ...] = argument(HttpUrls())


class ArticleSpider(NewsSpider):
    """Crawls the given article pages and their related news (generic extraction off-profile)."""

    name = "article"

    arguments = ArticleArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = list(self.args.url)
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.article_request(url, None, 0)
