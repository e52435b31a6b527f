"""Incremental crawling: each run fetches only what earlier runs did not export.

``IncrementalMiddleware``, a spider middleware over the crawl state, on while
``INCREMENTAL_ENABLED`` (the default), starts a run with the articles to recheck
(``RECHECK_DAYS``) and the frontier a stopped run left; lets through an article request only
if its article was neither exported nor requested at this depth or closer; records every
article link in the frontier until its article is exported and expanded; stops a list walk at
the first page all of whose articles a finished run listed already; and gives each article
response the closest depth its article was found at, so an article found closer after it was
requested, or after it was parsed, is expanded from there. It also remembers an article page
that failed for good (``crawler.failures``: HTTP 4xx outside ``RETRY_HTTP_CODES``, robots.txt,
off-site, not HTML, …), so no later run asks for it again; a page that failed for a passing
reason stays in the frontier.

An article request is one whose meta has ``crawler.request_meta.DEPTH``; the next page of a list
is marked by ``NEXT_LIST_PAGE``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.statscollectors import StatsCollector
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.extraction.dates import BEIJING
from crawler.failures import PageFailure, page_failed, requested_url
from crawler.request_meta import DEPTH, FOUND_VIA, NEXT_LIST_PAGE
from crawler.state import CrawlState, crawl_state
from crawler.urls import url_key

FULL_CRAWL = "full"
SKIPPED_AS_EXPORTED_STAT = "news/articles_skipped_as_exported"
LISTED_NEW_STAT = "news/articles_listed_new"
"""Article pages fetched from list links that no earlier run exported (``crawler.monitors``
reads it: none exported of them means the site changed or blocks us)."""
RECHECK = "recheck"
"""Request meta: (content sha256, version) of the exported article being fetched again."""
REEXPAND = "reexpand"
"""Request meta: the article was parsed already; only its related links are wanted."""


def incremental_enabled(crawler: Crawler) -> None:
    """Raises ``NotConfigured`` unless ``INCREMENTAL_ENABLED`` is on."""
    if not crawler.settings.getbool("INCREMENTAL_ENABLED", True):
        raise NotConfigured("INCREMENTAL_ENABLED is off")


Found = tuple[int, str | None]
"""The least depth an article was found at in this run, and the page it was found on."""


class RunArticles:
    """The article keys of this run, in this process: where each was found closest, and the
    depth its related links were followed from. ``RUN_ARTICLES_CLASS`` may share them
    between the workers of a run (``crawler.distributed.run_articles``)."""

    def __init__(self) -> None:
        self._found: dict[str, Found] = {}
        self._expanded: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunArticles:
        return cls()

    def found(self, key: str) -> Found | None:
        return self._found.get(key)

    def find(self, key: str, depth: int, found_via: str | None) -> tuple[Found | None, int | None]:
        """Notes ``key`` found at ``depth`` unless it was found at that depth or closer;
        returns, as they were before, where it was found and the depth it was expanded from."""
        known = self._found.get(key)
        if known is None or depth < known[0]:
            self._found[key] = (depth, found_via)
        return known, self._expanded.get(key)

    def expand(self, keys: Iterable[str], found: Found, closest_of: str | None = None) -> Found:
        """Notes ``keys`` expanded from ``found`` (or from where ``closest_of`` was found, if
        it was), keeping where each was found first; returns what they were expanded from."""
        if closest_of is not None:
            found = self._found.get(closest_of, found)
        for key in keys:
            self._found.setdefault(key, found)
            self._expanded[key] = found[0]
        return found


def requested_key(response: Response) -> str:
    """The URL key of the article the response was requested for, before any redirect."""
    return url_key(requested_url(response.request))


class IncrementalMiddleware(BaseSpiderMiddleware):
    """Decides which article and list requests a run still needs (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.state: CrawlState = crawl_state(crawler)
        self.stats: StatsCollector = crawler.stats
        self.full_crawl = settings.get("CRAWL_MODE") == FULL_CRAWL
        self.recheck_days = settings.getint("RECHECK_DAYS")
        self.depth_limit = settings.getint("RELATED_DEPTH_LIMIT")
        self.run = build_from_crawler(
            load_object(settings.get("RUN_ARTICLES_CLASS") or RunArticles), crawler
        )
        self.page_keys: WeakKeyDictionary[Response, list[str]] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        incremental_enabled(crawler)
        middleware = cls(crawler)
        crawler.signals.connect(middleware.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(middleware.page_failed, signal=page_failed)
        return middleware

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The articles to recheck, then the frontier of earlier runs, then the spider's."""
        for request in self.recheck_requests():
            yield request
        spider = self.crawler.spider
        for url, depth, found_via in self.state.frontier():
            request = self.article_request(spider.article_request(url, found_via, depth))
            if request is not None:
                self.stats.inc_value("news/articles_from_frontier")
                yield request
        async for element in start:
            if not isinstance(element, Request) or DEPTH not in element.meta:
                yield element
            elif (request := self.article_request(element)) is not None:
                yield request

    def recheck_requests(self) -> Iterator[Request]:
        """With ``RECHECK_DAYS``: the exported articles published in the last N days, fetched
        again so that a changed one is exported as its next version (their related news was
        followed when they were first exported)."""
        if not self.recheck_days:
            return
        since = (datetime.now(BEIJING).date() - timedelta(days=self.recheck_days)).isoformat()
        spider = self.crawler.spider
        for url, sha256, version in self.state.recent_articles(since):
            self.run.find(url_key(url), 0, None)
            self.stats.inc_value("news/articles_rechecked")
            request = spider.article_request(url, None, 0)
            yield request.replace(
                dont_filter=True, meta={**request.meta, RECHECK: (sha256, version)}
            )

    def process_spider_input(self, response: Response) -> None:
        """Gives an article response the least depth its article was found at so far, and
        notes it expanded from there before the spider follows its related links, so that a
        closer discovery meanwhile asks for them again."""
        meta = response.meta
        if DEPTH not in meta or RECHECK in meta:
            return
        if meta[DEPTH] == 0 and not meta.get(REEXPAND):
            self.stats.inc_value(LISTED_NEW_STAT)
        requested = requested_key(response)
        meta[DEPTH], meta[FOUND_VIA] = self.run.expand(
            {requested, url_key(response.url)}, (meta[DEPTH], meta[FOUND_VIA]), requested
        )

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        """The article of an article response, the last of its output: its related links
        are in the frontier by now, so it is marked expanded in the state, under every URL
        it has (requested, redirected to, canonical), in no batch before them."""
        if response is None or DEPTH not in response.meta:
            return item
        meta = response.meta
        if RECHECK in meta:
            previous_sha256, version = meta[RECHECK]
            return replace(item, version=version + 1, previous_sha256=previous_sha256)
        depth, requested = meta[DEPTH], requested_key(response)
        keys = {requested, url_key(response.url)}
        if canonical_url := ItemAdapter(item).get("canonical_url"):
            keys.add(url_key(canonical_url))
        self.run.expand(keys, (depth, meta[FOUND_VIA]))
        for key in keys:
            self.state.mark_expanded(key, depth)
        if requested != url_key(response.url):
            # Its story is exported under the URL it redirected to: the requested URL is
            # done once that one is exported.
            self.state.remember_url(requested, response.url)
            self.state.mark_visited(requested)
        if meta.get(REEXPAND):
            return None
        self.stats.inc_value(f"news/articles/depth_{depth}")
        return item

    def get_processed_request(self, request: Request, response: Response | None) -> Any:
        if response is None:
            return request
        if DEPTH in request.meta:
            if RECHECK in response.meta:
                return None
            if DEPTH not in response.meta:
                key = url_key(request.url)
                self.state.note_listed([key])
                self.page_keys.setdefault(response, []).append(key)
            return self.article_request(request)
        if request.meta.get(NEXT_LIST_PAGE) and self.walked_before(response):
            self.stats.inc_value("news/lists_stopped_at_listed_page")
            return None
        return request

    def walked_before(self, response: Response) -> bool:
        """Whether a finished run listed every article of this list page: the pages after it
        hold only older articles, which it listed too."""
        keys = self.page_keys.pop(response, [])
        if self.full_crawl or not keys:
            return False
        return all(self.state.was_listed(key) for key in keys)

    def article_request(self, request: Request) -> Request | None:
        """The request for an article, unless it was requested at this depth or closer, or
        it was exported and its related links followed from this depth or closer (then, if
        it is found closer now, a request that only follows its related links again)."""
        key = url_key(request.url)
        depth: int = request.meta[DEPTH]
        found_via: str | None = request.meta[FOUND_VIA]
        known = self.run.found(key)
        if known is None and not self.full_crawl and self.state.first_url_for_key(key):
            expanded = self.state.expanded_depth(key)
            if expanded is None or expanded <= depth:
                self.stats.inc_value(SKIPPED_AS_EXPORTED_STAT)
                return None
            known = self.run.expand([key], (expanded, None))
        if known is not None and known[0] <= depth:
            return None
        known, expanded = self.run.find(key, depth, found_via)
        if known is not None and known[0] <= depth:
            return None
        # Kept until the article is exported and expanded from here: a run stopped before
        # then (even while an earlier request for it is in flight) leaves it to the next.
        self.state.add_frontier(request.url, key, depth, found_via)
        if known is None:
            return request
        if expanded is not None and depth < self.depth_limit:
            self.stats.inc_value("news/articles_reexpanded")
            return request.replace(dont_filter=True, meta={**request.meta, REEXPAND: True})
        return None

    def page_failed(self, request: Request, failure: PageFailure) -> None:
        """An article page that failed for good (gone, refused, robots.txt, not HTML) was
        visited, under the URL asked for and the one it redirected to: no later run asks
        again. One that failed for a passing reason stays in the frontier."""
        if failure.permanent and DEPTH in request.meta:
            for key in {url_key(request.url), url_key(requested_url(request))}:
                self.state.mark_visited(key)

    def item_dropped(self, item: Any) -> None:
        """A dropped article (invalid, duplicate) was visited and exported nothing."""
        adapter = ItemAdapter(item)
        if "url" in adapter:
            self.state.mark_visited(url_key(adapter["url"]))
