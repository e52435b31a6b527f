"""Crawls as benchmarks run them: a replica served by its own process, and ``scrapy``
subprocesses measured by the kernel (wall time, CPU time, peak resident set size)."""

from __future__ import annotations

import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.progress import say

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PEAK_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Run:
    """What one crawl process did and cost."""

    name: str
    requests: int
    responses: int
    items: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    log: str

    @property
    def pages_per_second(self) -> float:
        return self.responses / self.seconds

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / self.responses


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
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=5).close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.2)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait()


def stat(log: str, name: str) -> int:
    """An integer stat from the stats dump at the end of a Scrapy log (0 if absent)."""
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match[1]) if match else 0


def project_crawl_command(base_url: str, workdir: Path, *settings: str) -> list[str]:
    """``scrapy crawl replica`` against a served replica, with its state and feeds in
    ``workdir`` and extra ``NAME=VALUE`` settings."""
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
    for setting in settings:
        command += ["-s", setting]
    return command


def project_env() -> dict[str, str]:
    return dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(PROJECT_ROOT))


def high_water_kb(pid: int) -> int:
    """The peak resident memory of a live process's own address space (``VmHWM``), 0 once
    it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("ascii")
    except OSError:
        return 0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def wait_measured(pid: int) -> tuple[int, resource.struct_rusage, int]:
    """Waits for a child: its wait status, resource usage, and peak RSS in kB.

    The peak is read from ``/proc`` while the child runs (every ``PEAK_POLL_SECONDS``), not
    taken from ``ru_maxrss``: Linux carries into an exec'd child the high-water mark of the
    address space it forked from, so ``ru_maxrss`` is never under the parent's own RSS.
    """
    peak = 0
    while True:
        peak = max(peak, high_water_kb(pid))
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, peak
        time.sleep(PEAK_POLL_SECONDS)


def run_crawl(
    name: str, command: Sequence[str], workdir: Path, env: dict[str, str] | None = None
) -> Run:
    """Runs one crawl process to its end; raises with the log's tail if it fails."""
    log_path = workdir / f"{name.replace(' ', '-').replace('%', 'pc')}.log"
    say(f"crawl '{name}' (log: {log_path})")
    started = time.perf_counter()
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=workdir, env=env or project_env(), stdout=sink, stderr=sink
        )
        status, usage, peak_kb = wait_measured(process.pid)
    seconds = time.perf_counter() - started
    say(f"crawl '{name}' took {seconds:.0f} s")
    log = log_path.read_text("utf-8")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name} failed:\n{log[-3000:]}")
    return Run(
        name=name,
        requests=stat(log, "downloader/request_count"),
        responses=stat(log, "downloader/response_count"),
        items=stat(log, "item_scraped_count"),
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mb=peak_kb / 1024,
        log=log,
    )
