"""The exported item: one article, as a dataclass read through itemadapter."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from crawler.urls import canonical_url

SCHEMA_VERSION = "2.0"


@dataclass
class ArticleItem:
    """One news article. ``schema/article.schema.json`` documents every field."""

    url: str
    canonical_url: str
    site: str
    title: str | None
    source: str | None
    byline: str | None
    authors: list[str]
    published_at: str | None
    content: str
    related: list[dict[str, str | None]]
    found_via: str | None
    depth: int
    crawled_at: str
    content_sha256: str
    extraction: dict[str, Any]
    duplicate_of: str | None = None
    version: int = 1
    previous_sha256: str | None = None
    schema_version: str = field(default=SCHEMA_VERSION)


def build_article_item(
    fields: Mapping[str, Any],
    *,
    url: str,
    site: str | None,
    found_via: str | None,
    depth: int,
    crawled_at: datetime | None = None,
) -> ArticleItem:
    """An item from ``extract_article`` output and where the page was found."""
    content = fields["content"] or ""
    moment = crawled_at or datetime.now(UTC)
    return ArticleItem(
        url=url,
        canonical_url=canonical_url(fields.get("canonical_url") or url),
        site=site or site_of_url(url),
        title=fields["title"],
        source=fields["source"],
        byline=fields["byline"],
        authors=list(fields["authors"]),
        published_at=fields["published_at"],
        content=content,
        related=[dict(entry) for entry in fields["related"]],
        found_via=found_via,
        depth=depth,
        crawled_at=moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        content_sha256=content_sha256(content),
        extraction=dict(fields["extraction"]),
    )


def content_sha256(content: str) -> str:
    """SHA-256 (hex) of the UTF-8 body, as exported in ``content_sha256``."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def site_of_url(url: str) -> str:
    """The host of a URL without ``www.``, naming a site that has no profile."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
