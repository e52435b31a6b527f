"""A related-news link that redirects: the article keeps the depth and found_via of the link,
and the link's frontier entry is done. Real ``scrapy crawl article`` runs against a real
HTTP server on 127.0.0.1 whose pages and redirect are written out here."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import read_jsonl, run_scrapy

pytestmark = pytest.mark.e2e

BODIES = {
    "a": "<p>央行今日开展七天期逆回购操作，中标利率持平，当日实现净投放，维护流动性合理充裕。</p>"
    "<p>交易员表示，税期走款叠加政府债发行，资金面短期承压，央行加大投放符合市场预期。</p>",
    "b": "<p>受央行投放影响，隔夜质押式回购利率下行十余个基点，七天品种亦有回落。</p>"
    "<p>大型银行融出意愿增强，非银机构融入成本下降，资金分层现象有所缓和。</p>",
    "c": "<p>十年期国债收益率盘中下探后小幅回升，国债期货主力合约收涨，信用债成交活跃。</p>"
    "<p>机构认为，经济数据公布前债市仍将区间震荡，配置盘逢高买入的力量较为稳定。</p>",
}


def article_page(name: str, title: str, related: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f'<li><a href="{href}">{text}</a> 2025-01-0{i + 1} 09:00</li>'
        for i, (href, text) in enumerate(related)
    )
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f"<h1>{title}</h1><p>来源：中国金融网 2025-01-06 10:30</p>"
        f'<div class="article">{BODIES[name]}</div>'
        f"<h3>相关资讯</h3><ul>{items}</ul></body></html>"
    ).encode()


PAGES = {
    "/news/a.shtml": article_page("a", "央行开展逆回购维护流动性", [("/old/b", "银行间利率回落")]),
    "/news/b.shtml": article_page("b", "银行间利率小幅回落", [("/news/c.shtml", "债市震荡")]),
    "/news/c.shtml": article_page("c", "债市收益率震荡走低", []),
}
REDIRECTS = {"/old/b": "/news/b.shtml"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in REDIRECTS:
            self.send_response(301)
            self.send_header("Location", REDIRECTS[self.path])
            self.end_headers()
        elif self.path in PAGES:
            body = PAGES[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match[1]) if match else 0


def test_a_redirected_article_keeps_its_depth_found_via_and_is_done(site: str, tmp_path: Path):
    def crawl(out: Path) -> str:
        result = run_scrapy(
            "crawl",
            "article",
            "-a",
            f"url={site}/news/a.shtml",
            "-s",
            "RELATED_DEPTH_LIMIT=1",
            "-s",
            f"CRAWL_STATE_URI={tmp_path / 'state.sqlite'}",
            "-O",
            str(out),
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stderr

    log = crawl(tmp_path / "first.jsonl")
    records = {r["url"]: r for r in read_jsonl(tmp_path / "first.jsonl")}
    assert set(records) == {f"{site}/news/a.shtml", f"{site}/news/b.shtml"}, log[-3000:]
    moved = records[f"{site}/news/b.shtml"]
    assert (moved["depth"], moved["found_via"]) == (1, f"{site}/news/a.shtml")
    assert stat(log, "news/articles/depth_1") == 1

    again = crawl(tmp_path / "second.jsonl")
    assert not (tmp_path / "second.jsonl").exists(), "the second run exported something"
    assert stat(again, "news/articles_from_frontier") == 0, "the redirect was fetched again"
    assert stat(again, "downloader/request_count") <= 1  # robots.txt
