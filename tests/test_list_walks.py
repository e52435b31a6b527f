"""Where a list walk ends: an empty page, a page that repeats the one before, LIST_PAGES_MAX."""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.list_walks import ListWalkMiddleware
from crawler.request_meta import DEPTH, NEXT_LIST_PAGE


def walk(
    middleware: ListWalkMiddleware, pages: list[list[str]], base: str = "http://a.test/list"
) -> int:
    """Walks a list whose page N lists ``pages[N-1]``; returns how many pages were read."""
    meta: dict = {}
    for number, articles in enumerate(pages, start=1):
        url = f"{base}?page={number}"
        response = HtmlResponse(url, body=b"<html></html>", request=Request(url, meta=meta))
        for article in articles:
            request = Request(f"http://a.test/news/{article}", meta={DEPTH: 0})
            assert middleware.get_processed_request(request, response) is request
        following = Request(f"{base}?page={number + 1}", meta={NEXT_LIST_PAGE: True})
        following = middleware.get_processed_request(following, response)
        if following is None:
            return number
        meta = following.meta
    return len(pages)


def middleware(**settings: object) -> ListWalkMiddleware:
    crawler = get_crawler(Spider, {"LIST_PAGES_MAX": 1000, **settings})
    crawler.stats.open_spider()
    return ListWalkMiddleware(crawler)


def test_a_list_of_new_articles_on_every_page_is_walked_to_its_end():
    walker = middleware()
    pages = [[f"{page}-{n}.shtml" for n in range(20)] for page in range(30)]
    assert walk(walker, pages) == 30
    assert not any(
        k.startswith("news/list_walks_stopped/") for k in walker.crawler.stats.get_stats()
    )


def test_a_page_that_lists_what_the_page_before_did_ends_the_walk(caplog):
    walker = middleware()
    same = ["a.shtml?utm_source=x", "b.shtml;jsessionid=0123456789abcdef0123456789abcdef"]
    again = ["a.shtml", "b.shtml;jsessionid=fedcba9876543210fedcba9876543210"]
    with caplog.at_level(logging.INFO, logger="crawler.list_walks"):
        assert walk(walker, [["z.shtml"], same, again, again, again]) == 3
    assert walker.crawler.stats.get_value("news/list_walks_stopped/repeated_page") == 1
    assert caplog.messages == [
        "List walk ended at http://a.test/list?page=3: it lists what the page before it did"
    ]


def test_a_page_listing_no_article_ends_the_walk():
    walker = middleware()
    assert walk(walker, [["a.shtml"], [], [], ["b.shtml"]]) == 2
    assert walker.crawler.stats.get_value("news/list_walks_stopped/empty_page") == 1


def test_list_pages_max_caps_a_walk_of_ever_new_pages():
    walker = middleware(LIST_PAGES_MAX=5)
    pages = [[f"{page}.shtml"] for page in range(50)]
    assert walk(walker, pages) == 5
    assert walker.crawler.stats.get_value("news/list_walks_stopped/page_limit") == 1
    assert walk(middleware(LIST_PAGES_MAX=0), pages) == 50
