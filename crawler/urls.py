"""Canonical URLs without tracking parameters, and the key under which a page is deduplicated."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit, urlunsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.request import RequestFingerprinter
from w3lib.url import canonicalize_url

# Query parameters that say how a link was shared or clicked, never which page it is:
# utm_* (Google Analytics campaigns), spm (Alibaba/Alipay click tracking), from, share,
# isappinstalled (WeChat/Weibo shares: from=singlemessage&isappinstalled=0), scene
# (WeChat share scene), and the share-time stamps WeChat appends: clicktime, enterid,
# sharer_sharetime, sharer_shareid.
TRACKING_PARAMETERS = re.compile(
    r"utm_\w+|spm|from|share|isappinstalled|scene|clicktime|enterid|sharer_\w+",
    re.IGNORECASE,
)
# Session ids that sites put in URLs, new on every visit: the same page under endless URLs.
# ``sid`` is only a session id when its value is a long token (short ones are story ids).
SESSION_PARAMETERS = re.compile(r"jsessionid|phpsessid|aspsessionid\w*|sessionid|session_id", re.I)
SESSION_TOKEN_PARAMETER = "sid"
SESSION_TOKEN_MIN_CHARS = 16
_SESSION_PATH_PARAMETER = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;]*", re.I)
# Host labels under which sites serve the same pages to desktops and phones.
MIRROR_HOST_LABELS = ("www.", "m.", "wap.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(pair: str) -> bool:
    """Whether a query ``name=value`` pair says how the link was shared or who visits."""
    name, _, value = pair.partition("=")
    name = unquote(name)
    if TRACKING_PARAMETERS.fullmatch(name) or SESSION_PARAMETERS.fullmatch(name):
        return True
    return name.lower() == SESSION_TOKEN_PARAMETER and len(value) >= SESSION_TOKEN_MIN_CHARS


URL_CACHE_SIZE = 1 << 14
"""URLs whose canonical form and key are kept: a page's URL is looked at by the fingerprinter,
the middlewares, the item builder and the pipelines, each time computed once."""


@lru_cache(maxsize=URL_CACHE_SIZE)
def canonical_url(url: str) -> str:
    """w3lib's canonical form without tracking or session parameters, fragment or default
    port."""
    parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    path = _SESSION_PATH_PARAMETER.sub("", parts.path)
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    netloc = parts.netloc
    if parts.port is not None and parts.port == _DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, path, query, ""))


@lru_cache(maxsize=URL_CACHE_SIZE)
def url_key(url: str) -> str:
    """The deduplication key: the canonical URL without scheme and mirror host label.

    ``http``/``https`` and ``www.``/``m.``/``wap.`` variants of a page share one key.
    """
    parts = urlsplit(canonical_url(url))
    netloc = parts.netloc
    for label in MIRROR_HOST_LABELS:
        if netloc.startswith(label) and "." in netloc[len(label) :]:
            netloc = netloc[len(label) :]
            break
    return urlunsplit(("", netloc, parts.path, parts.query, ""))


class CanonicalRequestFingerprinter:
    """Scrapy's request fingerprints, taken over the canonical URL: a page linked under
    tracking or session parameters is fetched once (``REQUEST_FINGERPRINTER_CLASS``)."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.fingerprinter = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalRequestFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        canonical = canonical_url(request.url)
        if canonical != request.url:
            request = request.replace(url=canonical)
        return self.fingerprinter.fingerprint(request)
