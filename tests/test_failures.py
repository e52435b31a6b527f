"""What a failed page is said to have failed of, and the one log line and stat it gets."""

from __future__ import annotations

import logging

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.failures import FailureLog, RefusedPage, describe_failure, page_failed
from crawler.request_meta import DEPTH, FOUND_VIA

RETRY_CODES = frozenset({500, 502, 503, 504, 522, 524, 408, 429})


def http_error(status: int) -> HttpError:
    return HttpError(Response("http://a.test/x", status=status), "not handled")


@pytest.mark.parametrize(
    ("exception", "reason", "permanent"),
    [
        (http_error(404), "http_404", True),
        (http_error(410), "http_410", True),
        (http_error(403), "http_403", True),
        (http_error(429), "http_429", False),
        (http_error(503), "http_503", False),
        (IgnoreRequest("Forbidden by robots.txt"), "robots", True),
        (IgnoreRequest("Filtered offsite request to 'b.test'"), "offsite", True),
        (
            IgnoreRequest("Ignored response because its body exceeded DOWNLOAD_MAXSIZE (1 B)"),
            "too_large",
            True,
        ),
        (IgnoreRequest("something else"), "ignored", False),
        (DownloadCancelledError("expected size larger than max"), "too_large", True),
        (DownloadTimeoutError("took longer than 3 seconds"), "timeout", False),
        (ResponseDataLossError(), "data_loss", False),
        (RefusedPage("not_html", "not an HTML page but a PDF document"), "not_html", True),
        (RefusedPage("empty", "HTTP 200 with an empty body"), "empty", False),
        (RefusedPage("soft_404", "redirected to the home page"), "soft_404", True),
        (ValueError("odd"), "valueerror", False),
    ],
)
def test_each_failure_has_a_reason_and_a_permanence(exception, reason, permanent):
    described = describe_failure(exception, RETRY_CODES)
    assert (described.reason, described.permanent) == (reason, permanent)
    assert described.message


def test_a_failed_page_is_one_log_line_one_stat_and_a_signal(caplog):
    crawler = get_crawler(Spider, {"RETRY_HTTP_CODES": sorted(RETRY_CODES)})
    crawler.stats.open_spider()
    heard = []

    def listen(request, failure):
        heard.append(failure)

    crawler.signals.connect(listen, signal=page_failed)
    request = Request(
        "http://a.test/news/2.shtml",
        meta={
            DEPTH: 1,
            FOUND_VIA: "http://a.test/news/1.shtml",
            "retry_times": 3,
            "redirect_urls": ["http://a.test/old/2"],
        },
    )
    failure = Failure(DownloadTimeoutError("took too long"))
    failure.request = request
    with caplog.at_level(logging.INFO, logger="crawler.failures"):
        FailureLog.from_crawler(crawler).page_failed(failure)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Failed article http://a.test/news/2.shtml: no answer within DOWNLOAD_TIMEOUT"
        " (after 3 retries; redirected from http://a.test/old/2;"
        " linked from http://a.test/news/1.shtml)"
    )
    assert crawler.stats.get_value("news/failed/timeout") == 1
    assert crawler.stats.get_value("news/failed_examples/timeout") == [request.url]
    assert [f.reason for f in heard] == ["timeout"]


def test_a_quiet_refusal_is_counted_not_logged(caplog):
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    failure = Failure(RefusedPage("host_budget", "a.test is over budget", quiet=True))
    failure.request = Request("http://a.test/x")
    with caplog.at_level(logging.DEBUG, logger="crawler.failures"):
        FailureLog.from_crawler(crawler).page_failed(failure)
    assert caplog.records == []
    assert crawler.stats.get_value("news/failed/host_budget") == 1
