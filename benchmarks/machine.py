"""What a benchmark ran on: the header every results table starts with."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def cpu_model() -> str:
    """The CPU model and the number of logical CPUs, from /proc/cpuinfo."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    return f"{models[0]} x{len(models)}" if models else "unknown"


def package_version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as a benchmark records them when it starts."""
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def results_header(title: str, packages: Iterable[str], load: str) -> list[str]:
    """Markdown lines naming the benchmark, the date, the machine, the load average when the
    run started and the package versions."""
    versions = ", ".join(f"{package} {package_version(package)}" for package in packages)
    return [
        f"# {title}",
        "",
        f"- Date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- Machine: {platform.platform()}, CPU {cpu_model()}, Python {platform.python_version()}",
        f"- Load average (1, 5, 15 min) when the run started: {load}",
        f"- Packages: {versions}",
        "",
    ]


def publish(lines: list[str], output: Path | None) -> None:
    """Prints a results table and, when asked, writes it to ``output``."""
    print("\n".join(lines))
    if output:
        output.write_text("\n".join(lines), encoding="utf-8")
