"""The crawl state on the Redis server that the workers of a crawl share (``REDIS_URL``).

What is committed lies in plain hashes and sets under the crawl's keys (``CrawlKeys``). Each
worker keeps its pending layer in its memory, for the commit bookkeeping, and in Redis as
*claims* under its worker id, which the lookups of the other workers see while the owner is
alive (its deadline in ``<prefix>:workers`` lies ahead, see ``Worker``). A dead owner's claim
is ignored, and the next ``remember_*`` of its key takes it over. ``commit_batch`` and
``finish_run`` are one MULTI/EXEC transaction, retried if another worker committed between
its reads and its writes: the record, the committed entries decided by the rules of
``crawler.state.contract``, and the removal of the claims they commit. ``close`` removes this
worker's remaining claims and commits nothing.

Claims are ``<owner>\\n<url>`` for URL keys and content hashes, and ``<owner>\\n<claim
sequence> <day> <band keys>\\n<signature>`` for fingerprints, whose bodies are kept apart.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.client import Pipeline
from redis.exceptions import LockNotOwnedError
from scrapy.crawler import Crawler

from crawler.distributed import (
    LIVE_WORKER_LUA,
    CrawlKeys,
    Worker,
    crawl_keys,
    crawl_worker,
    redis_client,
)
from crawler.state.contract import FINISHED, new_run_id, utc_now, within_window
from crawler.state.memory import PendingEntries, Written
from crawler.urls import url_key

logger = logging.getLogger(__name__)
_RUN_FIELDS = ("run_id", "spider", "mode", "started_at", "finished_at", "status", "counts")
_NO_DAY = "-"
BAND_BUCKETS = 1 << 18
"""Hashes the committed band keys are spread over: at a million articles (32 band keys each)
about 122 fields a hash, under Redis's ``hash-max-listpack-entries`` (128)."""

_LIVE = (
    LIVE_WORKER_LUA
    + """
local function live(claim, me, workers, now)
    local owner = string.sub(claim, 1, string.find(claim, "\\n", 1, true) - 1)
    return live_worker(workers, owner, me, now)
end
"""
)

# KEYS: committed hash, claims hash, workers. ARGV: field, me, url, now.
_CLAIM = (
    _LIVE
    + """
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then return 0 end
local claim = redis.call("HGET", KEYS[2], ARGV[1])
if claim and live(claim, ARGV[2], KEYS[3], ARGV[4]) then return 0 end
redis.call("HSET", KEYS[2], ARGV[1], ARGV[2] .. "\\n" .. ARGV[3])
return 1
"""
)

# KEYS: committed fingerprints, claims, claimed bodies, workers, claim sequence, band sets.
# ARGV: url, me, now, "<day> <band keys>", signature, compressed body.
_CLAIM_FINGERPRINT = (
    _LIVE
    + """
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then return 0 end
local claim = redis.call("HGET", KEYS[2], ARGV[1])
if claim and live(claim, ARGV[2], KEYS[4], ARGV[3]) then return 0 end
local sequence = redis.call("INCR", KEYS[5])
local record = ARGV[2] .. "\\n" .. sequence .. " " .. ARGV[4] .. "\\n" .. ARGV[5]
redis.call("HSET", KEYS[2], ARGV[1], record)
redis.call("HSET", KEYS[3], ARGV[1], ARGV[6])
for i = 6, #KEYS do redis.call("SADD", KEYS[i], ARGV[1]) end
return 1
"""
)

# KEYS: committed fingerprints, claims, workers, URLs by sequence, n committed band buckets,
# n claimed band sets. ARGV: n, me, now, n band keys. Returns (url, record) pairs of committed
# and of live claimed fingerprints.
_NEAR = (
    _LIVE
    + """
local n = tonumber(ARGV[1])
local function pairs_of(hash, urls, claimed)
    local found = {}
    for _, url in ipairs(urls) do
        local record = redis.call("HGET", hash, url)
        if record and (not claimed or live(record, ARGV[2], KEYS[3], ARGV[3])) then
            found[#found + 1] = url
            found[#found + 1] = record
        end
    end
    return found
end
local sequences, committed = {}, {}
for i = 1, n do
    local known = redis.call("HGET", KEYS[4 + i], ARGV[3 + i])
    if known then
        for sequence in string.gmatch(known, "%d+") do
            if not sequences[sequence] then
                sequences[sequence] = true
                committed[#committed + 1] = redis.call("HGET", KEYS[4], sequence)
            end
        end
    end
end
local sets = {}
for i = 5 + n, 4 + 2 * n do sets[#sets + 1] = KEYS[i] end
local claimed = redis.call("SUNION", unpack(sets))
return {pairs_of(KEYS[1], committed, false), pairs_of(KEYS[2], claimed, true)}
"""
)

# KEYS: claims hash, then the claimed bodies and band sets of a fingerprint. ARGV: me, fields.
# Removes the fields (and their bodies and band memberships) that ``me`` claims.
_RELEASE = """
local mine = ARGV[1] .. "\\n"
for i = 2, #ARGV do
    local claim = redis.call("HGET", KEYS[1], ARGV[i])
    if claim and string.sub(claim, 1, #mine) == mine then
        redis.call("HDEL", KEYS[1], ARGV[i])
        if #KEYS > 1 then redis.call("HDEL", KEYS[2], ARGV[i]) end
        for k = 3, #KEYS do redis.call("SREM", KEYS[k], ARGV[i]) end
    end
end
"""

# KEYS: fingerprints, bodies, commit sequence, URLs by sequence, band buckets. ARGV: url, day,
# signature, body, band keys (one per bucket). A band key's committed fingerprints are the
# space-separated sequences under its field of its bucket.
_COMMIT_FINGERPRINT = """
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 then return 0 end
local sequence = redis.call("INCR", KEYS[3])
redis.call("HSET", KEYS[1], ARGV[1], sequence .. " " .. ARGV[2] .. "\\n" .. ARGV[3])
redis.call("HSET", KEYS[2], ARGV[1], ARGV[4])
redis.call("HSET", KEYS[4], sequence, ARGV[1])
for i = 5, #KEYS do
    local field = ARGV[i]
    local known = redis.call("HGET", KEYS[i], field)
    redis.call("HSET", KEYS[i], field, known and (known .. " " .. sequence) or sequence)
end
return 1
"""


def _owner(claim: bytes) -> bytes:
    """The worker id a claim (``<owner>\\n…``) starts with."""
    return claim.split(b"\n", 1)[0]


def _day(text: bytes) -> int | None:
    """A publish day as a record holds it."""
    return None if text == _NO_DAY.encode() else int(text)


def _pairs(flat: list[bytes]) -> Iterable[tuple[bytes, bytes]]:
    """(url, record) pairs of a script's flat reply."""
    return zip(flat[::2], flat[1::2], strict=True)


def _found(names: list[str], replies: list) -> dict[str, Any]:
    """The replies, by name, of the names found (a member, or a field that is set)."""
    return {name: reply for name, reply in zip(names, replies, strict=True) if reply}


def _done(depth: int, visited: bool, expanded: int | None, known: bool) -> bool:
    """Whether a frontier entry at ``depth`` is done (``crawler.state.contract.Frontier``)."""
    if expanded is None:
        return visited
    return (visited or known) and expanded <= depth


def _least(*depths: int | None) -> int | None:
    known = [depth for depth in depths if depth is not None]
    return min(known) if known else None


@dataclass
class _Committed:
    """What a commit reads of the committed entries before it decides what to write."""

    exported: set[str] = field(default_factory=set)
    visited: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)
    expanded: dict[str, int] = field(default_factory=dict)
    frontier: dict[str, list] = field(default_factory=dict)


class WorkerDead(RuntimeError):
    """This worker's deadline passed: what it held is the other workers' now, so it must not
    commit."""


class RedisCrawlState(PendingEntries):
    """The crawl state of one worker (``worker``) on a Redis server shared by the workers of
    a crawl, every key under ``keys``. The worker's heartbeat and leaving are its owner's
    (the scheduler's), not the state's."""

    def __init__(self, client: redis.Redis, keys: CrawlKeys, worker: Worker) -> None:
        self.client = client
        self.keys = keys
        self.worker = worker
        self._me = worker.id.encode()
        self._claim = client.register_script(_CLAIM)
        self._claim_fingerprint = client.register_script(_CLAIM_FINGERPRINT)
        self._near = client.register_script(_NEAR)
        self._release = client.register_script(_RELEASE)
        self._commit_fingerprint = client.register_script(_COMMIT_FINGERPRINT)
        self._run_id: str | None = None
        self._init_pending()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisCrawlState:
        settings = crawler.settings
        return cls(
            redis_client(settings["REDIS_URL"]),
            crawl_keys(settings, crawler.spidercls.name),
            crawl_worker(crawler),
        )

    def _is_live(self, owner: bytes) -> bool:
        """Whether the worker ``owner`` is alive; this worker always is, to itself."""
        return owner == self._me or self.worker.is_alive(owner.decode())

    def _first_url(self, part: str, field: str) -> str | None:
        """The committed URL of ``field`` in the hash ``part``, or the URL a live worker
        claims for it."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hget(self.keys(part), field)
        pipe.hget(self.keys("claims", part), field)
        committed, claim = pipe.execute()
        if committed is not None:
            return committed.decode()
        if claim is not None and self._is_live(_owner(claim)):
            return claim.split(b"\n", 1)[1].decode()
        return None

    def _claims(self, part: str, field: str, url: str) -> bool:
        """Claims ``field`` of the hash ``part`` for ``url``, unless it is committed or a live
        worker claims it."""
        claimed = self._claim(
            keys=[self.keys(part), self.keys("claims", part), self.worker.workers_key],
            args=[field, self.worker.id, url, time.time()],
        )
        return bool(claimed)

    # URL keys, content hashes and fingerprints of exported articles

    def first_url_for_key(self, key: str) -> str | None:
        return self._urls.get(key) or self._first_url("urls", key)

    def remember_url(self, key: str, url: str) -> None:
        if key not in self._urls and self._claims("urls", key, url):
            self._urls[key] = url

    def first_url_for_content(self, sha256: str) -> str | None:
        return self._contents.get(sha256) or self._first_url("contents", sha256)

    def remember_content(self, sha256: str, url: str) -> None:
        if sha256 not in self._contents and self._claims("contents", sha256, url):
            self._contents[sha256] = url

    def remember_fingerprint(
        self, url: str, signature: bytes, bands: Sequence[int], day: int | None, body: str
    ) -> None:
        if url in self._fingerprints:
            return
        header = f"{_NO_DAY if day is None else day} {','.join(map(str, bands))}"
        claimed = self._claim_fingerprint(
            keys=[
                self.keys("fingerprints"),
                self.keys("claims", "fingerprints"),
                self.keys("claims", "bodies"),
                self.worker.workers_key,
                self.keys("claims", "sequence"),
                *(self.keys("claims", "bands", key) for key in bands),
            ],
            args=[
                url,
                self.worker.id,
                time.time(),
                header,
                signature,
                zlib.compress(body.encode("utf-8")),
            ],
        )
        if claimed:
            self._fingerprints.add(url, (signature, tuple(bands), day, body))

    def near_candidates(
        self, bands: Sequence[int], day: int | None, window_days: int
    ) -> list[tuple[str, bytes]]:
        if not bands:
            return []
        committed, claimed = self._near(
            keys=[
                self.keys("fingerprints"),
                self.keys("claims", "fingerprints"),
                self.worker.workers_key,
                self.keys("fingerprint-urls"),
                *(self._band_bucket(key) for key in bands),
                *(self.keys("claims", "bands", key) for key in bands),
            ],
            args=[len(bands), self.worker.id, time.time(), *bands],
        )
        found = []
        for url, record in _pairs(committed):
            header, signature = record.split(b"\n", 1)
            sequence, other = header.split(b" ")
            if within_window(day, _day(other), window_days):
                found.append((0, int(sequence), url.decode(), signature))
        wanted = {str(key).encode() for key in bands}
        for url, record in _pairs(claimed):
            _, header, signature = record.split(b"\n", 2)
            sequence, other, shared = header.split(b" ")
            if wanted & set(shared.split(b",")) and within_window(day, _day(other), window_days):
                found.append((1, int(sequence), url.decode(), signature))
        return [(url, signature) for *_, url, signature in sorted(found)]

    def remembered_body(self, url: str) -> str | None:
        if (pending := self._fingerprints.get(url)) is not None:
            return pending[3]
        pipe = self.client.pipeline(transaction=False)
        pipe.hget(self.keys("bodies"), url)
        pipe.hget(self.keys("claims", "fingerprints"), url)
        pipe.hget(self.keys("claims", "bodies"), url)
        committed, claim, claimed = pipe.execute()
        if committed is None and claim is not None and self._is_live(_owner(claim)):
            committed = claimed
        return None if committed is None else zlib.decompress(committed).decode("utf-8")

    def is_exported(self, url: str) -> bool:
        return bool(self.client.sismember(self.keys("exported"), url))

    def exported_count(self) -> int:
        return self.client.scard(self.keys("exported"))

    @contextmanager
    def deciding(self) -> Iterator[None]:
        """The crawl's dedup lock, held while no other worker may remember articles. It
        lapses after a quarter of the lease, so that a worker waiting for the lock of a
        worker killed while it held it still beats in time."""
        lapse = self.worker.lease_seconds / 4
        lock = self.client.lock(self.keys("dedup-lock"), timeout=lapse, sleep=0.002)
        lock.acquire()
        try:
            yield
        finally:
            try:
                lock.release()
            except LockNotOwnedError:
                logger.warning(
                    "The dedup lock lapsed while worker %s held it (%.1f s)", self.worker.id, lapse
                )

    # Pages that exported nothing, and related links not yet fetched

    def mark_visited(self, key: str) -> None:
        self._visited.add(key)

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        known = self._frontier.get(key)
        if known is None or depth < known[1]:
            self._frontier[key] = (url, depth, found_via)

    def mark_expanded(self, key: str, depth: int) -> None:
        self._expanded[key] = min(depth, self._expanded.get(key, depth))

    def expanded_depth(self, key: str) -> int | None:
        stored = self.client.hget(self.keys("expanded"), key)
        return _least(None if stored is None else int(stored), self._expanded.get(key))

    def frontier(self) -> list[tuple[str, int, str | None]]:
        keys = [key.decode() for key in self.client.hkeys(self.keys("frontier"))]
        committed = self._read_committed([], keys)
        entries = sorted(
            (depth, sequence, key, url, found_via)
            for key, (sequence, url, depth, found_via) in committed.frontier.items()
        )
        return [
            (url, depth, found_via)
            for depth, _, key, url, found_via in entries
            if not _done(
                depth,
                key in committed.visited or key in self._visited,
                _least(committed.expanded.get(key), self._expanded.get(key)),
                key in committed.known or key in self._urls,
            )
        ]

    # The listed set and versions

    def note_listed(self, keys: Iterable[str]) -> None:
        self._listed.update(keys)

    def was_listed(self, key: str) -> bool:
        return bool(self.client.sismember(self.keys("listed"), key))

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        self._versions[url] = (published_at, sha256, version)

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        versions = [
            (url.decode(), *json.loads(value))
            for url, value in self.client.hgetall(self.keys("versions")).items()
        ]
        recent = [v for v in versions if v[1] is not None and v[1][:10] >= since]
        recent.sort(key=lambda version: version[1], reverse=True)
        return [(url, sha256, version) for url, _, sha256, version in recent]

    # Runs and batches

    def _run(self, run_id: str) -> dict | None:
        stored = self.client.hget(self.keys("runs"), run_id)
        return None if stored is None else json.loads(stored)

    def begin_run(self, spider: str, mode: str) -> str:
        runs = self.keys("runs")
        while True:
            run_id = new_run_id(
                taken=lambda run: bool(self.client.hexists(runs, run)), worker=self.worker.id
            )
            record = dict.fromkeys(_RUN_FIELDS)
            record.update(
                run_id=run_id,
                spider=spider,
                mode=mode,
                started_at=utc_now(),
                counts={},
                worker=self.worker.id,
            )
            if self.client.hsetnx(runs, run_id, json.dumps(record)):
                self._run_id = run_id
                return run_id

    def is_running(self, run_id: str) -> bool:
        run = self._run(run_id)
        if run is None or run["finished_at"] is not None:
            return False
        return self._is_live(run["worker"].encode())

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        """Records a run's end. Finishing this process's run also commits what no batch holds
        (visited pages, frontier links) and, with status ``finished``, its listed set."""
        run = self._run(run_id)
        if run is not None:
            run.update(finished_at=utc_now(), status=status, counts=dict(counts))
        if run_id != self._run_id:
            if run is not None:
                self.client.hset(self.keys("runs"), run_id, json.dumps(run))
            return

        def record(pipe: Pipeline) -> None:
            if run is not None:
                pipe.hset(self.keys("runs"), run_id, json.dumps(run))
            if status == FINISHED and self._listed:
                pipe.sadd(self.keys("listed"), *self._listed)

        self._commit((), record)
        self._listed.clear()

    def runs(self) -> list[dict]:
        stored = [json.loads(value) for value in self.client.hvals(self.keys("runs"))]
        return [
            {name: run[name] for name in _RUN_FIELDS}
            for run in sorted(stored, key=lambda run: run["run_id"])
        ]

    def commit_batch(
        self,
        run_id: str,
        path: str,
        lines: int,
        sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        """Records a finished feed file and commits, in the same transaction, the pending
        entries of its ``articles`` (each ``(url, canonical_url)``) and all that waited
        for them."""
        if not self.client.hexists(self.keys("runs"), run_id):
            raise KeyError(f"no run {run_id} to commit a batch for")
        batch_id = self.client.incr(self.keys("batch-sequence"))
        batch = {
            "id": batch_id,
            "run_id": run_id,
            "path": path,
            "lines": lines,
            "sha256": sha256,
            "committed_at": utc_now(),
        }
        self._commit(
            articles, lambda pipe: pipe.hset(self.keys("batches"), batch_id, json.dumps(batch))
        )

    def batches(self, run_id: str | None = None) -> list[dict]:
        stored = [json.loads(value) for value in self.client.hvals(self.keys("batches"))]
        return sorted(
            (batch for batch in stored if run_id is None or batch["run_id"] == run_id),
            key=lambda batch: batch["id"],
        )

    # Commits

    def _commit(
        self, articles: Collection[tuple[str, str]], record: Callable[[Pipeline], object]
    ) -> None:
        """Writes ``record`` and the pending entries that ``articles`` commit in one
        transaction, retried while the committed entries it read change; then forgets them."""
        watched = [
            *(self.keys(part) for part in ("exported", "visited", "urls", "expanded", "frontier")),
            self.worker.workers_key,
        ]
        written = self.client.transaction(
            lambda pipe: self._write_pending(pipe, articles, record),
            *watched,
            value_from_callable=True,
        )
        self._drop_pending(written)

    def _read_committed(self, urls: list[str], keys: list[str]) -> _Committed:
        """Which of ``urls`` are exported, and the committed entries under ``keys``."""
        if not urls and not keys:
            return _Committed()
        reads = self.client.pipeline(transaction=False)
        if urls:
            reads.smismember(self.keys("exported"), urls)
        if keys:
            reads.smismember(self.keys("visited"), keys)
            reads.hmget(self.keys("urls"), keys)
            reads.hmget(self.keys("expanded"), keys)
            reads.hmget(self.keys("frontier"), keys)
        replies = iter(reads.execute())
        committed = _Committed()
        if urls:
            committed.exported = set(_found(urls, next(replies)))
        if keys:
            visited, known, expanded, frontier = (_found(keys, reply) for reply in replies)
            committed.visited = set(visited)
            committed.known = set(known)
            committed.expanded = {key: int(depth) for key, depth in expanded.items()}
            committed.frontier = {key: json.loads(entry) for key, entry in frontier.items()}
        return committed

    def _write_pending(
        self,
        pipe: Pipeline,
        articles: Collection[tuple[str, str]],
        record: Callable[[Pipeline], object],
    ) -> Written:
        """Reads what the commit rules depend on (``pipe`` watches it), then queues ``record``
        and the pending entries that may be committed now in ``pipe``'s transaction."""
        if not self.worker.is_alive(self.worker.id):
            raise WorkerDead(
                f"worker {self.worker.id} counts as dead: the others took over what it held"
            )
        batch_urls = {url for url, _ in articles}
        batch_keys = {url_key(url) for article in articles for url in article}
        pending_urls = {*self._urls.values(), *self._contents.values(), *self._fingerprints.urls()}
        keys = {*self._urls, *self._visited, *self._expanded, *self._frontier}
        committed = self._read_committed(sorted(pending_urls - batch_urls), sorted(keys))
        exported = committed.exported | batch_urls
        visited = committed.visited | self._visited
        written = Written(
            urls=[
                (key, url)
                for key, url in self._urls.items()
                if key in batch_keys or (key in visited and url in exported)
            ],
            contents=[(sha, url) for sha, url in self._contents.items() if url in exported],
            fingerprints=[url for url in self._fingerprints.urls() if url in exported],
            versions=[(url, *entry) for url, entry in self._versions.items() if url in batch_urls],
        )
        known = committed.known | {key for key, _ in written.urls}
        expanded = {
            key: depth
            for key, depth in self._expanded.items()
            if key not in committed.expanded or depth < committed.expanded[key]
        }
        frontier = {
            key: [committed.frontier[key][0], *entry]
            for key, entry in self._frontier.items()
            if key in committed.frontier and entry[1] < committed.frontier[key][2]
        }
        if new := [key for key in self._frontier if key not in committed.frontier]:
            first = pipe.incrby(self.keys("frontier-sequence"), len(new)) - len(new) + 1
            frontier |= {key: [first + n, *self._frontier[key]] for n, key in enumerate(new)}
        # Only entries under the keys read can have become done: this commit writes no other.
        done = {
            key
            for key, entry in {**committed.frontier, **frontier}.items()
            if _done(
                entry[2],
                key in visited,
                _least(committed.expanded.get(key), self._expanded.get(key)),
                key in known,
            )
        }

        pipe.multi()
        record(pipe)
        if batch_urls:
            pipe.sadd(self.keys("exported"), *batch_urls)
        if self._visited:
            pipe.sadd(self.keys("visited"), *self._visited)
        for key, url in written.urls:
            pipe.hsetnx(self.keys("urls"), key, url)
        for sha, url in written.contents:
            pipe.hsetnx(self.keys("contents"), sha, url)
        for url in written.fingerprints:
            self._queue_fingerprint(pipe, url)
        for url, *version in written.versions:
            pipe.hset(self.keys("versions"), url, json.dumps(version))
        if expanded:
            pipe.hset(self.keys("expanded"), mapping=expanded)
        if kept := {key: json.dumps(e) for key, e in frontier.items() if key not in done}:
            pipe.hset(self.keys("frontier"), mapping=kept)
        if removed := done & committed.frontier.keys():
            pipe.hdel(self.keys("frontier"), *removed)
        self._queue_release(
            pipe, [key for key, _ in written.urls], [sha for sha, _ in written.contents]
        )
        for url in written.fingerprints:
            self._queue_release_fingerprint(pipe, url)
        return written

    def _queue_fingerprint(self, pipe: Pipeline, url: str) -> None:
        signature, bands, day, body = self._fingerprints[url]
        self._commit_fingerprint(
            keys=[
                self.keys("fingerprints"),
                self.keys("bodies"),
                self.keys("fingerprint-sequence"),
                self.keys("fingerprint-urls"),
                *(self._band_bucket(key) for key in bands),
            ],
            args=[
                url,
                _NO_DAY if day is None else day,
                signature,
                zlib.compress(body.encode("utf-8")),
                *bands,
            ],
            client=pipe,
        )

    def _band_bucket(self, band: int) -> str:
        """The hash holding a band key's committed fingerprints: one of ``BAND_BUCKETS``, so
        that Redis keeps each in its compact encoding instead of one key per band key."""
        return self.keys("bands", band % BAND_BUCKETS)

    def _queue_release(self, pipe: Pipeline, url_keys: list[str], contents: list[str]) -> None:
        """Queues the removal of this worker's claims of these URL keys and content hashes."""
        for part, fields in (("urls", url_keys), ("contents", contents)):
            if fields:
                self._release(
                    keys=[self.keys("claims", part)], args=[self.worker.id, *fields], client=pipe
                )

    def _queue_release_fingerprint(self, pipe: Pipeline, url: str) -> None:
        """Queues the removal of this worker's claim of ``url``'s fingerprint."""
        self._release(
            keys=[
                self.keys("claims", "fingerprints"),
                self.keys("claims", "bodies"),
                *(self.keys("claims", "bands", key) for key in self._fingerprints[url][1]),
            ],
            args=[self.worker.id, url],
            client=pipe,
        )

    def close(self) -> None:
        """Drops the pending layer: this worker's claims in Redis and its memory."""
        pipe = self.client.pipeline(transaction=True)
        self._queue_release(pipe, list(self._urls), list(self._contents))
        for url in self._fingerprints.urls():
            self._queue_release_fingerprint(pipe, url)
        pipe.execute()
        self._init_pending()
