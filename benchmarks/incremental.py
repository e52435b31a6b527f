"""Incremental crawling: what an unchanged or barely changed site costs after a full crawl.

On a replica of 10,000 articles (served by its own process on 127.0.0.1): a full crawl with a
fresh crawl state, an incremental run on the unchanged site, and one after 1% new articles.
Each run is a real ``scrapy crawl`` subprocess; its requests come from Scrapy's stats, its
wall time from the clock, its peak memory from the kernel (maximum resident set size).

    python -m benchmarks.incremental [--articles 10000] [--output FILE]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.crawls import Run, free_port, project_crawl_command, run_crawl, serve_replica, stop
from benchmarks.machine import load_average, publish, results_header
from benchmarks.progress import estimate, say

PACKAGES = ("scrapy", "cnfinance-news-crawler")
FULL_CRAWL_SECONDS_PER_ARTICLE = 0.021
"""A full crawl of the replica, per article (205 s for 10,000 in the committed results)."""
SMALL_RUN_SECONDS = 5.0
"""An unchanged or 1% new run, and starting a replica server."""


def crawl(name: str, base_url: str, workdir: Path) -> Run:
    """One ``scrapy crawl replica`` run against the served replica, with a shared state."""
    return run_crawl(name, project_crawl_command(base_url, workdir), workdir)


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
            stop(server)
        say(f"serving a replica of {grown:,} articles (1% new)")
        server = serve_replica(port, grown)
        try:
            runs.append(crawl("1% new", base_url, workdir))
        finally:
            stop(server)
    lines = [
        *results_header("Incremental crawling benchmark", PACKAGES, load),
        f"Replica of {args.articles} articles, then {grown} (1% new), one crawl state.",
        "",
        *table(runs),
        "",
    ]
    publish(lines, args.output)


if __name__ == "__main__":
    main()
