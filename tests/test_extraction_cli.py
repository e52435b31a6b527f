"""``python -m crawler.extraction`` on a page the replica renders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from crawler.replica import pages
from crawler.replica.seed_article import SEED_INDEX
from crawler.replica.site import ReplicaSite

BASE_URL = "http://127.0.0.1:8080"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.extraction", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_cli_prints_the_article_as_json(tmp_path: Path) -> None:
    site = ReplicaSite(articles=20, seed=1)
    truth = list(site.truth(BASE_URL))[SEED_INDEX]
    page = tmp_path / "seed.html"
    page.write_bytes(pages.render_article(site, site.articles[SEED_INDEX]))

    result = run_cli(str(page), "--url", truth["url"], "--profile", "financeun")

    assert result.returncode == 0, result.stderr
    assert "金科" in result.stdout
    assert result.stdout.startswith('{\n  "title": ')
    article = json.loads(result.stdout)
    assert article["extraction"]["profile"] == "financeun"
    for name in ("title", "source", "byline", "authors", "published_at", "content", "related"):
        assert article[name] == truth[name], name


def test_cli_rejects_unknown_profile(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>x</p>")
    result = run_cli(str(page), "--url", "http://example.com/", "--profile", "sina")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_cli_refuses_a_missing_page_in_one_line(tmp_path: Path) -> None:
    result = run_cli(str(tmp_path / "missing.html"), "--url", "http://example.com/a")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {str(tmp_path / 'missing.html')!r}: No such file or directory"
    ]


def test_cli_refuses_a_url_that_is_not_http_in_one_line(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>x</p>")
    for url in ("notaurl", "ftp://example.com/a"):
        result = run_cli(str(page), "--url", url)
        assert result.returncode == 2
        assert result.stderr.splitlines() == [f"error: --url {url!r}: an http(s) URL"]
