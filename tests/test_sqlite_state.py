"""SqliteCrawlState on real SQLite files: pending layer, commits by batch, frontier, watermarks,
runs and batches. A second state opened on the same file without closing the first sees what
a killed process would have left."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.sqlite_state import CrawlStateLocked, SqliteCrawlState
from crawler.state import CrawlState, crawl_state
from crawler.urls import url_key

A = "https://www.financeun.com/newsDetail/40001.shtml"
B = "https://www.financeun.com/newsDetail/40002.shtml"
C = "https://www.cnfinance.cn/cn/articles/2025-02/06-40003.html"
A_MOBILE = "http://m.financeun.com/newsDetail/40001.shtml"
REPOST = "https://www.example.com/a/1.html"


def remember_article(state: SqliteCrawlState, url: str, first: str | None = None) -> None:
    """What DedupPipeline writes for an article (``first``: the story's first URL)."""
    first = first or url
    state.remember_url(url_key(url), first)
    state.remember_content(f"sha-of-{url}", first)
    if first == url:
        state.remember_signature(url, f"sig-of-{url}".encode())


def rows(state: SqliteCrawlState, query: str) -> list[tuple]:
    """Rows of the state's file as another reader sees them."""
    with sqlite3.connect(state.path) as db:
        return db.execute(query).fetchall()


def reopened(state: SqliteCrawlState) -> SqliteCrawlState:
    """The same file opened afresh, as by the next process after this one is killed."""
    return SqliteCrawlState(state.path)


@pytest.fixture
def state(tmp_path: Path) -> SqliteCrawlState:
    return SqliteCrawlState(tmp_path / "state" / "news.sqlite")


def test_built_from_crawler_settings_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    class NewsSpider(Spider):
        name = "news"

    uri = str(tmp_path / "states" / "%(name)s.sqlite")
    crawler = get_crawler(
        NewsSpider,
        {"CRAWL_STATE_CLASS": "crawler.sqlite_state.SqliteCrawlState", "CRAWL_STATE_URI": uri},
    )
    state = crawl_state(crawler)
    assert isinstance(state, SqliteCrawlState) and isinstance(state, CrawlState)
    assert state.path == tmp_path / "states" / "news.sqlite"
    assert rows(state, "PRAGMA journal_mode") == [("wal",)]
    assert state._db.execute("PRAGMA synchronous").fetchone() == (2,)


def test_writes_are_seen_at_once_but_kept_only_once_committed(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, B)
    state.remember_url(url_key(A_MOBILE), "https://elsewhere/ignored")
    assert state.first_url_for_key(url_key(A_MOBILE)) == A
    assert state.first_url_for_content(f"sha-of-{B}") == B
    assert dict(state.signatures()) == {A: f"sig-of-{A}".encode(), B: f"sig-of-{B}".encode()}

    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])

    after_kill = reopened(state)
    assert after_kill.first_url_for_key(url_key(A)) == A
    assert after_kill.first_url_for_content(f"sha-of-{A}") == A
    assert list(after_kill.signatures()) == [(A, f"sig-of-{A}".encode())]
    assert after_kill.first_url_for_key(url_key(B)) is None
    assert after_kill.first_url_for_content(f"sha-of-{B}") is None
    assert after_kill.exported_count() == 1
    # B's entries wait for B's own batch.
    state.commit_batch(run, "/feeds/2.jsonl", 1, "e" * 64, [(B, B)])
    assert reopened(state).first_url_for_key(url_key(B)) == B
    assert reopened(state).exported_count() == 2


def test_an_articles_canonical_url_is_committed_with_it(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    state.remember_url(url_key(REPOST), REPOST)
    state.remember_url(url_key(C), REPOST)
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(REPOST, C)])
    assert reopened(state).first_url_for_key(url_key(C)) == REPOST


def test_a_dropped_duplicate_waits_for_the_first_copy(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, REPOST, first=A)
    state.mark_visited(url_key(REPOST))
    state.finish_run(run, "shutdown", {})
    killed = reopened(state)
    assert killed.first_url_for_key(url_key(REPOST)) is None
    assert killed.first_url_for_content(f"sha-of-{REPOST}") is None

    run = state.begin_run("news", "incremental")
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])
    committed = reopened(state)
    assert committed.first_url_for_key(url_key(REPOST)) == A
    assert committed.first_url_for_content(f"sha-of-{REPOST}") == A
    assert committed.exported_count() == 1


def test_a_marked_duplicate_is_committed_with_its_own_batch(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    remember_article(state, REPOST, first=A)
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])
    assert reopened(state).first_url_for_key(url_key(REPOST)) is None
    state.commit_batch(run, "/feeds/2.jsonl", 1, "e" * 64, [(REPOST, REPOST)])
    assert reopened(state).first_url_for_key(url_key(REPOST)) == A


def test_frontier_keeps_the_least_depth_of_unvisited_unexported_links(
    state: SqliteCrawlState,
) -> None:
    run = state.begin_run("news", "incremental")
    state.add_frontier(A, url_key(A), 2, C)
    state.add_frontier(A_MOBILE, url_key(A_MOBILE), 1, B)
    state.add_frontier(B, url_key(B), 1, C)
    state.add_frontier(C, url_key(C), 1, None)
    state.add_frontier(REPOST, url_key(REPOST), 2, C)
    assert reopened(state).frontier() == []

    state.mark_visited(url_key(C))
    remember_article(state, REPOST)
    state.mark_expanded(url_key(REPOST), 2)
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(REPOST, REPOST)])
    assert reopened(state).frontier() == [(A_MOBILE, 1, B), (B, 1, C)]

    state.add_frontier(A, url_key(A), 2, REPOST)
    state.add_frontier(B, url_key(B), 0, None)
    remember_article(state, A)
    state.mark_expanded(url_key(A), 1)
    state.commit_batch(run, "/feeds/2.jsonl", 1, "e" * 64, [(A, A)])
    assert reopened(state).frontier() == [(B, 0, None)]
    assert rows(state, "SELECT url FROM frontier") == [(B,)]


def test_exported_article_found_closer_stays_in_the_frontier_until_expanded_from_there(
    state: SqliteCrawlState,
) -> None:
    run = state.begin_run("news", "incremental")
    remember_article(state, A)
    state.mark_expanded(url_key(A), 2)
    state.add_frontier(A, url_key(A), 1, B)
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])
    assert reopened(state).frontier() == [(A, 1, B)]
    state.mark_expanded(url_key(A), 1)
    state.commit_batch(run, "/feeds/2.jsonl", 0, "e" * 64, [])
    assert reopened(state).frontier() == []


def test_visited_pages_and_frontier_are_kept_by_any_end_of_run(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    state.mark_visited(url_key(C))
    state.add_frontier(B, url_key(B), 1, A)
    assert state.frontier() == []
    state.finish_run(run, "closespider_timeout", {})
    assert reopened(state).frontier() == [(B, 1, A)]
    assert rows(state, "SELECT key FROM visited") == [(url_key(C),)]


def test_watermarks_are_kept_only_by_a_finished_run(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    state.set_list_watermark("financeun/zhengquan", url_key(A))
    assert state.list_watermark("financeun/zhengquan") is None
    state.commit_batch(run, "/feeds/1.jsonl", 0, "f" * 64, [])
    state.finish_run(run, "shutdown", {})
    assert reopened(state).list_watermark("financeun/zhengquan") is None

    run = state.begin_run("news", "incremental")
    state.set_list_watermark("financeun/zhengquan", url_key(B))
    state.set_list_watermark("cnfinance/articles", url_key(C))
    state.finish_run(run, "finished", {})
    later = reopened(state)
    assert later.list_watermark("financeun/zhengquan") == url_key(B)
    assert later.list_watermark("cnfinance/articles") == url_key(C)
    assert later.list_watermark("financeun/yinhang") is None


def test_runs_and_batches_are_recorded(state: SqliteCrawlState) -> None:
    first = state.begin_run("news", "incremental")
    second_state = reopened(state)
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", first)
    state.commit_batch(first, "/feeds/1.jsonl", 10, "a" * 64, [(A, A)])
    state.commit_batch(first, "/feeds/2.jsonl", 3, "b" * 64, [(B, B)])
    state.finish_run(first, "finished", {"exported": 13, "errors": 0})
    second = second_state.begin_run("news", "full")
    second_state.commit_batch(second, "/feeds/3.jsonl", 1, "c" * 64, [(C, C)])

    runs = reopened(state).runs()
    assert [run["run_id"] for run in runs] == sorted([first, second])
    done = next(run for run in runs if run["run_id"] == first)
    assert done["spider"] == "news" and done["mode"] == "incremental"
    assert done["status"] == "finished" and done["counts"] == {"exported": 13, "errors": 0}
    assert done["started_at"] <= done["finished_at"]
    open_run = next(run for run in runs if run["run_id"] == second)
    assert open_run["mode"] == "full" and open_run["finished_at"] is None
    assert open_run["status"] is None and open_run["counts"] == {}

    batches = reopened(state).batches()
    assert [(b["run_id"], b["path"], b["lines"], b["sha256"]) for b in batches] == [
        (first, "/feeds/1.jsonl", 10, "a" * 64),
        (first, "/feeds/2.jsonl", 3, "b" * 64),
        (second, "/feeds/3.jsonl", 1, "c" * 64),
    ]
    assert [b["path"] for b in state.batches(second)] == ["/feeds/3.jsonl"]
    assert all(b["committed_at"] for b in batches)
    assert reopened(state).exported_count() == 3


def test_ending_another_processs_run_leaves_this_runs_pending_layer(
    state: SqliteCrawlState,
) -> None:
    stale = state.begin_run("news", "incremental")
    later = reopened(state)
    later.set_list_watermark("financeun/zhengquan", url_key(A))
    later.mark_visited(url_key(B))
    later.finish_run(stale, "killed", {})
    assert [(r["run_id"], r["status"]) for r in reopened(state).runs()] == [(stale, "killed")]
    assert rows(state, "SELECT key FROM visited") == []
    run = later.begin_run("news", "incremental")
    later.finish_run(run, "finished", {})
    assert reopened(state).list_watermark("financeun/zhengquan") == url_key(A)


def test_signatures_stream_oldest_first(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    for url in (C, A, B):
        remember_article(state, url)
        state.commit_batch(run, f"/feeds/{url[-8:]}", 1, "f" * 64, [(url, url)])
    state.remember_signature(REPOST, b"pending")
    assert [url for url, _ in reopened(state).signatures()] == [C, A, B]
    assert [url for url, _ in state.signatures()] == [C, A, B, REPOST]


def open_in_another_process(path: Path) -> subprocess.CompletedProcess[str]:
    """Tries to open the state file from a second Python process."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from crawler.sqlite_state import SqliteCrawlState as S; S(sys.argv[1])",
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_one_process_at_a_time_holds_a_state_file(state: SqliteCrawlState) -> None:
    attempt = open_in_another_process(state.path)
    assert attempt.returncode != 0
    assert CrawlStateLocked.__name__ in attempt.stderr
    state.close()
    attempt = open_in_another_process(state.path)
    assert attempt.returncode == 0, attempt.stderr
