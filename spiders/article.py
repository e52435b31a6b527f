"""Single articles of any site: ``scrapy crawl article -a url=URL[,URL...]``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler

from crawler.addons import CRAWL_RUN
from crawler.config import ConfigError, HttpUrls, argument
from spiders.base import NewsSpider

URLS = HttpUrls()


@dataclass(frozen=True)
class ArticleArguments:
    """``-a url=URL[,URL...]``: the article pages to crawl (required by ``scrapy crawl``;
    ``scrapy shell`` and ``scrapy parse`` give the page themselves)."""

    url: tuple[str, ...] = argument(URLS, ())


class ArticleSpider(NewsSpider):
    """Crawls the given article pages and their related news (generic extraction off-profile)."""

    name = "article"

    arguments = ArticleArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = list(self.args.url)
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if crawler.settings.getbool(CRAWL_RUN) and not spider.start_urls:
            raise ConfigError(f"-a url is required by spider {cls.name!r}: {URLS.allowed}")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.article_request(url, None, 0)
