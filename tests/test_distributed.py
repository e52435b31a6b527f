"""Many workers on one Redis (``REDIS_URL``): every story exported once across workers, kills
of a worker or of Redis itself included.

Real parts only: a replica server of 2,000 articles, a real ``redis-server`` on a free
127.0.0.1 port, real ``scrapy crawl`` worker processes, real SIGKILLs. The oracle is the
replica's truth: the union of every worker's committed batch files holds each reachable
story once.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from crawler.replica import ReplicaServer, ReplicaSite
from tests.conftest import SCRAPY, fetch_truth, run_scrapy, scrapy_env, start_redis_server
from tests.test_crash_restart import finished_records
from tests.test_crawl_replica import assert_matches_truth

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTICLES = 2000
BATCH_ITEMS = 50
WORKERS = 3
LEASE_SECONDS = 6
IDLE_CLOSE_SECONDS = 3
WORKER_TIMEOUT = 600


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    server = ReplicaServer(ReplicaSite(articles=ARTICLES, seed=12)).start_in_thread()
    yield server
    server.stop()


class Crawl:
    """The workers of one crawl on one Redis, their logs and their batch files."""

    def __init__(self, base_url: str, redis_url: str, workdir: Path, namespace: str) -> None:
        self.base_url = base_url
        self.redis_url = redis_url
        self.workdir = workdir
        self.namespace = namespace
        self.out = workdir / "out"
        self.started = 0

    def command(self) -> list[str]:
        return [
            *SCRAPY,
            "crawl",
            "replica",
            "-a",
            f"base_url={self.base_url}",
            "-s",
            f"REDIS_URL={self.redis_url}",
            "-s",
            f"CRAWL_NAMESPACE={self.namespace}",
            "-s",
            f"REDIS_LEASE_SECONDS={LEASE_SECONDS}",
            "-s",
            f"REDIS_IDLE_CLOSE_SECONDS={IDLE_CLOSE_SECONDS}",
            "-s",
            f"DEFAULT_FEED_URI={self.out}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
            "-s",
            f"FEED_BATCH_ITEMS={BATCH_ITEMS}",
            "-s",
            "LOG_LEVEL=INFO",
        ]

    def start(self, count: int) -> list[subprocess.Popen[bytes]]:
        workers = []
        for _ in range(count):
            self.started += 1
            with (self.workdir / f"worker-{self.started}.log").open("ab") as log:
                workers.append(
                    subprocess.Popen(
                        self.command(),
                        cwd=self.workdir,
                        env=scrapy_env(),
                        stdout=log,
                        stderr=log,
                    )
                )
        return workers

    def run(self, count: int) -> None:
        """Starts ``count`` workers and waits until each has closed by itself, successfully."""
        self.wait(self.start(count))

    def wait(self, workers: list[subprocess.Popen[bytes]]) -> None:
        for worker in workers:
            assert worker.wait(timeout=WORKER_TIMEOUT) == 0, self.logs()

    def wait_for_lines(self, lines: int) -> None:
        """Waits until the committed batch files hold at least ``lines`` articles."""
        deadline = time.monotonic() + WORKER_TIMEOUT
        while len(self.records()) < lines:
            assert time.monotonic() < deadline, self.logs()
            time.sleep(0.2)

    def records(self) -> list[dict]:
        return finished_records(self.out) if self.out.exists() else []

    def runs_that_exported(self) -> set[str]:
        return {path.name.rsplit("-", 1)[0] for path in self.out.rglob("*.jsonl")}

    def logs(self, tail: int = 3000) -> str:
        """The workers' logs, the last ``tail`` characters of each."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text('utf-8', 'replace')[-tail:]}"
            for path in sorted(self.workdir.glob("worker-*.log"))
        )

    def assert_union_is_truth(self) -> None:
        assert_matches_truth(self.records(), fetch_truth(self.base_url), limit=2, one_run=False)


@pytest.fixture
def crawl(replica: ReplicaServer, redis_server, tmp_path: Path) -> Crawl:
    return Crawl(replica.base_url, redis_server.url, tmp_path, tmp_path.name)


def test_workers_share_a_crawl_and_a_second_run_exports_nothing(crawl: Crawl) -> None:
    crawl.run(WORKERS)
    crawl.assert_union_is_truth()
    assert len(crawl.runs_that_exported()) >= 2, "the workers did not share the crawl"
    exported = len(crawl.records())

    crawl.run(WORKERS)
    assert len(crawl.records()) == exported, "the second run exported articles again"
    whole = crawl.logs(tail=10**9)
    assert whole.count("opened run 2 ") == 1 and whole.count("joined run 2 ") == WORKERS - 1


def test_a_worker_killed_mid_crawl_loses_nothing(crawl: Crawl) -> None:
    workers = crawl.start(WORKERS)
    crawl.wait_for_lines(300)
    victim = workers.pop(1)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    crawl.wait(workers)
    crawl.assert_union_is_truth()
    assert "of stopped workers back in the queue" in crawl.logs(tail=10**9)


def test_redis_killed_mid_crawl_with_aof_loses_nothing(replica: ReplicaServer, tmp_path: Path):
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()
    server = start_redis_server(redis_dir, appendonly=True)
    crawl = Crawl(replica.base_url, server.url, tmp_path, "aof")
    try:
        workers = crawl.start(WORKERS)
        crawl.wait_for_lines(300)
        server.kill()
        time.sleep(1.5)
        server = start_redis_server(redis_dir, port=server.port, appendonly=True)
        crawl.wait(workers)
    finally:
        server.stop()
    crawl.assert_union_is_truth()


def test_redis_reset_clears_a_crawl_and_refuses_while_workers_run(crawl: Crawl) -> None:
    client = redis.Redis.from_url(crawl.redis_url)
    prefix = f"{crawl.namespace}:replica"
    client.zadd(f"{prefix}:workers", {"live-worker": time.time() + 60})
    client.set(f"{prefix}:run", 4)
    client.set(f"{crawl.namespace}-other:replica:run", 1)
    args = ("redis-reset", "replica", "-s", f"REDIS_URL={crawl.redis_url}")
    namespace = ("-s", f"CRAWL_NAMESPACE={crawl.namespace}")

    refused = run_scrapy(*args, *namespace)
    assert refused.returncode == 1
    assert "1 worker(s)" in refused.stderr and client.get(f"{prefix}:run") == b"4"

    forced = run_scrapy(*args, *namespace, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Deleted 2 keys" in forced.stdout
    assert client.keys(f"{prefix}:*") == []
    assert client.get(f"{crawl.namespace}-other:replica:run") == b"1"

    missing = run_scrapy("redis-reset", "replica")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "error: REDIS_URL is not set (-s REDIS_URL=redis://host:port/db)"
    ]
