"""The downloader middlewares that refuse hostile answers, each on hand-made responses."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.downloads import (
    BackoffRetryMiddleware,
    HostBudgetMiddleware,
    HtmlPagesMiddleware,
    is_home_page,
    retry_after_seconds,
    what_is_not_html,
)
from crawler.failures import RefusedPage
from crawler.request_meta import DEPTH

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def spider_request(url: str = "http://a.test/news/1.shtml", **meta: object) -> Request:
    return Request(url, callback=lambda response: None, meta={DEPTH: 0, **meta})


@pytest.mark.parametrize(
    ("content_type", "body", "what"),
    [
        ("application/pdf", b"%PDF-1.4\n...", "a PDF document"),
        ("text/html", b"%PDF-1.7\n...", "a PDF document"),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (None, b"\x89PNG\r\n\x1a\n", "a PNG image"),
        ("application/json", b'{"code": 404}', "a application/json body"),
        ("text/html; charset=gbk", b"<html><body>ok</body></html>", None),
        ("application/octet-stream", b"  <!DOCTYPE html><html>", None),
        ("text/plain", b"<html>served as text</html>", None),
        (None, b"<html></html>", None),
    ],
)
def test_what_is_not_html_goes_by_leading_bytes_then_media_type(content_type, body, what):
    assert what_is_not_html(content_type, body) == what


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("http://a.test/", True),
        ("http://a.test", True),
        ("http://a.test/index.shtml", True),
        ("http://a.test/Index.html", True),
        ("http://a.test/news/", False),
        ("http://a.test/?page=2", False),
        ("http://a.test/index.shtml/x", False),
    ],
)
def test_home_pages(url, home):
    assert is_home_page(url) is home


def test_html_pages_middleware_refuses_empty_and_binary_answers_only():
    middleware = HtmlPagesMiddleware()
    request = spider_request()
    page = HtmlResponse(request.url, body=b"<html><p>ok</p></html>", request=request)
    assert middleware.process_response(request, page) is page
    for body, reason in ((b"", "empty"), (b" \n ", "empty"), (b"%PDF-1.4", "not_html")):
        response = Response(request.url, body=body, request=request)
        with pytest.raises(RefusedPage) as refused:
            middleware.process_response(request, response)
        assert refused.value.reason == reason
    robots = Request("http://a.test/robots.txt", callback=None)
    empty_404 = Response(robots.url, status=404, body=b"", request=robots)
    assert middleware.process_response(robots, empty_404) is empty_404


def test_retry_after_in_seconds_or_as_an_http_date():
    assert retry_after_seconds(b"120", NOW) == 120
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True).encode()
    assert retry_after_seconds(later, NOW) == 30
    earlier = format_datetime(NOW - timedelta(seconds=30), usegmt=True).encode()
    assert retry_after_seconds(earlier, NOW) == 0
    assert retry_after_seconds(b"soon", NOW) is None
    assert retry_after_seconds(None, NOW) is None


def retry_middleware(**settings: object) -> BackoffRetryMiddleware:
    crawler = get_crawler(Spider, {"RETRY_BACKOFF_BASE": 1.0, "RETRY_BACKOFF_MAX": 5.0, **settings})
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_backoff_doubles_to_its_cap_and_yields_to_a_longer_retry_after():
    middleware = retry_middleware()
    waits = [
        middleware.wait_before(Request("http://a.test", meta={"retry_times": n}), None)
        for n in (1, 2, 3, 4, 5)
    ]
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert middleware.wait_before(Request("http://a.test", meta={"retry_times": 1}), 30) == 30


def test_a_retry_after_beyond_the_maximum_is_given_up_at_once():
    middleware = retry_middleware(RETRY_AFTER_MAX=60)
    request = spider_request()
    response = Response(request.url, status=503, headers={"Retry-After": "3600"}, request=request)
    with pytest.raises(RefusedPage, match="RETRY_AFTER_MAX") as refused:
        asyncio.run(middleware.process_response(request, response))
    assert refused.value.reason == "http_503"


def test_a_host_over_its_budget_is_refused_quietly():
    middleware = HostBudgetMiddleware(limit=2)
    for _ in range(2):
        assert middleware.process_request(Request("http://a.test/x")) is None
    assert middleware.process_request(Request("http://b.test/x")) is None
    with pytest.raises(RefusedPage) as refused:
        middleware.process_request(Request("http://a.test/y"))
    assert (refused.value.reason, refused.value.quiet) == ("host_budget", True)
