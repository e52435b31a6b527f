"""The news spider: list pages → pagination → articles → their 相关资讯 (related news)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.extraction import extract_article
from crawler.extraction.dates import BEIJING
from crawler.extraction.profiles import SiteProfile, profile_for_url
from crawler.items import build_article_item
from crawler.state import CrawlState, crawl_state
from crawler.urls import url_key

LIST_PRIORITY = 100
FULL_CRAWL = "full"
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


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
    full_crawl: bool = False
    recheck_days: int = 0
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
        spider.full_crawl = crawler.settings.get("CRAWL_MODE") == FULL_CRAWL
        spider.recheck_days = crawler.settings.getint("RECHECK_DAYS")
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        return spider

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if not settings.getdict("FEEDS") and settings.get("DEFAULT_FEED_URI"):
            feed = {
                "format": "jsonlines",
                "encoding": "utf-8",
                "batch_item_count": settings.getint("FEED_BATCH_ITEMS"),
            }
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
        for request in self.recheck_requests():
            yield request
        for url, depth, found_via in self.state.frontier():
            request = self.article_request(url, found_via, depth)
            if request is not None:
                self.crawler.stats.inc_value("news/articles_from_frontier")
                yield request
        for url in self.start_urls:
            yield scrapy.Request(
                url, callback=self.parse_list, priority=LIST_PRIORITY, meta={"start_page": True}
            )

    def recheck_requests(self) -> Iterator[scrapy.Request]:
        """With ``RECHECK_DAYS``: the exported articles published in the last N days, fetched
        again so that a changed one is exported as its next version (as a start URL: depth 0,
        no ``found_via``; their related news was followed when they were first exported)."""
        if not self.recheck_days:
            return
        today = datetime.now(BEIJING).date()
        since = (today - timedelta(days=self.recheck_days)).isoformat()
        for url, sha256, version in self.state.recent_articles(since):
            self._found[url_key(url)] = (0, None)
            self.crawler.stats.inc_value("news/articles_rechecked")
            yield scrapy.Request(
                url, callback=self.parse_article, errback=self.article_failed,
                dont_filter=True, meta={"recheck": (sha256, version)},
            )

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """Articles of a list page (depth 0), then the list's next page and, on a start page,
        the site's lists.

        A list is walked page by page from its first page. In incremental mode the walk stops
        at the first page all of whose articles a finished run listed (``was_listed``):
        everything older was walked then. A killed run's notes are lost, so the next run walks
        at least as far back.
        """
        profile = self.profile_for(response.url)
        if profile is None or not isinstance(response, TextResponse):
            self.logger.warning("No list profile for %s; skipped", response.url)
            self.crawler.stats.inc_value("news/list_pages_without_profile")
            return
        self.crawler.stats.inc_value("news/list_pages")
        links = [
            response.urljoin(href)
            for href in response.css(profile.article_link_css).xpath("@href").getall()
        ]
        for url in links:
            request = self.article_request(url, response.url, 0)
            if request is not None:
                yield request
        list_key = response.meta.get("list_key") or url_key(response.url)
        keys = [url_key(url) for url in links]
        self.state.note_listed(keys)
        next_page = response.xpath(profile.next_page_xpath).get()
        if next_page and self.walk_on(list_key, keys):
            yield response.follow(
                next_page, callback=self.parse_list, priority=LIST_PRIORITY,
                meta={"list_key": list_key},
            )
        if response.meta.get("start_page"):
            for link in response.css(profile.list_link_css):
                yield response.follow(link, callback=self.parse_list, priority=LIST_PRIORITY)

    def walk_on(self, list_key: str, article_keys: list[str]) -> bool:
        """Whether to walk a list past the page that lists ``article_keys``."""
        if self.full_crawl:
            return True
        if article_keys and all(self.state.was_listed(key) for key in article_keys):
            self.crawler.stats.inc_value("news/lists_stopped_at_listed_page")
            return False
        return True

    def article_request(self, url: str, found_via: str | None, depth: int) -> scrapy.Request | None:
        """A request for an article, unless it was requested at this depth or closer, or it
        was exported and its related links followed from this depth or closer (then, if it is
        found closer now, a request that only follows its related links again)."""
        key = url_key(url)
        known = self._found.get(key)
        if known is None and not self.full_crawl and self.state.first_url_for_key(key):
            expanded = self.state.expanded_depth(key)
            if expanded is None or expanded <= depth:
                self.crawler.stats.inc_value("news/articles_skipped_as_exported")
                return None
            known = (expanded, None)
            self._parsed_depth[key] = expanded
        if known is not None and known[0] <= depth:
            return None
        self._found[key] = (depth, found_via)
        if depth > 0:
            # Kept until the article is exported and expanded from here: a run killed before
            # then (even while an earlier request for it is in flight) leaves it to the next.
            self.state.add_frontier(url, key, depth, found_via)
        if known is None:
            return scrapy.Request(
                url, callback=self.parse_article, errback=self.article_failed, priority=-depth
            )
        if key in self._parsed_depth and depth < self.related_depth_limit:
            self.crawler.stats.inc_value("news/articles_reexpanded")
            return scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
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
        expanding = "recheck" not in response.meta
        # The page may be an alias (mobile, print) of its canonical URL: both are now parsed.
        for parsed in {key, url_key(fields["canonical_url"] or response.url)} if expanding else ():
            self._found.setdefault(parsed, (depth, found_via))
            self._parsed_depth[parsed] = depth
            self.state.mark_expanded(parsed, depth)
        related = []
        if expanding and depth < self.related_depth_limit:
            for entry in fields["related"]:
                request = self.article_request(entry["url"], response.url, depth + 1)
                if request is not None:
                    related.append(request)
        if not response.meta.get("reexpand"):
            self.crawler.stats.inc_value(f"news/articles/depth_{depth}")
            item = build_article_item(
                fields,
                url=response.url,
                site=profile.name if profile else None,
                found_via=found_via,
                depth=depth,
            )
            if "recheck" in response.meta:
                previous_sha256, version = response.meta["recheck"]
                item = replace(item, version=version + 1, previous_sha256=previous_sha256)
            yield item
        yield from related

    def article_failed(self, failure: Failure) -> None:
        """An article that is gone or forbidden (HTTP 4xx, robots.txt) is not asked for again;
        one that failed for a passing reason (timeout, 5xx, a shutdown) stays for a later run."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            permanent = True
        elif failure.check(HttpError):
            status = failure.value.response.status
            permanent = 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
        else:
            permanent = False
        if permanent:
            self.state.mark_visited(url_key(failure.request.url))

    def item_dropped(self, item: Any) -> None:
        """A dropped article (invalid, duplicate) was visited and exported nothing."""
        adapter = ItemAdapter(item)
        if "url" in adapter:
            self.state.mark_visited(url_key(adapter["url"]))

    def closed(self, reason: str) -> None:
        if not self.crawler.stats.get_value("item_scraped_count"):
            self.logger.info("No new articles: this run exported nothing (%s)", reason)
