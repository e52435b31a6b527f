"""The article keys of a run shared by its workers (``RUN_ARTICLES_CLASS`` under ``REDIS_URL``).

``crawler.incremental.RunArticles`` on two hashes of the run, ``<prefix>:<run>:found`` (key →
``[depth, found_via]``) and ``<prefix>:<run>:expanded`` (key → depth), each step one Lua
script: a worker that finds an article closer than another worker is expanding it either
sees it expanded (and asks for its related links again) or is seen by that worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from scrapy.crawler import Crawler

from crawler.distributed import Worker, crawl_worker
from crawler.incremental import Found

# KEYS: found, expanded; ARGV: key, depth, [depth, found_via] as JSON.
_FIND = """
local known = redis.call('HGET', KEYS[1], ARGV[1])
local expanded = redis.call('HGET', KEYS[2], ARGV[1])
if (not known) or tonumber(cjson.decode(known)[1]) > tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return {known, expanded}
"""

# KEYS: found, expanded; ARGV: closest_of (or ''), [depth, found_via] as JSON, keys...
_EXPAND = """
local found = ARGV[2]
if ARGV[1] ~= '' then
  found = redis.call('HGET', KEYS[1], ARGV[1]) or found
end
local depth = cjson.decode(found)[1]
for i = 3, #ARGV do
  redis.call('HSETNX', KEYS[1], ARGV[i], found)
  redis.call('HSET', KEYS[2], ARGV[i], depth)
end
return found
"""


def _found(value: bytes | None) -> Found | None:
    if value is None:
        return None
    depth, found_via = json.loads(value)
    return depth, found_via


class RedisRunArticles:
    """``crawler.incremental.RunArticles`` shared by the workers of the worker's run."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._find = worker.client.register_script(_FIND)
        self._expand = worker.client.register_script(_EXPAND)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisRunArticles:
        return cls(crawl_worker(crawler))

    def _keys(self) -> list[str]:
        run = self.worker.run
        return [self.worker.keys(run, "found"), self.worker.keys(run, "expanded")]

    def found(self, key: str) -> Found | None:
        return _found(self.worker.client.hget(self._keys()[0], key))

    def find(self, key: str, depth: int, found_via: str | None) -> tuple[Found | None, int | None]:
        known, expanded = self._find(
            keys=self._keys(), args=[key, depth, json.dumps([depth, found_via])]
        )
        return _found(known), None if expanded is None else int(expanded)

    def expand(self, keys: Iterable[str], found: Found, closest_of: str | None = None) -> Found:
        value = self._expand(
            keys=self._keys(), args=[closest_of or "", json.dumps(list(found)), *keys]
        )
        expanded = _found(value)
        assert expanded is not None
        return expanded
