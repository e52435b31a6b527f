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
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

DEFAULT_NAMESPACE = "cnfinance"
DEFAULT_LEASE_SECONDS = 30.0
RETRIES = 35
_ATTRIBUTE = "_cnfinance_redis_worker"

LIVE_WORKER_LUA = """
local function live_worker(workers, owner, me, now)
  if owner == me then return true end
  local deadline = redis.call('ZSCORE', workers, owner)
  return deadline ~= false and tonumber(deadline) > tonumber(now)
end
"""
"""Lua: whether ``owner`` is this worker (``me``) or one whose deadline in the ``workers``
sorted set lies after ``now``; the one rule the scripts that honour others' work share."""

# KEYS: workers; ARGV: worker, now, deadline. Moves a live (or new) worker's deadline; a
# worker whose deadline passed stays dead: the others may have taken what it held.
_BEAT = """
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if deadline and tonumber(deadline) <= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
"""


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
    """A client (bytes in, bytes out) for ``REDIS_URL`` that waits out a server restart: a
    command that finds the server gone is retried for about two minutes."""
    return redis.Redis.from_url(
        url,
        socket_timeout=30,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=4.0, base=0.1), RETRIES),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


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
        self.run: int | None = None
        """The number of the crawl's run this worker takes part in (set by the scheduler)."""
        self.starts_run = False
        """Whether this worker opened the run, and so pushes its start requests."""
        self._beat = client.register_script(_BEAT)
        self.beat()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Worker:
        settings = crawler.settings
        return cls(
            redis_client(settings["REDIS_URL"]),
            crawl_keys(settings, crawler.spidercls.name),
            settings.getfloat("REDIS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS),
        )

    def beat(self) -> bool:
        """Moves this worker's deadline ``lease_seconds`` from now; false if it had passed
        (this worker counts as dead, for good)."""
        now = time.time()
        alive = self._beat(keys=[self.workers_key], args=[self.id, now, now + self.lease_seconds])
        return bool(alive)

    def leave(self) -> None:
        """Leaves the crawl: from now on this worker counts as dead, and the next worker to
        settle the crawl's leases gives back what it held and forgets it."""
        self.client.zadd(self.workers_key, {self.id: 0})

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
