"""The offline replica site: ``scrapy crawl replica -O out.jsonl`` works with no network."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.config import Boolean, ConfigError, Float, HttpUrls, Integer, argument
from crawler.extraction.profiles import SiteProfile, get_profile
from crawler.replica import ReplicaServer, ReplicaSite
from crawler.replica.site import CNFINANCE_PREFIX, MAX_ARTICLES, MIN_ARTICLES, section_of_path
from crawler.state import MEMORY_CRAWL_STATE
from spiders.base import NewsSpider


@dataclass(frozen=True)
class ReplicaArguments:
    """``-a base_url=URL``: crawl a replica already served there; without it, one is started
    in-process with ``articles`` articles from ``seed``, ``drift`` of its financeun pages in
    a layout the profile misses, and with ``hostile`` its hostile routes too."""

    base_url: str = argument(HttpUrls(single=True, optional=True), "")
    articles: int = argument(Integer(MIN_ARTICLES, MAX_ARTICLES), 1000)
    seed: int = argument(Integer(), 1)
    drift: float = argument(Float(0.0, 1.0), 0.0)
    hostile: bool = argument(Boolean(), False)


class ReplicaSpider(NewsSpider):
    """Crawls the replica at ``-a base_url=URL``, or starts one in-process on a free port.

    ``-a articles=N -a seed=S`` size the in-process replica (default 1000 articles, seed 1);
    ``-a drift=0.3`` serves that share of its financeun pages in a layout the profile misses;
    ``-a hostile=1`` also serves its hostile routes (``crawler.replica.hostile``), the slow
    ones waiting 2 s longer than ``DOWNLOAD_TIMEOUT``.
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
        self.hostile = self.args.hostile
        self.server: ReplicaServer | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReplicaSpider:
        if crawler.settings.get("REDIS_URL") and not kwargs.get("base_url"):
            raise ConfigError(
                "-a base_url: required with REDIS_URL, since every worker must crawl the same"
                " replica (start one with python -m crawler.replica)"
            )
        state_class = crawler.settings.get("CRAWL_STATE_CLASS")
        if not kwargs.get("base_url") and state_class != MEMORY_CRAWL_STATE:
            # A replica started in-process lives on a new port each run: nothing of it is
            # worth remembering, and a crawl state kept across runs would take its articles
            # (under other URLs, the same bodies) for duplicates. (Commands other than
            # ``scrapy crawl`` keep the state in memory already: ``scrapy shell`` builds
            # the spider after it froze the settings.)
            crawler.settings.set("CRAWL_STATE_CLASS", MEMORY_CRAWL_STATE, priority="spider")
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.stop_server, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if not self.base_url:
            site = ReplicaSite(
                articles=self.articles,
                seed=self.seed,
                drifted_share=self.drift,
                hostile=self.hostile,
            )
            slow_seconds = self.crawler.settings.getfloat("DOWNLOAD_TIMEOUT") + 2
            self.server = ReplicaServer(site, slow_seconds=slow_seconds).start_in_thread()
            self.base_url = self.server.base_url
            self.logger.info(
                "Started the replica site (%d articles, seed %d%s) at %s",
                self.articles,
                self.seed,
                ", hostile" if self.hostile else "",
                self.base_url,
            )
        self.start_urls = [f"{self.base_url}/", f"{self.base_url}{CNFINANCE_PREFIX}/"]
        async for request in super().start():
            yield request

    def profile_for(self, url: str) -> SiteProfile | None:
        return get_profile(section_of_path(urlsplit(url).path))

    # The base spider's callbacks, with the contracts ``scrapy check`` checks offline on a
    # replica (crawler/contracts.py). They live here, not on NewsSpider: every spider would
    # inherit them, and the live sites' spiders cannot fetch their pages offline.

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """NewsSpider.parse_list, checked on the replica's home page.

        @replica /
        @returns items 0 0
        @returns requests 2
        """
        return super().parse_list(response)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """NewsSpider.parse_article, checked on the replica's seed article (3 related).

        @replica /newsDetail/40003.shtml
        @returns items 1 1
        @returns requests 3 3
        @scrapes url title source authors published_at content related
        """
        return super().parse_article(response)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
