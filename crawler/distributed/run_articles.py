"""The article keys of a run shared by its workers (``RUN_ARTICLES_CLASS`` under ``REDIS_URL``).

``crawler.incremental.RunArticles`` on two hashes of the run, ``<prefix>:<run>:found`` (key →
``[depth, found_via, worker]``) and ``<prefix>:<run>:expanded`` (key → depth), each step one
Lua script: a worker that finds an article closer than another worker is expanding it either
sees it expanded (and asks for its related links again) or is seen by that worker.

A key found by a worker that died since counts as not found: the worker may have died before
it queued the request, and the page it was found on, given back to the queue, finds it again
(a request queued already is then caught by the dupefilter). Each worker keeps the keys it
found itself: a link found again no closer than that is settled without asking Redis.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from scrapy.crawler import Crawler

from crawler.distributed import LIVE_WORKER_LUA, Worker, crawl_worker
from crawler.incremental import Found

_LIVE = (
    LIVE_WORKER_LUA
    + """
local function live(entry)
  return entry and live_worker(KEYS[3], cjson.decode(entry)[3], ARGV[1], ARGV[2])
end
"""
)

# KEYS: found, expanded, workers; ARGV: me, now, key.
_FOUND = (
    _LIVE
    + """
local known = redis.call('HGET', KEYS[1], ARGV[3])
if live(known) then return known end
return false
"""
)

# KEYS: found, expanded, workers; ARGV: me, now, key, depth, [depth, found_via, me].
_FIND = (
    _LIVE
    + """
local known = redis.call('HGET', KEYS[1], ARGV[3])
if not live(known) then known = false end
local expanded = redis.call('HGET', KEYS[2], ARGV[3])
if (not known) or tonumber(cjson.decode(known)[1]) > tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], ARGV[3], ARGV[5])
end
return {known, expanded}
"""
)

# KEYS: found, expanded, workers; ARGV: me, now, closest_of (or ''), [depth, found_via, me],
# keys...
_EXPAND = (
    _LIVE
    + """
local found = ARGV[4]
if ARGV[3] ~= '' then
  local closest = redis.call('HGET', KEYS[1], ARGV[3])
  if closest then
    local entry = cjson.decode(closest)
    found = cjson.encode({entry[1], entry[2], ARGV[1]})
  end
end
local depth = cjson.decode(found)[1]
for i = 5, #ARGV do
  if not live(redis.call('HGET', KEYS[1], ARGV[i])) then
    redis.call('HSET', KEYS[1], ARGV[i], found)
  end
  redis.call('HSET', KEYS[2], ARGV[i], depth)
end
return found
"""
)


def _found(value: bytes | None) -> Found | None:
    if value is None:
        return None
    depth, found_via, _ = json.loads(value)
    return depth, found_via


class RedisRunArticles:
    """``crawler.incremental.RunArticles`` shared by the workers of the worker's run."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._lookup = worker.client.register_script(_FOUND)
        self._find = worker.client.register_script(_FIND)
        self._expand = worker.client.register_script(_EXPAND)
        self._seen: dict[str, Found] = {}
        self._seen_run: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisRunArticles:
        return cls(crawl_worker(crawler))

    def _keys(self) -> list[str]:
        run = self.worker.run
        if run != self._seen_run:
            self._seen, self._seen_run = {}, run
        keys = self.worker.keys
        return [keys(run, "found"), keys(run, "expanded"), self.worker.workers_key]

    def _entry(self, found: Found) -> str:
        return json.dumps([*found, self.worker.id])

    def found(self, key: str) -> Found | None:
        """Where ``key`` was found closest by a live worker, or by this one as far as it
        knows (it may have been found closer since, never farther)."""
        keys = self._keys()
        if (seen := self._seen.get(key)) is not None:
            return seen
        return _found(self._lookup(keys=keys, args=[self.worker.id, time.time(), key]))

    def find(self, key: str, depth: int, found_via: str | None) -> tuple[Found | None, int | None]:
        known, expanded = self._find(
            keys=self._keys(),
            args=[self.worker.id, time.time(), key, depth, self._entry((depth, found_via))],
        )
        known = _found(known)
        if known is None or depth < known[0]:
            self._seen[key] = (depth, found_via)
        return known, None if expanded is None else int(expanded)

    def expand(self, keys: Iterable[str], found: Found, closest_of: str | None = None) -> Found:
        value = self._expand(
            keys=self._keys(),
            args=[self.worker.id, time.time(), closest_of or "", self._entry(found), *keys],
        )
        expanded = _found(value)
        assert expanded is not None
        return expanded
