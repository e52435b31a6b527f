"""Atomic feed files, recovery after a kill and run manifests, on real files, a real SQLite
crawl state and real crawlers; end to end, hourly ``scrapy crawl`` runs, one of them killed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pytest
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler import __version__
from crawler.export import (
    AtomicFileFeedStorage,
    JsonLinesArticleExporter,
    RunManifest,
    feed_directories,
    recover,
    run_id,
    temporary_path,
    uri_params,
)
from crawler.items import SCHEMA_VERSION
from crawler.state import crawl_state
from crawler.state.sqlite import SqliteCrawlState
from crawler.urls import url_key
from tests.conftest import SCRAPY, fetch_truth, read_jsonl, run_scrapy, scrapy_env
from tests.test_crawl_replica import by_any_url, reachable_depths

STORAGE = "crawler.export.AtomicFileFeedStorage"


class NewsSpider(Spider):
    name = "news"


def article(number: int) -> dict[str, Any]:
    url = f"https://www.financeun.com/newsDetail/{40000 + number}.shtml"
    return {"url": url, "canonical_url": url, "title": f"第{number}篇"}


def line(item: dict[str, Any]) -> bytes:
    return json.dumps(item, ensure_ascii=False).encode() + b"\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def open_crawler(tmp_path: Path, **settings: Any) -> Crawler:
    """A crawler with the SQLite crawl state in ``tmp_path`` and its spider."""
    crawler = get_crawler(
        NewsSpider,
        {
            "CRAWL_STATE_CLASS": "crawler.state.sqlite.SqliteCrawlState",
            "CRAWL_STATE_URI": str(tmp_path / "state" / "%(name)s.sqlite"),
            "FEED_STORAGES": {"": STORAGE, "file": STORAGE},
            **settings,
        },
    )
    crawler.spider = NewsSpider.from_crawler(crawler)
    return crawler


def state_of(crawler: Crawler) -> SqliteCrawlState:
    state = crawl_state(crawler)
    assert isinstance(state, SqliteCrawlState)
    return state


def storage(crawler: Crawler, path: Path, **options: Any) -> AtomicFileFeedStorage:
    return AtomicFileFeedStorage.from_crawler(crawler, str(path), feed_options=options)


def exporter(file: IO[bytes]) -> JsonLinesArticleExporter:
    """The item exporter that Scrapy's feed exporter builds for a JSON Lines feed file."""
    built = JsonLinesArticleExporter(file, encoding="utf-8")
    built.start_exporting()
    return built


def export(crawler: Crawler, target: AtomicFileFeedStorage, items: list[dict]) -> None:
    file = target.open(crawler.spider)
    writer = exporter(file)
    for item in items:
        writer.export_item(item)
    target.store(file)


@pytest.fixture
def crawler(tmp_path: Path) -> Crawler:
    crawler = open_crawler(tmp_path)
    crawler.signals.send_catch_log(signals.spider_opened, spider=crawler.spider)
    return crawler


def test_a_file_is_written_beside_its_target_and_renamed_once_committed(
    crawler: Crawler, tmp_path: Path
) -> None:
    state = state_of(crawler)
    final = tmp_path / "feeds" / "1.jsonl"
    target = storage(crawler, final)
    file = target.open(crawler.spider)
    assert Path(file.name) == final.parent / f".1.jsonl.{os.getpid()}.tmp"
    writer = exporter(file)
    for number in (1, 2):
        state.remember_url(url_key(article(number)["url"]), article(number)["url"])
        writer.export_item(article(number))
    assert not final.exists() and state.batches() == []

    target.store(file)
    assert final.read_bytes() == line(article(1)) + line(article(2))
    assert sorted(p.name for p in final.parent.iterdir()) == ["1.jsonl"]
    [batch] = state.batches()
    assert batch["path"] == str(final) and batch["lines"] == 2
    assert batch["sha256"] == sha256(final)
    after_kill = SqliteCrawlState(state.path)
    assert after_kill.exported_count() == 2
    assert after_kill.first_url_for_key(url_key(article(2)["url"])) == article(2)["url"]


def test_each_file_commits_the_articles_the_exporter_wrote_to_it(
    crawler: Crawler, tmp_path: Path
) -> None:
    """Batch 2 opens and takes article 3 before batch 1 is stored, as with Scrapy's feed
    exporter; batch 1 commits articles 1 and 2 only, whatever else the crawl scraped."""
    state = state_of(crawler)
    for number in (1, 2, 3):
        state.remember_url(url_key(article(number)["url"]), article(number)["url"])
    first = storage(crawler, tmp_path / "1.jsonl", batch_item_count=2)
    file = first.open(crawler.spider)
    writer = exporter(file)
    for number in (1, 2):
        writer.export_item(article(number))
    second = storage(crawler, tmp_path / "2.jsonl", batch_item_count=2)
    second_file = second.open(crawler.spider)
    exporter(second_file).export_item(article(3))
    first.store(file)
    assert read_jsonl(tmp_path / "1.jsonl") == [article(1), article(2)]

    after_kill = SqliteCrawlState(state.path)
    assert after_kill.exported_count() == 2
    assert after_kill.first_url_for_key(url_key(article(2)["url"])) == article(2)["url"]
    assert after_kill.first_url_for_key(url_key(article(3)["url"])) is None
    second.store(second_file)
    assert SqliteCrawlState(state.path).first_url_for_key(url_key(article(3)["url"]))


def test_overwrite_replaces_and_append_extends_the_file_atomically(
    crawler: Crawler, tmp_path: Path
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(line(article(1)))
    export(crawler, storage(crawler, path, overwrite=False), [article(2), article(3)])
    assert path.read_bytes() == line(article(1)) + line(article(2)) + line(article(3))
    export(crawler, storage(crawler, path, overwrite=True), [article(4)])
    assert path.read_bytes() == line(article(4))
    appended, overwritten = state_of(crawler).batches()
    assert (appended["lines"], overwritten["lines"]) == (3, 1)
    assert overwritten["sha256"] == sha256(path)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def dead_pid() -> int:
    """The id of a process that has ended."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_recover_renames_committed_leftovers_and_removes_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = SqliteCrawlState(tmp_path / "state.sqlite")
    run = state.begin_run("news", "incremental")
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    committed = feeds / f".3.jsonl.{dead_pid()}.tmp"
    committed.write_bytes(line(article(3)))
    state.commit_batch(run, str(feeds / "3.jsonl"), 1, sha256(committed), [])
    torn = feeds / f".4.jsonl.{dead_pid()}.tmp"
    torn.write_bytes(line(article(4)) + b'{"url": "https://www.financeun.com/ne')
    own = temporary_path(feeds / "5.jsonl")
    own.write_bytes(b"")
    (feeds / "2.jsonl").write_bytes(line(article(2)))

    with caplog.at_level(logging.INFO, logger="crawler.export"):
        actions = recover(feeds, state)

    assert sorted(p.name for p in feeds.iterdir()) == ["2.jsonl", "3.jsonl"]
    assert (feeds / "3.jsonl").read_bytes() == line(article(3))
    assert actions == [
        f"Recovered {feeds / '3.jsonl'}: its batch was committed before the run stopped",
        f"Removed {torn}: a stopped run's unfinished, uncommitted file",
        f"Removed {own}: a stopped run's unfinished, uncommitted file",
    ]
    assert [r.getMessage() for r in caplog.records] == actions
    assert recover(feeds, state) == [] and recover(tmp_path / "missing", state) == []


def test_recover_leaves_a_running_processs_file_alone(tmp_path: Path) -> None:
    state = SqliteCrawlState(tmp_path / "state.sqlite")
    writing = tmp_path / f".1.jsonl.{os.getppid()}.tmp"
    writing.write_bytes(line(article(1)))
    assert recover(tmp_path, state) == [f"Left {writing} alone: process {os.getppid()} is running"]
    assert writing.exists()


def test_a_storage_recovers_its_directory_once_when_built(crawler: Crawler, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    leftover = feeds / f".1.jsonl.{dead_pid()}.tmp"
    leftover.write_bytes(b"{")
    file = storage(crawler, feeds / "2.jsonl").open(crawler.spider)
    assert not leftover.exists()
    leftover.write_bytes(b"{")
    storage(crawler, feeds / "3.jsonl")
    assert leftover.exists() and Path(file.name).exists()
    file.close()


def manifest_settings(tmp_path: Path) -> dict[str, Any]:
    """A batched feed, its storages driven by the test rather than by the feed exporter."""
    uri = str(tmp_path / "feeds" / "%(name)s" / "%(batch_id)d.jsonl")
    return {"FEEDS": {uri: {"format": "jsonlines", "batch_item_count": 2}}}


def test_the_manifest_lists_the_runs_files_outcomes_and_versions(tmp_path: Path) -> None:
    crawler = open_crawler(tmp_path, **manifest_settings(tmp_path), CRAWL_MODE="full")
    assert crawler.spider is not None and crawler.stats is not None
    manifest = RunManifest.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.spider_opened, spider=crawler.spider)
    feeds = tmp_path / "feeds" / "news"
    export(crawler, storage(crawler, feeds / "1.jsonl"), [article(1), article(2)])
    export(crawler, storage(crawler, feeds / "2.jsonl"), [article(3)])
    for key, value in {
        "item_scraped_count": 3,
        "news/articles_skipped_as_exported": 7,
        "item_dropped_count": 3,
        "item_dropped_reasons_count/DuplicateUrl": 2,
        "item_dropped_reasons_count/NearDuplicate": 1,
        "log_count/ERROR": 1,
        "spidermon_item_scraped_count/ArticleItem/source": 3,
        "spidermon_item_scraped_count/ArticleItem/authors": 2,
    }.items():
        crawler.stats.set_value(key, value)
    crawler.stats.set_value("finish_reason", "finished")
    monitor = {"name": "Finish/the run finished as asked", "passed": True, "level": "fail"}
    crawler.stats.set_value("monitors/results", [{**monitor, "message": ""}])
    crawler.signals.send_catch_log(signals.feed_exporter_closed)

    run = manifest.run["run_id"]
    written = json.loads((feeds / f"{run}.manifest.json").read_text("utf-8"))
    counts = {
        "exported": 3,
        "skipped_as_seen": 7,
        "dropped": 3,
        "dropped/DuplicateUrl": 2,
        "dropped/NearDuplicate": 1,
        "errors": 1,
        "with_source": 3,
        "with_authors": 2,
    }
    stats = written.pop("stats")
    assert written == {
        "run_id": run,
        "spider": "news",
        "status": "finished",
        "mode": "full",
        "started_at": written["started_at"],
        "finished_at": written["finished_at"],
        "files": [
            {"path": "1.jsonl", "lines": 2, "sha256": sha256(feeds / "1.jsonl")},
            {"path": "2.jsonl", "lines": 1, "sha256": sha256(feeds / "2.jsonl")},
        ],
        "counts": counts,
        "error": None,
        "monitors": [{**monitor, "message": ""}],
        "schema_version": SCHEMA_VERSION,
        "crawler_version": __version__,
    }
    # The run's stats, the monitor results (in "monitors") and what is not JSON left out.
    assert stats["item_scraped_count"] == 3 and stats["finish_reason"] == "finished"
    assert "monitors/results" not in stats and isinstance(stats["start_time"], str)
    assert written["started_at"] <= written["finished_at"]
    assert written["finished_at"].endswith("+00:00")
    [recorded] = SqliteCrawlState(state_of(crawler).path).runs()
    assert recorded["status"] == "finished" and recorded["counts"] == counts
    assert [p.name for p in feeds.iterdir() if p.name.startswith(".")] == []


def test_a_killed_run_is_ended_with_a_manifest_at_the_next_start(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds" / "news"
    killed = open_crawler(tmp_path, **manifest_settings(tmp_path))
    RunManifest.from_crawler(killed)
    killed.signals.send_catch_log(signals.spider_opened, spider=killed.spider)
    export(killed, storage(killed, feeds / "1.jsonl"), [article(1), article(2)])
    stranded = feeds / f".2.jsonl.{dead_pid()}.tmp"
    stranded.write_bytes(line(article(3)))
    killed_run = state_of(killed).runs()[0]["run_id"]
    state_of(killed).commit_batch(
        killed_run, str(feeds / "2.jsonl"), 1, sha256(stranded), [(article(3)["url"],) * 2]
    )
    torn = feeds / f".3.jsonl.{dead_pid()}.tmp"
    torn.write_bytes(b'{"url"')

    later = open_crawler(tmp_path, **manifest_settings(tmp_path))
    manifest = RunManifest.from_crawler(later)
    later.signals.send_catch_log(signals.spider_opened, spider=later.spider)

    assert sorted(p.name for p in feeds.iterdir()) == [
        "1.jsonl",
        "2.jsonl",
        f"{killed_run}.manifest.json",
    ]
    written = json.loads((feeds / f"{killed_run}.manifest.json").read_text("utf-8"))
    assert written["status"] == "killed" and written["finished_at"] is None
    assert written["error"] == "the process stopped before the run finished"
    assert written["files"] == [
        {"path": "1.jsonl", "lines": 2, "sha256": sha256(feeds / "1.jsonl")},
        {"path": "2.jsonl", "lines": 1, "sha256": sha256(feeds / "2.jsonl")},
    ]
    runs = {run["run_id"]: run for run in state_of(later).runs()}
    assert runs[killed_run]["status"] == "killed" and runs[killed_run]["finished_at"]
    assert runs[manifest.run["run_id"]]["finished_at"] is None


def test_feed_uris_may_name_the_run(tmp_path: Path) -> None:
    uri = str(tmp_path / "%(name)s" / "%(run_id)s" / "%(batch_id)d.jsonl")
    crawler = open_crawler(
        tmp_path,
        FEEDS={uri: {"format": "jsonlines"}, "stdout:": {"format": "jsonlines"}},
        FEED_URI_PARAMS="crawler.export.uri_params",
    )
    assert crawler.spider is not None
    run = run_id(crawler)
    assert uri_params({"name": "news"}, crawler.spider) == {"name": "news", "run_id": run}
    assert state_of(crawler).runs()[0]["run_id"] == run
    assert feed_directories(crawler, crawler.spider) == [tmp_path / "news" / run]


CRAWL_SETTINGS = [
    "-s",
    "CRAWL_STATE_CLASS=crawler.state.sqlite.SqliteCrawlState",
    "-s",
    "FEED_STORAGES=" + json.dumps({"": STORAGE, "file": STORAGE}),
    "-s",
    "EXTENSIONS=" + json.dumps({"crawler.export.RunManifest": 600}),
    "-s",
    "FEED_EXPORT_BATCH_ITEM_COUNT=10",
    "-s",
    "FEED_BATCH_ITEMS=10",
    "-s",
    "DEFAULT_FEED_URI=feeds/%(name)s/%(time)s-%(batch_id)03d.jsonl",
]


def crawl(base_url: str, cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """Starts ``scrapy crawl replica`` in ``cwd`` as the scheduler would, logging to ``log``."""
    env = scrapy_env()
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [*SCRAPY, "crawl", "replica", "-a", f"base_url={base_url}", *CRAWL_SETTINGS],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def committed_batches(database: Path) -> int:
    try:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.e2e
def test_hourly_runs_export_each_story_once_though_one_is_killed(replica_server, tmp_path):
    server = replica_server(articles=300, seed=11)
    database = tmp_path / ".crawl-state" / "replica.sqlite"
    first = crawl(server.base_url, tmp_path, tmp_path / "killed.log")
    deadline = time.monotonic() + 120
    while committed_batches(database) < 3 and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL, "the first run ended before 3 batches were committed"
    for hour in (2, 3):
        log = tmp_path / f"run{hour}.log"
        assert crawl(server.base_url, tmp_path, log).wait(timeout=600) == 0, log.read_text()[-3000:]

    feeds = tmp_path / "feeds" / "replica"
    files = sorted(feeds.glob("*.jsonl"))
    records = [record for path in files for record in read_jsonl(path)]
    truth = fetch_truth(server.base_url)
    articles = by_any_url(truth)
    stories = Counter(articles[r["url"]]["story"] for r in records)
    assert [story for story, n in stories.items() if n > 1] == []
    assert set(stories) == {articles[url]["story"] for url in reachable_depths(truth, 2)}
    assert [p.name for p in feeds.iterdir() if p.name.startswith(".")] == []

    with sqlite3.connect(database) as db:
        exported = dict(
            db.execute("SELECT url, path FROM exported JOIN batches ON batches.id = batch_id")
        )
    assert {r["url"]: str(path) for path in files for r in read_jsonl(path)} == exported

    manifests = [json.loads(p.read_text("utf-8")) for p in sorted(feeds.glob("*.manifest.json"))]
    assert [m["status"] for m in manifests] == ["killed", "finished", "finished"]
    listed = {feeds / f["path"]: f for m in manifests for f in m["files"]}
    assert sorted(listed) == files
    for path, entry in listed.items():
        assert (entry["lines"], entry["sha256"]) == (len(read_jsonl(path)), sha256(path))
    assert manifests[1]["counts"]["exported"] > 0
    assert manifests[2]["counts"]["exported"] == 0
    assert sum(f["lines"] for f in manifests[2]["files"]) == 0


@pytest.mark.e2e
def test_a_crawl_whose_feed_scrapy_disables_refuses_to_start_and_loses_nothing(
    replica_server, tmp_path
):
    """The feed URI once suggested for schedules has no batch id: Scrapy disables its feed
    exporter. The crawl must refuse, remember nothing, and leave the next run everything."""
    server = replica_server(articles=120, seed=12)

    def crawl(feed_uri: str) -> subprocess.CompletedProcess[str]:
        state = f"CRAWL_STATE_URI={tmp_path / 'state.sqlite'}"
        return run_scrapy(
            *("crawl", "replica", "-a", f"base_url={server.base_url}", "-s", state),
            *("-s", f"DEFAULT_FEED_URI={feed_uri}"),
            cwd=tmp_path,
        )

    refused = crawl(f"{tmp_path}/srv/news/%(name)s/%(time)s.jsonl")
    assert refused.returncode == 1
    ours = [line for line in refused.stderr.splitlines() if "Refusing to crawl" in line]
    assert len(ours) == 1 and "ERROR" in ours[0]
    assert "Traceback" not in refused.stderr
    assert "'downloader/request_count'" not in refused.stderr, "it fetched pages"
    assert not (tmp_path / "srv").exists()

    out = tmp_path / "data"
    later = crawl(f"{out}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl")
    assert later.returncode == 0, later.stderr[-3000:]
    records = [r for path in sorted(out.rglob("*.jsonl")) for r in read_jsonl(path)]
    truth = fetch_truth(server.base_url)
    articles = by_any_url(truth)
    stories = Counter(articles[r["url"]]["story"] for r in records)
    assert max(stories.values()) == 1
    assert set(stories) == {articles[url]["story"] for url in reachable_depths(truth, 2)}
