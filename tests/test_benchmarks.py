"""The long benchmarks say up front how long they take and show each stage as it starts
(a real run of the dedup benchmark at its smallest sizes)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.e2e

STAGE = re.compile(r"^\[\s*\d+\.\d s\] ")


def test_dedup_benchmark_estimates_its_time_and_reports_its_stages():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.dedup", "--sizes", "200", "--repeats", "1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    stages = [line for line in lines if STAGE.match(line)]
    assert re.search(r"about \d+ (s|min) on this machine", stages[0]), stages[:2]
    assert len(stages) >= 5, stages
    assert "labelled pairs" in result.stderr and "200 bodies" in result.stderr
    assert "| measure |" in result.stdout  # the report itself stays on stdout


def test_distributed_benchmark_runs_every_crawl_and_measures_redis(tmp_path):
    output = tmp_path / "distributed.md"
    command = ["benchmarks.distributed", "--articles", "100", "--output", str(output)]
    result = subprocess.run(
        [sys.executable, "-m", *command],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = output.read_text("utf-8")
    row = re.compile(r"^\| (1 worker, SQLite|\d worker\(s\), Redis) \| \d \| (\d+) \|", re.M)
    rows = row.findall(table)
    assert [name for name, _ in rows] == [
        "1 worker, SQLite",
        "1 worker(s), Redis",
        "2 worker(s), Redis",
        "3 worker(s), Redis",
    ]
    # Every crawl exports the same articles, however many workers share it.
    assert len({articles for _, articles in rows}) == 1 and int(rows[0][1]) > 50
    for measure in ("per exported article", "per request", "per queued URL"):
        (size,) = re.findall(rf"{measure} \| (\d+) \|", table)
        assert int(size) > 0
