"""Incremental runs with the SQLite crawl state: only what is new, or changed, is exported.

A real replica server that grows and revises articles between runs, real ``scrapy crawl``
subprocesses sharing one crawl state. The oracle is the replica's truth.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from crawler.replica import ReplicaSite
from crawler.replica.site import LIST_NAMES, burst_size
from tests.conftest import REACTORS, read_jsonl, run_scrapy
from tests.test_crawl_replica import by_any_url, reachable_depths

pytestmark = pytest.mark.e2e

SEED = 31


def crawl(
    base_url: str, workdir: Path, run: str, reactor: str, *settings: str
) -> tuple[list[dict], str]:
    """One run against the replica, in batches of 5 articles; its records and its log."""
    out = workdir / run
    result = run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"CRAWL_STATE_URI={workdir / 'state.sqlite'}",
        "-s",
        f"DEFAULT_FEED_URI={out}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
        "-s",
        "FEED_BATCH_ITEMS=5",
        "-s",
        f"TWISTED_REACTOR={reactor}",
        *(arg for setting in settings for arg in ("-s", setting)),
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = [r for path in sorted(out.rglob("*.jsonl")) for r in read_jsonl(path)]
    return records, result.stderr


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match[1]) if match else 0


def reachable_stories(site: ReplicaSite, base_url: str) -> set[int]:
    truth = list(site.truth(base_url))
    articles = by_any_url(truth)
    return {articles[url]["story"] for url in reachable_depths(truth, 2)}


def test_runs_export_only_new_or_changed_articles(replica_server, tmp_path, reactor):
    server = replica_server(articles=150, seed=SEED)
    base = server.base_url
    first, _ = crawl(base, tmp_path, "run1", reactor)
    stories_before = reachable_stories(server.site, base)
    assert len(first) == len(stories_before)

    unchanged, log = crawl(base, tmp_path, "run2", reactor)
    assert unchanged == []
    assert "No new articles" in log
    list_pages = stat(log, "news/list_pages")
    assert list_pages > 0
    assert stat(log, "downloader/request_count") <= list_pages + 1  # + robots.txt
    assert stat(log, "news/lists_stopped_at_listed_page") >= 1
    assert stat(log, "news/articles_skipped_as_exported") > 0

    grown = ReplicaSite(articles=170, seed=SEED)
    sources = {a.source_index for a in grown.articles}
    revised = [
        a
        for a in grown.articles[20:60]
        if a.story_kind == "original"
        and a.index not in sources
        and base + a.path in {r["url"] for r in first}
    ][:2]
    assert len(revised) == 2
    grown.revised = {a.index for a in revised}
    server.site = grown
    later, log = crawl(base, tmp_path, "run3", reactor, "RECHECK_DAYS=36500")
    articles = by_any_url(list(grown.truth(base)))
    # Growing a site adds articles and may make older ones reachable (a new article's
    # related news): both are new to the crawler.
    new_stories = reachable_stories(grown, base) - {articles[r["url"]]["story"] for r in first}
    assert new_stories
    versions = {r["url"]: r for r in later if r["version"] > 1}
    assert set(versions) == {base + a.path for a in revised}
    v1 = {r["url"]: r for r in first}
    for url, record in versions.items():
        assert record["version"] == 2
        assert record["previous_sha256"] == v1[url]["content_sha256"]
        assert record["content"] == articles[url]["content"] != v1[url]["content"]
    fresh = [r for r in later if r["version"] == 1]
    assert sorted(articles[r["url"]]["story"] for r in fresh) == sorted(new_stories)
    assert stat(log, "dedup/unchanged") >= len(first) - len(revised) - 5


def listed_stories(site: ReplicaSite, base_url: str) -> set[int]:
    return {t["story"] for t in site.truth(base_url) if t["listed_on"] and not t["disallowed"]}


def test_a_burst_of_new_articles_behind_pinned_items_is_found(replica_server, tmp_path):
    """Each list's first page starts with old pinned (置顶) articles; more than a page of new
    articles arrives on every list between two runs. The second run must walk past page 1
    and export every new listed story, and stop once it meets a page walked before."""
    seed, articles = 33, 300
    server = replica_server(articles=articles, seed=seed)
    base = server.base_url
    first, _ = crawl(base, tmp_path, "run1", REACTORS["asyncio"], "RELATED_DEPTH_LIMIT=0")
    before = listed_stories(server.site, base)
    assert {by_any_url(list(server.site.truth(base)))[r["url"]]["story"] for r in first} == before

    server.site = ReplicaSite(articles=articles + burst_size(articles, seed, pages=1), seed=seed)
    later, log = crawl(base, tmp_path, "run2", REACTORS["asyncio"], "RELATED_DEPTH_LIMIT=0")
    truth = by_any_url(list(server.site.truth(base)))
    exported = Counter(truth[r["url"]]["story"] for r in later)
    assert max(exported.values()) == 1
    assert set(exported) == listed_stories(server.site, base) - before
    # It walks the pages that hold new articles, then at most one page walked before per
    # list, where it stops (plus the two home pages).
    new_pages = {
        page for t in server.site.truth(base) if t["story"] not in before for page in t["listed_on"]
    }
    assert stat(log, "news/lists_stopped_at_listed_page") >= 1
    assert stat(log, "news/list_pages") <= len(new_pages) + len(LIST_NAMES) + 2
