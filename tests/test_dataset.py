"""The exports as a Parquet dataset (``python -m crawler.dataset``), end to end.

One crawl sequence for the module: a real replica server, real ``scrapy crawl`` subprocesses
sharing one crawl state (``DEDUP_POLICY=mark``, so duplicates are exported and marked): a
first crawl, then the site grown with two articles revised and rechecked, then crawled again
with those two reverted and a third revised (so an article has three versions). Builds are
real ``python -m crawler.dataset`` subprocesses; the oracle is the replica's truth.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.dataset import store
from crawler.dataset.build import plan, stage
from crawler.dataset.columns import NO_MONTH, RECORD_FIELDS, SCHEMA, record_of, row_of
from crawler.dataset.sources import BatchFile, committed_lines, file_sha256, find_runs
from crawler.extraction.dates import BEIJING
from crawler.replica import ReplicaServer, ReplicaSite
from pipelines.validate import article_schema
from tests.conftest import PROJECT_ROOT, REACTORS, read_jsonl
from tests.test_crawl_replica import EXTRACTED_FIELDS, by_any_url, reachable_depths
from tests.test_incremental import crawl

SEED = 41
ARTICLES, GROWN = 150, 170
MARK = "DEDUP_POLICY=mark"
RECHECK = "RECHECK_DAYS=36500"


def dataset_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.dataset", *map(str, args)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def built(data: Path, dataset: Path, *options: str) -> str:
    """Builds ``dataset`` from ``data``; its one-line summary."""
    result = dataset_cli("build", data, "-o", dataset, *options)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result.stdout.strip()


def verified(dataset: Path) -> str:
    result = dataset_cli("verify", dataset)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def table_rows(dataset: Path, table: str) -> list[dict]:
    return ds.dataset(dataset / table, format="parquet").to_table().to_pylist()


def manifest_of(dataset: Path) -> dict:
    return json.loads((dataset / store.MANIFEST).read_text("utf-8"))


def batch_records(folder: Path) -> list[dict]:
    return [r for path in sorted(folder.rglob("*.jsonl")) for r in read_jsonl(path)]


@dataclass
class Crawled:
    """The module's crawl sequence and the datasets built from it."""

    data: Path
    dataset: Path
    with_duplicates: Path
    first_build: dict
    first_summary: str
    second_summary: str
    before_second: Path
    """A copy of the dataset as the first build left it."""
    run_ids: list[str]
    records: list[dict]
    """Every record of every run, as exported."""
    truths: list[list[dict]]
    """The replica's truth as each run crawled it, in run order."""
    revised_twice: list[str]
    revised_once: str
    base_url: str


def revisable(site: ReplicaSite, base_url: str, exported: set[str]) -> list[str]:
    """Original articles exported by the first run that no other article reposts."""
    sources = {a.source_index for a in site.articles}
    return [
        base_url + a.path
        for a in site.articles[20:80]
        if a.story_kind == "original" and a.index not in sources and base_url + a.path in exported
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Iterator[Crawled]:
    root = tmp_path_factory.mktemp("dataset")
    data = root / "data"
    data.mkdir()
    server = ReplicaServer(ReplicaSite(articles=ARTICLES, seed=SEED)).start_in_thread()
    base = server.base_url
    asyncio = REACTORS["asyncio"]
    try:
        truths = [list(server.site.truth(base))]
        first, _ = crawl(base, data, "run1", asyncio, MARK)
        dataset = root / "dataset"
        first_summary = built(data, dataset)
        first_build = manifest_of(dataset)
        before_second = root / "before-second"
        shutil.copytree(dataset, before_second, symlinks=True)

        grown = ReplicaSite(articles=GROWN, seed=SEED)
        a, b, c = revisable(grown, base, {r["url"] for r in first})[:3]
        grown.revised = {grown.by_path[url.removeprefix(base)].index for url in (a, b)}
        server.site = grown
        truths.append(list(grown.truth(base)))
        crawl(base, data, "run2", asyncio, MARK, RECHECK)
        grown.revised = {grown.by_path[c.removeprefix(base)].index}
        truths.append(list(grown.truth(base)))
        crawl(base, data, "run3", asyncio, MARK, RECHECK)
    finally:
        server.stop()
    records = batch_records(data)
    with_duplicates = root / "with-duplicates"
    built(data, with_duplicates, "--include-duplicates")
    # The second build must not need the files of the run it has read already.
    for path in (data / "run1").rglob("*.jsonl"):
        path.unlink()
    second_summary = built(data, dataset)
    yield Crawled(
        data=data,
        dataset=dataset,
        with_duplicates=with_duplicates,
        first_build=first_build,
        first_summary=first_summary,
        second_summary=second_summary,
        before_second=before_second,
        run_ids=[run.run_id for run in find_runs([data])],
        records=records,
        truths=truths,
        revised_twice=[a, b],
        revised_once=c,
        base_url=base,
    )


def stories_reachable(truth: list[dict]) -> set[int]:
    articles = by_any_url(truth)
    return {articles[url]["story"] for url in reachable_depths(truth, 2)}


def assert_rows_are_the_truth(rows: list[dict], crawled: Crawled, runs: int) -> None:
    """Each story reachable within the depth limit after ``runs`` runs once, with the fields
    its page had when its run crawled it and the content its page has at the end."""
    at_run = {
        run_id: by_any_url(truth)
        for run_id, truth in zip(crawled.run_ids, crawled.truths, strict=True)
    }
    final = crawled.truths[runs - 1]
    articles = by_any_url(final)
    records = [record_of(row) for row in rows]
    stories = Counter(articles[r["url"]]["story"] for r in records)
    assert [story for story, n in stories.items() if n > 1] == []
    assert set(stories) == stories_reachable(final)
    for row, record in zip(rows, records, strict=True):
        true = at_run[row["run_id"]][record["url"]]
        assert {f: record[f] for f in EXTRACTED_FIELDS} == {f: true[f] for f in EXTRACTED_FIELDS}
        assert record["content"] == articles[record["url"]]["content"]
        assert record["duplicate_of"] is None


@pytest.mark.e2e
def test_the_first_build_is_the_first_crawl(crawled):
    assert crawled.first_summary.startswith(f"Built {crawled.dataset} (build ")
    assert "read 1 new run," in crawled.first_summary
    (run,) = crawled.first_build["runs"]
    assert run["run_id"] == crawled.run_ids[0]
    rows = table_rows(crawled.before_second, store.ARTICLES)
    assert_rows_are_the_truth(rows, crawled, runs=1)
    assert table_rows(crawled.before_second, store.VERSIONS) == []
    assert {row["version"] for row in rows} == {1}


@pytest.mark.e2e
def test_the_second_build_reads_only_the_new_runs(crawled):
    assert "read 2 new runs," in crawled.second_summary
    manifest = manifest_of(crawled.dataset)
    first_id = crawled.first_build["build_id"]
    assert manifest["previous_build"] == first_id
    assert [(r["run_id"], r["build_id"]) for r in manifest["runs"]] == [
        (crawled.run_ids[0], first_id),
        (crawled.run_ids[1], manifest["build_id"]),
        (crawled.run_ids[2], manifest["build_id"]),
    ]
    # The first run's files were removed before the second build: it did not read them.
    assert not list((crawled.data / "run1").rglob("*.jsonl"))
    # The first build is kept (a reader may still be reading it), no other.
    builds = sorted(p.name for p in (crawled.dataset / store.BUILDS).iterdir())
    assert builds == sorted([first_id, manifest["build_id"]])
    # Partitions the new runs did not touch are the first build's files, hard-linked.
    first_files = {f["path"]: f for f in crawled.first_build["files"]}
    linked = [f for f in manifest["files"] if f["path"] in first_files]
    assert linked, "every partition was rewritten"
    for entry in linked:
        assert (crawled.dataset / "current" / entry["path"]).stat().st_nlink == 2


@pytest.mark.e2e
def test_rows_are_the_replicas_truth_by_story_with_the_latest_versions(crawled):
    rows = table_rows(crawled.dataset, store.ARTICLES)
    assert_rows_are_the_truth(rows, crawled, runs=3)
    versions = {row["url"]: row["version"] for row in rows}
    first, second = crawled.revised_twice
    assert versions[first] == versions[second] == 3
    assert versions[crawled.revised_once] == 2
    assert Counter(versions.values())[1] == len(rows) - 3
    # The first version's page, then the revised page, in versions.
    first_truth = by_any_url(crawled.truths[0])
    earlier = {(r["url"], r["version"]): r for r in table_rows(crawled.dataset, store.VERSIONS)}
    assert set(earlier) == {
        (first, 1),
        (first, 2),
        (second, 1),
        (second, 2),
        (crawled.revised_once, 1),
    }
    latest = {row["url"]: row for row in rows}
    for url in crawled.revised_twice:
        assert earlier[url, 1]["content"] == first_truth[url]["content"]
        assert earlier[url, 2]["content"] != earlier[url, 1]["content"]
        assert latest[url]["content"] == earlier[url, 1]["content"]
        assert latest[url]["previous_sha256"] == earlier[url, 2]["content_sha256"]
    assert earlier[crawled.revised_once, 1]["content"] != latest[crawled.revised_once]["content"]


@pytest.mark.e2e
def test_rows_are_partitioned_by_site_and_beijing_month_and_typed(crawled):
    build = crawled.dataset / "current"
    for entry in manifest_of(crawled.dataset)["files"]:
        path = build / entry["path"]
        assert path.parent.relative_to(build).parts == (
            entry["table"],
            f"site={entry['site']}",
            f"month={entry['month']}",
        )
        table = pq.read_table(path)
        assert table.schema.equals(SCHEMA)
        for row in table.to_pylist():
            assert row["site"] == entry["site"]
            assert row["published_at"].astimezone(BEIJING).strftime("%Y-%m") == entry["month"]
    rows = table_rows(crawled.dataset, store.ARTICLES)
    seed = next(row for row in rows if row["authors"] == ["金科"])
    assert seed["published_at"].isoformat() == "2025-02-06T06:41:00+08:00"
    assert seed["crawled_at"].utcoffset().total_seconds() == 0
    assert isinstance(seed["related"][0]["url"], str)
    assert {row["site"] for row in rows} == {"financeun", "cnfinance"}


@pytest.mark.e2e
def test_duplicates_are_left_out_unless_asked_for(crawled):
    marked = [r for r in crawled.records if r["duplicate_of"] is not None]
    assert marked, "the crawl exported no duplicate to leave out"
    manifest = manifest_of(crawled.dataset)
    assert manifest["counts"]["duplicates_left_out"] == len(marked)
    rows = table_rows(crawled.with_duplicates, store.ARTICLES)
    kept = {row["url"]: row for row in rows if row["duplicate_of"] is not None}
    assert {r["url"]: r["duplicate_of"] for r in marked} == {
        url: row["duplicate_of"] for url, row in kept.items()
    }
    assert len(rows) == manifest["counts"]["articles"] + len(marked)
    assert "verified" in verified(crawled.with_duplicates)
    # A dataset is built one way.
    result = dataset_cli("build", crawled.data, "-o", crawled.dataset, "--include-duplicates")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: -o {crawled.dataset}: built without --include-duplicates; build it the same"
        " way or into a new folder"
    ]


@pytest.mark.e2e
def test_the_card_tells_the_rows_versions_and_runs(crawled):
    card = (crawled.dataset / store.CARD).read_text("utf-8")
    manifest = manifest_of(crawled.dataset)
    for run_id in crawled.run_ids:
        assert f"| {run_id} | replica |" in card
    for site, month in {(f["site"], f["month"]) for f in manifest["files"]}:
        articles = sum(
            f["rows"]
            for f in manifest["files"]
            if (f["site"], f["month"], f["table"]) == (site, month, store.ARTICLES)
        )
        assert f"| {site} | {month} | {articles} |" in card
    for column in SCHEMA.names:
        assert f"| {column} | " in card
    rows = table_rows(crawled.dataset, store.ARTICLES)
    earliest = min(row["published_at"] for row in rows).isoformat()
    latest = max(row["published_at"] for row in rows).isoformat()
    assert f"Published from {earliest} to {latest}." in card
    assert "cnfinance-news-crawler 0.1.0" in card and "article schema 2.0" in card
    assert "## Terms" in card and "financeun.com" in card


@pytest.mark.e2e
def test_the_loaders_read_the_dataset(crawled, tmp_path, monkeypatch):
    import duckdb
    import pandas as pd

    articles = crawled.dataset / store.ARTICLES
    expected = {row["url"]: row for row in table_rows(crawled.dataset, store.ARTICLES)}
    month = Counter((r["site"], r["month"]) for r in expected.values()).most_common(1)[0][0]

    hive = ds.dataset(articles, format="parquet", partitioning="hive")
    one_month = hive.to_table(
        filter=(ds.field("site") == month[0]) & (ds.field("month") == month[1])
    )
    assert one_month.num_rows == Counter((r["site"], r["month"]) for r in expected.values())[month]

    query = (
        "SELECT url, authors, published_at, site, month"
        f" FROM read_parquet('{articles}/**/*.parquet')"
    )
    by_duckdb = duckdb.sql(query).fetchall()
    assert sorted(row[0] for row in by_duckdb) == sorted(expected)
    for url, authors, published_at, site, month_value in by_duckdb:
        assert authors == expected[url]["authors"]
        assert published_at == expected[url]["published_at"]
        assert (site, month_value) == (expected[url]["site"], expected[url]["month"])

    frame = pd.read_parquet(articles, partitioning=None)
    assert sorted(frame["url"]) == sorted(expected)
    assert str(frame["published_at"].dtype) == "datetime64[ms, UTC+08:00]"
    assert (
        frame.set_index("url").loc[next(iter(expected)), "title"]
        == next(iter(expected.values()))["title"]
    )

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from datasets import load_dataset

    hf = load_dataset("parquet", data_files=f"{articles}/**/*.parquet", split="train")
    assert sorted(hf["url"]) == sorted(expected)
    assert str(hf.features["published_at"].dtype) == "timestamp[ms, tz=+08:00]"
    assert sorted(hf.column_names) == sorted(SCHEMA.names)


@pytest.mark.e2e
def test_verify_passes_on_the_built_dataset(crawled):
    summary = verified(crawled.dataset)
    manifest = manifest_of(crawled.dataset)
    counts = manifest["counts"]
    assert summary.startswith(f"Dataset {crawled.dataset} (build {manifest['build_id']}) verified")
    assert f"{counts['articles']} articles, {counts['versions']} earlier versions" in summary
    assert "from 3 runs" in summary


def dataset_state(dataset: Path) -> tuple[str, list[tuple[str, str]]]:
    """Where ``current`` points and every file a reader sees, with its SHA-256."""
    seen = sorted(
        (str(p.relative_to(dataset)), file_sha256(p))
        for name in store.LINKS
        for p in ([dataset / name] if (dataset / name).is_file() else (dataset / name).rglob("*"))
        if p.is_file()
    )
    return os.readlink(dataset / store.CURRENT), seen


@pytest.mark.e2e
def test_a_build_stopped_between_writing_and_swapping_leaves_the_dataset_as_it_was(
    crawled, tmp_path
):
    dataset = tmp_path / "dataset"
    shutil.copytree(crawled.before_second, dataset, symlinks=True)
    before = dataset_state(dataset)
    with store.build_lock(dataset):
        staged = stage(find_runs([crawled.data]), dataset)
    assert staged is not None and (dataset / store.BUILDS / staged.build_id).is_dir()
    assert dataset_state(dataset) == before
    assert "verified" in verified(dataset)
    # The next build completes and removes the stopped build's folder.
    assert "read 2 new runs," in built(crawled.data, dataset)
    assert staged.build_id not in {p.name for p in (dataset / store.BUILDS).iterdir()}
    assert table_rows(dataset, store.ARTICLES) and verified(dataset)


def kill_when_writing(command: list[str], builds: Path, known: set[str]) -> bool:
    """Runs a build and SIGKILLs it once a new build folder appears; whether it was
    still running then."""
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            if set(os.listdir(builds)) - known:
                process.send_signal(signal.SIGKILL)
                return process.wait(timeout=30) == -signal.SIGKILL
            time.sleep(0.001)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.e2e
def test_a_killed_build_leaves_the_dataset_whole(crawled, tmp_path):
    """SIGKILL while the build writes: the dataset is the last build or the new one, whole."""
    final = sorted(row["url"] for row in table_rows(crawled.dataset, store.ARTICLES))
    old = sorted(row["url"] for row in table_rows(crawled.before_second, store.ARTICLES))
    killed_mid_way = 0
    for attempt in range(5):
        dataset = tmp_path / f"dataset-{attempt}"
        shutil.copytree(crawled.before_second, dataset, symlinks=True)
        before = dataset_state(dataset)
        command = [sys.executable, "-m", "crawler.dataset", "build", str(crawled.data)]
        known = set(os.listdir(dataset / store.BUILDS))
        if kill_when_writing([*command, "-o", str(dataset)], dataset / store.BUILDS, known):
            after = dataset_state(dataset)
            if after == before:
                killed_mid_way += 1
                assert sorted(r["url"] for r in table_rows(dataset, store.ARTICLES)) == old
            assert "verified" in verified(dataset)
        built(crawled.data, dataset)
        assert sorted(row["url"] for row in table_rows(dataset, store.ARTICLES)) == final
        assert "verified" in verified(dataset)
        if killed_mid_way:
            break
    assert killed_mid_way, "no kill landed before the swap in 5 builds"


def problems(dataset: Path) -> list[str]:
    result = dataset_cli("verify", dataset)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return result.stderr.splitlines()


def resign(build: Path, entry: dict, table: pa.Table) -> None:
    """Rewrites one of a build's files and its entry in ``dataset.json``, as if built so."""
    path = build / entry["path"]
    pq.write_table(table, path)
    manifest = json.loads((build / store.MANIFEST).read_text("utf-8"))
    (listed,) = [f for f in manifest["files"] if f["path"] == entry["path"]]
    listed.update(rows=table.num_rows, sha256=file_sha256(path))
    (build / store.MANIFEST).write_text(json.dumps(manifest), "utf-8")


@pytest.mark.e2e
def test_verify_names_changed_broken_and_unlisted_files(crawled, tmp_path):
    tampered = tmp_path / "tampered"
    shutil.copytree(crawled.dataset, tampered, symlinks=True)
    build = (tampered / store.CURRENT).resolve()
    first, second = [f for f in manifest_of(tampered)["files"] if f["table"] == store.ARTICLES][:2]
    shortened, broken = build / first["path"], build / second["path"]
    pq.write_table(pq.read_table(shortened).slice(1), shortened)
    broken.write_bytes(broken.read_bytes()[:-100])
    stray = broken.with_name("stray.parquet")
    shutil.copy(shortened, stray)
    lines = problems(tampered)
    assert lines[:4] == [
        f"{stray}: not listed in dataset.json",
        f"{shortened}: its SHA-256 is not the one dataset.json lists (the file changed)",
        f"{broken}: its SHA-256 is not the one dataset.json lists (the file changed)",
        f"{shortened}: {first['rows'] - 1} rows, dataset.json lists {first['rows']}",
    ]
    assert lines[4].startswith(f"{broken}: not a readable Parquet file (")
    assert len(lines) == 5


@pytest.mark.e2e
def test_verify_names_a_repeated_article_and_an_invalid_row(crawled, tmp_path):
    forged = tmp_path / "forged"
    shutil.copytree(crawled.dataset, forged, symlinks=True)
    build = (forged / store.CURRENT).resolve()
    first, second = [f for f in manifest_of(forged)["files"] if f["table"] == store.ARTICLES][:2]
    rows = pq.read_table(build / second["path"]).to_pylist()
    repeated = pq.read_table(build / first["path"]).to_pylist()[0]
    rows[0]["content"] = ""
    resign(build, second, pa.Table.from_pylist([*rows, repeated], schema=SCHEMA))
    where = build / second["path"]
    folder = f"site={repeated['site']}/month={repeated['month']}"
    assert sorted(problems(forged)) == sorted(
        [
            f"{where}: row 1 ({rows[0]['url']}): content: '' should be non-empty",
            f"{where}: row {len(rows) + 1} ({repeated['url']}) belongs in {folder}",
            f"{where}: article {repeated['url']} appears twice in articles",
            f"dataset.json: the runs gave {manifest_of(crawled.dataset)['counts']['articles'] + 5}"
            f" rows, its files hold {manifest_of(forged)['counts']['articles'] + 1} articles and"
            " 5 earlier versions",
        ]
    )


@pytest.mark.e2e
def test_a_file_appended_by_a_later_run_is_read_up_to_its_manifests_lines(crawled, tmp_path):
    """``-o`` appends: a later run's manifest lists the whole file, the earlier run's only
    its own first lines (with their SHA-256); each version is taken once."""
    records = [r for r in crawled.records if r["duplicate_of"] is None][:6]
    data = tmp_path / "data"
    data.mkdir()
    feed = data / "articles.jsonl"
    manifest = json.loads(next((crawled.data / "run1").rglob("*.manifest.json")).read_text())
    for number, lines in ((1, 4), (2, 6)):
        feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:lines]))
        run = {**manifest, "run_id": f"run-{number}", "started_at": f"2030-01-0{number}"}
        run["files"] = [{"path": feed.name, "lines": lines, "sha256": file_sha256(feed)}]
        (data / f"run-{number}.manifest.json").write_text(json.dumps(run))
    runs = find_runs([data])
    assert [len(committed_lines(b)) for run in runs for b in run.files()] == [4, 6]
    dataset = tmp_path / "dataset"
    assert "took 6 rows" in built(data, dataset)
    counts = manifest_of(dataset)["counts"]
    assert (counts["articles"], counts["repeated"]) == (6, 4)
    verified(dataset)

    feed.write_text(feed.read_text().replace(records[0]["title"], "改过的标题", 1))
    result = dataset_cli("build", data, "-o", tmp_path / "other")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{feed.absolute()}: its first {lines} lines do not have the SHA-256 its manifest"
        " lists (the file changed after the run)"
        for lines in (4, 6)
    ] + [f"Build stopped: {tmp_path / 'other'} is unchanged"]


@pytest.mark.e2e
def test_the_benchmark_measures_a_crawl_and_writes_its_table(tmp_path):
    output = tmp_path / "dataset.md"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.dataset", "--sizes", "100", "--output", str(output)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (row,) = [line for line in output.read_text("utf-8").splitlines() if line.startswith("| 100 |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert 0 < float(cells[4]) < 1  # Parquet / JSON Lines
    assert "articles)" in cells[7] and float(cells[8]) > 0 and float(cells[9]) > 0


# --- without a crawl ---------------------------------------------------------------------


def test_the_columns_are_the_article_schemas_fields():
    assert list(RECORD_FIELDS) == list(article_schema()["required"])
    assert set(SCHEMA.names) - set(RECORD_FIELDS) == {"month", "published_at_is_date", "run_id"}


RECORD = {
    "url": "https://www.financeun.com/newsDetail/1.shtml",
    "canonical_url": "https://www.financeun.com/newsDetail/1.shtml",
    "site": "financeun",
    "title": "标题",
    "source": None,
    "byline": None,
    "authors": ["金科"],
    "published_at": "2025-02-01T00:30:00+08:00",
    "content": "正文",
    "related": [
        {"title": "相关", "url": "https://www.financeun.com/2.shtml", "published_at": None}
    ],
    "found_via": None,
    "depth": 0,
    "crawled_at": "2025-02-01T00:00:00Z",
    "content_sha256": "0" * 64,
    "extraction": {
        "profile": "financeun",
        "fields": dict.fromkeys(
            ["title", "source", "byline", "published_at", "content", "related"], "profile"
        ),
    },
    "duplicate_of": None,
    "version": 1,
    "previous_sha256": None,
    "schema_version": "2.0",
}


@pytest.mark.parametrize(
    ("published_at", "month", "date_only"),
    [
        ("2025-02-01T00:30:00+08:00", "2025-02", False),
        # 23:30 UTC on 31 January is 07:30 on 1 February in Beijing.
        ("2025-01-31T23:30:00+00:00", "2025-02", False),
        ("2025-02-01", "2025-02", True),
        (None, None, False),
    ],
)
def test_a_record_and_its_row_round_trip(published_at, month, date_only):
    record = {**RECORD, "published_at": published_at}
    row = row_of(record, "run-1")
    assert (row["month"], row["published_at_is_date"], row["run_id"]) == (month, date_only, "run-1")
    stored = pa.Table.from_pylist([row], schema=SCHEMA).to_pylist()[0]
    back = record_of(stored)
    if published_at and "+00:00" in published_at:
        assert back["published_at"] == "2025-02-01T07:30:00+08:00"
    else:
        assert back == record
    assert list(back) == list(RECORD)


def test_a_row_without_a_publish_time_is_in_hives_null_partition():
    from crawler.dataset.columns import partition_path

    assert partition_path("financeun", None) == f"site=financeun/month={NO_MONTH}"
    assert partition_path("financeun", "2025-02") == "site=financeun/month=2025-02"


def test_the_highest_version_is_the_article_row_and_a_late_older_one_an_earlier_version():
    def version(number: int, month: str) -> dict:
        return {"url": "u", "version": number, "site": "s", "month": month}

    placed = plan([version(2, "2025-02"), version(3, "2025-03")], {"u": (("s", "2025-01"), 1)})
    assert placed.articles == {("s", "2025-03"): [version(3, "2025-03")]}
    assert placed.superseded == {("s", "2025-01"): {"u"}}
    assert placed.versions == {("s", "2025-02"): [version(2, "2025-02")]}

    late = plan([version(1, "2025-01")], {"u": (("s", "2025-03"), 3)})
    assert late.articles == {} and late.superseded == {}
    assert late.versions == {("s", "2025-01"): [version(1, "2025-01")]}


def write_run(data: Path, number: int, records: list[dict]) -> None:
    """A run's batch file and its manifest, as a crawl writes them."""
    batch = data / f"run-{number}-00001.jsonl"
    batch.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    manifest = {
        "run_id": f"run-{number}",
        "spider": "financeun",
        "status": "finished",
        "started_at": f"2025-03-0{number}T00:00:00+00:00",
        "files": [{"path": batch.name, "lines": len(records), "sha256": file_sha256(batch)}],
        "counts": {"exported": len(records)},
    }
    (data / f"run-{number}.manifest.json").write_text(json.dumps(manifest), "utf-8")


def test_a_new_version_published_in_another_month_moves_the_article(tmp_path):
    data, dataset = tmp_path / "data", tmp_path / "dataset"
    data.mkdir()
    other = {**RECORD, "url": RECORD["url"].replace("1.shtml", "2.shtml")}
    write_run(data, 1, [{**RECORD, "published_at": "2025-01-20T08:00:00+08:00"}, other])
    assert "read 1 new run, took 2 rows" in built(data, dataset)
    moved = {**RECORD, "version": 2, "previous_sha256": "0" * 64, "content": "改过的正文"}
    write_run(data, 2, [moved])
    assert "read 1 new run, took 1 row; 2 articles, 1 earlier versions" in built(data, dataset)
    files = {(f["table"], f["site"], f["month"]) for f in manifest_of(dataset)["files"]}
    assert files == {("articles", "financeun", "2025-02"), ("versions", "financeun", "2025-01")}
    rows = {(r["url"], r["version"]): r for r in table_rows(dataset, store.ARTICLES)}
    assert set(rows) == {(RECORD["url"], 2), (other["url"], 1)}
    assert rows[RECORD["url"], 2]["content"] == "改过的正文"
    (earlier,) = table_rows(dataset, store.VERSIONS)
    assert (earlier["version"], earlier["month"]) == (1, "2025-01")
    assert "verified" in verified(dataset)


def test_a_batch_file_is_read_only_while_its_lines_hash_to_the_manifests_sha256(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')
    digest = file_sha256(path)
    assert committed_lines(BatchFile(path, 2, digest)) == [b'{"a": 1}\n', b'{"b": 2}\n']
    with path.open("ab") as file:
        file.write(b'{"c": 3}\n')
    assert len(committed_lines(BatchFile(path, 2, digest))) == 2
    from crawler.dataset.errors import DatasetProblems

    for lines in (1, 3):
        with pytest.raises(DatasetProblems):
            committed_lines(BatchFile(path, lines, digest))


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["build", "-o", "x"], "the following arguments are required: DATA_DIR"),
        (["build", "data"], "the following arguments are required: -o/--output"),
        (["frob"], "invalid choice: 'frob'"),
        ([], "the following arguments are required: {build,verify}"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_2(args, line):
    result = dataset_cli(*args)
    assert result.returncode == 2
    (only,) = result.stderr.splitlines()
    assert only.startswith("error: python -m crawler.dataset") and line in only


def test_bad_paths_are_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "missing"
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    (empty / "run.manifest.json").write_text("{}")
    cases = [
        (
            ["build", missing, "-o", tmp_path / "out"],
            f"error: {missing}: no such file or directory",
        ),
        (
            ["build", empty, "-o", tmp_path / "out"],
            f"error: {empty / 'run.manifest.json'}: not a run manifest (it lacks run_id,"
            " spider, status, started_at, files, counts)",
        ),
        (["verify", other], f"error: {other}: not a dataset (no current build)"),
    ]
    for args, line in cases:
        result = dataset_cli(*args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == [line]
    assert not (tmp_path / "out").exists()
