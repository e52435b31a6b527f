"""``scrapy report`` over real crawl runs and hand-written manifests, rendered in Chromium.

Two real runs of the replica spider, the site grown between them, share one crawl state;
beside them, hand-written manifests carry what the crawler may not write today (``stats``,
``monitors``) and a killed run. The page is opened in headless Chromium: a screenshot that is
not blank, and the rendered DOM, whose charts must show the numbers this module computes
from the manifests and batch files itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector
from PIL import Image

from crawler.replica import ReplicaSite
from tests.conftest import PROJECT_ROOT, read_jsonl, run_scrapy

SEED = 7
BEIJING = timezone(timedelta(hours=8))
COVERED = ("title", "source", "authors", "published_at", "content", "related")
HANDMADE_RUN = "20300101T000000Z-beef"
KILLED_RUN = "20300101T010000Z-dead"
FAILED_EXAMPLES = [f"http://127.0.0.1:9/newsDetail/{n}.shtml" for n in (1, 2, 3)]


# --- data: real crawls and hand-written manifests ----------------------------------------


def crawl(base_url: str, data: Path, state: Path) -> None:
    result = run_scrapy(
        "crawl",
        "replica",
        "-a",
        f"base_url={base_url}",
        "-s",
        f"CRAWL_STATE_URI={state}",
        "-s",
        f"DEFAULT_FEED_URI={data}/%(name)s/%(run_id)s-%(batch_id)05d.jsonl",
        "-s",
        "FEED_BATCH_ITEMS=20",
        cwd=data.parent,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def record(number: int, **fields: Any) -> dict[str, Any]:
    """A hand-written exported record (only the fields the report reads, and a URL)."""
    base = {
        "url": f"http://example.test/newsDetail/{number}.shtml",
        "site": "handmade",
        "title": f"手写的文章标题 {number}",
        "source": "手写来源",
        "authors": ["作者甲"],
        "published_at": "2030-01-01T09:00:00+08:00",
        "content": "正文" * 40,
        "related": [],
        "extraction": {"profile": None, "fields": {"title": "generic", "content": "generic"}},
    }
    return {**base, **fields}


HANDMADE_RECORDS = [
    record(1),
    # 20:00 UTC is the next day in Beijing.
    record(2, published_at="2029-12-31T20:00:00+00:00", source=None, authors=[]),
    record(3, published_at=None, extraction={"profile": None, "fields": {"title": "profile"}}),
    record(4, published_at="2030-01-05", title=None, related=[{"title": "t", "url": "u"}]),
]


def write_handmade(directory: Path) -> None:
    """A run with stats and monitors, and a killed run whose only file is missing."""
    directory.mkdir(parents=True)
    batch = directory / f"{HANDMADE_RUN}-00001.jsonl"
    batch.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in HANDMADE_RECORDS), "utf-8"
    )
    manifest = {
        "run_id": HANDMADE_RUN,
        "spider": "financeun",
        "status": "finished",
        "mode": "incremental",
        "started_at": "2030-01-01T00:00:00+00:00",
        "finished_at": "2030-01-01T00:30:00+00:00",
        "files": [{"path": batch.name, "lines": len(HANDMADE_RECORDS), "sha256": "0" * 64}],
        "counts": {"exported": 4, "dropped": 3, "dropped/InvalidArticle": 3},
        "error": None,
        "stats": {
            "item_scraped_count": 4,
            "item_dropped_reasons_count/InvalidArticle": 2,
            "item_dropped_reasons_count/DuplicateUrl": 1,
            "news/failed/http_404": 5,
            "news/failed_examples/http_404": FAILED_EXAMPLES,
            "news/failed/timeout": 1,
            "news/failed_examples/timeout": FAILED_EXAMPLES[:1],
            "finish_reason": "finished",
        },
        "monitors": [
            {"name": "Finish", "passed": True, "level": "fail", "message": ""},
            {"name": "Coverage/source", "passed": True, "level": "warn", "message": ""},
            {
                "name": "Articles/item count",
                "passed": False,
                "level": "fail",
                "message": "4 articles, below 50% of the median of the last runs (40)",
            },
        ],
        "schema_version": "2.0",
        "crawler_version": "0.1.0",
    }
    (directory / f"{HANDMADE_RUN}.manifest.json").write_text(json.dumps(manifest), "utf-8")
    killed = {
        **{k: v for k, v in manifest.items() if k not in ("stats", "monitors")},
        "run_id": KILLED_RUN,
        "status": "killed",
        "started_at": "2030-01-01T01:00:00+00:00",
        "finished_at": "2030-01-01T01:05:00+00:00",
        "files": [{"path": f"{KILLED_RUN}-00001.jsonl", "lines": 3, "sha256": "0" * 64}],
        "counts": {},
        "error": "the process stopped before the run finished",
    }
    (directory / f"{KILLED_RUN}.manifest.json").write_text(json.dumps(killed), "utf-8")


@pytest.fixture
def data_dir(replica_server, tmp_path: Path) -> Path:
    """Two real runs (the replica grown between them) and the hand-written manifests."""
    data = tmp_path / "data"
    state = tmp_path / "state.sqlite"
    server = replica_server(articles=40, seed=SEED)
    crawl(server.base_url, data, state)
    server.site = ReplicaSite(articles=70, seed=SEED)
    crawl(server.base_url, data, state)
    write_handmade(data / "handmade")
    return data


# --- the expected numbers, from the files themselves -------------------------------------


def manifests(data: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = [(p, json.loads(p.read_text("utf-8"))) for p in data.rglob("*.manifest.json")]
    return sorted(found, key=lambda pm: pm[1]["started_at"])


def records(data: Path) -> list[dict[str, Any]]:
    return [
        r
        for path, manifest in manifests(data)
        for f in manifest["files"]
        if (path.parent / f["path"]).exists()
        for r in read_jsonl(path.parent / f["path"])
    ]


def day(published_at: str | None) -> str:
    if published_at is None:
        return "no date"
    if "T" not in published_at:
        return published_at
    return datetime.fromisoformat(published_at).astimezone(BEIJING).strftime("%Y-%m-%d")


def expected(data: Path) -> dict[str, Any]:
    found = manifests(data)
    exported = records(data)
    total = len(exported)
    drops: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for _, m in found:
        prefix, source = (
            ("item_dropped_reasons_count/", m["stats"])
            if "stats" in m
            else ("dropped/", m["counts"])
        )
        drops.update({k[len(prefix) :]: v for k, v in source.items() if k.startswith(prefix)})
        failed.update(
            {
                k[len("news/failed/") :]: v
                for k, v in m.get("stats", {}).items()
                if k.startswith("news/failed/")
            }
        )
    sites = Counter(r["site"] for r in exported)
    generic: Counter[tuple[str, str]] = Counter(
        (r["site"], name)
        for r in exported
        for name, how in r["extraction"]["fields"].items()
        if how == "generic"
    )
    monitors = [mon for _, m in found for mon in m.get("monitors", [])]
    return {
        "runs": [(m["run_id"], m["status"], m["counts"]) for _, m in found],
        "total": total,
        "days": Counter(day(r["published_at"]) for r in exported),
        "sources": Counter(r["source"] or "(none)" for r in exported),
        "coverage": {
            name: sum(
                bool(r[name]) if name in ("authors", "related") else r[name] is not None
                for r in exported
            )
            for name in COVERED
        },
        "sites": sites,
        "generic": generic,
        "drops": drops,
        "failed": failed,
        "passed": sum(m["passed"] for m in monitors),
        "failed_monitors": [m for m in monitors if not m["passed"]],
        "without_monitors": [m["run_id"] for _, m in found if "monitors" not in m],
    }


# --- the page in Chromium ----------------------------------------------------------------


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    return path


def headless(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,4000",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def bars(dom: Selector, chart: str) -> dict[str, str]:
    """The ``data-value`` of each bar of a chart, by its ``data-label``."""
    rects = dom.css(f"svg#{chart} rect.bar")
    return {r.attrib["data-label"]: r.attrib["data-value"] for r in rects}


def share(count: int, total: int) -> float:
    return round(count / total, 4)


@pytest.mark.e2e
def test_the_html_report_renders_in_chromium_with_the_numbers_of_the_runs(data_dir, tmp_path):
    page = tmp_path / "report.html"
    result = run_scrapy("report", str(data_dir), "-o", str(page), cwd=data_dir.parent)
    assert result.returncode == 0, result.stderr
    html = page.read_text("utf-8")
    assert "<script" not in html and "http://" not in html.split("<body>")[0]
    assert "src=" not in html and "@import" not in html and "url(" not in html

    screenshot = tmp_path / "report.png"
    headless(page, tmp_path, f"--screenshot={screenshot}")
    with Image.open(screenshot) as image:
        assert image.size == (1280, 4000)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colors is None or len(colors) > 10, "the screenshot is blank"

    dom = Selector(text=headless(page, tmp_path, "--dump-dom").stdout)
    want = expected(data_dir)
    assert len(want["runs"]) == 4 and want["runs"][0][2]["exported"] > 0
    assert want["runs"][1][2]["exported"] > 0  # the grown site had new articles

    groups = dom.css("svg#chart-runs g.run")
    assert [(g.attrib["data-run"], g.attrib["data-status"]) for g in groups] == [
        (run, status) for run, status, _ in want["runs"]
    ]
    for group, (_, _, counts) in zip(groups, want["runs"], strict=True):
        shown = {r.attrib["data-key"]: int(r.attrib["data-value"]) for r in group.css("rect")}
        assert shown == counts
        if not counts:
            assert "not recorded" in group.css("text::text").getall()

    assert {k: int(v) for k, v in bars(dom, "chart-days").items()} == want["days"]
    assert want["days"]["no date"] == 1 and want["days"]["2030-01-01"] == 2

    sources = {k: int(v) for k, v in bars(dom, "chart-sources").items()}
    assert len(sources) == min(20, len(want["sources"]))
    assert all(want["sources"][s] == n for s, n in sources.items())
    assert min(sources.values()) >= max(
        (n for s, n in want["sources"].items() if s not in sources), default=0
    )
    assert sources["(none)"] == 1

    coverage = bars(dom, "chart-coverage")
    assert {k: float(v) for k, v in coverage.items()} == {
        name: share(n, want["total"]) for name, n in want["coverage"].items()
    }
    coverage_text = dom.css("svg#chart-coverage text::text").getall()
    for name, n in want["coverage"].items():
        assert f"({n}/{want['total']})" in " ".join(coverage_text), name

    for site, pages in want["sites"].items():
        fallback = {k: float(v) for k, v in bars(dom, f"chart-fallback-{site}").items()}
        for name, value in fallback.items():
            assert value == share(want["generic"][site, name], pages), (site, name)
    handmade = bars(dom, "chart-fallback-handmade")
    assert handmade.pop("title") == handmade.pop("content") == "0.75"
    assert set(handmade.values()) == {"0"}

    drops = {k: int(v) for k, v in bars(dom, "chart-drops").items()}
    assert drops == want["drops"] and drops["InvalidArticle"] >= 2

    assert dom.css("#monitors-passed::text").get() == str(want["passed"])
    assert dom.css("#monitors-failed::text").get() == str(len(want["failed_monitors"]))
    cells = dom.css("td::text").getall()
    assert all(m["message"] in cells for m in want["failed_monitors"])
    assert "4 articles, below 50% of the median of the last runs (40)" in cells
    not_recorded = dom.css("p[data-not-recorded=monitors]::text").get()
    assert all(run in not_recorded for run in want["without_monitors"])

    errors = {k: int(v) for k, v in bars(dom, "chart-errors").items()}
    assert errors == want["failed"]
    assert errors["http_404"] >= 5 and errors["timeout"] >= 1
    examples = dom.css("td a::attr(href)").getall()
    assert set(FAILED_EXAMPLES) <= set(examples)
    assert f"batch file missing: {data_dir / 'handmade' / KILLED_RUN}-00001.jsonl" in html


def text_sections(text: str) -> dict[str, list[str]]:
    """The lines under each ``== Title ==`` heading, by the title's first words."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("== "):
            title = line.strip("= ").split(" (")[0].split(":")[0]
            current = sections.setdefault(title, [])
        elif line:
            current.append(line)
    return sections


@pytest.mark.e2e
def test_the_text_report_prints_the_same_numbers(data_dir):
    result = run_scrapy("report", str(data_dir), "--format", "text", cwd=data_dir.parent)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    want = expected(data_dir)
    lines = text_sections(text)
    assert f"{len(want['runs'])} runs, {want['total']} exported records" in text.splitlines()[0]
    days = dict(line.rsplit("  ", 1) for line in lines["Articles per publish day"] if line)
    assert {d: int(n) for d, n in days.items()} == want["days"]
    coverage = {
        line.split("  ")[0]: line.split("  ")[1] for line in lines["Field coverage"] if line
    }
    assert coverage == {name: f"{n}/{want['total']}" for name, n in want["coverage"].items()}
    drops = dict(line.rsplit("  ", 1) for line in lines["Drop reasons"] if "  " in line)
    assert {r: int(n) for r, n in drops.items()} == want["drops"]
    failed = len(want["failed_monitors"])
    assert f"== Monitors: {want['passed']} passed, {failed} failed ==" in text
    assert all(f"FAILED ({m['level']}): {m['message']}" in text for m in want["failed_monitors"])
    errors = dict(line.split("  ")[:2] for line in lines["Top errors"] if "  e.g. " in line)
    assert {r: int(n) for r, n in errors.items()} == want["failed"]
    assert f"e.g. {', '.join(FAILED_EXAMPLES)}" in text
    assert "handmade: title 3/4 75.0%, content 3/4 75.0%" in text
    for run, status, counts in want["runs"]:
        (line,) = [line for line in lines["Runs over time"] if f"  {run}  " in line]
        assert f"status {status}" in line
        assert all(f"{key} {value}" in line for key, value in counts.items())
    assert "counts not recorded" in text


# --- usage errors ------------------------------------------------------------------------


def report(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return run_scrapy("report", *args, cwd=cwd)


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and all(w in line for w in words), line
    assert result.stdout == ""


def test_usage_errors_exit_2_with_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_refused(report(str(empty)), "no run manifest", str(empty))
    assert_refused(report(str(tmp_path / "missing")), "no such file or directory")
    not_json = tmp_path / "x.manifest.json"
    not_json.write_text("{not json", "utf-8")
    assert_refused(report(str(not_json)), str(not_json), "not a run manifest")
    other = tmp_path / "other.json"
    other.write_text('{"run_id": "r"}', "utf-8")
    assert_refused(report(str(other)), "not a run manifest", "lacks")
    garbled = tmp_path / "garbled"
    garbled.mkdir()
    (garbled / "a.manifest.json").write_bytes(b"\xff\xfe\x00")
    assert_refused(report(str(garbled)), "not a run manifest")
    assert_refused(report(str(empty), "--format", "pdf"), "--format 'pdf'", "html or text")
    # Run from a folder without data/: the default is data/.
    assert_refused(report(cwd=empty), "data: no such file or directory")


def test_a_run_without_stats_or_monitors_says_not_recorded(tmp_path):
    write_handmade(tmp_path / "runs")
    killed = tmp_path / "runs" / f"{KILLED_RUN}.manifest.json"
    result = report(str(killed), "--format", "text")
    assert result.returncode == 0, result.stderr
    assert f"monitors not recorded in 1 run: {KILLED_RUN}" in result.stdout
    assert f"errors not recorded in 1 run: {KILLED_RUN}" in result.stdout
    assert "status killed  counts not recorded" in result.stdout
    assert result.stdout.startswith("Run report: 1 run, 0 exported records\n")


def test_without_arguments_the_report_reads_data(tmp_path):
    write_handmade(tmp_path / "data" / "financeun")
    result = report("--format", "text", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Run report: 2 runs, 4 exported records\n")
    html = report("-o", "report.html", cwd=tmp_path)
    assert html.returncode == 0 and html.stdout == "", html
    assert (tmp_path / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
