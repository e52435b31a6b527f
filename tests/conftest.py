"""Shared fixtures: a real replica server on 127.0.0.1, real ``scrapy crawl`` subprocesses and a
real Redis server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from crawler.replica import ReplicaServer, ReplicaSite

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRAPY = [sys.executable, "-m", "scrapy"]
REACTORS = {
    "asyncio": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "epoll": "twisted.internet.epollreactor.EPollReactor",
}
"""Reactors a crawl's guarantees are tested under: they run signal handlers and close feed
slots in different orders."""


@pytest.fixture(params=sorted(REACTORS))
def reactor(request: pytest.FixtureRequest) -> str:
    """The ``TWISTED_REACTOR`` of a crawl, once per reactor of ``REACTORS``."""
    return REACTORS[request.param]


@pytest.fixture
def replica_server() -> Iterator[Callable[..., ReplicaServer]]:
    """Starts replica servers on free 127.0.0.1 ports; stops them after the test."""
    started: list[ReplicaServer] = []

    def start(
        articles: int,
        seed: int = 1,
        drifted_share: float = 0.0,
        hostile: bool = False,
        slow_seconds: float = 12.0,
    ) -> ReplicaServer:
        site = ReplicaSite(
            articles=articles, seed=seed, drifted_share=drifted_share, hostile=hostile
        )
        server = ReplicaServer(site, slow_seconds=slow_seconds).start_in_thread()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def fetch_truth(base_url: str) -> list[dict]:
    """The replica's ground truth as served at ``/_truth.jsonl``."""
    with urllib.request.urlopen(f"{base_url}/_truth.jsonl", timeout=60) as reply:
        return [json.loads(line) for line in reply.read().decode("utf-8").splitlines()]


def run_scrapy(
    *args: str, cwd: Path = PROJECT_ROOT, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Runs ``scrapy <args>`` as a real subprocess with the project's settings; a crawl gets a
    crawl state of its own unless ``CRAWL_STATE_URI`` is given."""
    if args[:1] == ("crawl",) and not any(a.startswith("CRAWL_STATE_URI=") for a in args):
        state = Path(tempfile.mkdtemp(prefix="crawl-state-")) / "state.sqlite"
        args = (*args, "-s", f"CRAWL_STATE_URI={state}")
    return subprocess.run(
        [*SCRAPY, *args],
        cwd=cwd,
        env=scrapy_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def scrapy_env() -> dict[str, str]:
    """The environment of a ``scrapy`` subprocess: the project's settings from any folder."""
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@dataclass
class RedisServer:
    """A ``redis-server`` process on 127.0.0.1."""

    process: subprocess.Popen
    port: int
    directory: Path
    password: str = ""

    @property
    def url(self) -> str:
        login = f":{self.password}@" if self.password else ""
        return f"redis://{login}127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Shuts the server down (SIGTERM: with AOF on, what it acknowledged is on disk)."""
        self.process.terminate()
        self.process.wait(timeout=30)

    def kill(self) -> None:
        """Kills the server at once (SIGKILL), as a crash would."""
        self.process.kill()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis_server(
    directory: Path, port: int | None = None, appendonly: bool = False, password: str = ""
) -> RedisServer:
    """Starts ``redis-server`` (from PATH) on ``port`` (a free one by default), its files in
    ``directory``, without RDB snapshots (with ``appendonly``: an AOF synced at every write,
    as README advises); returns once it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not on PATH: apt-get install redis-server")
    port = port or free_port()
    directory.mkdir(parents=True, exist_ok=True)
    options = {
        "bind": "127.0.0.1",
        "port": str(port),
        "save": "",
        "appendonly": "yes" if appendonly else "no",
        "appendfsync": "always",
        "dir": str(directory),
        "logfile": str(directory / "redis.log"),
        **({"requirepass": password} if password else {}),
    }
    process = subprocess.Popen(
        [binary, *(arg for name, value in options.items() for arg in (f"--{name}", value))]
    )
    server = RedisServer(process, port, directory, password)
    client = redis.Redis(port=port, password=password or None, socket_timeout=1)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log = (directory / "redis.log").read_text(errors="replace")
                raise RuntimeError(f"redis-server did not start on port {port}:\n{log}") from None
            time.sleep(0.05)
        finally:
            client.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis server for the session; tests keep apart by key namespace."""
    server = start_redis_server(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()
