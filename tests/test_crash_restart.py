"""Crash safety: a crawl killed at random moments and restarted loses nothing, repeats nothing.

A real replica server, real ``scrapy crawl`` subprocesses with the SQLite crawl state and the
atomic batch export, real SIGKILL and SIGTERM. The oracle is the replica's truth.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REACTORS, SCRAPY, fetch_truth, scrapy_env
from tests.test_crawl_replica import assert_matches_truth

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BATCH_ITEMS = 25


def crawl_command(base_url: str, workdir: Path, reactor: str) -> list[str]:
    return [
        *SCRAPY,
        "crawl",
        "replica",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"CRAWL_STATE_URI={workdir / 'state.sqlite'}",
        "-s",
        f"DEFAULT_FEED_URI={workdir / 'out'}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
        "-s",
        f"FEED_BATCH_ITEMS={BATCH_ITEMS}",
        "-s",
        f"TWISTED_REACTOR={reactor}",
        "-s",
        "LOG_LEVEL=INFO",
    ]


def start_crawl(base_url: str, workdir: Path, log: Path, reactor: str) -> subprocess.Popen[bytes]:
    env = scrapy_env()
    with log.open("ab") as sink:
        return subprocess.Popen(
            crawl_command(base_url, workdir, reactor),
            cwd=workdir,
            env=env,
            stdout=sink,
            stderr=sink,
        )


def finished_records(out: Path) -> list[dict]:
    """Every line of every finished batch file; a torn line fails the test."""
    records = []
    for path in sorted(out.rglob("*.jsonl")):
        raw = path.read_bytes()
        assert raw.endswith(b"\n"), f"{path} does not end with a complete line"
        for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                pytest.fail(f"torn line {number} in {path}: {error}")
    return records


def assert_union_is_truth(workdir: Path, base_url: str) -> None:
    out = workdir / "out"
    records = finished_records(out)
    counts = Counter(r["url"] for r in records)
    assert [url for url, n in counts.items() if n > 1] == [], "an article was exported twice"
    # Across runs, an article's found_via may have been exported by a later run that found
    # it closer to a list page than when it linked the article.
    assert_matches_truth(records, fetch_truth(base_url), limit=2, one_run=False)
    assert not list(out.rglob("*.tmp")), "a temporary batch file was left behind"


@pytest.mark.parametrize(
    ("reactor", "kills"),
    [(REACTORS["asyncio"], 20), (REACTORS["epoll"], 10)],
    ids=["asyncio", "epoll"],
)
def test_sigkill_at_random_moments_loses_and_repeats_nothing(
    replica_server, tmp_path, reactor, kills
):
    server = replica_server(articles=2000, seed=21)
    log = tmp_path / "crawl.log"
    moments = random.Random(2026).sample([x / 10 for x in range(15, 160)], kills)
    for moment in moments:
        process = start_crawl(server.base_url, tmp_path, log, reactor)
        time.sleep(moment)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    process = start_crawl(server.base_url, tmp_path, log, reactor)
    assert process.wait(timeout=900) == 0, log.read_text("utf-8")[-3000:]
    assert_union_is_truth(tmp_path, server.base_url)
    manifests = list((tmp_path / "out").rglob("*.manifest.json"))
    assert manifests, "the run that finished wrote no manifest"


def test_sigterm_finishes_in_flight_items_and_exits_cleanly(replica_server, tmp_path, reactor):
    server = replica_server(articles=2000, seed=22)
    log = tmp_path / "crawl.log"
    process = start_crawl(server.base_url, tmp_path, log, reactor)
    # Mid-crawl, whatever the machine's speed: once two batches are committed.
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "out").rglob("*.jsonl"))) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "no batch committed in 120 s"
        time.sleep(0.05)
    assert process.poll() is None, "the crawl ended before it could be interrupted"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 0, log.read_text("utf-8")[-3000:]
    interrupted = finished_records(tmp_path / "out")
    assert interrupted, "the interrupted run flushed nothing"
    assert "shutdown" in log.read_text("utf-8"), "the run was not stopped by the signal"
    process = start_crawl(server.base_url, tmp_path, log, reactor)
    assert process.wait(timeout=600) == 0, log.read_text("utf-8")[-3000:]
    assert_union_is_truth(tmp_path, server.base_url)
