"""One crawl shared by many workers through a Redis server (``REDIS_URL``).

Every key of a crawl starts with ``<CRAWL_NAMESPACE>:<spider>:`` (``CrawlKeys``), so two
crawls, or two spiders, share one Redis safely. A worker is one ``scrapy crawl`` process: it
joins the crawl's sorted set of workers with a deadline that its heartbeat keeps moving
(``Worker``). What a worker holds (leased requests, claimed articles) is kept under its id;
once its deadline has passed, the others take it over.

The pieces: ``crawler.distributed.scheduler`` (scrapy-redis's scheduler with leased requests,
one start per run and the idle close), ``crawler.state.redis`` (the crawl state contract on
Redis, with cross-worker claims) and ``crawler.commands.redis_reset`` (``scrapy
redis-reset``).
"""

from __future__ import annotations

import os
import secrets
import socket
import time

import redis
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

DEFAULT_NAMESPACE = "cnfinance"
DEFAULT_LEASE_SECONDS = 30.0
_ATTRIBUTE = "_cnfinance_redis_worker"


class CrawlKeys:
    """The Redis key names of one crawl: ``<namespace>:<spider>:<part>:…``."""

    def __init__(self, namespace: str, spider: str) -> None:
        self.prefix = f"{namespace}:{spider}"

    def __call__(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    @property
    def pattern(self) -> str:
        """A ``SCAN`` pattern matching every key of the crawl."""
        return f"{self.prefix}:*"


def redis_client(url: str) -> redis.Redis:
    """A client (bytes in, bytes out) for ``REDIS_URL``."""
    return redis.Redis.from_url(url, socket_timeout=30, health_check_interval=30)


def crawl_keys(settings: BaseSettings, spider: str) -> CrawlKeys:
    return CrawlKeys(settings.get("CRAWL_NAMESPACE") or DEFAULT_NAMESPACE, spider)


def new_worker_id() -> str:
    """``<host>-<pid>-<4 hex digits>``: unique among the workers of a crawl."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


class Worker:
    """This process as a worker of a crawl: its id and its place in the crawl's workers,
    ``<prefix>:workers``, a sorted set of worker ids scored by the time (Unix seconds) after
    which the worker counts as dead. ``beat`` moves the deadline ``lease_seconds`` ahead."""

    def __init__(
        self,
        client: redis.Redis,
        keys: CrawlKeys,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        worker_id: str | None = None,
    ) -> None:
        self.client = client
        self.keys = keys
        self.lease_seconds = lease_seconds
        self.id = worker_id or new_worker_id()
        self.workers_key = keys("workers")
        self.beat()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Worker:
        settings = crawler.settings
        return cls(
            redis_client(settings["REDIS_URL"]),
            crawl_keys(settings, crawler.spidercls.name),
            settings.getfloat("REDIS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS),
        )

    def beat(self) -> None:
        """Moves this worker's deadline ``lease_seconds`` from now."""
        self.client.zadd(self.workers_key, {self.id: time.time() + self.lease_seconds})

    def leave(self) -> None:
        """Leaves the crawl: from now on what this worker holds counts as a dead worker's."""
        self.client.zrem(self.workers_key, self.id)

    def is_alive(self, worker_id: str) -> bool:
        deadline = self.client.zscore(self.workers_key, worker_id)
        return deadline is not None and deadline > time.time()


def crawl_worker(crawler: Crawler) -> Worker:
    """The crawler's one ``Worker``, shared by its scheduler and its crawl state."""
    worker = getattr(crawler, _ATTRIBUTE, None)
    if worker is None:
        worker = Worker.from_crawler(crawler)
        setattr(crawler, _ATTRIBUTE, worker)
    return worker
