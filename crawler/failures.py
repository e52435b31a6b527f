"""Why a page could not be had, said once: one log line naming the URL, a ``news/failed/*`` stat.

Every request of the news spiders has :meth:`FailureLog.page_failed` as its errback, so each
page that fails for good (after the retries) ends here, whatever failed: the download (timeout,
lost connection, size limit), the HTTP status, a refusal of ours (:class:`RefusedPage`: not an
HTML page, an empty body, a soft 404, a redirect loop or off-site redirect, a host over its
budget) or of Scrapy's (robots.txt). :func:`describe_failure` names the reason, and whether it
is *permanent*: the page will fail the same way next run (HTTP 4xx outside
``RETRY_HTTP_CODES``, robots.txt, not HTML, too large, …), which the incremental crawl
remembers through the :data:`page_failed` signal so that no later run asks again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost, DNSLookupError, TimeoutError
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawler.request_meta import DEPTH, FOUND_VIA

logger = logging.getLogger(__name__)

FAILED_STAT_PREFIX = "news/failed/"
EXAMPLES_STAT_PREFIX = "news/failed_examples/"
"""The first ``EXAMPLES`` URLs that failed for each reason (the run report shows them)."""
EXAMPLES = 3
page_failed = object()
"""Signal: a page failed for good; handlers get ``request`` and ``failure`` (a PageFailure)."""

# Scrapy's own refusals are plain IgnoreRequest: told apart by their message.
_IGNORE_REQUEST_REASONS = (
    ("Forbidden by robots.txt", "robots", "forbidden by robots.txt"),
    ("Filtered offsite request", "offsite", "not on the allowed domains"),
    ("DOWNLOAD_MAXSIZE", "too_large", "its body exceeded DOWNLOAD_MAXSIZE when decompressed"),
    ("max redirections reached", "redirect_limit", "more redirects than REDIRECT_MAX_TIMES"),
)
_BY_POLICY = frozenset({"robots", "offsite"})
"""Refusals by the crawl's own rules, not faults of the site: logged at INFO, not WARNING."""
_PERMANENT = frozenset(
    {"robots", "offsite", "too_large", "redirect_limit", "redirect_loop", "soft_404", "not_html"}
)


@dataclass(frozen=True)
class PageFailure:
    """Why a page failed: a stat-friendly ``reason``, a sentence, and whether it will fail
    the same way on the next run."""

    reason: str
    message: str
    permanent: bool


class RefusedPage(IgnoreRequest):
    """A response or redirect the crawl refuses (``reason``: the stat name's last part)."""

    def __init__(self, reason: str, message: str, *, quiet: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.quiet = quiet
        """Counted but not logged (the refusal logs one line of its own for all its pages)."""


def describe_failure(exception: BaseException, retry_http_codes: frozenset[int]) -> PageFailure:
    """The reason, message and permanence of an errback's exception."""
    if isinstance(exception, RefusedPage):
        return PageFailure(exception.reason, exception.message, exception.reason in _PERMANENT)
    if isinstance(exception, HttpError):
        status = exception.response.status
        permanent = 400 <= status < 500 and status not in retry_http_codes
        return PageFailure(f"http_{status}", f"HTTP {status}", permanent)
    if isinstance(exception, IgnoreRequest):
        text = str(exception)
        for needle, reason, message in _IGNORE_REQUEST_REASONS:
            if needle in text:
                return PageFailure(reason, message, reason in _PERMANENT)
        return PageFailure("ignored", text or "ignored", False)
    if isinstance(exception, DownloadCancelledError):
        return PageFailure("too_large", "its body exceeded DOWNLOAD_MAXSIZE", True)
    if isinstance(exception, (DownloadTimeoutError, TimeoutError)):
        return PageFailure("timeout", "no answer within DOWNLOAD_TIMEOUT", False)
    if isinstance(exception, ResponseDataLossError):
        return PageFailure("data_loss", "the connection closed before the whole body came", False)
    if isinstance(exception, (DownloadFailedError, ResponseFailed, ConnectionLost, ConnectionDone)):
        return PageFailure("connection_lost", "the connection was lost", False)
    if isinstance(exception, (DownloadConnectionRefusedError, ConnectionRefusedError)):
        return PageFailure("connection_refused", "the connection was refused", False)
    if isinstance(exception, (CannotResolveHostError, DNSLookupError)):
        return PageFailure("dns", "the host name did not resolve", False)
    name = type(exception).__name__
    return PageFailure(name.lower(), f"{name}: {exception}", False)


def requested_url(request: Request) -> str:
    """The URL the spider asked for, before any redirect."""
    redirected = request.meta.get("redirect_urls")
    return redirected[0] if redirected else request.url


class FailureLog:
    """The news spiders' errback: one line and one stat per failed page, then ``page_failed``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.retry_http_codes = frozenset(
            int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FailureLog:
        return cls(crawler)

    def page_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        described = describe_failure(failure.value, self.retry_http_codes)
        stats = self.crawler.stats
        stats.inc_value(FAILED_STAT_PREFIX + described.reason)
        examples = stats.get_value(EXAMPLES_STAT_PREFIX + described.reason) or []
        if len(examples) < EXAMPLES:
            stats.set_value(EXAMPLES_STAT_PREFIX + described.reason, [*examples, request.url])
        if not getattr(failure.value, "quiet", False):
            logger.log(
                logging.INFO if described.reason in _BY_POLICY else logging.WARNING,
                "Failed %s %s: %s%s",
                "article" if DEPTH in request.meta else "list page",
                request.url,
                described.message,
                _context(request),
            )
        self.crawler.signals.send_catch_log(signal=page_failed, request=request, failure=described)


def _context(request: Request) -> str:
    parts = []
    if retries := request.meta.get("retry_times"):
        parts.append(f"after {retries} {'retry' if retries == 1 else 'retries'}")
    if request.meta.get("redirect_urls"):
        parts.append(f"redirected from {requested_url(request)}")
    if found_via := request.meta.get(FOUND_VIA):
        parts.append(f"linked from {found_via}")
    return f" ({'; '.join(parts)})" if parts else ""
