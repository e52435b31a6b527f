"""Downloader middlewares that keep hostile answers out of extraction: what is not an HTML page,
redirects that loop, leave the allowed domains or land on the home page, retries that wait as
long as the server asks, and a budget of requests per host.

Each refusal raises :class:`crawler.failures.RefusedPage`, which the request's errback
(:class:`crawler.failures.FailureLog`) logs in one line and counts as ``news/failed/<reason>``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from crawler.failures import RefusedPage
from crawler.request_meta import DEPTH
from crawler.urls import url_key

logger = logging.getLogger(__name__)

HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
NOT_HTML_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a RIFF (WebP, AVI, WAV) file"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip data"),
)
"""Leading bytes of files that are never HTML, whatever the Content-Type says."""
_HOME_PATH = re.compile(r"/?(?:index\.\w+)?", re.IGNORECASE)


def what_is_not_html(content_type: str | None, body: bytes) -> str | None:
    """What the body is when it is not an HTML page (None: it is, or may be, one)."""
    for signature, what in NOT_HTML_SIGNATURES:
        if body.startswith(signature):
            return what
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media or media in HTML_MEDIA_TYPES or media.startswith("text/"):
        return None
    return None if body.lstrip()[:1] == b"<" else f"a {media} body"


def is_home_page(url: str) -> bool:
    """Whether the URL is a site's home page: ``/``, ``/index.html`` and the like."""
    parts = urlsplit(url)
    return not parts.query and _HOME_PATH.fullmatch(parts.path) is not None


def is_spider_request(request: Request) -> bool:
    """Whether a spider callback will read the response (robots.txt requests: no)."""
    return request.callback is not NO_CALLBACK


class HtmlPagesMiddleware:
    """Refuses a successful answer that is empty or is not an HTML page (a PDF or an image
    behind an article URL, whatever its Content-Type claims)."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not 200 <= response.status < 300 or not is_spider_request(request):
            return response
        if not response.body.strip():
            raise RefusedPage("empty", f"HTTP {response.status} with an empty body")
        content_type = response.headers.get(b"Content-Type")
        what = what_is_not_html(
            content_type.decode("latin-1") if content_type else None, response.body[:512]
        )
        if what is not None:
            raise RefusedPage("not_html", f"not an HTML page but {what}")
        return response


class RedirectChecks:
    """Refuses a redirect that loops, that leaves the allowed domains (the same rule as
    Scrapy's ``OffsiteMiddleware``), or that takes an article to the home page (a soft 404)."""

    crawler: Crawler

    def process_response(self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)  # type: ignore[misc]
        if isinstance(result, Request) and result is not request:
            self.check_redirect(request, result)
        return result

    def check_redirect(self, request: Request, redirected: Request) -> None:
        chain = [*redirected.meta.get("redirect_urls", ()), redirected.url]
        if url_key(redirected.url) in {url_key(url) for url in chain[:-1]}:
            raise RefusedPage("redirect_loop", f"redirect loop {' → '.join(chain)}")
        offsite = self.crawler.get_downloader_middleware(OffsiteMiddleware)
        spider = self.crawler.spider
        if offsite is not None and not offsite.should_follow(redirected, spider):
            raise RefusedPage("offsite", f"redirected off the allowed domains to {redirected.url}")
        if DEPTH in request.meta and is_home_page(redirected.url):
            raise RefusedPage(
                "soft_404", f"redirected to the home page {redirected.url}: the article is gone"
            )


class CheckedRedirectMiddleware(RedirectChecks, RedirectMiddleware):
    """Scrapy's HTTP 3xx redirects, with ``RedirectChecks``."""


class CheckedMetaRefreshMiddleware(RedirectChecks, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` redirects, with ``RedirectChecks``."""


def retry_after_seconds(value: bytes | None, now: datetime) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after a wait: ``RETRY_BACKOFF_BASE`` seconds doubled at every
    retry up to ``RETRY_BACKOFF_MAX``, or longer when the answer's ``Retry-After`` asks for
    it. An answer asking for more than ``RETRY_AFTER_MAX`` seconds is not retried."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")

    async def process_response(self, request: Request, response: Response) -> Any:
        wait = None
        if response.status in self.retry_http_codes and not request.meta.get("dont_retry"):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"), datetime.now(UTC))
            if wait is not None and wait > self.retry_after_max:
                raise RefusedPage(
                    f"http_{response.status}",
                    f"HTTP {response.status} asking to wait {wait:.0f} s (Retry-After), more"
                    f" than RETRY_AFTER_MAX ({self.retry_after_max:.0f} s)",
                )
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await sleep(self.wait_before(result, wait))
        return result

    async def process_exception(self, request: Request, exception: Exception) -> Any:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await sleep(self.wait_before(result, None))
        return result

    def wait_before(self, retry: Request, retry_after: float | None) -> float:
        """Seconds to wait before sending ``retry``: the backoff, or ``Retry-After`` if longer."""
        backoff = self.backoff_base * 2 ** (retry.meta.get("retry_times", 1) - 1)
        return max(min(backoff, self.backoff_max), retry_after or 0.0)


class HostBudgetMiddleware:
    """Refuses a host's requests beyond ``HOST_REQUESTS_MAX`` in one run (0: no limit), so
    that a trap the other rules miss costs a bounded number of requests."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.requests: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostBudgetMiddleware:
        limit = crawler.settings.getint("HOST_REQUESTS_MAX")
        if limit <= 0:
            raise NotConfigured("HOST_REQUESTS_MAX is 0")
        return cls(limit)

    def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        self.requests[host] += 1
        if self.requests[host] <= self.limit:
            return
        if self.requests[host] == self.limit + 1:
            logger.warning(
                "Host %s reached HOST_REQUESTS_MAX (%d requests this run): its further"
                " requests are refused (news/failed/host_budget counts them)",
                host,
                self.limit,
            )
        raise RefusedPage("host_budget", f"{host} is over HOST_REQUESTS_MAX", quiet=True)
