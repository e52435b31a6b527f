"""Distributed crawling: articles per second with 1, 2 and 3 workers on one Redis, and what
Redis holds per queued URL and per exported article.

A replica (its own process) and a ``redis-server`` (its own process, AOF with
``appendfsync always``, as README advises) on 127.0.0.1. The baseline, in the same run: one
worker with the embedded SQLite state and no Redis. Each Redis crawl has its own
``CRAWL_NAMESPACE``; its time runs from the first worker's start to the last one's exit, less
the idle time a worker waits before it closes (``REDIS_IDLE_CLOSE_SECONDS``).

Redis memory is ``MEMORY USAGE`` summed over a crawl's keys: per exported article, the crawl
state of a finished 3-worker crawl (the request dupefilter counted apart, per request); per
queued URL, the queue after pushing the replica's article requests as the scheduler does.

    python -m benchmarks.distributed [--articles 3000] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from scrapy.utils.test import get_crawler

from benchmarks.crawls import (
    free_port,
    project_crawl_command,
    project_env,
    run_crawl,
    serve_replica,
    stat,
    stop,
)
from benchmarks.machine import load_average, publish, results_header
from benchmarks.progress import estimate, say
from crawler.distributed import CrawlKeys, Worker
from crawler.distributed.scheduler import LeasedQueue
from spiders.replica import ReplicaSpider

PACKAGES = ("scrapy", "scrapy-redis", "redis", "cnfinance-news-crawler")
IDLE_CLOSE_SECONDS = 2.0
CRAWL_SECONDS_PER_ARTICLE = 0.012
"""One full crawl of the replica, per article, on this machine kind."""
QUEUED_URLS = 10_000


@dataclass(frozen=True)
class Crawl:
    name: str
    workers: int
    seconds: float
    items: int

    @property
    def articles_per_second(self) -> float:
        return self.items / self.seconds


def start_redis(directory: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


def redis_crawl(workers: int, base_url: str, redis_url: str, workdir: Path) -> Crawl:
    """``workers`` processes of one crawl, started together, each until it closes."""
    namespace = f"bench{workers}"
    command = project_crawl_command(
        base_url,
        workdir / namespace,
        f"REDIS_URL={redis_url}",
        f"CRAWL_NAMESPACE={namespace}",
        f"REDIS_IDLE_CLOSE_SECONDS={IDLE_CLOSE_SECONDS}",
    )
    (workdir / namespace).mkdir()
    say(f"crawl with {workers} worker(s) on Redis")
    started = time.perf_counter()
    logs = [workdir / namespace / f"worker-{n}.log" for n in range(workers)]
    processes = []
    for log in logs:
        with log.open("wb") as sink:
            processes.append(
                subprocess.Popen(
                    command, cwd=workdir / namespace, env=project_env(), stdout=sink, stderr=sink
                )
            )
    for process, log in zip(processes, logs, strict=True):
        if process.wait() != 0:
            raise RuntimeError(f"a worker failed:\n{log.read_text('utf-8')[-3000:]}")
    seconds = time.perf_counter() - started - IDLE_CLOSE_SECONDS
    items = sum(stat(log.read_text("utf-8"), "item_scraped_count") for log in logs)
    say(f"{workers} worker(s): {items} articles in {seconds:.0f} s")
    return Crawl(f"{workers} worker(s), Redis", workers, seconds, items)


def memory_of(client: redis.Redis, pattern: str) -> int:
    """Bytes Redis holds for the keys matching ``pattern``."""
    return sum(client.memory_usage(key, samples=0) or 0 for key in client.scan_iter(match=pattern))


def queue_bytes_per_url(client: redis.Redis, base_url: str) -> float:
    """Redis bytes per request in the queue, pushed as the scheduler pushes them."""
    crawler = get_crawler(ReplicaSpider)
    spider = ReplicaSpider.from_crawler(crawler, base_url=base_url)
    keys = CrawlKeys("queue-bench", "replica")
    worker = Worker(client, keys)
    queue = LeasedQueue(server=client, spider=spider, key=keys("requests"), worker=worker)
    for number in range(QUEUED_URLS):
        url = f"{base_url}/newsDetail/{900_000 + number}.shtml"
        queue.push(spider.article_request(url, f"{base_url}/articleList/1.shtml", 1))
    return client.memory_usage(keys("requests"), samples=0) / QUEUED_URLS


def table(baseline: Crawl, crawls: list[Crawl]) -> list[str]:
    lines = [
        "| crawl | workers | articles | seconds | articles/s | to 1 SQLite worker |",
        "|---|---|---|---|---|---|",
    ]
    for crawl in [baseline, *crawls]:
        lines.append(
            f"| {crawl.name} | {crawl.workers} | {crawl.items} | {crawl.seconds:.1f} | "
            f"{crawl.articles_per_second:.1f} | "
            f"{crawl.articles_per_second / baseline.articles_per_second:.2f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    load = load_average()
    estimate(
        f"Distributed benchmark on {args.articles:,} articles (4 crawls)",
        4 * args.articles * CRAWL_SECONDS_PER_ARTICLE + 30,
    )
    base_url = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory(prefix="distributed-") as tmp:
        workdir = Path(tmp)
        say(f"serving a replica of {args.articles:,} articles")
        replica = serve_replica(int(base_url.rsplit(":", 1)[1]), args.articles)
        redis_port = free_port()
        server = start_redis(workdir, redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        client = redis.Redis(port=redis_port)
        try:
            (workdir / "sqlite").mkdir()
            run = run_crawl(
                "1 worker, SQLite",
                project_crawl_command(base_url, workdir / "sqlite"),
                workdir / "sqlite",
            )
            baseline = Crawl(run.name, 1, run.seconds, run.items)
            crawls = [redis_crawl(n, base_url, redis_url, workdir) for n in (1, 2, 3)]
            last = crawls[-1]
            dupefilter = memory_of(client, f"bench{last.workers}:replica:*:dupefilter")
            requests = stat_sum(workdir / f"bench{last.workers}", "scheduler/enqueued/redis")
            state = memory_of(client, f"bench{last.workers}:replica:*") - dupefilter
            per_article = state / last.items
            per_request = dupefilter / requests
            per_queued = queue_bytes_per_url(client, base_url)
        finally:
            stop(replica)
            server.terminate()
            server.wait()
    lines = [
        *results_header("Distributed crawling benchmark", PACKAGES, load),
        f"Replica of {args.articles} articles; Redis {redis_version()} with AOF"
        f" (appendfsync always); {os.cpu_count()} CPUs shared by the replica, Redis and"
        " the workers.",
        "",
        *table(baseline, crawls),
        "",
        "| Redis memory | bytes | per million |",
        "|---|---|---|",
        f"| crawl state per exported article | {per_article:.0f} | {per_article:.0f} MB |",
        f"| request dupefilter per request | {per_request:.0f} | {per_request:.0f} MB |",
        f"| queue per queued URL | {per_queued:.0f} | {per_queued:.0f} MB |",
        "",
    ]
    publish(lines, args.output)


def stat_sum(directory: Path, name: str) -> int:
    return sum(stat(log.read_text("utf-8"), name) for log in directory.glob("worker-*.log"))


def redis_version() -> str:
    output = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    return output.split("v=", 1)[1].split()[0] if "v=" in output else "?"


if __name__ == "__main__":
    main()
