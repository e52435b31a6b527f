"""Progress of a long benchmark on stderr: its estimate up front, a line per stage, and a
count with the time left every few seconds inside long loops. The report stays on stdout."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
EVERY_SECONDS = 10.0
_started = time.monotonic()


def duration(seconds: float) -> str:
    """``42 s``, ``3 min``, ``1 h 5 min``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def say(message: str) -> None:
    """One line on stderr, with the time since the benchmark started."""
    elapsed = time.monotonic() - _started
    print(f"[{elapsed:7.1f} s] {message}", file=sys.stderr, flush=True)


def estimate(what: str, seconds: float) -> None:
    say(f"{what}: about {duration(seconds)} on this machine")


def counted(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """``items``, saying every EVERY_SECONDS how many of ``total`` are done and the time left."""
    started = last = time.monotonic()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= EVERY_SECONDS and done < total:
            last = now
            left = (now - started) / done * (total - done)
            say(
                f"{label}: {done:,} of {total:,} ({100 * done / total:.0f}%), {duration(left)} left"
            )
    say(f"{label}: {done:,} done in {duration(time.monotonic() - started)}")
