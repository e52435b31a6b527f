"""The news spider: list pages → pagination → articles → their 相关资讯 (related news).

The spider only decides what to request and hands pages to extraction. What a crawl
remembers between runs (exported articles, the frontier, list pages already walked,
rechecks) is ``crawler.incremental``'s, a spider and a downloader middleware.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import SCHEDULER_ARGUMENTS, NoArguments, parse_arguments, setting
from crawler.extraction import extract_article, extract_list
from crawler.extraction.profiles import SiteProfile, profile_for_url
from crawler.failures import FailureLog
from crawler.items import build_article_item
from crawler.outcome import LIST_PAGES_STAT
from crawler.request_meta import DEPTH, FOUND_VIA, NEXT_LIST_PAGE, START_PAGE

LIST_PRIORITY = 100


def response_headers(response: Response) -> dict[str, str]:
    """The response headers as text, for extraction."""
    return {
        key.decode("latin-1"): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


class NewsSpider(scrapy.Spider):
    """Walks a site's lists page by page and follows every article's related news up to
    ``RELATED_DEPTH_LIMIT`` hops; ``depth`` and ``found_via`` travel in the request meta.

    ``arguments``: the dataclass declaring the spider's ``-a`` arguments
    (``crawler.config``); the values given are checked into ``self.args``, and an unknown
    or bad one stops the crawl before it starts."""

    arguments: type = NoArguments
    related_depth_limit: int = 2

    def __init__(self, **kwargs: Any) -> None:
        self.args = parse_arguments(self.name, self.arguments, kwargs)
        super().__init__(**{k: v for k, v in kwargs.items() if k in SCHEDULER_ARGUMENTS})

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.related_depth_limit = setting(crawler.settings, "RELATED_DEPTH_LIMIT")
        spider.failure_log = FailureLog.from_crawler(crawler)
        return spider

    def profile_for(self, url: str) -> SiteProfile | None:
        """The site profile for a URL (None: generic extraction)."""
        return profile_for_url(url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self.list_request(url, {START_PAGE: True})

    def list_request(self, url: str, meta: dict[str, Any] | None = None) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.page_failed,
            priority=LIST_PRIORITY,
            meta=meta,
        )

    def article_request(self, url: str, found_via: str | None, depth: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.page_failed,
            priority=-depth,
            meta={DEPTH: depth, FOUND_VIA: found_via},
        )

    def page_failed(self, failure: Failure) -> None:
        """Errback of every request: one log line and a stat (``crawler.failures``)."""
        self.failure_log.page_failed(failure)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """The list's articles (depth 0), then its next page and, on a start page, the
        site's other lists."""
        profile = self.profile_for(response.url)
        if profile is None:
            self.logger.warning("No list profile for %s; skipped", response.url)
            self.crawler.stats.inc_value("news/list_pages_without_profile")
            return
        self.crawler.stats.inc_value(LIST_PAGES_STAT)
        links = extract_list(
            response.body, response.url, response_headers(response), profile=profile.name
        )
        for url in links.articles:
            yield self.article_request(url, response.url, 0)
        if links.next_page:
            yield self.list_request(links.next_page, {NEXT_LIST_PAGE: True})
        if response.meta.get(START_PAGE):
            for url in links.lists:
                yield self.list_request(url)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Requests for the article's related articles within the depth limit, then its item
        (a page requested without depth, as by ``scrapy parse``, is taken as listed).

        The item comes last: once it is exported its related links are already recorded,
        whatever moment the crawl is killed at.
        """
        depth: int = response.meta.get(DEPTH, 0)
        profile = self.profile_for(response.url)
        fields = extract_article(
            response.body,
            response.url,
            response_headers(response),
            profile=profile.name if profile else None,
        )
        if depth < self.related_depth_limit:
            for entry in fields["related"]:
                yield self.article_request(entry["url"], response.url, depth + 1)
        yield build_article_item(
            fields,
            url=response.url,
            site=profile.name if profile else None,
            found_via=response.meta.get(FOUND_VIA),
            depth=depth,
        )
