"""Incremental crawling: what an unchanged or barely changed site costs after a full crawl.

On a replica of 10,000 articles (served by its own process on 127.0.0.1): a full crawl with a
fresh crawl state, an incremental run on the unchanged site, and one after 1% new articles.
Each run is a real ``scrapy crawl`` subprocess; its requests come from Scrapy's stats, its
wall time from the clock, its peak memory from the kernel (maximum resident set size).

    python -m benchmarks.incremental [--articles 10000] [--output FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.machine import load_average, results_header
from benchmarks.progress import estimate, say

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scrapy", "cnfinance-news-crawler")
FULL_CRAWL_SECONDS_PER_ARTICLE = 0.021
"""A full crawl of the replica, per article (205 s for 10,000 in the committed results)."""
SMALL_RUN_SECONDS = 5.0
"""An unchanged or 1% new run, and starting a replica server."""


@dataclass(frozen=True)
class Run:
    name: str
    requests: int
    items: int
    seconds: float
    peak_mb: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_replica(port: int, articles: int) -> subprocess.Popen[bytes]:
    """The replica in its own process, so that it does not share the crawler's CPU time."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.replica", "--port", str(port), "--articles", str(articles)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5).close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match[1]) if match else 0


def crawl(name: str, base_url: str, workdir: Path) -> Run:
    """One ``scrapy crawl replica`` run against the served replica, with a shared state."""
    log_path = workdir / f"{name}.log"
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(PROJECT_ROOT))
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "replica",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"CRAWL_STATE_URI={workdir / 'state.sqlite'}",
        "-s",
        f"DEFAULT_FEED_URI={workdir / 'out'}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
        "-s",
        "LOG_LEVEL=INFO",
    ]
    say(f"crawl '{name}' (log: {log_path})")
    started = time.perf_counter()
    with log_path.open("wb") as sink:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=sink, stderr=sink)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    say(f"crawl '{name}' took {seconds:.0f} s")
    log = log_path.read_text("utf-8")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name} failed:\n{log[-3000:]}")
    return Run(
        name=name,
        requests=stat(log, "downloader/request_count"),
        items=stat(log, "item_scraped_count"),
        seconds=seconds,
        peak_mb=usage.ru_maxrss / 1024,
    )


def table(runs: list[Run]) -> list[str]:
    full = runs[0]
    lines = [
        "| run | requests | items exported | wall s | peak RSS MB | requests / full"
        " | time / full |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.requests} | {run.items} | {run.seconds:.1f} | "
            f"{run.peak_mb:.0f} | {run.requests / full.requests:.3f} | "
            f"{run.seconds / full.seconds:.3f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    load = load_average()
    estimate(
        f"Incremental benchmark on {args.articles:,} articles (3 crawls)",
        args.articles * FULL_CRAWL_SECONDS_PER_ARTICLE * 1.1 + 4 * SMALL_RUN_SECONDS,
    )
    grown = args.articles + args.articles // 100
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="incremental-") as tmp:
        workdir = Path(tmp)
        say(f"serving a replica of {args.articles:,} articles")
        server = serve_replica(port, args.articles)
        try:
            runs = [crawl("full", base_url, workdir), crawl("unchanged", base_url, workdir)]
        finally:
            server.terminate()
            server.wait()
        say(f"serving a replica of {grown:,} articles (1% new)")
        server = serve_replica(port, grown)
        try:
            runs.append(crawl("1% new", base_url, workdir))
        finally:
            server.terminate()
            server.wait()
    lines = [
        *results_header("Incremental crawling benchmark", PACKAGES, load),
        f"Replica of {args.articles} articles, then {grown} (1% new), one crawl state.",
        "",
        *table(runs),
        "",
    ]
    print("\n".join(lines))
    if args.output:
        args.output.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
