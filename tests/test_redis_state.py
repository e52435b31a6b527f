"""What only the Redis backend has: several workers' states on one crawl at once. Each worker
sees the pending entries (claims) of the others while they are alive, and a dead worker's are
taken over. The contract it shares with the other backends is checked in
tests/test_state_contract.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.distributed import CrawlKeys, Worker, crawl_worker, redis_client
from crawler.state import crawl_state
from crawler.state.redis import RedisCrawlState
from crawler.urls import url_key

A = "https://www.financeun.com/newsDetail/40001.shtml"
B = "https://www.financeun.com/newsDetail/40002.shtml"
A_MOBILE = "http://m.financeun.com/newsDetail/40001.shtml"
REPOST = "https://www.example.com/a/1.html"
BAND = 7
DAY = 739_288


@pytest.fixture
def client(redis_server) -> Iterator[redis.Redis]:
    client = redis_client(redis_server.url)
    yield client
    client.close()


@pytest.fixture
def keys(tmp_path: Path) -> CrawlKeys:
    return CrawlKeys(f"test-{tmp_path.name}", "news")


@pytest.fixture
def worker(client: redis.Redis, keys: CrawlKeys) -> Iterator[Callable[[], RedisCrawlState]]:
    """Starts the states of worker processes on the test's crawl; closes them after."""
    states: list[RedisCrawlState] = []

    def start() -> RedisCrawlState:
        states.append(RedisCrawlState(client, keys, Worker(client, keys)))
        return states[-1]

    yield start
    for state in states:
        state.close()


def remember(state: RedisCrawlState, url: str, first: str | None = None) -> None:
    """What DedupPipeline writes for an article (``first``: the story's first URL)."""
    first = first or url
    state.remember_url(url_key(url), first)
    state.remember_content(f"sha-of-{url}", first)
    state.remember_fingerprint(url, f"sig-of-{url}".encode(), [BAND], DAY, f"body of {url}")


def seen(state: RedisCrawlState, url: str) -> tuple:
    """What ``state``'s lookups tell of the article at ``url``."""
    return (
        state.first_url_for_key(url_key(url)),
        state.first_url_for_content(f"sha-of-{url}"),
        [found for found in state.near_candidates([BAND], DAY, 0) if found[0] == url],
        state.remembered_body(url),
    )


def seen_as_remembered(url: str, first: str | None = None) -> tuple:
    first = first or url
    return (first, first, [(url, f"sig-of-{url}".encode())], f"body of {url}")


NOTHING = (None, None, [], None)


def die(state: RedisCrawlState, how: str) -> None:
    """Ends ``state``'s worker: it leaves, or its heartbeat stops and the deadline passes."""
    if how == "left":
        state.worker.leave()
    else:
        state.client.zadd(state.worker.workers_key, {state.worker.id: time.time() - 1})


def test_a_live_workers_pending_entries_are_seen_by_the_others(
    worker: Callable[[], RedisCrawlState],
) -> None:
    a, b = worker(), worker()
    remember(a, A)
    assert seen(b, A) == seen_as_remembered(A)
    assert b.first_url_for_key(url_key(A_MOBILE)) == A
    assert not b.is_exported(A) and not a.is_exported(A)


def test_a_live_claim_keeps_its_first_url(worker: Callable[[], RedisCrawlState]) -> None:
    a, b = worker(), worker()
    remember(a, A)
    b.remember_url(url_key(A_MOBILE), REPOST)
    b.remember_content(f"sha-of-{A}", REPOST)
    b.remember_fingerprint(A, b"other", [BAND, 8], DAY, "another body")
    assert seen(b, A) == seen(a, A) == seen_as_remembered(A)
    assert b.near_candidates([8], DAY, 0) == []


@pytest.mark.parametrize("how", ["left", "expired"])
def test_a_dead_workers_claims_are_ignored_and_taken_over(
    worker: Callable[[], RedisCrawlState], how: str
) -> None:
    a, b = worker(), worker()
    remember(a, A)
    die(a, how)
    assert seen(b, A) == NOTHING
    remember(b, A, first=REPOST)
    state_b = (REPOST, REPOST, [(A, f"sig-of-{A}".encode())], f"body of {A}")
    assert seen(b, A) == seen(worker(), A) == state_b
    # B commits what it took over; A's pending entries are not committed by A's commits.
    run = b.begin_run("news", "incremental")
    b.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(REPOST, A)])
    b.commit_batch(run, "/feeds/2.jsonl", 1, "e" * 64, [(A, A)])
    assert seen(worker(), A) == state_b


def test_committed_entries_are_seen_by_every_worker_and_their_claims_removed(
    worker: Callable[[], RedisCrawlState], client: redis.Redis, keys: CrawlKeys
) -> None:
    a, b = worker(), worker()
    remember(a, A)
    remember(a, B)
    run = a.begin_run("news", "incremental")
    a.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])
    a.worker.leave()
    for other in (b, worker()):
        assert seen(other, A) == seen_as_remembered(A)
        assert other.is_exported(A)
        assert seen(other, B) == NOTHING
        assert [batch["path"] for batch in other.batches(run)] == ["/feeds/1.jsonl"]
    assert client.hkeys(keys("claims", "urls")) == [url_key(B).encode()]
    assert client.hkeys(keys("claims", "fingerprints")) == [B.encode()]


def test_close_removes_only_its_own_claims(
    worker: Callable[[], RedisCrawlState], client: redis.Redis, keys: CrawlKeys
) -> None:
    a, b = worker(), worker()
    remember(a, A)
    remember(b, B)
    run = a.begin_run("news", "incremental")
    a.commit_batch(run, "/feeds/1.jsonl", 0, "f" * 64, [])
    a.close()
    assert seen(b, A) == NOTHING
    assert seen(b, B) == seen(worker(), B) == seen_as_remembered(B)
    assert a.worker.is_alive(a.worker.id)
    assert client.hkeys(keys("claims", "contents")) == [f"sha-of-{B}".encode()]


def test_a_commit_is_retried_on_what_another_worker_committed_meanwhile(
    worker: Callable[[], RedisCrawlState], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = worker(), worker()
    run_a, run_b = a.begin_run("news", "incremental"), b.begin_run("news", "incremental")
    a.add_frontier(B, url_key(B), 2, A)
    b.add_frontier(B, url_key(B), 1, REPOST)
    read = a._read_committed
    reads = []

    def read_while_b_commits(*args: list[str]) -> object:
        reads.append(read(*args))
        if len(reads) == 1:
            b.commit_batch(run_b, "/feeds/b.jsonl", 0, "f" * 64, [])
        return reads[-1]

    monkeypatch.setattr(a, "_read_committed", read_while_b_commits)
    a.commit_batch(run_a, "/feeds/a.jsonl", 0, "e" * 64, [])
    assert len(reads) == 2
    assert worker().frontier() == [(B, 1, REPOST)]


def test_commits_of_workers_at_once_all_land(worker: Callable[[], RedisCrawlState]) -> None:
    states = [worker() for _ in range(4)]
    runs = [state.begin_run("news", "incremental") for state in states]

    def crawl(n: int) -> None:
        state = states[n]
        for i in range(15):
            url = f"https://www.financeun.com/n/{n}-{i}.html"
            remember(state, url)
            state.add_frontier(url, url_key(url), 1, None)
            state.add_frontier(A, url_key(A), 1 + (n + i) % 3, url)
            state.mark_expanded(url_key(url), 1)
            state.commit_batch(runs[n], f"/feeds/{n}-{i}.jsonl", 1, "f" * 64, [(url, url)])

    threads = [threading.Thread(target=crawl, args=(n,)) for n in range(len(states))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    later = worker()
    assert later.exported_count() == 60
    assert len({batch["id"] for batch in later.batches()}) == 60
    assert len(later.near_candidates([BAND], DAY, 0)) == 60
    assert [(url, depth) for url, depth, _ in later.frontier()] == [(A, 1)]


def test_deciding_excludes_the_other_workers(worker: Callable[[], RedisCrawlState]) -> None:
    a, b = worker(), worker()
    entered = threading.Event()

    def decide() -> None:
        with b.deciding():
            entered.set()

    with a.deciding():
        thread = threading.Thread(target=decide)
        thread.start()
        assert not entered.wait(0.5)
    assert entered.wait(10)
    thread.join()


def test_a_run_is_running_while_its_worker_is_alive_and_it_is_unfinished(
    worker: Callable[[], RedisCrawlState],
) -> None:
    a, b = worker(), worker()
    run = a.begin_run("news", "incremental")
    done = b.begin_run("news", "incremental")
    b.finish_run(done, "finished", {})
    assert a.is_running(run) and b.is_running(run)
    assert not a.is_running(done) and not b.is_running(done)
    assert not b.is_running("20260101T000000Z-0000")
    a.worker.leave()
    assert not b.is_running(run)


def test_built_from_a_crawler_on_its_worker_which_close_does_not_end(redis_server) -> None:
    class NewsSpider(Spider):
        name = "news"

    crawler = get_crawler(
        NewsSpider,
        {
            "CRAWL_STATE_CLASS": "crawler.state.redis.RedisCrawlState",
            "REDIS_URL": redis_server.url,
            "CRAWL_NAMESPACE": "test-built",
        },
    )
    state = crawl_state(crawler)
    assert isinstance(state, RedisCrawlState)
    assert state.worker is crawl_worker(crawler)
    assert state.keys("urls") == "test-built:news:urls"
    state.close()
    assert state.worker.is_alive(state.worker.id)
