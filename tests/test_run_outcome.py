"""A run that could not do its job exits 1 and says why in its last log line and its manifest.

Real ``scrapy crawl`` subprocesses against a closed port, a server that answers every page
with an HTTP error, a feed path that cannot be created (even by root), and a healthy replica.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import run_scrapy

pytestmark = pytest.mark.e2e


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FailingHandler(BaseHTTPRequestHandler):
    """Answers 503 to the site's pages (robots.txt: 404, so everything is allowed)."""

    def do_GET(self) -> None:
        status = 404 if self.path == "/robots.txt" else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FailingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_scrapy(
        "crawl",
        "replica",
        *args,
        "-s",
        f"DEFAULT_FEED_URI={tmp_path}/data/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
        "-s",
        "RETRY_TIMES=1",
        cwd=tmp_path,
    )


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.rstrip().splitlines()[-1]


def manifests(tmp_path: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(tmp_path.rglob("*.manifest.json"))]


def assert_failed(result: subprocess.CompletedProcess[str], reason: str) -> str:
    assert result.returncode == 1, result.stderr[-3000:]
    line = last_line(result)
    assert "ERROR" in line and f"Run failed ({reason})" in line, result.stderr[-3000:]
    assert "No new articles" not in result.stderr
    return line


def test_no_start_page_reachable_exits_1_and_says_so(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    result = crawl(tmp_path, "-a", f"base_url={base_url}")
    line = assert_failed(result, "start_pages_unreachable")
    assert f"{base_url}/" in line and "ConnectionRefused" in line
    [manifest] = manifests(tmp_path)
    assert manifest["status"] == "start_pages_unreachable"
    assert manifest["error"] in line and manifest["files"] == []


def test_a_site_that_answers_every_page_with_an_error_exits_1(
    tmp_path: Path, failing_site: str
) -> None:
    result = crawl(tmp_path, "-a", f"base_url={failing_site}")
    line = assert_failed(result, "start_pages_unreachable")
    assert "HTTP 503" in line
    [manifest] = manifests(tmp_path)
    assert manifest["status"] == "start_pages_unreachable" and "HTTP 503" in manifest["error"]


def test_every_article_request_failing_exits_1(tmp_path: Path, failing_site: str) -> None:
    """The article spider has no list pages: each of its requests failed."""
    result = run_scrapy(
        "crawl",
        "article",
        "-a",
        f"url={failing_site}/newsDetail/1.shtml,{failing_site}/newsDetail/2.shtml",
        "-s",
        "RETRY_TIMES=0",
        "-O",
        str(tmp_path / "out.jsonl"),
        cwd=tmp_path,
    )
    line = assert_failed(result, "all_requests_failed")
    assert "all 2 requests failed" in line and "HTTP 503" in line


def test_a_feed_that_cannot_be_written_exits_1(tmp_path: Path, replica_server) -> None:
    server = replica_server(articles=60, seed=4)
    (tmp_path / "file.txt").write_text("a file, not a directory\n")
    feed = tmp_path / "file.txt" / "x.jsonl"
    result = crawl(tmp_path, "-a", f"base_url={server.base_url}", "-O", str(feed))
    line = assert_failed(result, "feed_store_failed")
    assert f"cannot open {feed}" in line
    assert "Closing spider (feed_store_failed)" in result.stderr, "it crawled on"


def test_a_feed_that_cannot_be_stored_at_the_end_exits_1(
    tmp_path: Path, replica_server, reactor: str
) -> None:
    """The feed file is written, but renaming it over a directory fails while the spider
    closes, after its finish reason was set."""
    server = replica_server(articles=60, seed=4)
    feed = tmp_path / "taken.jsonl"
    (feed / "inside").mkdir(parents=True)
    result = crawl(
        tmp_path,
        "-a",
        f"base_url={server.base_url}",
        "-O",
        str(feed),
        "-s",
        f"TWISTED_REACTOR={reactor}",
    )
    line = assert_failed(result, "feed_store_failed")
    assert f"cannot store {feed}" in line
    assert "Error storing" in result.stderr
    [manifest] = manifests(tmp_path)
    assert manifest["status"] == "feed_store_failed" and manifest["error"] in line


def test_a_healthy_crawl_exits_0_and_says_no_new_articles_only_when_nothing_is_new(
    tmp_path: Path, replica_server
) -> None:
    server = replica_server(articles=60, seed=5)
    state = f"CRAWL_STATE_URI={tmp_path / 'state.sqlite'}"
    first = crawl(tmp_path, "-a", f"base_url={server.base_url}", "-s", state)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "No new articles" not in first.stderr
    assert "new articles exported" in last_line(first)
    second = crawl(tmp_path, "-a", f"base_url={server.base_url}", "-s", state)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "No new articles" in last_line(second)
    assert "ERROR" not in second.stderr
    statuses = [(m["status"], m["error"]) for m in manifests(tmp_path)]
    assert statuses == [("finished", None), ("finished", None)]
