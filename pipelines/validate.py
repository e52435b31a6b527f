"""Drops items that do not satisfy ``schema/article.schema.json``, naming the failed rule."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector


class InvalidArticle(DropItem):
    """The item breaks the article schema."""


@lru_cache(maxsize=1)
def article_validator() -> Draft202012Validator:
    """A validator for the exported article schema (shipped in the ``crawler`` package)."""
    schema = json.loads(
        resources.files("crawler").joinpath("article.schema.json").read_text("utf-8")
    )
    return Draft202012Validator(schema)


def schema_errors(record: dict[str, Any]) -> list[str]:
    """Each schema rule the record breaks, as ``field: message``, in a stable order."""
    errors = sorted(article_validator().iter_errors(record), key=lambda e: list(e.path))
    return [
        f"{'.'.join(str(part) for part in error.path) or '(record)'}: {error.message}"
        for error in errors
    ]


class SchemaValidationPipeline:
    """Lets through only items that satisfy the article schema."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchemaValidationPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        record = ItemAdapter(item).asdict()
        errors = schema_errors(record)
        if not errors:
            return item
        for error in errors:
            field = error.split(":", 1)[0].split(".", 1)[0]
            self.stats.inc_value(f"validation/failed/{field}")
        raise InvalidArticle(f"invalid article {record.get('url')}: {'; '.join(errors)}")
