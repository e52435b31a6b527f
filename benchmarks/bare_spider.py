"""The baseline of ``benchmarks.throughput``: Scrapy fetching a list of URLs, nothing else.

scrapy runspider benchmarks/bare_spider.py -a urls=FILE
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response


class BareSpider(scrapy.Spider):
    """Requests every URL of the file ``-a urls=FILE`` (one per line) and ignores the answers."""

    name = "bare"

    def __init__(self, urls: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls_file = Path(urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls_file.read_text("utf-8").split():
            yield scrapy.Request(url, dont_filter=True)

    def parse(self, response: Response) -> None:
        return None
