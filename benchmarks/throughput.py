"""Throughput and memory of full crawls, against bare Scrapy fetching the same article URLs.

For each size (10,000 and 100,000 articles by default) one replica server runs in its own
process; in the same run, bare Scrapy (``benchmarks/bare_spider.py``, the replica spider's
concurrency, nothing but downloads) fetches every article URL of the replica's truth, then
``scrapy crawl replica`` with every pipeline, the SQLite state and the batch export makes a
full crawl with a fresh state, then an incremental run on the unchanged site with that state.
Each is a subprocess measured by the kernel: wall time, CPU time, maximum resident set size.
Start-up is the time from launching the unchanged run to Scrapy's ``start_time`` stat (set
once the pipelines and the state are open). A per-stage breakdown comes from a cProfile of a
full crawl of the first size, stopped after ``--profile-pages`` pages.

    python -m benchmarks.throughput [--sizes 10000 100000] [--profile-pages 3000] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.crawls import (
    PROJECT_ROOT,
    Run,
    free_port,
    project_crawl_command,
    run_crawl,
    serve_replica,
    stop,
)
from benchmarks.machine import load_average, publish, results_header
from benchmarks.progress import estimate, say
from spiders.replica import ReplicaSpider

PACKAGES = ("scrapy", "cnfinance-news-crawler", "lxml", "parsel", "numpy")
SIZES = (10_000, 100_000)
PROFILE_PAGES = 3_000
SECONDS_PER_ARTICLE = 0.012
"""Bare Scrapy, our full crawl and the unchanged run, per article of the replica."""
PROFILE_SECONDS_PER_PAGE = 0.015
MIN_RATIO_TO_BARE = 0.70
MAX_PEAK_MB = 300
MAX_UNCHANGED_SHARE = 0.05
MAX_STARTUP_SECONDS = 3.0

STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("extraction (crawler.extraction)", ("crawler/extraction/",)),
    ("clean pipeline", ("pipelines/clean.py",)),
    ("validate pipeline", ("pipelines/validate.py",)),
    ("dedup pipeline", ("pipelines/dedup.py",)),
    ("export (item exporters, batch files, manifest)", ("crawler/export.py",)),
    (
        "spider routing and our middlewares",
        (
            "spiders/",
            "crawler/incremental.py",
            "crawler/list_walks.py",
            "crawler/downloads.py",
            "crawler/failures.py",
            "crawler/urls.py",
            "crawler/robots.py",
        ),
    ),
)
STATE_STAGE = ("crawl state (SQLite)", ("crawler/state/",))
"""Called from the stages above: its time is taken out of theirs and shown on its own."""


def article_urls(base_url: str) -> list[str]:
    """Every article URL of the replica, from its own truth."""
    with urllib.request.urlopen(f"{base_url}/_truth.jsonl", timeout=60) as answer:
        return [json.loads(line)["url"] for line in answer.read().decode("utf-8").splitlines()]


def bare(name: str, base_url: str, workdir: Path) -> Run:
    """Bare Scrapy (no project settings) fetching the replica's article URLs."""
    urls = workdir / "urls.txt"
    urls.write_text("\n".join(article_urls(base_url)), "utf-8")
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(PROJECT_ROOT / "benchmarks" / "bare_spider.py"),
        "-a",
        f"urls={urls}",
        "-s",
        "LOG_LEVEL=INFO",
    ]
    for setting, value in ReplicaSpider.custom_settings.items():
        command += ["-s", f"{setting}={value}"]
    env = {key: value for key, value in os.environ.items() if key != "SCRAPY_SETTINGS_MODULE"}
    return run_crawl(name, command, workdir, env)


def started_at(run: Run) -> datetime:
    """Scrapy's ``start_time`` stat of a run, from its log."""
    match = re.search(r"'start_time': datetime\.datetime\(([\d, ]+)", run.log)
    if match is None:
        raise RuntimeError(f"no start_time in the log of {run.name}")
    return datetime(*(int(part) for part in match[1].split(",") if part.strip()), tzinfo=UTC)


def stage_seconds(stats: pstats.Stats, prefixes: tuple[str, ...]) -> dict[str, float]:
    """Time spent in calls into the files under ``prefixes`` from outside them, by the file of
    the caller (``""`` for callers outside the project)."""
    root = str(PROJECT_ROOT) + "/"

    def inside(filename: str) -> bool:
        return filename.startswith(root) and filename[len(root) :].startswith(prefixes)

    by_caller: dict[str, float] = {}
    for (filename, _, _), (*_, callers) in stats.stats.items():  # type: ignore[attr-defined]
        if not inside(filename):
            continue
        for (caller_file, _, _), (_, _, _, cumulative) in callers.items():
            if not inside(caller_file):
                relative = caller_file[len(root) :] if caller_file.startswith(root) else ""
                by_caller[relative] = by_caller.get(relative, 0.0) + cumulative
    return by_caller


def profile_breakdown(profile: Path) -> tuple[float, list[tuple[str, float]]]:
    """The profile's total time and each stage's time, the state's calls taken out of the
    stage that made them."""
    stats = pstats.Stats(str(profile))
    total = stats.total_tt  # type: ignore[attr-defined]
    state_calls = stage_seconds(stats, STATE_STAGE[1])
    rows = []
    for name, prefixes in STAGES:
        seconds = sum(stage_seconds(stats, prefixes).values())
        seconds -= sum(t for caller, t in state_calls.items() if caller.startswith(prefixes))
        if name.startswith("spider"):
            extraction = stage_seconds(stats, STAGES[0][1])
            seconds -= sum(t for caller, t in extraction.items() if caller.startswith(prefixes))
        rows.append((name, seconds))
    rows.append((STATE_STAGE[0], sum(state_calls.values())))
    rows.append(("Scrapy, Twisted, asyncio and the rest", total - sum(t for _, t in rows)))
    return total, rows


def profiled_crawl(base_url: str, workdir: Path, pages: int) -> Path:
    """A full crawl under cProfile with a fresh state, closed after ``pages`` pages."""
    profile = workdir / "crawl.prof"
    command = project_crawl_command(base_url, workdir, f"CLOSESPIDER_PAGECOUNT={pages}")
    command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    run_crawl("profiled", command, workdir)
    return profile


@dataclass(frozen=True)
class SizeRuns:
    articles: int
    bare: Run
    full: Run
    unchanged: Run
    startup_seconds: float


def measure_size(articles: int, workdir: Path, profile_pages: int) -> tuple[SizeRuns, Path | None]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    say(f"serving a replica of {articles:,} articles")
    server = serve_replica(port, articles)
    try:
        bare_dir = workdir / f"bare-{articles}"
        bare_dir.mkdir(parents=True)
        bare_run = bare(f"bare {articles}", base_url, bare_dir)
        ours_dir = workdir / f"ours-{articles}"
        ours_dir.mkdir()
        full = run_crawl(f"full {articles}", project_crawl_command(base_url, ours_dir), ours_dir)
        launched = datetime.now(UTC)
        unchanged = run_crawl(
            f"unchanged {articles}", project_crawl_command(base_url, ours_dir), ours_dir
        )
        startup = (started_at(unchanged) - launched).total_seconds()
        profile = None
        if profile_pages:
            profile_dir = workdir / f"profile-{articles}"
            profile_dir.mkdir()
            profile = profiled_crawl(base_url, profile_dir, profile_pages)
    finally:
        stop(server)
    return SizeRuns(articles, bare_run, full, unchanged, startup), profile


def crawl_rows(sizes: list[SizeRuns]) -> list[str]:
    lines = [
        "| articles | crawl | pages | items | wall s | pages / s"
        " | CPU s / 1,000 pages (CPU ms / page) | peak RSS MB | pages / s, to bare |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        for label, run in (
            ("bare Scrapy", size.bare),
            ("ours, full", size.full),
            ("ours, unchanged", size.unchanged),
        ):
            lines.append(
                f"| {size.articles:,} | {label} | {run.responses:,} | {run.items:,} | "
                f"{run.seconds:.1f} | {run.pages_per_second:.0f} | {run.cpu_ms_per_page:.2f} | "
                f"{run.peak_mb:.0f} | "
                f"{run.pages_per_second / size.bare.pages_per_second:.2f} |"
            )
    return lines


def goal_rows(sizes: list[SizeRuns]) -> list[str]:
    first, last = sizes[0], sizes[-1]
    goals = [  # (goal, measured, limit, whether the measure must reach the limit or stay under)
        (
            f"pages / s, ours to bare Scrapy, {first.articles:,} articles",
            first.full.pages_per_second / first.bare.pages_per_second,
            MIN_RATIO_TO_BARE,
            True,
        ),
        (
            f"peak RSS MB, full crawl, {last.articles:,} articles",
            last.full.peak_mb,
            MAX_PEAK_MB,
            False,
        ),
        (
            f"wall time, unchanged run / full crawl, {last.articles:,} articles",
            last.unchanged.seconds / last.full.seconds,
            MAX_UNCHANGED_SHARE,
            False,
        ),
        (
            f"start-up s with a {last.articles:,}-article state",
            last.startup_seconds,
            MAX_STARTUP_SECONDS,
            False,
        ),
        (
            f"peak RSS MB, unchanged run, {last.articles:,}-article state",
            last.unchanged.peak_mb,
            MAX_PEAK_MB,
            False,
        ),
    ]
    lines = ["| goal | measured | target | met |", "|---|---|---|---|"]
    for name, value, limit, at_least in goals:
        met = value >= limit if at_least else value <= limit
        target = f"{'≥' if at_least else '≤'} {limit}"
        lines.append(f"| {name} | {value:.2f} | {target} | {'yes' if met else 'NO'} |")
    return lines


def stage_rows(profile: Path, size: SizeRuns) -> list[str]:
    total, rows = profile_breakdown(profile)
    ours_ms, bare_ms = size.full.cpu_ms_per_page, size.bare.cpu_ms_per_page
    lines = [
        "| stage | share of the profile | CPU ms / page (share of the unprofiled crawl) |",
        "|---|---|---|",
    ]
    for name, seconds in rows:
        lines.append(f"| {name} | {seconds / total:.1%} | {seconds / total * ours_ms:.2f} |")
    lines.append(f"| bare Scrapy, whole crawl | - | {bare_ms:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--profile-pages", type=int, default=PROFILE_PAGES)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    load = load_average()
    estimate(
        f"Throughput benchmark at {', '.join(f'{n:,}' for n in args.sizes)} articles",
        sum(args.sizes) * SECONDS_PER_ARTICLE + args.profile_pages * PROFILE_SECONDS_PER_PAGE,
    )
    sizes = []
    profile = None
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        for n, articles in enumerate(args.sizes):
            size, size_profile = measure_size(
                articles, Path(tmp) / str(articles), args.profile_pages if n == 0 else 0
            )
            sizes.append(size)
            if size_profile is not None:
                profile = size_profile
                stages = stage_rows(profile, size)
    lines = [
        *results_header("Throughput benchmark", PACKAGES, load),
        *crawl_rows(sizes),
        "",
        "Goals (each from this run):",
        "",
        *goal_rows(sizes),
        "",
    ]
    if profile is not None:
        lines += [
            f"Where a full crawl's CPU time goes ({args.profile_pages:,} pages of the "
            f"{sizes[0].articles:,}-article replica under cProfile; each stage's calls, the "
            "state's calls taken out of the stage that made them):",
            "",
            *stages,
            "",
        ]
    publish(lines, args.output)


if __name__ == "__main__":
    main()
