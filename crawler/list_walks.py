"""Where a list walk ends, whatever the site's 下一页 link says: at a page that lists no
article, at a page that lists what the page before it listed (sites that serve their last page
for any page number, with a 下一页 link again), or after ``LIST_PAGES_MAX`` pages.

A spider middleware: it reads the spider's output for a list page (the page's article requests,
then the request for its next page) before ``crawler.incremental`` filters it.
"""

from __future__ import annotations

import logging
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.request_meta import DEPTH, LIST_PAGE_NUMBER, NEXT_LIST_PAGE, PREVIOUS_LIST_PAGE
from crawler.urls import url_key

logger = logging.getLogger(__name__)

STOPPED_STAT_PREFIX = "news/list_walks_stopped/"


class ListWalkMiddleware(BaseSpiderMiddleware):
    """Drops the next-page request of a list page that ends its list (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_pages = crawler.settings.getint("LIST_PAGES_MAX")
        self.listed: WeakKeyDictionary[Response, set[str]] = WeakKeyDictionary()
        """The URL keys of the articles a list page listed, while its output is read."""

    def get_processed_request(self, request: Request, response: Response | None) -> Any:
        if response is None or DEPTH in response.meta:
            return request
        if request.meta.get(DEPTH) == 0:
            self.listed.setdefault(response, set()).add(url_key(request.url))
            return request
        if not request.meta.get(NEXT_LIST_PAGE):
            return request
        listed = frozenset(self.listed.get(response, ()))
        number: int = response.meta.get(LIST_PAGE_NUMBER, 1)
        if not listed:
            return self.stop(response, "empty_page", "it lists no article")
        if listed == response.meta.get(PREVIOUS_LIST_PAGE):
            return self.stop(response, "repeated_page", "it lists what the page before it did")
        if self.max_pages and number >= self.max_pages:
            return self.stop(response, "page_limit", f"LIST_PAGES_MAX ({self.max_pages}) reached")
        request.meta[LIST_PAGE_NUMBER] = number + 1
        request.meta[PREVIOUS_LIST_PAGE] = listed
        return request

    def stop(self, response: Response, reason: str, why: str) -> None:
        self.crawler.stats.inc_value(STOPPED_STAT_PREFIX + reason)
        logger.info("List walk ended at %s: %s", response.url, why)
