"""Canonical URLs without tracking parameters, and the key under which a page is deduplicated."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

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
# Host labels under which sites serve the same pages to desktops and phones.
MIRROR_HOST_LABELS = ("www.", "m.", "wap.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(pair: str) -> bool:
    return TRACKING_PARAMETERS.fullmatch(unquote(pair.split("=", 1)[0])) is not None


def canonical_url(url: str) -> str:
    """w3lib's canonical form without tracking parameters, fragment or default port."""
    parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    netloc = parts.netloc
    if parts.port is not None and parts.port == _DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


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
