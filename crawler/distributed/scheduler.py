"""scrapy-redis's scheduler with what a crawl of many workers needs and it lacks.

- **Leases.** A request popped from the shared queue moves, in one Lua script, to the
  worker's hash of leases (``<prefix>:leases:<worker>``). It is acknowledged (removed) only
  once the engine is done with it and each article it produced is in a committed batch
  (``crawler.export.batch_committed``). When a worker's deadline passes (it was killed), any
  worker puts its leases back in the queue: nothing a dead worker held is lost.
- **One start per run.** The first worker of a run (``<prefix>:run``, a counter, and
  ``<prefix>:run:open``) pushes the spider's start requests; the others take theirs from the
  queue (``StartOnce``). The request dupefilter is the run's (``<prefix>:<run>:dupefilter``),
  so a later run fetches the lists again and the incremental middleware skips what is
  exported.
- **Idle close.** A worker closes once the queue has been empty and no worker held a lease
  it had not finished for ``REDIS_IDLE_CLOSE_SECONDS``; the run then ends. Nothing shared is
  cleared when a worker finishes (``scrapy redis-reset`` does that on purpose).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Collection
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.distributed import Worker, crawl_worker
from crawler.export import batch_committed

logger = logging.getLogger(__name__)

LEASE = "redis_lease"
"""Request meta key: the id of the lease under which this worker holds the request."""
DEFAULT_IDLE_CLOSE_SECONDS = 30.0
LEASE_LOST = "redis_lease_lost"
"""Close reason of a worker that found itself counted as dead (a failed run)."""

# KEYS: queue, lease counter, this worker's leases. Pops the first request into a lease.
_POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return nil end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], id, top[2] .. ' ' .. top[1])
return {id, top[1]}
"""

# Puts a lease's entry ("<score> <request>") back in the queue.
_REQUEUE_LUA = """
local function requeue(queue, entry)
  local space = string.find(entry, ' ', 1, true)
  redis.call('ZADD', queue, string.sub(entry, 1, space - 1), string.sub(entry, space + 1))
end
"""

# KEYS: workers, queue; ARGV: now, key prefix. Puts the leases of workers whose deadline
# passed back in the queue; returns {requeued, queued, unfinished leases of live workers}.
_SETTLE = (
    _REQUEUE_LUA
    + """
local requeued = 0
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  local leases = ARGV[2] .. ':leases:' .. worker
  local entries = redis.call('HGETALL', leases)
  for i = 2, #entries, 2 do
    requeue(KEYS[2], entries[i])
    requeued = requeued + 1
  end
  redis.call('DEL', leases, ARGV[2] .. ':handled:' .. worker)
  redis.call('ZREM', KEYS[1], worker)
end
local unfinished = 0
for _, worker in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  unfinished = unfinished + redis.call('HLEN', ARGV[2] .. ':leases:' .. worker)
    - redis.call('SCARD', ARGV[2] .. ':handled:' .. worker)
end
return {requeued, redis.call('ZCARD', KEYS[2]), unfinished}
"""
)

# KEYS: dupefilter, queue; ARGV: fingerprint ('' for none), score, request. Queues a request
# unless the dupefilter has its fingerprint, in one step; returns whether it was queued.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: a worker's leases, its handled set, queue; ARGV: lease ids. Puts those leases back in
# the queue; returns how many.
_GIVE_BACK = (
    _REQUEUE_LUA
    + """
local given = 0
for _, id in ipairs(ARGV) do
  local entry = redis.call('HGET', KEYS[1], id)
  if entry then
    requeue(KEYS[3], entry)
    redis.call('HDEL', KEYS[1], id)
    redis.call('SREM', KEYS[2], id)
    given = given + 1
  end
end
return given
"""
)

# KEYS: run counter, open flag; ARGV: key prefix. Joins the open run, or opens the next one
# and forgets the last one's requests; returns {run, 1 if this worker opened it}.
_BEGIN = """
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {tonumber(redis.call('GET', KEYS[1])), 0}
end
local run = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], run)
for _, part in ipairs({'dupefilter', 'found', 'expanded'}) do
  redis.call('DEL', ARGV[1] .. ':' .. (run - 1) .. ':' .. part)
end
return {run, 1}
"""

# KEYS: open flag; ARGV: run. Ends the run if it is still the open one.
_END = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue (a sorted set) whose ``pop`` leases the request to
    ``worker`` (see the module docstring) and whose ``push_new`` checks a dupefilter in the
    same step, so that no request is ever marked seen without being queued."""

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker = worker
        keys = worker.keys
        self.leases_key = keys("leases", worker.id)
        self._lease_counter = keys("lease")
        self._pop = self.server.register_script(_POP)
        self._enqueue = self.server.register_script(_ENQUEUE)

    def push(self, request: Request) -> None:
        self.push_new(request, "", "")

    def push_new(self, request: Request, dupefilter: str, fingerprint: str) -> bool:
        """Queues ``request`` unless ``dupefilter`` (a set) holds ``fingerprint`` (none:
        queue it anyway); returns whether it was queued."""
        if LEASE in request.meta:
            # A retry or a redirect of a leased request: a new entry, leased when popped.
            request = request.replace(meta={k: v for k, v in request.meta.items() if k != LEASE})
        data = self._encode_request(request)
        queued = self._enqueue(
            keys=[dupefilter or self.key, self.key], args=[fingerprint, -request.priority, data]
        )
        return bool(queued)

    def pop(self, timeout: int = 0) -> Request | None:
        popped = self._pop(keys=[self.key, self._lease_counter, self.leases_key])
        if not popped:
            return None
        lease, data = popped
        request = self._decode_request(data)
        request.meta[LEASE] = int(lease)
        return request


class LeasedScheduler(Scheduler):
    """The scheduler of ``REDIS_URL`` crawls; see the module docstring."""

    def __init__(self, crawler: Crawler, worker: Worker, idle_close_seconds: float) -> None:
        super().__init__(
            server=worker.client,
            persist=True,
            queue_key=worker.keys("requests"),
            queue_cls="crawler.distributed.scheduler.LeasedQueue",
            idle_before_close=0,
            serializer=None,
        )
        self.crawler = crawler
        self.stats = crawler.stats
        self.worker = worker
        self.keys = worker.keys
        self.idle_close_seconds = idle_close_seconds
        self._settle = self.server.register_script(_SETTLE)
        self._give_back = self.server.register_script(_GIVE_BACK)
        self._begin = self.server.register_script(_BEGIN)
        self._end = self.server.register_script(_END)
        self._settled_at = 0.0
        self._idle_since: float | None = None
        self._in_engine: dict[int, Request] = {}
        self._waiting: dict[int, set[str]] = {}
        self._lease_of_article: dict[str, int] = {}
        self._heartbeat = LoopingCall(self._beat)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        scheduler = cls(
            crawler,
            crawl_worker(crawler),
            settings.getfloat("REDIS_IDLE_CLOSE_SECONDS", DEFAULT_IDLE_CLOSE_SECONDS),
        )
        crawler.signals.connect(scheduler.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(scheduler.batch_committed, signal=batch_committed)
        crawler.signals.connect(scheduler.engine_stopped, signal=signals.engine_stopped)
        return scheduler

    def open(self, spider: Spider) -> None:
        run, opened = self._begin(
            keys=[self.keys("run"), self.keys("run", "open")], args=[self.keys.prefix]
        )
        self.worker.run, self.worker.starts_run = int(run), bool(opened)
        self.dupefilter_key = self.keys(run, "dupefilter")
        self.spider = spider
        self.queue = LeasedQueue(
            server=self.server, spider=spider, key=self.queue_key, worker=self.worker
        )
        logger.info(
            "Worker %s %s run %d of %s (%d requests queued)",
            self.worker.id,
            "opened" if opened else "joined",
            run,
            self.keys.prefix,
            len(self.queue),
        )
        self._heartbeat.start(self.worker.lease_seconds / 3, now=False)

    def enqueue_request(self, request: Request) -> bool:
        """Queues the request unless it was seen in this run (by the crawler's request
        fingerprinter), or it is ``dont_filter``."""
        fingerprint = "" if request.dont_filter else self.fingerprint(request)
        if not self.queue.push_new(request, self.dupefilter_key, fingerprint):
            self.stats.inc_value("dupefilter/filtered")
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def fingerprint(self, request: Request) -> str:
        return self.crawler.request_fingerprinter.fingerprint(request).hex()

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
            self._in_engine[request.meta[LEASE]] = request
        return request

    def has_pending_requests(self) -> bool:
        """Whether this worker should stay: requests are queued, a worker holds a lease it
        has not finished, or the queue has been empty for less than the idle time."""
        self._finish_handled()
        now = time.time()
        if now - self._settled_at < 1.0 and len(self.queue):
            return True
        self._settled_at = now
        requeued, queued, unfinished = self._settle(
            keys=[self.worker.workers_key, self.queue_key], args=[now, self.keys.prefix]
        )
        if requeued:
            logger.warning("Put %d requests of stopped workers back in the queue", requeued)
            self.stats.inc_value("redis/requeued", requeued)
        if unfinished and not self._in_engine:
            # Leases this worker holds in Redis but does not know of: a pop whose answer
            # was lost with the connection, then retried. They go back to the queue.
            unfinished -= self._give_back_unknown()
        if queued or unfinished:
            self._idle_since = None
            return True
        self._idle_since = self._idle_since or now
        if now - self._idle_since < self.idle_close_seconds:
            return True
        if self._end(keys=[self.keys("run", "open")], args=[self.worker.run]):
            logger.info(
                "Run %d of %s is done: nothing queued or leased", self.worker.run, self.keys.prefix
            )
        return False

    def _give_back_unknown(self) -> int:
        known = {*self._in_engine, *self._waiting}
        unknown = [int(id) for id in self.server.hkeys(self.queue.leases_key)]
        return self._give_back_leases([lease for lease in unknown if lease not in known])

    def _give_back_leases(self, leases: list[int]) -> int:
        if not leases:
            return 0
        handled = self.keys("handled", self.worker.id)
        return self._give_back(keys=[self.queue.leases_key, handled, self.queue_key], args=leases)

    def item_scraped(self, item: Any, response: Any) -> None:
        """An article of a leased request: its lease waits for the article's batch."""
        lease = response.meta.get(LEASE) if response is not None else None
        if lease is not None:
            url = ItemAdapter(item)["url"]
            self._waiting.setdefault(lease, set()).add(url)
            self._lease_of_article[url] = lease

    def batch_committed(self, articles: Collection[tuple[str, str]]) -> None:
        for url, _ in articles:
            lease = self._lease_of_article.pop(url, None)
            if lease is not None:
                self._waiting[lease].discard(url)
        self._finish_handled()

    def _finish_handled(self) -> None:
        """Acknowledges the leases the engine is done with whose articles are committed;
        marks those whose articles wait for a batch as handled (no longer keeping the other
        workers from closing)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        in_progress = slot.inprogress if slot is not None else set()
        done, handled = [], []
        for lease, request in list(self._in_engine.items()):
            if request in in_progress:
                continue
            del self._in_engine[lease]
            (handled if self._waiting.get(lease) else done).append(lease)
        for lease, urls in list(self._waiting.items()):
            if not urls and lease not in self._in_engine:
                del self._waiting[lease]
                done.append(lease)
        if not (done or handled):
            return
        pipe = self.server.pipeline(transaction=True)
        if handled:
            pipe.sadd(self.keys("handled", self.worker.id), *handled)
        if done:
            pipe.hdel(self.queue.leases_key, *done)
            pipe.srem(self.keys("handled", self.worker.id), *done)
        pipe.execute()
        self.stats.inc_value("redis/acknowledged", len(done))

    def _beat(self) -> None:
        if not self.worker.beat():
            logger.error(
                "Worker %s was not heard from for %.0f s and counts as dead; its requests"
                " went to the other workers, so it stops without committing more",
                self.worker.id,
                self.worker.lease_seconds,
            )
            self._heartbeat.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=LEASE_LOST))
            return
        self._finish_handled()

    def close(self, reason: str) -> None:
        """Leaves the shared queue and dupefilter as they are (``SCHEDULER_PERSIST``)."""

    def engine_stopped(self) -> None:
        """Gives back what this worker still holds (its unfinished or uncommitted leases)
        and leaves the crawl."""
        if self._heartbeat.running:
            self._heartbeat.stop()
        self._finish_handled()
        requeued = self._give_back_leases(
            [int(id) for id in self.server.hkeys(self.queue.leases_key)]
        )
        self.worker.leave()
        if requeued:
            logger.info("Gave back %d requests this worker had not finished", requeued)


class StartOnce:
    """Spider middleware, outermost: only the worker that opened the run pushes the spider's
    start requests (and what the other middlewares add to them); the others start from the
    shared queue."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartOnce:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("REDIS_URL is not set")
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if crawl_worker(self.crawler).starts_run:
            async for request in start:
                yield request
