"""Real third-party pages of unknown sites, served on 127.0.0.1 and crawled by the article spider.

The crawl must decode and extract exactly as ``extract_article`` does on the same bytes, then
clean as the clean pipeline does (``test_real_pages`` holds each page's expected fields).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from itemadapter import ItemAdapter

from benchmarks.labelled_pages import LabelledPage, is_news, load_pages
from crawler.extraction import extract_article
from crawler.items import build_article_item
from pipelines.clean import clean_article
from pipelines.validate import rule_errors, schema_errors
from tests.conftest import read_jsonl, run_scrapy

pytestmark = pytest.mark.e2e

COMPARED = ("title", "source", "byline", "authors", "published_at", "content", "related")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


@pytest.fixture
def news_site(tmp_path) -> Iterator[dict[str, LabelledPage]]:
    """Every labelled news page, as served by a static site on a free 127.0.0.1 port.

    Pages are served as their bytes (gzip-stored ones unpacked), with no charset in the
    headers, so decoding rests on the page alone.
    """
    root = tmp_path / "site"
    pages = {}
    for number, page in enumerate(p for p in load_pages() if is_news(p)):
        path = f"{page.folder}/{number}.html"
        (root / page.folder).mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(page.read_bytes())
        pages[path] = page
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://{}:{}".format(*server.server_address[:2])
    yield {f"{base}/{path}": page for path, page in pages.items()}
    server.shutdown()
    server.server_close()


def test_article_spider_on_unknown_sites_extracts_as_extract_article_does(news_site, tmp_path):
    urls = news_site
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "crawl", "article", "-a", "url=" + ",".join(urls), "-O", str(out),
        "-s", "RELATED_DEPTH_LIMIT=0", "-s", "ROBOTSTXT_OBEY=False",
        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0",
        # Two sets hold the same BBC page: deduplication is not what this test is about.
        "-s", "DEDUP_URL=False", "-s", "DEDUP_EXACT=False", "-s", "DEDUP_NEAR=False",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["url"]: r for r in read_jsonl(out)}
    dropped = 0
    for url, page in urls.items():
        direct = extract_article(page.read_bytes(), url, {"Content-Type": "text/html"})
        item, _ = clean_article(
            build_article_item(direct, url=url, site=None, found_via=None, depth=0)
        )
        expected = ItemAdapter(item).asdict()
        if schema_errors(expected) or rule_errors(expected, ["127.0.0.1"], datetime.now(UTC)):
            dropped += 1
            assert url not in records
            continue
        record = records[url]
        assert {f: record[f] for f in COMPARED} == {f: expected[f] for f in COMPARED}, url
        assert record["extraction"]["profile"] is None
    assert len(records) + dropped == len(urls)
    counts = re.findall(r"'item_dropped_reasons_count/\w+': (\d+)", result.stderr)
    assert sum(map(int, counts)) == dropped
