"""Every Scrapy command a user types, as a real subprocess against real 127.0.0.1 servers:
shell, parse, check and list work on every spider, and only ``scrapy crawl`` writes."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, fetch_truth, run_scrapy

SPIDERS = ["article", "cnfinance", "financeun", "replica"]
CONTACT = "mailto:you@example.org"


def assert_clean(result) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "Deprecat" not in result.stderr, result.stderr


def files_under(directory: Path) -> set[Path]:
    return {path for path in directory.rglob("*") if path.is_file()}


@pytest.fixture
def seed_url(replica_server) -> str:
    server = replica_server(articles=30)
    return next(t for t in fetch_truth(server.base_url) if t["authors"] == ["金科"])["url"]


@pytest.mark.parametrize("spider", [None, *SPIDERS])
def test_shell_runs_code_on_a_page(seed_url, spider, tmp_path):
    chosen = ("--spider", spider) if spider else ()
    code = "(response.status, response.css('title::text').get())"
    result = run_scrapy("shell", *chosen, seed_url, "-c", code, cwd=tmp_path)
    assert_clean(result)
    assert "200" in result.stdout and "DeepSeek" in result.stdout
    assert files_under(tmp_path) == set()


def test_shell_works_with_the_sqlite_crawl_state(seed_url, tmp_path):
    """The state asked for on the command line is opened in the shell's main thread and
    used in its reactor thread."""
    result = run_scrapy(
        "shell",
        seed_url,
        "-c",
        "response.status",
        "-s",
        "CRAWL_STATE_CLASS=crawler.state.sqlite.SqliteCrawlState",
        "-s",
        f"CRAWL_STATE_URI={tmp_path / 'state.sqlite'}",
        cwd=tmp_path,
    )
    assert_clean(result)
    assert result.stdout.strip() == "200"


def test_parse_prints_the_article_and_writes_nothing(seed_url, tmp_path):
    root_before = files_under(PROJECT_ROOT / "data") | files_under(PROJECT_ROOT / ".crawl-state")
    result = run_scrapy(
        "parse", "--spider", "replica", "-c", "parse_article", seed_url, cwd=tmp_path
    )
    assert_clean(result)
    assert "DeepSeek 为中国在国际市场争取到 AI 话语权" in result.stdout
    assert "2025-02-06T06:41:00+08:00" in result.stdout
    assert "newsDetail/40000.shtml" in result.stdout  # a related request
    assert files_under(tmp_path) == set()
    after = files_under(PROJECT_ROOT / "data") | files_under(PROJECT_ROOT / ".crawl-state")
    assert not {p for p in after - root_before if "manifest" in p.name or "replica" in str(p)}


def test_parse_follows_related_articles(seed_url, tmp_path):
    result = run_scrapy(
        "parse", "--spider", "replica", "-c", "parse_article", "-d", "2", seed_url, cwd=tmp_path
    )
    assert_clean(result)
    assert result.stdout.count("'title':") >= 4  # the seed and its 3 related


def test_check_runs_contracts_on_an_in_process_replica(tmp_path):
    result = run_scrapy("check", "-v", cwd=tmp_path)
    assert_clean(result)
    ran = re.search(r"Ran (\d+) contracts?", result.stderr)
    assert ran and int(ran[1]) >= 8, result.stderr
    assert result.stderr.rstrip().endswith("OK"), result.stderr
    assert "[replica] parse_article (@scrapes post-hook) ... ok" in result.stderr
    assert "[article] parse_article (@scrapes post-hook) ... ok" in result.stderr
    assert files_under(tmp_path) == set()


def test_check_against_a_given_replica(replica_server, tmp_path):
    server = replica_server(articles=30)
    result = run_scrapy(
        "check", "replica", "-s", f"CONTRACTS_REPLICA_URL={server.base_url}", cwd=tmp_path
    )
    assert_clean(result)
    assert re.search(r"Ran [1-9]\d* contracts", result.stderr) and "OK" in result.stderr


@pytest.mark.parametrize("spider", SPIDERS)
def test_check_each_spider(spider, tmp_path):
    assert_clean(run_scrapy("check", spider, cwd=tmp_path))


def test_list_from_another_folder(tmp_path):
    result = run_scrapy("list", cwd=tmp_path)
    assert_clean(result)
    assert result.stdout.split() == SPIDERS


ARTICLE = (
    "<html><head><meta charset='utf-8'><title>中国金融网测试文章标题</title></head><body>"
    "<h1>中国金融网测试文章标题</h1><p>来源:中国金融网 2025年02月06日 06时41分</p>"
    + "<p>"
    + "在全球人工智能技术的激烈竞争浪潮中,中国企业异军突起。" * 6
    + "</p>"
    "</body></html>"
).encode()


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A 127.0.0.1 site of one article and a robots.txt that records each request's path
    and User-Agent."""
    seen: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("User-Agent", "")))
            body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else ARTICLE
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("settings", "agent"),
    [
        ((), "cnfinance-news-crawler/"),
        (("-s", "USER_AGENT=custom"), "custom"),
    ],
)
def test_contact_reaches_every_request(recording_server, tmp_path, settings, agent):
    base, seen = recording_server
    result = run_scrapy(
        "crawl",
        "article",
        "-a",
        f"url={base}/newsDetail/1.shtml",
        "-s",
        f"CRAWLER_CONTACT={CONTACT}",
        *settings,
        "-O",
        str(tmp_path / "one.jsonl"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    paths = [path for path, _ in seen]
    assert "/robots.txt" in paths and "/newsDetail/1.shtml" in paths
    for path, user_agent in seen:
        assert user_agent.startswith(agent) and f"({CONTACT})" in user_agent, (path, user_agent)


@pytest.mark.parametrize("feed", ["out/x.jsonl", "x.jsonl"])
def test_one_off_feed_manifest_goes_beside_the_file(replica_server, tmp_path, feed):
    server = replica_server(articles=10)
    root_before = set(PROJECT_ROOT.glob("*.manifest.json"))
    result = run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={server.base_url}",
        "-O",
        feed,
        "-s",
        f"CRAWL_STATE_URI={tmp_path / 'state' / 'replica.sqlite'}",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    written = files_under(tmp_path) - files_under(tmp_path / "state")
    manifests = {p for p in written if p.name.endswith(".manifest.json")}
    beside = (tmp_path / feed).parent
    assert len(manifests) == 1 and next(iter(manifests)).parent == beside
    assert written == {tmp_path / feed, *manifests}
    assert set(PROJECT_ROOT.glob("*.manifest.json")) == root_before
    ignored = (PROJECT_ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "*.manifest.json" in ignored
