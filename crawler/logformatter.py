"""Log lines about items that name the article's URL and the reason, never the whole item."""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


def item_url(item: Any) -> str:
    """The URL of an article item (``?`` for anything else)."""
    if is_item(item):
        return str(ItemAdapter(item).get("url") or "?")
    return "?"


class ArticleLogFormatter(LogFormatter):
    """Scrapy's log lines, with a dropped or failing item named by its URL (``LOG_FORMATTER``):
    the drop reasons of the pipelines already say which article and why."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        entry = super().dropped(item, exception, response, spider)
        return {**entry, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def item_error(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Error processing the article %(url)s",
            "args": {"url": item_url(item)},
        }
