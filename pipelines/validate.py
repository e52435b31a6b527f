"""Drops items that break ``schema/article.schema.json`` or a field rule, naming what failed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from scrapy.utils.url import url_is_from_any_domain

from crawler.extraction.plausibility import (
    CONTENT_MIN_CHARS,
    PUBLISHED_FLOOR,
    TITLE_MAX_CHARS,
    TITLE_MIN_CHARS,
    plausible_content,
    plausible_published_at,
    plausible_title,
)


class InvalidArticle(DropItem):
    """The item breaks the article schema."""


class ImplausibleArticle(DropItem):
    """The item satisfies the schema but breaks a field rule (length, time range, domain)."""


@lru_cache(maxsize=1)
def article_schema() -> dict[str, Any]:
    """The exported article schema (shipped in the ``crawler`` package)."""
    return json.loads(resources.files("crawler").joinpath("article.schema.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def article_validator() -> Draft202012Validator:
    """A validator for the article schema that reports every rule a record breaks."""
    return Draft202012Validator(article_schema())


@lru_cache(maxsize=1)
def compiled_article_check() -> Any:
    """The article schema compiled to Python by fastjsonschema: it tells whether a record is
    valid some twenty times faster than ``article_validator``, but names only the first
    broken rule."""
    return fastjsonschema.compile(article_schema())


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Each schema rule the record breaks, as ``field: message``, in a stable order.

    A valid record (nearly every one) is passed by the compiled check alone.
    """
    try:
        compiled_article_check()(record)
    except fastjsonschema.JsonSchemaException:
        pass
    else:
        return []
    errors = sorted(article_validator().iter_errors(record), key=lambda e: list(e.path))
    return [
        f"{'.'.join(str(part) for part in error.path) or '(record)'}: {error.message}"
        for error in errors
    ]


def rule_errors(
    record: dict[str, Any], allowed_domains: Iterable[str], now: datetime
) -> list[tuple[str, str]]:
    """(rule, explanation) for each field rule a schema-valid record breaks."""
    errors = []
    if not plausible_title(record["title"]):
        errors.append(
            (
                "title",
                f"title must be {TITLE_MIN_CHARS}-{TITLE_MAX_CHARS} characters and not a "
                f"source line or a bare date: {record['title']!r}",
            )
        )
    published = record["published_at"]
    if published is not None and not plausible_published_at(published, now):
        errors.append(
            (
                "published_at",
                f"published_at {published} is in the future or before {PUBLISHED_FLOOR.date()}",
            )
        )
    if not plausible_content(record["content"]):
        errors.append(
            (
                "content",
                f"content has {len(record['content'])} characters, under {CONTENT_MIN_CHARS}",
            )
        )
    domains = list(allowed_domains)
    # url_is_from_any_domain compares the netloc, port and user included: pass the host.
    host = urlsplit(record["url"]).hostname or ""
    if domains and not url_is_from_any_domain(f"//{host}", domains):
        errors.append(("url", f"url is not on an allowed domain ({', '.join(domains)})"))
    return errors


class ValidatePipeline:
    """Lets through only items that satisfy the article schema and the field rules."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        # The fields' values are already JSON values (str, int, lists and dicts of them):
        # a shallow record is the one the exporter writes, without asdict's deep copy.
        record = dict(ItemAdapter(item).items())
        errors = schema_errors(record)
        if errors:
            for error in errors:
                field = error.split(":", 1)[0].split(".", 1)[0]
                self.stats.inc_value(f"validation/failed/{field}")
            raise InvalidArticle(f"invalid article {record.get('url')}: {'; '.join(errors)}")
        spider = self.crawler.spider
        domains = getattr(spider, "allowed_domains", None) or []
        broken = rule_errors(record, domains, datetime.now(UTC))
        if broken:
            for rule, _ in broken:
                self.stats.inc_value(f"validation/failed/{rule}")
            reasons = "; ".join(explanation for _, explanation in broken)
            raise ImplausibleArticle(f"implausible article {record['url']}: {reasons}")
        return item
