"""Run monitors end to end: a healthy crawl passes them all and says so in its manifest; an
unreachable site, a site whose layout changed under every profile field and a site that
answers 403 to everything each fail in one line with exit code 1; a failed monitor alerts a
webhook configured by settings alone."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import run_scrapy

pytestmark = pytest.mark.e2e

MONITORS = 10
DISCORD = "spidermon.contrib.actions.discord.notifiers.SendDiscordMessageSpiderFinished"


class RecordingServer:
    """A 127.0.0.1 server answering every GET with ``status`` and recording POST bodies."""

    def __init__(self, status: int = 403) -> None:
        self.posts: list[bytes] = []
        recording = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"<html><body>Forbidden</body></html>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                recording.posts.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.server.shutdown()


def crawl(base_url: str, tmp_path: Path, *settings: str):
    args = [f"-s{setting}" for setting in settings]
    return run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"CRAWL_STATE_URI={tmp_path / 'state.sqlite'}",
        *args,
        cwd=tmp_path,
    )


def manifests(tmp_path: Path) -> list[dict]:
    found = sorted((tmp_path / "data" / "replica").glob("*.manifest.json"))
    return [json.loads(path.read_text("utf-8")) for path in found]


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_healthy_crawl_passes_every_monitor_and_reports_its_progress(replica_server, tmp_path):
    server = replica_server(articles=300)
    result = crawl(server.base_url, tmp_path, "LOGSTATS_INTERVAL=0.5")
    assert result.returncode == 0, result.stderr[-3000:]
    (manifest,) = manifests(tmp_path)
    assert manifest["status"] == "finished"
    assert len(manifest["monitors"]) == MONITORS
    assert [m for m in manifest["monitors"] if not m["passed"]] == []
    assert {m["level"] for m in manifest["monitors"]} == {"fail", "warn"}
    exported = manifest["counts"]["exported"]
    assert manifest["stats"]["item_scraped_count"] == exported > 200
    assert manifest["stats"]["monitors/passed"] == MONITORS
    progress = re.findall(
        r"Crawled (\d+) pages \(at \d+ pages/min\), exported (\d+) articles \(at \d+/min\),"
        r" (\d+) requests queued; dropped \d+.*; failed \d+",
        result.stderr,
    )
    assert progress, result.stderr[-3000:]
    summary = result.stderr.split("Run summary:\n", 1)[1].splitlines()[:10]
    assert all(line.startswith("  ") for line in summary)
    assert f"  articles exported: {exported}" in summary
    assert f"  monitors: {MONITORS} passed, 0 warnings, 0 failed" in summary
    assert last_line(result.stderr).endswith(
        f"Run ended (finished): {exported} new articles exported"
    )
    # The dropped items are one line each, never the item itself.
    drops = [line for line in result.stderr.splitlines() if "Dropped:" in line]
    assert drops and all(len(line) < 400 and "'content'" not in line for line in drops)

    # Run again on the unchanged site: nothing new is right, yet fewer articles than the
    # recent runs' median is a warning, not a failure.
    again = crawl(server.base_url, tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    latest = manifests(tmp_path)[-1]
    warned = [m for m in latest["monitors"] if not m["passed"]]
    assert [(m["name"], m["level"]) for m in warned] == [
        ("Articles/as many articles as the site's recent runs", "warn")
    ]
    assert f"0 articles exported, under 50% of the median ({exported})" in warned[0]["message"]


def test_an_unreachable_site_fails_in_one_line(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = crawl(f"http://127.0.0.1:{port}", tmp_path, "RETRY_TIMES=0")
    assert result.returncode == 1
    assert "Run failed (start_pages_unreachable)" in last_line(result.stderr)


def test_a_site_answering_403_to_everything_fails_in_one_line(recording_server, tmp_path):
    result = crawl(recording_server.url, tmp_path)
    assert result.returncode == 1
    line = last_line(result.stderr)
    assert "Run failed (start_pages_unreachable)" in line and "HTTP 403" in line, line


def test_a_layout_changed_under_every_profile_field_fails_and_alerts(
    replica_server, recording_server, tmp_path
):
    server = replica_server(articles=200, drifted_share=1.0)
    result = crawl(
        server.base_url,
        tmp_path,
        f"MONITOR_FAILED_ACTIONS={DISCORD}",
        f"SPIDERMON_DISCORD_WEBHOOK_URL={recording_server.url}/hook",
    )
    assert result.returncode == 1, result.stderr[-3000:]
    line = last_line(result.stderr)
    assert "Run failed (monitors_failed)" in line and "layout drift" in line, line
    (manifest,) = manifests(tmp_path)
    assert manifest["status"] == "monitors_failed"
    failed = [m for m in manifest["monitors"] if not m["passed"]]
    assert [m["name"] for m in failed] == ["Extraction/site profiles still fit their pages"]
    assert "financeun/title" in failed[0]["message"]
    (post,) = recording_server.posts
    assert "replica" in json.loads(post)["content"]

    # Without MONITOR_FAIL_EXIT_CODE the same run exits 0; its manifest still tells.
    (tmp_path / "quiet").mkdir()
    quiet = crawl(server.base_url, tmp_path / "quiet", "MONITOR_FAIL_EXIT_CODE=False")
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert [m["name"] for m in manifests(tmp_path / "quiet")[0]["monitors"] if not m["passed"]] == [
        "Extraction/site profiles still fit their pages"
    ]
