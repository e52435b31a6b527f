"""Security of a crawl, end to end: files only where the settings say, under names of our own
whatever the spider arguments hold; no secret in the log, the stats or the manifests."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SCRAPY, scrapy_env, start_redis_server

pytestmark = pytest.mark.e2e

RUN_ID = r"\d{8}T\d{6}Z-[0-9a-f]{4}"
CONTACT = "ops-4d1c9@example.org"
PROXY_PASSWORD = "pr0xy-9a7f3"
REDIS_PASSWORD = "r3dis-5e21b"


def crawl(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SCRAPY, "crawl", "replica", *args],
        cwd=cwd,
        env=env or scrapy_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def files_under(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_spider_arguments_never_name_a_file(replica_server, tmp_path):
    server = replica_server(articles=30)
    work = tmp_path / "work"
    work.mkdir()
    escape = f"../../{tmp_path}/escape"
    result = crawl(work, "-a", f"base_url={server.base_url}", "-a", f"_job={escape}")
    assert result.returncode == 0, result.stderr[-3000:]
    # A base URL with ../ in its path only asks the server for those paths (which fail).
    failed = crawl(work, "-a", f"base_url={server.base_url}/{escape}", "-a", f"_job={escape}")
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    names = files_under(work)
    assert any(name.endswith(".jsonl") for name in names), result.stderr[-2000:]
    for name in names:
        assert re.fullmatch(
            rf"data/replica/{RUN_ID}-\d{{5}}\.jsonl|data/replica/{RUN_ID}\.manifest\.json"
            r"|\.crawl-state/replica\.sqlite(-wal|-shm|\.lock)?",
            name,
        ), name


def test_no_secret_in_the_log_the_stats_or_the_manifest(replica_server, tmp_path):
    server = replica_server(articles=30)
    redis_server = start_redis_server(tmp_path / "redis", password=REDIS_PASSWORD)
    port = server.base_url.rsplit(":", 1)[1]
    # The replica answers absolute-form requests too, so it is also the (credentialed) proxy.
    env = dict(
        scrapy_env(),
        http_proxy=f"http://crawler:{PROXY_PASSWORD}@127.0.0.1:{port}",
        no_proxy="",
    )
    result = crawl(
        tmp_path,
        "-a",
        f"base_url={server.base_url}",
        "-s",
        f"CRAWLER_CONTACT={CONTACT}",
        "-s",
        f"REDIS_URL={redis_server.url}",
        "-s",
        "REDIS_IDLE_CLOSE_SECONDS=1",
        "-s",
        "LOG_LEVEL=DEBUG",
        env=env,
    )
    redis_server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Overridden settings" in result.stderr and "'item_scraped_count'" in result.stderr
    assert "***" in result.stderr
    (manifest,) = (tmp_path / "data" / "replica").glob("*.manifest.json")
    json.loads(manifest.read_text("utf-8"))
    outputs = [result.stdout, result.stderr, manifest.read_text("utf-8")]
    for secret in (CONTACT, PROXY_PASSWORD, REDIS_PASSWORD):
        for output in outputs:
            assert secret not in output
    exported = [
        json.loads(line)
        for batch in (tmp_path / "data" / "replica").glob("*.jsonl")
        for line in batch.read_text("utf-8").splitlines()
    ]
    assert len(exported) >= 20, result.stderr[-2000:]
