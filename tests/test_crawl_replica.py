"""End to end: real ``scrapy crawl`` subprocesses against a real replica server.

The oracle is the replica's own truth (``/_truth.jsonl``): which articles exist, which pages
link them, which are disallowed by robots.txt, and every field a page shows.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from crawler.replica import ReplicaSite
from tests.conftest import PROJECT_ROOT, fetch_truth, read_jsonl, run_scrapy

pytestmark = pytest.mark.e2e

EXTRACTED_FIELDS = (
    "title",
    "source",
    "byline",
    "authors",
    "published_at",
    "content",
    "related",
    "site",
)
SCHEMA = Draft202012Validator(
    json.loads((PROJECT_ROOT / "schema" / "article.schema.json").read_text("utf-8"))
)


def by_any_url(truth: list[dict]) -> dict[str, dict]:
    """Each article's truth under its URL and under every alias URL it is also served at."""
    return {url: t for t in truth for url in (t["url"], *t["aliases"])}


def reachable_depths(truth: list[dict], limit: int) -> dict[str, int]:
    """Least related-news hops from a list page to each article (by its main URL) the crawler
    may fetch under one of its URLs."""
    articles = by_any_url(truth)
    depths = {t["url"]: 0 for t in truth if t["listed_on"] and not t["disallowed"]}
    frontier = list(depths)
    for depth in range(1, limit + 1):
        following = []
        for url in frontier:
            for entry in articles[url]["related"]:
                target = articles[entry["url"]]
                if target["disallowed"] or target["url"] in depths:
                    continue
                depths[target["url"]] = depth
                following.append(target["url"])
        frontier = following
    return depths


def assert_matches_truth(
    records: list[dict], truth: list[dict], limit: int, *, one_run: bool = True
) -> None:
    """Each story reachable within ``limit`` exported exactly once, with its page's true
    fields, under one of its articles' URLs; nothing else exported. ``one_run``: the records
    come from one run, so each one's ``found_via`` has a record at most one hop closer."""
    articles = by_any_url(truth)
    expected = reachable_depths(truth, limit)
    assert [u for u, n in Counter(r["url"] for r in records).items() if n > 1] == []
    assert all(r["url"] in articles for r in records)
    stories = Counter(articles[r["url"]]["story"] for r in records)
    assert [story for story, n in stories.items() if n > 1] == []
    assert set(stories) == {articles[url]["story"] for url in expected}
    exported = {r["url"]: r for r in records}
    for record in records:
        true = articles[record["url"]]
        assert true["url"] in expected and not true["disallowed"]
        assert list(SCHEMA.iter_errors(record)) == []
        assert {f: record[f] for f in EXTRACTED_FIELDS} == {f: true[f] for f in EXTRACTED_FIELDS}
        assert record["canonical_url"] == true["url"]
        assert record["extraction"]["profile"] == true["site"]
        assert record["duplicate_of"] is None
        assert record["depth"] >= expected[true["url"]]
        if record["depth"] == 0:
            assert record["found_via"] in true["listed_on"]
        else:
            assert record["found_via"] in true["linked_from"]
            # found_via was at depth - 1 when it linked this article; its own record keeps
            # the depth it was first found at, which can only be larger.
            if one_run and record["found_via"] in exported:
                assert exported[record["found_via"]]["depth"] >= record["depth"] - 1


def test_crawl_exports_every_reachable_article_once_with_true_fields(replica_server, tmp_path):
    server = replica_server(articles=400, seed=7)
    out = tmp_path / "out.jsonl"
    result = run_scrapy("crawl", "replica", "-a", f"base_url={server.base_url}", "-O", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    truth = fetch_truth(server.base_url)
    records = read_jsonl(out)
    assert_matches_truth(records, truth, limit=2)
    # The replica holds what makes this test meaningful: both layouts, articles found only
    # through related news, some beyond the depth limit, and robots-disallowed ones.
    depths = Counter(r["depth"] for r in records)
    assert depths[1] > 0 and depths[2] > 0
    # ... and stories told twice (reposts, pages under alias URLs) and look-alike near misses.
    reachable = {articles_url for articles_url in reachable_depths(truth, 2)}
    by_path = {t["url"].removeprefix(server.base_url): t["url"] for t in truth}
    pairs = [
        (same, by_path[a] in reachable and by_path[b] in reachable)
        for a, b, same in server.site.near_duplicate_labels()
    ]
    assert (True, True) in pairs and (False, True) in pairs
    assert any(t["aliases"] and t["url"] in reachable for t in truth)
    assert "'item_dropped_reasons_count/" in result.stderr
    assert {r["site"] for r in records} == {"financeun", "cnfinance"}
    assert any(t["hidden_level"] > 2 for t in truth)
    assert any(t["disallowed"] for t in truth)
    assert "robotstxt/forbidden" in result.stderr
    assert "Layout drift" not in result.stderr
    assert all(set(r["extraction"]["fields"].values()) <= {"profile", None} for r in records)


def test_layout_drift_falls_back_to_generic_and_raises_the_alarm(replica_server, tmp_path):
    server = replica_server(articles=300, seed=13, drifted_share=0.3)
    out = tmp_path / "out.jsonl"
    result = run_scrapy("crawl", "replica", "-a", f"base_url={server.base_url}", "-O", str(out))
    # The articles are all exported, and the drift monitor fails the run (exit code 1).
    assert result.returncode == 1, result.stderr[-3000:]
    last = result.stderr.splitlines()[-1]
    assert "Run failed (monitors_failed)" in last and "(layout drift)" in last, last
    records = read_jsonl(out)
    truth = fetch_truth(server.base_url)
    assert_matches_truth(records, truth, limit=2)
    articles = by_any_url(truth)
    drifted = {
        url
        for a in server.site.articles
        if server.site.is_drifted(a)
        for url in (server.base_url + a.path, *articles[server.base_url + a.path]["aliases"])
    }
    for record in records:
        fields = record["extraction"]["fields"]
        expected = "generic" if record["url"] in drifted else "profile"
        assert (fields["title"], fields["published_at"], fields["source"]) == (expected,) * 3
        assert fields["content"] == "profile"
    pages = int(re.search(r"'extraction/pages/financeun': (\d+)", result.stderr)[1])
    for field in ("title", "source", "published_at"):
        warning = re.search(
            rf"Layout drift on financeun: the profile missed '{field}' on (\d+) of (\d+) pages"
            r".*e\.g\. (\S+), (\S+), (\S+)$",
            result.stderr,
            re.M,
        )
        assert warning, field
        fallbacks = int(
            re.search(rf"'extraction/fallback/financeun/{field}': (\d+)", result.stderr)[1]
        )
        assert (int(warning[1]), int(warning[2])) == (fallbacks, pages)
        assert 0.2 < fallbacks / pages < 0.45
        assert set(warning.groups()[2:]) <= drifted
        assert f"'extraction/drift/financeun/{field}': {round(fallbacks / pages, 4)}" in (
            result.stderr
        )
    assert "Layout drift on financeun: the profile missed 'content'" not in result.stderr
    assert "Layout drift on cnfinance" not in result.stderr


def test_mark_policy_exports_duplicates_pointing_at_the_first_copy(replica_server, tmp_path):
    server = replica_server(articles=400, seed=7)
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={server.base_url}",
        "-O",
        str(out),
        "-s",
        "DEDUP_POLICY=mark",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    truth = fetch_truth(server.base_url)
    articles = by_any_url(truth)
    records = read_jsonl(out)
    firsts = [r for r in records if r["duplicate_of"] is None]
    assert_matches_truth(firsts, truth, limit=2)
    first_story = {r["url"]: articles[r["url"]]["story"] for r in firsts}
    marked = [r for r in records if r["duplicate_of"] is not None]
    assert marked
    for record in marked:
        assert first_story[record["duplicate_of"]] == articles[record["url"]]["story"]
    assert "item_dropped_reasons_count" not in result.stderr


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_related_depth_limit_setting(replica_server, tmp_path, limit):
    server = replica_server(articles=250, seed=11)
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={server.base_url}",
        "-O",
        str(out),
        "-s",
        f"RELATED_DEPTH_LIMIT={limit}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert_matches_truth(read_jsonl(out), fetch_truth(server.base_url), limit=limit)


def test_default_run_starts_its_own_replica_and_writes_dated_feed(tmp_path: Path):
    result = run_scrapy("crawl", "replica", "-a", "articles=60", "-a", "seed=3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    files = list((tmp_path / "data" / "replica").glob("*.jsonl"))
    assert len(files) == 1
    raw = files[0].read_text("utf-8")
    assert "\\u" not in raw  # Chinese is written as UTF-8, not escaped
    records = read_jsonl(files[0])
    # The in-process server picked its own port: the truth is built for that address.
    scheme, _, host = records[0]["url"].split("/", 3)[:3]
    truth = list(ReplicaSite(articles=60, seed=3).truth(f"{scheme}//{host}"))
    assert_matches_truth(records, truth, limit=2)
    seed = next(r for r in records if r["title"] == "DeepSeek 为中国在国际市场争取到 AI 话语权")
    assert seed["source"] == "中国金融网"
    assert seed["published_at"] == "2025-02-06T06:41:00+08:00"
    assert seed["authors"] == ["金科"]
    assert seed["content"].startswith("在全球人工智能(AI)技术的激烈竞争浪潮中")
    assert seed["content"].endswith("为全球科技进步做出更大的贡献。")
    assert [(e["title"], e["published_at"]) for e in seed["related"]] == [
        ("云南丽江市永胜县委县人民政府向广大游客推荐永胜县特产沃柑", "2023-03-27T10:44:00+08:00"),
        ("非凡十年谱华章、接续奋斗续辉煌", "2022-11-25T09:28:00+08:00"),
        ("宁波银行 2024 年度业绩快报展现出了绝对实力", "2025-02-06T08:16:00+08:00"),
    ]


def test_article_spider_crawls_given_pages_and_their_related_news(replica_server, tmp_path):
    server = replica_server(articles=120, seed=5)
    truth = by_any_url(fetch_truth(server.base_url))
    start = next(
        t
        for t in truth.values()
        if t["site"] == "financeun"
        and not t["disallowed"]
        and not t["aliases"]
        and all(not truth[e["url"]]["disallowed"] for e in t["related"])
    )
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "crawl",
        "article",
        "-a",
        f"url={start['url']}",
        "-O",
        str(out),
        "-s",
        "RELATED_DEPTH_LIMIT=1",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "data").exists()  # -O replaces the default dated feed
    records = {r["url"]: r for r in read_jsonl(out)}
    assert set(records) == {start["url"]} | {e["url"] for e in start["related"]}
    assert records[start["url"]]["depth"] == 0 and records[start["url"]]["found_via"] is None
    for url, record in records.items():
        assert record["extraction"]["profile"] is None
        for field in ("title", "source", "authors", "published_at", "content", "related"):
            assert record[field] == truth[url][field], (url, field)


def test_requests_waiting_for_robots_txt_are_all_checked(replica_server, tmp_path):
    server = replica_server(articles=300, seed=7)
    truth = fetch_truth(server.base_url)
    forbidden = [t["url"] for t in truth if t["disallowed"]][:6]
    allowed = [t["url"] for t in truth if not t["disallowed"] and not t["aliases"]][:6]
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        "crawl",
        "article",
        "-a",
        "url=" + ",".join(forbidden + allowed),
        "-O",
        str(out),
        "-s",
        "RELATED_DEPTH_LIMIT=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "DOWNLOAD_DELAY=0",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert {r["url"] for r in read_jsonl(out)} == set(allowed)
    assert f"'robotstxt/forbidden': {len(forbidden)}" in result.stderr
