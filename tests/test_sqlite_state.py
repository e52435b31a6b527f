"""What only the SQLite backend has: its file (WAL, full sync, schema), its lock, and what a
process killed for real leaves in it. The contract it shares with the other backends is
checked in tests/test_state_contract.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.state import CrawlState, crawl_state
from crawler.state.sqlite import SCHEMA_VERSION, CrawlStateLocked, SqliteCrawlState
from crawler.urls import url_key

A = "https://www.financeun.com/newsDetail/40001.shtml"
B = "https://www.financeun.com/newsDetail/40002.shtml"
C = "https://www.cnfinance.cn/cn/articles/2025-02/06-40003.html"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def rows(path: Path, query: str) -> list[tuple]:
    """Rows of the state's file as another reader sees them."""
    with sqlite3.connect(path) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def state(tmp_path: Path) -> SqliteCrawlState:
    return SqliteCrawlState(tmp_path / "state" / "news.sqlite")


def test_built_from_crawler_settings_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    class NewsSpider(Spider):
        name = "news"

    uri = str(tmp_path / "states" / "%(name)s.sqlite")
    crawler = get_crawler(
        NewsSpider,
        {"CRAWL_STATE_CLASS": "crawler.state.sqlite.SqliteCrawlState", "CRAWL_STATE_URI": uri},
    )
    state = crawl_state(crawler)
    assert isinstance(state, SqliteCrawlState) and isinstance(state, CrawlState)
    assert state.path == tmp_path / "states" / "news.sqlite"
    assert rows(state.path, "PRAGMA journal_mode") == [("wal",)]
    assert state._db.execute("PRAGMA synchronous").fetchone() == (2,)
    assert rows(state.path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_done_frontier_rows_are_deleted_from_the_file(state: SqliteCrawlState) -> None:
    run = state.begin_run("news", "incremental")
    state.add_frontier(A, url_key(A), 1, C)
    state.add_frontier(B, url_key(B), 0, None)
    state.commit_batch(run, "/feeds/1.jsonl", 0, "f" * 64, [])
    assert rows(state.path, "SELECT url FROM frontier ORDER BY url") == [(A,), (B,)]
    state.remember_url(url_key(A), A)
    state.mark_expanded(url_key(A), 1)
    state.commit_batch(run, "/feeds/2.jsonl", 1, "e" * 64, [(A, A)])
    assert rows(state.path, "SELECT url FROM frontier") == [(B,)]


def test_a_file_of_schema_1_with_watermarks_opens_and_loses_them(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE watermarks (list_key TEXT PRIMARY KEY, article_key TEXT NOT NULL,"
            " run_id TEXT NOT NULL) WITHOUT ROWID;"
            "INSERT INTO watermarks VALUES ('financeun/zhengquan', 'k', 'r');"
            "CREATE TABLE url_keys (key TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;"
            f"INSERT INTO url_keys VALUES ('{url_key(A)}', '{A}');"
            "PRAGMA user_version = 1;"
        )
    state = SqliteCrawlState(path)
    assert state.first_url_for_key(url_key(A)) == A
    run = state.begin_run("news", "incremental")
    state.note_listed([url_key(A)])
    state.finish_run(run, "finished", {})
    assert state.was_listed(url_key(A))
    state.close()
    tables = {name for (name,) in rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "listed" in tables and "watermarks" not in tables
    assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_a_file_of_schema_2_with_signatures_opens_and_loses_only_them(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE signatures (url TEXT PRIMARY KEY, signature BLOB NOT NULL);"
            f"INSERT INTO signatures VALUES ('{A}', x'00');"
            "CREATE TABLE contents (sha256 TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;"
            f"INSERT INTO contents VALUES ('h', '{A}');"
            "PRAGMA user_version = 2;"
        )
    state = SqliteCrawlState(path)
    assert state.first_url_for_content("h") == A
    run = state.begin_run("news", "incremental")
    state.remember_fingerprint(B, b"sig", [1, 2], 739_288, "body")
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(B, B)])
    assert state.near_candidates([2], 739_288, 0) == [(B, b"sig")]
    state.close()
    tables = {name for (name,) in rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"fingerprints", "bands"} <= tables and "signatures" not in tables
    assert rows(path, "SELECT COUNT(*) FROM bands") == [(2,)]
    assert rows(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from crawler.state.sqlite import SqliteCrawlState
    from crawler.urls import url_key
    A, B, C = sys.argv[2:5]
    state = SqliteCrawlState(sys.argv[1])
    run = state.begin_run("news", "incremental")
    for url in (A, B):
        state.remember_url(url_key(url), url)
        state.remember_content("sha-" + url, url)
        state.remember_fingerprint(url, b"sig", [1], None, "body")
    state.add_frontier(C, url_key(C), 1, A)
    state.commit_batch(run, "/feeds/1.jsonl", 1, "f" * 64, [(A, A)])
    state.add_frontier(B, url_key(B), 1, A)
    state.note_listed([url_key(A), url_key(B)])
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_process_killed_for_real_leaves_exactly_what_it_committed(tmp_path: Path) -> None:
    path = tmp_path / "news.sqlite"
    child = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(path), A, B, C],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert child.returncode == -9, child.stderr
    state = SqliteCrawlState(path)  # the lock died with the process
    assert state.first_url_for_key(url_key(A)) == A
    assert state.first_url_for_content("sha-" + A) == A
    assert state.first_url_for_key(url_key(B)) is None
    assert state.first_url_for_content("sha-" + B) is None
    assert state.near_candidates([1], None, 0) == [(A, b"sig")]
    assert state.remembered_body(A) == "body"
    assert state.is_exported(A) and not state.is_exported(B)
    assert state.frontier() == [(C, 1, A)]
    assert not state.was_listed(url_key(A))
    [run] = state.runs()
    assert run["finished_at"] is None
    assert [b["path"] for b in state.batches(run["run_id"])] == ["/feeds/1.jsonl"]


def open_in_another_process(path: Path) -> subprocess.CompletedProcess[str]:
    """Tries to open the state file from a second Python process."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from crawler.state.sqlite import SqliteCrawlState as S; S(sys.argv[1])",
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )


def test_one_process_at_a_time_holds_a_state_file(state: SqliteCrawlState) -> None:
    attempt = open_in_another_process(state.path)
    assert attempt.returncode != 0
    assert CrawlStateLocked.__name__ in attempt.stderr
    state.close()
    attempt = open_in_another_process(state.path)
    assert attempt.returncode == 0, attempt.stderr
