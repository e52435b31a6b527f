"""The crawl state contract (``crawler.state.contract``), checked on every backend through the
protocol only: first copies, the pending layer, what each commit makes visible, the frontier,
the listed set, versions, runs and batches.

A backend joins by one more ``Backend`` in ``BACKENDS``. Tests of what a later process sees
take the ``durable_backend`` fixture, parametrized only over backends whose store outlives
the process; the memory backend's store is the process, so they do not apply to it. The Redis
backend's store is a namespace of the session's Redis server, one per test; each process is a
new worker.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.distributed import CrawlKeys, Worker, redis_client
from crawler.state import (
    ArticleVersions,
    CrawlState,
    Frontier,
    ListedArticles,
    RunLog,
    SeenArticles,
    crawl_state,
)
from crawler.state.memory import MemoryCrawlState
from crawler.state.redis import RedisCrawlState
from crawler.state.sqlite import SqliteCrawlState
from crawler.urls import url_key

A = "https://www.financeun.com/newsDetail/40001.shtml"
B = "https://www.financeun.com/newsDetail/40002.shtml"
C = "https://www.cnfinance.cn/cn/articles/2025-02/06-40003.html"
D = "https://www.financeun.com/newsDetail/40004.shtml"
A_MOBILE = "http://m.financeun.com/newsDetail/40001.shtml"
REPOST = "https://www.example.com/a/1.html"
LIST = "https://www.financeun.com/articleList/1.shtml"


def no_settings(directory: Path, request: pytest.FixtureRequest) -> dict:
    return {}


@dataclass(frozen=True)
class Backend:
    """How to open a backend's store for a test (its directory, and its request for the
    fixtures a store needs), whether the store outlives the process (``durable``: a later
    process opening it sees what was committed), and the crawler settings that name it."""

    name: str
    class_path: str
    open: Callable[[Path, pytest.FixtureRequest], CrawlState]
    durable: bool
    settings: Callable[[Path, pytest.FixtureRequest], dict] = no_settings


def redis_settings(directory: Path, request: pytest.FixtureRequest) -> dict:
    """The test's own namespace on the session's Redis server."""
    return {
        "REDIS_URL": request.getfixturevalue("redis_server").url,
        "CRAWL_NAMESPACE": f"test-{directory.name}",
    }


def open_redis(directory: Path, request: pytest.FixtureRequest) -> RedisCrawlState:
    """The state of a new worker process on the test's namespace."""
    settings = redis_settings(directory, request)
    client = redis_client(settings["REDIS_URL"])
    keys = CrawlKeys(settings["CRAWL_NAMESPACE"], "news")
    return RedisCrawlState(client, keys, Worker(client, keys))


BACKENDS = [
    Backend(
        "memory", "crawler.state.memory.MemoryCrawlState", lambda *_: MemoryCrawlState(), False
    ),
    Backend(
        "sqlite",
        "crawler.state.sqlite.SqliteCrawlState",
        lambda directory, _: SqliteCrawlState(directory / "news.sqlite"),
        True,
    ),
    Backend("redis", "crawler.state.redis.RedisCrawlState", open_redis, True, redis_settings),
]


class Store:
    """A backend's store and the state this process holds on it."""

    def __init__(self, backend: Backend, directory: Path, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self.directory = directory
        self.request = request
        self.state = backend.open(directory, request)

    def reopen(self) -> CrawlState:
        """Ends this process's hold on the store (``close`` commits nothing, as a kill) and
        opens it as the next process does."""
        self.state.close()
        self.state = self.backend.open(self.directory, self.request)
        return self.state


def _store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = Store(request.param, tmp_path, request)
    yield store
    store.state.close()


@pytest.fixture(params=BACKENDS, ids=[b.name for b in BACKENDS])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from _store(request, tmp_path)


DURABLE = [b for b in BACKENDS if b.durable]


@pytest.fixture(params=DURABLE, ids=[b.name for b in DURABLE])
def durable_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from _store(request, tmp_path)


BAND = 7
"""A band key every test fingerprint has, so that ``fingerprints`` lists them all."""


def remember_fingerprint(
    state: CrawlState,
    url: str,
    signature: bytes | None = None,
    bands: tuple[int, ...] = (BAND,),
    day: int | None = None,
) -> None:
    state.remember_fingerprint(
        url, signature or f"sig-of-{url}".encode(), bands, day, f"body of {url}"
    )


def fingerprints(state: CrawlState) -> list[tuple[str, bytes]]:
    """Every remembered (URL, signature): committed in commit order, then pending."""
    return state.near_candidates([BAND], None, 0)


def remember_article(
    state: CrawlState, url: str, first: str | None = None, published_at: str | None = None
) -> None:
    """What DedupPipeline writes for an article (``first``: the story's first URL)."""
    first = first or url
    state.remember_url(url_key(url), first)
    state.remember_content(f"sha-of-{url}", first)
    if first == url:
        remember_fingerprint(state, url)
        state.remember_version(url, published_at, f"sha-of-{url}", 1)


def commit(state: CrawlState, run: str, *urls: str | tuple[str, str]) -> None:
    """Commits a batch file of these articles (a URL, or its (url, canonical_url))."""
    articles = [(u, u) if isinstance(u, str) else u for u in urls]
    state.commit_batch(
        run, f"/feeds/{len(state.batches()) + 1}.jsonl", len(articles), "f" * 64, articles
    )


# The protocol


def test_built_from_the_setting_and_implements_every_protocol(
    backend: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    class NewsSpider(Spider):
        name = "news"

    settings = {
        "CRAWL_STATE_CLASS": backend.backend.class_path,
        "CRAWL_STATE_URI": str(tmp_path / "built" / "%(name)s.sqlite"),
        **backend.backend.settings(tmp_path, request),
    }
    state = crawl_state(get_crawler(NewsSpider, settings))
    try:
        assert type(state) is type(backend.state)
        for protocol in (
            CrawlState,
            SeenArticles,
            Frontier,
            ListedArticles,
            ArticleVersions,
            RunLog,
        ):
            assert isinstance(state, protocol), protocol.__name__
    finally:
        state.close()


# Seen articles: first copies and the pending layer


def test_the_first_copy_wins_pending_and_committed(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.remember_url(url_key(A), A)
    state.remember_url(url_key(A_MOBILE), REPOST)
    state.remember_content("h", A)
    state.remember_content("h", REPOST)
    remember_fingerprint(state, A, b"first")
    remember_fingerprint(state, A, b"second")
    assert state.first_url_for_key(url_key(A_MOBILE)) == A
    assert state.first_url_for_content("h") == A
    assert fingerprints(state) == [(A, b"first")]

    commit(state, run, A)
    state.remember_url(url_key(A), REPOST)
    state.remember_content("h", REPOST)
    remember_fingerprint(state, A, b"third")
    assert state.first_url_for_key(url_key(A)) == A
    assert state.first_url_for_content("h") == A
    assert fingerprints(state) == [(A, b"first")]


def test_pending_entries_are_seen_at_once_by_lookups_only(backend: Store) -> None:
    state = backend.state
    state.begin_run("news", "incremental")
    remember_article(state, A, published_at="2025-02-06T08:00:00+08:00")
    state.mark_expanded(url_key(A), 1)
    state.add_frontier(B, url_key(B), 1, A)
    state.note_listed([url_key(A)])
    assert state.first_url_for_key(url_key(A_MOBILE)) == A
    assert state.first_url_for_content(f"sha-of-{A}") == A
    assert fingerprints(state) == [(A, f"sig-of-{A}".encode())]
    assert state.expanded_depth(url_key(A)) == 1
    # Committed views: nothing yet.
    assert not state.is_exported(A)
    assert state.recent_articles("2025-01-01") == []
    assert state.frontier() == []
    assert not state.was_listed(url_key(A))
    assert state.batches() == []


def test_a_batch_exports_exactly_its_articles(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A, published_at="2025-02-06T08:00:00+08:00")
    remember_article(state, B, published_at="2025-02-07T08:00:00+08:00")
    remember_article(state, REPOST, first=A)
    state.mark_visited(url_key(REPOST))
    commit(state, run, A)
    assert [state.is_exported(u) for u in (A, B, REPOST)] == [True, False, False]
    assert state.recent_articles("2025-01-01") == [(A, f"sha-of-{A}", 1)]
    commit(state, run, B)
    assert [state.is_exported(u) for u in (A, B, REPOST)] == [True, True, False]
    assert state.recent_articles("2025-01-01") == [(B, f"sha-of-{B}", 1), (A, f"sha-of-{A}", 1)]
    # Ending a run exports nothing, whatever it leaves pending.
    remember_article(state, C)
    state.finish_run(run, "finished", {})
    assert not state.is_exported(C)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_exported_set_grows_only_inside_a_batch_commit(backend: Store, seed: int) -> None:
    state = backend.state
    rng = random.Random(seed)
    urls = [A, B, C, D, A_MOBILE, REPOST]
    exported: set[str] = set()
    run = state.begin_run("news", "incremental")
    for _ in range(120):
        run = apply_random_operation(state, rng, urls, run, exported)
        assert {u for u in urls if state.is_exported(u)} == exported


def apply_random_operation(
    state: CrawlState, rng: random.Random, urls: list[str], run: str, exported: set[str]
) -> str:
    """One random write to ``state`` in ``run``; ``exported`` grows by what a batch commit
    exports. Returns the run to go on with (a new one once ``run`` is finished)."""
    url, other = rng.choice(urls), rng.choice(urls)
    key = url_key(url)
    operation = rng.randrange(9)
    if operation == 0:
        remember_article(
            state,
            url,
            first=rng.choice([url, other]),
            published_at=rng.choice([None, "2025-02-06T08:00:00+08:00"]),
        )
    elif operation == 1:
        state.mark_visited(key)
    elif operation == 2:
        state.add_frontier(url, key, rng.randrange(3), rng.choice([None, other]))
    elif operation == 3:
        state.mark_expanded(key, rng.randrange(3))
    elif operation == 4:
        state.note_listed([key, url_key(other)])
    elif operation == 5:
        state.remember_version(url, f"2025-02-0{rng.randrange(1, 9)}", f"v-{other}", 2)
    elif operation in (6, 7):
        batch = rng.sample(urls, rng.randrange(3))
        commit(state, run, *((u, rng.choice([u, other])) for u in batch))
        exported.update(batch)
    else:
        state.finish_run(run, rng.choice(["finished", "shutdown"]), {})
        return state.begin_run("news", "incremental")
    return run


def observe(state: CrawlState, urls: list[str]) -> dict:
    """All a caller can see of the state about ``urls``."""
    keys = sorted({url_key(u) for u in urls})
    return {
        "first_url_for_key": {k: state.first_url_for_key(k) for k in keys},
        "first_url_for_content": {u: state.first_url_for_content(f"sha-of-{u}") for u in urls},
        "fingerprints": fingerprints(state),
        "bodies": {u: state.remembered_body(u) for u in urls},
        "is_exported": {u: state.is_exported(u) for u in urls},
        "expanded_depth": {k: state.expanded_depth(k) for k in keys},
        "frontier": state.frontier(),
        "was_listed": {k: state.was_listed(k) for k in keys},
        "recent_articles": sorted(state.recent_articles("2000-01-01")),
        "batches": [(b["id"], b["path"], b["lines"]) for b in state.batches()],
    }


@pytest.mark.parametrize("seed", [5, 6, 7])
@pytest.mark.parametrize("other", [b for b in BACKENDS if b.name != "memory"], ids=lambda b: b.name)
def test_every_backend_agrees_with_the_memory_reference(
    other: Backend, seed: int, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The same random writes leave the same visible state in a backend and in memory; now
    and then the process ends (``close``, which commits nothing) and the next one goes on: a
    durable backend reopened sees what the reference keeps after ``close`` (its committed
    part), a non-durable one starts empty like a new reference."""
    urls = [
        A,
        B,
        C,
        D,
        A_MOBILE,
        REPOST,
        *(f"https://www.financeun.com/n/{n}.html" for n in range(6)),
    ]
    reference, state = MemoryCrawlState(), other.open(tmp_path, request)
    try:
        rngs = [random.Random(seed), random.Random(seed)]
        runs = [s.begin_run("news", "incremental") for s in (reference, state)]
        exported: list[set[str]] = [set(), set()]
        for step in range(300):
            if step % 15 == 14:
                reference.close()
                state.close()
                if not other.durable:
                    reference = MemoryCrawlState()
                state = other.open(tmp_path, request)
                runs = [s.begin_run("news", "incremental") for s in (reference, state)]
            for i, s in enumerate((reference, state)):
                runs[i] = apply_random_operation(s, rngs[i], urls, runs[i], exported[i])
            assert observe(state, urls) == observe(reference, urls), f"step {step}"
    finally:
        state.close()


# What a later process sees


def test_a_commit_keeps_its_articles_entries_and_no_others(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, B)
    commit(state, run, A)
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(A_MOBILE)) == A
    assert later.first_url_for_content(f"sha-of-{A}") == A
    assert fingerprints(later) == [(A, f"sig-of-{A}".encode())]
    assert later.first_url_for_key(url_key(B)) is None
    assert later.first_url_for_content(f"sha-of-{B}") is None
    assert later.is_exported(A) and not later.is_exported(B)


def test_entries_wait_for_their_own_batch(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, B)
    commit(state, run, A)
    commit(state, run, B)
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(B)) == B
    assert later.first_url_for_content(f"sha-of-{B}") == B
    assert [url for url, _ in fingerprints(later)] == [A, B]


def test_entries_of_articles_in_no_committed_batch_are_lost_with_the_process(
    durable_backend: Store,
) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A, published_at="2025-02-06T08:00:00+08:00")
    state.mark_expanded(url_key(A), 0)
    commit(state, run, B)  # a batch of other articles
    state.finish_run(run, "finished", {})
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(A)) is None
    assert later.first_url_for_content(f"sha-of-{A}") is None
    assert fingerprints(later) == []
    assert later.recent_articles("2025-01-01") == []
    assert not later.is_exported(A)
    assert later.is_exported(B)


def test_an_articles_canonical_url_is_committed_with_it(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    state.remember_url(url_key(REPOST), REPOST)
    state.remember_url(url_key(C), REPOST)
    commit(state, run, (REPOST, C))
    assert durable_backend.reopen().first_url_for_key(url_key(C)) == REPOST


def test_a_dropped_duplicate_is_lost_while_its_first_copy_is_unexported(
    durable_backend: Store,
) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, REPOST, first=A)
    state.mark_visited(url_key(REPOST))
    state.finish_run(run, "shutdown", {})
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(REPOST)) is None
    assert later.first_url_for_content(f"sha-of-{REPOST}") is None


def test_a_dropped_duplicate_is_committed_with_its_first_copy(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, REPOST, first=A)
    state.mark_visited(url_key(REPOST))
    state.finish_run(run, "shutdown", {})
    run = state.begin_run("news", "incremental")
    commit(state, run, A)
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(REPOST)) == A
    assert later.first_url_for_content(f"sha-of-{REPOST}") == A
    assert later.is_exported(A) and not later.is_exported(REPOST)


def test_a_dropped_duplicate_of_an_exported_article_is_kept_by_the_end_of_run(
    durable_backend: Store,
) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    commit(state, run, A)
    remember_article(state, REPOST, first=A)
    state.mark_visited(url_key(REPOST))
    state.finish_run(run, "closespider_timeout", {})
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(REPOST)) == A
    assert later.first_url_for_content(f"sha-of-{REPOST}") == A


def test_a_marked_duplicate_is_committed_with_its_own_batch(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, REPOST, first=A)
    commit(state, run, A)
    commit(state, run, REPOST)
    later = durable_backend.reopen()
    assert later.first_url_for_key(url_key(REPOST)) == A
    assert later.is_exported(REPOST)


def test_visited_expanded_and_frontier_are_kept_by_any_end_of_run(
    durable_backend: Store,
) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    commit(state, run, A)
    state.mark_expanded(url_key(A), 1)
    state.add_frontier(B, url_key(B), 1, A)
    state.add_frontier(C, url_key(C), 2, B)
    state.finish_run(run, "closespider_timeout", {})
    later = durable_backend.reopen()
    assert later.expanded_depth(url_key(A)) == 1
    assert later.frontier() == [(B, 1, A), (C, 2, B)]
    run = later.begin_run("news", "incremental")
    later.mark_visited(url_key(C))
    later.finish_run(run, "shutdown", {})
    assert durable_backend.reopen().frontier() == [(B, 1, A)]


def test_a_killed_run_keeps_only_what_it_committed(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    state.add_frontier(B, url_key(B), 1, A)
    state.mark_visited(url_key(C))
    state.mark_expanded(url_key(D), 0)
    state.note_listed([url_key(A)])
    later = durable_backend.reopen()
    assert later.frontier() == []
    assert later.expanded_depth(url_key(D)) is None
    assert not later.was_listed(url_key(A))
    [killed] = later.runs()
    assert killed["run_id"] == run and killed["finished_at"] is None


def test_the_listed_set_outlives_the_finished_run(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(A), url_key(B)])
    state.finish_run(run, "finished", {})
    later = durable_backend.reopen()
    assert later.was_listed(url_key(A_MOBILE)) and later.was_listed(url_key(B))
    assert not later.was_listed(url_key(C))


def test_runs_and_batches_outlive_the_process(durable_backend: Store) -> None:
    state = durable_backend.state
    first = state.begin_run("news", "incremental")
    commit(state, first, A, B)
    state.finish_run(first, "finished", {"exported": 2})
    second = state.begin_run("news", "full")
    later = durable_backend.reopen()
    assert sorted((r["run_id"], r["status"], r["counts"]) for r in later.runs()) == sorted(
        [(first, "finished", {"exported": 2}), (second, None, {})]
    )
    assert [(b["run_id"], b["lines"]) for b in later.batches()] == [(first, 2)]
    # The next process ends the killed run; that commits none of its own pending layer.
    later.add_frontier(C, url_key(C), 1, A)
    later.note_listed([url_key(C)])
    later.finish_run(second, "killed", {})
    again = durable_backend.reopen()
    assert {r["run_id"]: r["status"] for r in again.runs()} == {
        first: "finished",
        second: "killed",
    }
    assert again.frontier() == [] and not again.was_listed(url_key(C))


# Frontier


def test_frontier_keeps_the_least_depth_per_key_once_committed(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.add_frontier(A, url_key(A), 2, C)
    state.add_frontier(A_MOBILE, url_key(A_MOBILE), 1, B)
    state.add_frontier(B, url_key(B), 1, C)
    state.add_frontier(B, url_key(B), 2, D)
    assert state.frontier() == []
    commit(state, run)
    assert state.frontier() == [(A_MOBILE, 1, B), (B, 1, C)]
    state.add_frontier(B, url_key(B), 0, LIST)
    state.add_frontier(A, url_key(A), 2, D)
    state.finish_run(run, "shutdown", {})
    assert state.frontier() == [(B, 0, LIST), (A_MOBILE, 1, B)]


def test_frontier_entry_is_done_when_exported_and_expanded_from_its_depth(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.add_frontier(A, url_key(A), 1, C)
    state.add_frontier(B, url_key(B), 1, C)
    state.add_frontier(D, url_key(D), 1, C)
    commit(state, run)
    remember_article(state, A)
    state.mark_expanded(url_key(A), 1)
    remember_article(state, B)
    state.mark_expanded(url_key(B), 2)  # found deeper first: its links were followed less far
    remember_article(state, D)  # exported, never expanded (a recheck)
    commit(state, run, A, B, D)
    assert state.frontier() == [(B, 1, C), (D, 1, C)]
    state.mark_expanded(url_key(B), 1)
    commit(state, run)
    assert state.frontier() == [(D, 1, C)]


def test_frontier_entry_of_a_page_that_failed_for_good_is_done(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.add_frontier(A, url_key(A), 1, C)
    state.add_frontier(B, url_key(B), 1, C)
    commit(state, run)
    state.mark_visited(url_key(A))
    state.finish_run(run, "finished", {})
    assert state.frontier() == [(B, 1, C)]


def test_a_dropped_page_found_closer_stays_until_expanded_from_there(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.mark_expanded(url_key(REPOST), 2)
    state.mark_visited(url_key(REPOST))  # dropped as a duplicate
    state.add_frontier(REPOST, url_key(REPOST), 1, B)
    commit(state, run)
    assert state.frontier() == [(REPOST, 1, B)]
    state.mark_expanded(url_key(REPOST), 1)
    commit(state, run)
    assert state.frontier() == []


def test_frontier_entries_at_depth_0_are_listed_articles(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    for url in (A, B, C):
        state.add_frontier(url, url_key(url), 0, LIST)
    state.finish_run(run, "shutdown", {})
    assert state.frontier() == [(A, 0, LIST), (B, 0, LIST), (C, 0, LIST)]
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    state.mark_expanded(url_key(A), 0)  # fetched and exported
    state.mark_visited(url_key(B))  # gone for good (404)
    # C failed for a passing reason: nothing recorded.
    commit(state, run, A)
    assert state.frontier() == [(C, 0, LIST)]
    state.mark_expanded(url_key(C), 0)
    state.mark_visited(url_key(C))  # fetched and dropped (invalid)
    state.finish_run(run, "finished", {})
    assert state.frontier() == []


def test_frontier_is_judged_on_pending_and_committed_entries(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    state.mark_expanded(url_key(A), 2)
    state.add_frontier(A, url_key(A), 1, B)
    state.add_frontier(C, url_key(C), 1, B)
    commit(state, run, A)
    assert state.frontier() == [(A, 1, B), (C, 1, B)]
    # Pending: A's links followed from depth 1 (its key committed), C exported and expanded.
    state.mark_expanded(url_key(A), 1)
    remember_article(state, C)
    state.mark_expanded(url_key(C), 1)
    assert state.frontier() == []
    assert state.expanded_depth(url_key(A)) == 1


# The listed set


def test_notes_are_listed_only_once_their_run_finished(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(A), url_key(B)])
    assert not state.was_listed(url_key(A))
    commit(state, run, A)
    assert not state.was_listed(url_key(A))
    state.finish_run(run, "finished", {})
    assert state.was_listed(url_key(A_MOBILE)) and state.was_listed(url_key(B))
    assert not state.was_listed(url_key(C))


@pytest.mark.parametrize("status", ["shutdown", "closespider_timeout", "killed", "failed"])
def test_notes_of_a_run_that_did_not_finish_are_lost(backend: Store, status: str) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(A)])
    state.finish_run(run, status, {})
    assert not state.was_listed(url_key(A))
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(B)])
    state.finish_run(run, "finished", {})
    assert not state.was_listed(url_key(A))
    assert state.was_listed(url_key(B))


def test_finishing_another_run_commits_nothing_of_this_one(backend: Store) -> None:
    state = backend.state
    stale = state.begin_run("news", "incremental")
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(A)])
    state.add_frontier(B, url_key(B), 1, C)
    state.finish_run(stale, "finished", {})
    assert not state.was_listed(url_key(A))
    assert state.frontier() == []
    state.finish_run(run, "finished", {})
    assert state.was_listed(url_key(A))
    assert state.frontier() == [(B, 1, C)]


# Versions


def test_recent_articles_are_committed_versions_published_since_newest_first(
    backend: Store,
) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    state.remember_version(A, "2025-02-01T09:00:00+08:00", "a1", 1)
    state.remember_version(B, "2025-02-06T23:59:00+08:00", "b1", 1)
    state.remember_version(C, "2025-02-07T00:01:00+08:00", "c1", 1)
    state.remember_version(D, None, "d1", 1)
    commit(state, run, A, B, C, D)
    assert state.recent_articles("2025-02-06") == [(C, "c1", 1), (B, "b1", 1)]
    assert state.recent_articles("2025-02-08") == []
    state.remember_version(B, "2025-02-06T23:59:00+08:00", "b2", 2)
    assert state.recent_articles("2025-02-06") == [(C, "c1", 1), (B, "b1", 1)]
    commit(state, run, A)  # not B's batch
    assert state.recent_articles("2025-02-06") == [(C, "c1", 1), (B, "b1", 1)]
    commit(state, run, B)
    assert state.recent_articles("2025-02-06") == [(C, "c1", 1), (B, "b2", 2)]


# Runs, batches, fingerprints


def test_runs_and_batches_are_recorded(backend: Store) -> None:
    state = backend.state
    first = state.begin_run("news", "incremental")
    # A shared crawl's worker names its run after itself (<host>-<pid>-<hex>).
    assert re.fullmatch(r"\d{8}T\d{6}Z-(.+-\d+-)?[0-9a-f]{4}", first)
    state.commit_batch(first, "/feeds/1.jsonl", 10, "a" * 64, [(A, A)])
    state.commit_batch(first, "/feeds/2.jsonl", 3, "b" * 64, [(B, B)])
    state.finish_run(first, "finished", {"exported": 13, "errors": 0})
    second = state.begin_run("news", "full")
    state.commit_batch(second, "/feeds/3.jsonl", 1, "c" * 64, [(C, C)])

    runs = state.runs()
    assert [run["run_id"] for run in runs] == sorted([first, second])
    done = next(run for run in runs if run["run_id"] == first)
    assert done["spider"] == "news" and done["mode"] == "incremental"
    assert done["status"] == "finished" and done["counts"] == {"exported": 13, "errors": 0}
    assert done["started_at"] <= done["finished_at"]
    open_run = next(run for run in runs if run["run_id"] == second)
    assert open_run["mode"] == "full" and open_run["finished_at"] is None
    assert open_run["status"] is None and open_run["counts"] == {}

    batches = state.batches()
    assert [(b["run_id"], b["path"], b["lines"], b["sha256"]) for b in batches] == [
        (first, "/feeds/1.jsonl", 10, "a" * 64),
        (first, "/feeds/2.jsonl", 3, "b" * 64),
        (second, "/feeds/3.jsonl", 1, "c" * 64),
    ]
    assert [b["id"] for b in batches] == sorted({b["id"] for b in batches})
    assert [b["path"] for b in state.batches(second)] == ["/feeds/3.jsonl"]
    assert all(b["committed_at"] for b in batches)


def test_run_ids_of_one_second_never_collide(
    backend: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = iter(["abcd", "abcd", "abcd", "0001"])
    monkeypatch.setattr("secrets.token_hex", lambda _: next(tokens))
    first = backend.state.begin_run("news", "incremental")
    second = backend.state.begin_run("news", "incremental")
    assert first != second
    assert {r["run_id"] for r in backend.state.runs()} == {first, second}


def test_fingerprints_come_committed_in_commit_order_then_pending(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    for url in (C, A, B):
        remember_article(state, url)
    commit(state, run, B)
    commit(state, run, C)
    remember_fingerprint(state, REPOST, b"pending")
    assert [url for url, _ in fingerprints(state)] == [B, C, A, REPOST]


def test_near_candidates_share_a_band_and_a_window(backend: Store) -> None:
    state = backend.state
    run = state.begin_run("news", "incremental")
    day = 739_288  # 2025-02-06
    remember_fingerprint(state, A, bands=(1, 2), day=day - 30)
    remember_fingerprint(state, B, bands=(2, 3), day=day + 5)
    remember_fingerprint(state, C, bands=(4,), day=day)
    remember_fingerprint(state, D, bands=(1,), day=None)
    commit(state, run, A, C)
    remember_fingerprint(state, REPOST, bands=(3, 1), day=day - 31)
    urls = [url for url, _ in state.near_candidates([1, 2, 3], day, 30)]
    assert urls == [A, B, D]
    assert [url for url, _ in state.near_candidates([1, 3], None, 0)] == [A, B, D, REPOST]
    assert [url for url, _ in state.near_candidates([1, 3], day - 31, 0)] == [D, REPOST]
    assert state.near_candidates([9], day, 30) == []
    assert dict(state.near_candidates([2], day, 30)) == {
        A: f"sig-of-{A}".encode(),
        B: f"sig-of-{B}".encode(),
    }
    assert state.remembered_body(A) == f"body of {A}"
    assert state.remembered_body(B) == f"body of {B}"
    assert state.remembered_body(REPOST + "x") is None


def test_remembered_bodies_of_exported_articles_last(durable_backend: Store) -> None:
    state = durable_backend.state
    run = state.begin_run("news", "incremental")
    body = "中国金融网首席金融观察员金科" * 300
    state.remember_fingerprint(A, b"sig", [5, 6], 739_288, body)
    remember_fingerprint(state, B, bands=(5,))
    commit(state, run, A)
    later = durable_backend.reopen()
    assert later.remembered_body(A) == body
    assert later.remembered_body(B) is None
    assert later.near_candidates([6], 739_288, 0) == [(A, b"sig")]
