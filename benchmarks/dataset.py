"""The Parquet dataset of a crawl against its JSON Lines: build time, size, reading a month.

For each size a replica of that many articles is served by its own process and crawled in
full (a real ``scrapy crawl``, batch files of ``FEED_BATCH_ITEMS``); then
``python -m crawler.dataset build`` makes the dataset, a subprocess measured by the kernel
(wall time, maximum resident set size). Sizes are bytes on disk: the batch files against
the dataset's Parquet files (articles and versions). Reading one month of one site (the
largest partition) is timed both ways, best of ``READS``: ``pyarrow.dataset`` with a filter
on the Hive partitions, and a scan of every batch file keeping that month's records.

    python -m benchmarks.dataset [--sizes 1000 10000] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.dataset as ds

from benchmarks.crawls import (
    PROJECT_ROOT,
    free_port,
    project_crawl_command,
    run_crawl,
    serve_replica,
    stop,
    wait_measured,
)
from benchmarks.machine import load_average, publish, results_header
from benchmarks.progress import estimate, say

PACKAGES = ("cnfinance-news-crawler", "scrapy", "pyarrow")
SIZES = (1_000, 10_000)
READS = 3
CRAWL_SECONDS_PER_ARTICLE = 0.010
"""A full crawl of the replica, per article (973 s for 100,000 in the committed results)."""
BUILD_SECONDS_PER_ARTICLE = 0.0002
"""A build, per article, with its start-up (13.9 s for 100,000)."""
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Result:
    """One size's crawl, build and reads."""

    articles: int
    exported: int
    jsonl_bytes: int
    parquet_bytes: int
    build_seconds: float
    build_peak_mb: float
    partition: tuple[str, str]
    partition_rows: int
    parquet_read_seconds: float
    jsonl_read_seconds: float


def folder_bytes(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in paths)


def measured_build(data: Path, dataset: Path) -> tuple[float, float]:
    """Runs one build to its end: its wall seconds and peak resident MB."""
    command = [sys.executable, "-m", "crawler.dataset", "build", str(data), "-o", str(dataset)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    status, _, peak_kb = wait_measured(process.pid)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the build of {dataset} failed")
    return seconds, peak_kb / 1024


def best_of(read: Callable[[], int]) -> tuple[float, int]:
    """The fastest of ``READS`` calls, and what it returned."""
    times, result = [], 0
    for _ in range(READS):
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    return min(times), result


def read_parquet_month(dataset: Path, site: str, month: str) -> int:
    articles = ds.dataset(dataset / "articles", format="parquet", partitioning="hive")
    wanted = (ds.field("site") == site) & (ds.field("month") == month)
    return articles.to_table(filter=wanted).num_rows


def read_jsonl_month(batches: list[Path], site: str, month: str) -> int:
    """The records of one site and Beijing month, by reading every batch file."""
    kept = []
    for path in batches:
        with path.open(encoding="utf-8") as file:
            for line in file:
                record = json.loads(line)
                published = record["published_at"] or ""
                if record["site"] == site and published[:7] == month:
                    kept.append(record)
    return len(kept)


def largest_partition(dataset: Path) -> tuple[tuple[str, str], int]:
    manifest = json.loads((dataset / "dataset.json").read_text("utf-8"))
    rows = Counter(
        {(f["site"], f["month"]): f["rows"] for f in manifest["files"] if f["table"] == "articles"}
    )
    return rows.most_common(1)[0]


def measure(articles: int, workdir: Path) -> Result:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    say(f"serving a replica of {articles:,} articles")
    server = serve_replica(port, articles)
    try:
        crawl = run_crawl(f"full {articles}", project_crawl_command(base_url, workdir), workdir)
    finally:
        stop(server)
    data = workdir / "out"
    batches = sorted(data.rglob("*.jsonl"))
    dataset = workdir / "dataset"
    say(f"building the dataset of {crawl.items:,} articles")
    build_seconds, build_peak_mb = measured_build(data, dataset)
    (site, month), rows = largest_partition(dataset)
    say(f"reading {site} {month} ({rows:,} articles), best of {READS}")
    parquet_seconds, parquet_rows = best_of(lambda: read_parquet_month(dataset, site, month))
    jsonl_seconds, jsonl_rows = best_of(lambda: read_jsonl_month(batches, site, month))
    if not parquet_rows == jsonl_rows == rows:
        raise RuntimeError(f"{site} {month}: {parquet_rows} rows read, {jsonl_rows} scanned")
    return Result(
        articles=articles,
        exported=crawl.items,
        jsonl_bytes=folder_bytes(batches),
        parquet_bytes=folder_bytes(sorted((dataset / "current").rglob("*.parquet"))),
        build_seconds=build_seconds,
        build_peak_mb=build_peak_mb,
        partition=(site, month),
        partition_rows=rows,
        parquet_read_seconds=parquet_seconds,
        jsonl_read_seconds=jsonl_seconds,
    )


def table(results: list[Result]) -> list[str]:
    lines = [
        "| replica articles | exported | JSON Lines MB | Parquet MB | Parquet / JSON Lines"
        " | build s | build peak RSS MB | one site's month | read it: Parquet ms"
        " | read it: JSON Lines scan ms | scan / Parquet |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        site, month = r.partition
        lines.append(
            f"| {r.articles} | {r.exported} | {r.jsonl_bytes / MEGABYTE:.1f} |"
            f" {r.parquet_bytes / MEGABYTE:.1f} | {r.parquet_bytes / r.jsonl_bytes:.2f} |"
            f" {r.build_seconds:.1f} | {r.build_peak_mb:.0f} |"
            f" {site} {month} ({r.partition_rows} articles) |"
            f" {1000 * r.parquet_read_seconds:.1f} | {1000 * r.jsonl_read_seconds:.0f} |"
            f" {r.jsonl_read_seconds / r.parquet_read_seconds:.0f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    load = load_average()
    seconds = sum(
        size * (CRAWL_SECONDS_PER_ARTICLE + BUILD_SECONDS_PER_ARTICLE) for size in args.sizes
    )
    estimate(f"Dataset benchmark on {', '.join(f'{s:,}' for s in args.sizes)} articles", seconds)
    results = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="dataset-") as tmp:
            results.append(measure(size, Path(tmp)))
    lines = [
        *results_header("Dataset benchmark", PACKAGES, load),
        "Each size: a replica of that many articles, a full crawl (batch files of 1000"
        " articles), one `python -m crawler.dataset build`; the month read is the largest"
        f" partition, best of {READS}, all columns.",
        "",
        *table(results),
        "",
    ]
    publish(lines, args.output)


if __name__ == "__main__":
    main()
