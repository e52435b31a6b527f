"""The project as a user meets it: README commands, CI entry point, Scrapy commands."""

from __future__ import annotations

import re

from tests.conftest import PROJECT_ROOT, fetch_truth, run_scrapy


def readme_commands() -> list[str]:
    """The shell commands of README.md's quick start, in order."""
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", quick_start, re.S)]


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    crawl, tests = readme_commands()
    assert "scrapy crawl replica -O" in crawl and ".jsonl" in crawl
    assert "pytest" in tests
    ci = (PROJECT_ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert ci[-1] == tests


def test_scrapy_list_names_every_spider():
    result = run_scrapy("list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["article", "cnfinance", "financeun", "replica"]


def test_scrapy_check_passes():
    result = run_scrapy("check")
    assert result.returncode == 0, result.stderr
    ran = re.search(r"Ran (\d+) contracts? in .*\n\s*OK\s*$", result.stderr)
    assert ran and int(ran[1]) > 0, result.stderr


def test_scrapy_parse_extracts_an_article(replica_server):
    server = replica_server(articles=30)
    seed = next(t for t in fetch_truth(server.base_url) if t["authors"] == ["金科"])
    result = run_scrapy(
        "parse", "--spider", "replica", "-c", "parse_article", "--nolinks", seed["url"]
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "returned a Deferred" not in result.stderr
    assert seed["title"] in result.stdout
    assert "2025-02-06T06:41:00+08:00" in result.stdout
