"""Verifying a dataset: its files are the ones its ``dataset.json`` lists, every run's batch
files are accounted for, no article appears twice, and every row is a valid article."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.dataset import store
from crawler.dataset.columns import SCHEMA, partition_path, record_of
from crawler.dataset.errors import DatasetProblems, DatasetUsageError
from crawler.dataset.sources import BatchFile, committed_lines, file_sha256
from pipelines.validate import schema_errors


@dataclass(frozen=True)
class Verified:
    build_id: str
    runs: int
    batch_files: int
    sources_checked: int
    articles: int
    versions: int


def listed_paths(build: Path) -> set[str]:
    """The Parquet files under a build's tables, relative to the build."""
    return {
        str(path.relative_to(build))
        for table in store.TABLES
        for path in (build / table).rglob("*.parquet")
    }


def link_problems(dataset: Path) -> Iterator[str]:
    for name in store.LINKS:
        link = dataset / name
        expected = os.path.join(store.CURRENT, name)
        if not link.is_symlink() or os.readlink(link) != expected:
            yield f"{link}: not the link to {expected} that readers use"


def file_problems(build: Path, manifest: dict[str, Any]) -> Iterator[str]:
    """Files listed but missing or changed, and files not listed."""
    listed = {entry["path"] for entry in manifest["files"]}
    for path in sorted(listed_paths(build) - listed):
        yield f"{build / path}: not listed in {store.MANIFEST}"
    for entry in manifest["files"]:
        path = build / entry["path"]
        if not path.is_file():
            yield f"{path}: listed in {store.MANIFEST} but missing"
        elif file_sha256(path) != entry["sha256"]:
            yield f"{path}: its SHA-256 is not the one {store.MANIFEST} lists (the file changed)"


def row_problems(path: Path, entry: dict[str, Any], rows: list[dict[str, Any]]) -> Iterator[str]:
    """Problems of one file's rows: count, partition, schema."""
    if len(rows) != entry["rows"]:
        yield f"{path}: {len(rows)} rows, {store.MANIFEST} lists {entry['rows']}"
    folder = partition_path(entry["site"], entry["month"])
    for number, row in enumerate(rows, 1):
        own = partition_path(row["site"], row["month"])
        if own != folder:
            yield f"{path}: row {number} ({row['url']}) belongs in {own}"
        for error in schema_errors(record_of(row)):
            yield f"{path}: row {number} ({row['url']}): {error}"


def table_problems(build: Path, manifest: dict[str, Any]) -> Iterator[str]:
    """Each file's schema and rows; no article twice; every earlier version older than its
    article's row (when every file could be read)."""
    latest: dict[str, int] = {}
    earlier: Counter[tuple[str, int]] = Counter()
    whole = True
    for entry in manifest["files"]:
        path = build / entry["path"]
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as error:
            whole = False
            if path.is_file():
                yield f"{path}: not a readable Parquet file ({error})"
            continue
        if not table.schema.equals(SCHEMA):
            whole = False
            yield f"{path}: its columns are not the dataset's"
            continue
        rows = table.to_pylist()
        yield from row_problems(path, entry, rows)
        for row in rows:
            if entry["table"] == store.ARTICLES:
                if row["url"] in latest:
                    yield f"{path}: article {row['url']} appears twice in articles"
                latest[row["url"]] = row["version"]
            else:
                earlier[row["url"], row["version"]] += 1
    for (url, version), count in sorted(earlier.items()):
        if count > 1:
            yield f"versions: version {version} of {url} appears {count} times"
        if not whole:
            continue
        if url not in latest:
            yield f"versions: version {version} of {url} has no row in articles"
        elif latest[url] <= version:
            yield f"versions: version {version} of {url} is not older than its row in articles"


def run_problems(manifest: dict[str, Any]) -> Iterator[str]:
    """Every line of every run's batch files accounted for (a row, a version repeated or a
    duplicate left out), and the rows taken in all in the tables."""
    taken = 0
    for run in manifest["runs"]:
        for batch in run["files"]:
            accounted = batch["rows"] + batch["repeated"] + batch["duplicates"]
            if accounted != batch["lines"]:
                yield (
                    f"run {run['run_id']}: {batch['path']} has {batch['lines']} lines,"
                    f" {accounted} accounted for"
                )
            taken += batch["rows"]
    held = Counter()
    for entry in manifest["files"]:
        held[entry["table"]] += entry["rows"]
    if taken != held.total():
        yield (
            f"{store.MANIFEST}: the runs gave {taken} rows, its files hold"
            f" {held[store.ARTICLES]} articles and {held[store.VERSIONS]} earlier versions"
        )


def source_problems(manifest: dict[str, Any]) -> tuple[list[str], int]:
    """The runs' manifests and batch files still on disk: unchanged since the build
    (problems, and how many batch files were checked)."""
    problems, checked = [], 0
    for run in manifest["runs"]:
        path = Path(run["manifest"])
        if path.is_file() and file_sha256(path) != run["manifest_sha256"]:
            problems.append(f"{path}: the run manifest changed after the build read it")
        for batch in run["files"]:
            source = BatchFile(Path(batch["path"]), batch["lines"], batch["sha256"])
            if not source.path.is_file():
                continue
            checked += 1
            try:
                committed_lines(source)
            except DatasetProblems as error:
                problems.extend(error.problems)
    return problems, checked


def verify_dataset(dataset: str | Path) -> Verified:
    """Checks a dataset; raises ``DatasetProblems`` with one line per problem."""
    folder = Path(dataset)
    build = store.current_build(folder)
    if build is None or not build.is_dir():
        raise DatasetUsageError(f"{folder}: not a dataset (no current build)")
    manifest = store.load_manifest(build)
    problems = [
        *link_problems(folder),
        *file_problems(build, manifest),
        *table_problems(build, manifest),
        *run_problems(manifest),
    ]
    sources, checked = source_problems(manifest)
    problems += sources
    if problems:
        raise DatasetProblems(problems)
    counts = manifest["counts"]
    return Verified(
        build_id=manifest["build_id"],
        runs=len(manifest["runs"]),
        batch_files=sum(len(run["files"]) for run in manifest["runs"]),
        sources_checked=checked,
        articles=counts["articles"],
        versions=counts["versions"],
    )
