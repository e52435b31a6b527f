"""The offline replica site: ``scrapy crawl replica -O out.jsonl`` works with no network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.config import Float, HttpUrls, Integer, argument
from crawler.extraction.profiles import SiteProfile, get_profile
from crawler.replica import ReplicaServer, ReplicaSite
from crawler.replica.site import CNFINANCE_PREFIX, MAX_ARTICLES, MIN_ARTICLES, section_of_path
from crawler.state import MEMORY_CRAWL_STATE
from spiders.base import NewsSpider


@dataclass(frozen=True)
class ReplicaArguments:
    """``-a base_url=URL``: crawl a replica already served there; without it, one is started
    in-process with ``articles`` articles from ``seed``, ``drift`` of its financeun pages in
    a layout the profile misses."""

    base_url: str = argument(HttpUrls(single=True, optional=True), "")
    articles: int = argument(Integer(MIN_ARTICLES, MAX_ARTICLES), 1000)
    seed: int = argument(Integer(), 1)
    drift: float = argument(Float(0.0, 1.0), 0.0)


class ReplicaSpider(NewsSpider):
    """Crawls the replica at ``-a base_url=URL``, or starts one in-process on a free port.

    ``-a articles=N -a seed=S`` size the in-process replica (default 1000 articles, seed 1);
    ``-a drift=0.3`` serves that share of its financeun pages in a layout the profile misses.
    """

    name = "replica"
    allowed_domains = ["127.0.0.1", "localhost"]
    custom_settings = {
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    }

    arguments = ReplicaArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = self.args.base_url.rstrip("/")
        self.articles = self.args.articles
        self.seed = self.args.seed
        self.drift = self.args.drift
        self.server: ReplicaServer | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReplicaSpider:
        if not kwargs.get("base_url"):
            # A replica started in-process lives on a new port each run: nothing of it is
            # worth remembering, and a crawl state kept across runs would take its articles
            # (under other URLs, the same bodies) for duplicates.
            crawler.settings.set("CRAWL_STATE_CLASS", MEMORY_CRAWL_STATE, priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.stop_server, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.base_url:
            site = ReplicaSite(articles=self.articles, seed=self.seed, drifted_share=self.drift)
            self.server = ReplicaServer(site).start_in_thread()
            self.base_url = self.server.base_url
            self.logger.info(
                "Started the replica site (%d articles, seed %d) at %s",
                self.articles,
                self.seed,
                self.base_url,
            )
        self.start_urls = [f"{self.base_url}/", f"{self.base_url}{CNFINANCE_PREFIX}/"]
        async for request in super().start():
            yield request

    def profile_for(self, url: str) -> SiteProfile | None:
        return get_profile(section_of_path(urlsplit(url).path))

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
