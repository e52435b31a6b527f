"""The news spider: list pages → pagination → articles → their 相关资讯 (related news)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from crawler.extraction import extract_article
from crawler.extraction.profiles import SiteProfile, profile_for_url
from crawler.items import build_article_item
from crawler.state import CrawlState, crawl_state
from crawler.urls import url_key

LIST_PRIORITY = 100


def response_headers(response: Response) -> dict[str, str]:
    """The response headers as text, for ``extract_article``."""
    return {
        key.decode("latin-1"): values[-1].decode("latin-1")
        for key, values in response.headers.items()
        if values
    }


class NewsSpider(scrapy.Spider):
    """Walks list pages and follows every article's related news up to ``RELATED_DEPTH_LIMIT``.

    An article is requested once. Each article keeps the first page that linked it
    (``found_via``) and its ``depth`` in related-news hops from a list page; if it is later
    found closer to a list page after it was parsed, its related links are followed again
    from the closer depth, so the set of articles within the limit does not depend on the
    order in which pages arrive.
    """

    related_depth_limit: int = 2
    state: CrawlState

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._found: dict[str, tuple[int, str | None]] = {}
        self._parsed_depth: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.related_depth_limit = crawler.settings.getint("RELATED_DEPTH_LIMIT")
        spider.state = crawl_state(crawler)
        return spider

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS") and settings.get("DEFAULT_FEED_URI"):
            feed = {"format": "jsonlines", "encoding": "utf-8"}
            settings.set("FEEDS", {settings["DEFAULT_FEED_URI"]: feed}, priority="spider")
        contact = settings.get("CRAWLER_CONTACT")
        agent = settings.get("USER_AGENT")
        if contact and contact not in agent:
            settings.set(
                "USER_AGENT", f"{agent} ({contact})", priority=settings.getpriority("USER_AGENT")
            )

    def profile_for(self, url: str) -> SiteProfile | None:
        """The site profile for a URL (None: generic extraction)."""
        return profile_for_url(url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_list, priority=LIST_PRIORITY)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """Articles of a list page (depth 0) and the list pages it links."""
        profile = self.profile_for(response.url)
        if profile is None or not isinstance(response, TextResponse):
            self.logger.warning("No list profile for %s; skipped", response.url)
            self.crawler.stats.inc_value("news/list_pages_without_profile")
            return
        self.crawler.stats.inc_value("news/list_pages")
        for href in response.css(profile.article_link_css).xpath("@href").getall():
            request = self.article_request(response.urljoin(href), response.url, 0)
            if request is not None:
                yield request
        for link in response.css(profile.list_link_css):
            yield response.follow(link, callback=self.parse_list, priority=LIST_PRIORITY)

    def article_request(self, url: str, found_via: str | None, depth: int) -> scrapy.Request | None:
        """A request for an article, unless it was requested at this depth or closer, or an
        article under the same URL key was already exported."""
        key = url_key(url)
        known = self._found.get(key)
        if known is not None and known[0] <= depth:
            return None
        if known is None and self.state.first_url_for_key(key) is not None:
            self.crawler.stats.inc_value("news/articles_skipped_as_exported")
            return None
        self._found[key] = (depth, found_via)
        parsed_depth = self._parsed_depth.get(key)
        if known is None:
            return scrapy.Request(url, callback=self.parse_article, priority=-depth)
        if parsed_depth is not None and depth < self.related_depth_limit:
            self.crawler.stats.inc_value("news/articles_reexpanded")
            return scrapy.Request(
                url,
                callback=self.parse_article,
                priority=-depth,
                dont_filter=True,
                meta={"reexpand": True},
            )
        return None

    def parse_article(self, response: Response) -> Iterator[Any]:
        """The article's item, then requests for its related articles within the depth limit."""
        key = url_key(response.request.url if response.request else response.url)
        depth, found_via = self._found.get(key, (0, None))
        profile = self.profile_for(response.url)
        fields = extract_article(
            response.body,
            response.url,
            response_headers(response),
            profile=profile.name if profile else None,
        )
        self._parsed_depth[key] = depth
        if not response.meta.get("reexpand"):
            self.crawler.stats.inc_value(f"news/articles/depth_{depth}")
            yield build_article_item(
                fields,
                url=response.url,
                site=profile.name if profile else None,
                found_via=found_via,
                depth=depth,
            )
        if depth >= self.related_depth_limit:
            return
        for entry in fields["related"]:
            request = self.article_request(entry["url"], response.url, depth + 1)
            if request is not None:
                yield request
