"""Building the dataset: the new runs' records merged into the last build, one row per
article (its latest version) in ``articles``, the earlier versions in ``versions``.

An article is its ``url``; a version of it is (``url``, ``version``). A version already in
the dataset is not taken again (a file that a later ``-o`` run appended to is listed again by
that run's manifest). A build reads only the runs whose ids the dataset does not record, and
writes only the partitions they change; it is ``stage`` (a complete new build folder) then
``publish`` (the ``current`` link swapped to it).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from crawler import __version__
from crawler.dataset import store
from crawler.dataset.card import render_card
from crawler.dataset.columns import partition_of, partition_path, row_of, table_of
from crawler.dataset.errors import DatasetProblems, DatasetUsageError
from crawler.dataset.sources import RunSource, file_sha256, find_runs, read_batch
from crawler.export import fsync_path
from crawler.extraction.dates import BEIJING
from crawler.items import SCHEMA_VERSION
from pipelines.validate import schema_errors

Partition = tuple[str, str | None]
Version = tuple[str, int]
COMPRESSION = "zstd"


@dataclass
class Intake:
    """What a build takes from the new runs: rows of versions new to the dataset, and each
    run's entry for ``dataset.json``."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """Where the new rows go."""

    articles: dict[Partition, list[dict[str, Any]]] = field(default_factory=dict)
    """New latest versions, by partition."""
    superseded: dict[Partition, set[str]] = field(default_factory=dict)
    """URLs whose row in the partition's current file a newer version replaces."""
    versions: dict[Partition, list[dict[str, Any]]] = field(default_factory=dict)
    """Rows that become earlier versions, by partition."""

    def changed_article_partitions(self) -> set[Partition]:
        return set(self.articles) | set(self.superseded)


@dataclass(frozen=True)
class Previous:
    """The dataset as its current build has it (empty for a new dataset)."""

    build: Path | None
    manifest: dict[str, Any] | None
    latest: dict[str, tuple[Partition, int]]
    """Each article's partition and latest version."""
    known: set[Version]

    @property
    def runs(self) -> list[dict[str, Any]]:
        return self.manifest["runs"] if self.manifest else []

    @property
    def files(self) -> list[dict[str, Any]]:
        return self.manifest["files"] if self.manifest else []

    def path(self, entry: dict[str, Any]) -> Path:
        """Where a file of its manifest is (a dataset with files has a build)."""
        assert self.build is not None
        return self.build / entry["path"]


@dataclass(frozen=True)
class Staged:
    """A complete build folder, not yet the dataset's current one."""

    build_id: str
    manifest: dict[str, Any]
    runs_read: list[str]
    rows_taken: int


def load_previous(dataset: Path) -> Previous:
    build = store.current_build(dataset)
    if build is None:
        return Previous(None, None, {}, set())
    manifest = store.load_manifest(build)
    latest: dict[str, tuple[Partition, int]] = {}
    known: set[Version] = set()
    for table in store.TABLES:
        paths = [str(build / f["path"]) for f in manifest["files"] if f["table"] == table]
        if not paths:
            continue
        columns = ds.dataset(paths, format="parquet").to_table(
            columns=["url", "version", "site", "month"]
        )
        for url, version, site, month in zip(*columns.to_pydict().values(), strict=True):
            known.add((url, version))
            if table == store.ARTICLES:
                latest[url] = ((site, month), version)
    return Previous(build, manifest, latest, known)


def take_runs(runs: Iterable[RunSource], known: set[Version], include_duplicates: bool) -> Intake:
    """Reads the runs' committed files: each record checked against the schema, a
    ``duplicate_of`` record left out unless ``include_duplicates``, a known version skipped."""
    intake = Intake()
    seen = set(known)
    for run in runs:
        files = []
        for batch in run.files():
            counts = {"rows": 0, "repeated": 0, "duplicates": 0}
            try:
                for number, record in read_batch(batch):
                    errors = schema_errors(record)
                    if errors:
                        intake.problems.append(f"{batch.path}:{number}: {'; '.join(errors)}")
                    elif record["duplicate_of"] is not None and not include_duplicates:
                        counts["duplicates"] += 1
                    elif (record["url"], record["version"]) in seen:
                        counts["repeated"] += 1
                    else:
                        seen.add((record["url"], record["version"]))
                        intake.rows.append(row_of(record, run.run_id))
                        counts["rows"] += 1
            except DatasetProblems as error:
                intake.problems.extend(error.problems)
            files.append(
                {"path": str(batch.path), "lines": batch.lines, "sha256": batch.sha256, **counts}
            )
        intake.runs.append(run_entry(run, files))
    return intake


def run_entry(run: RunSource, files: list[dict[str, Any]]) -> dict[str, Any]:
    """A run as ``dataset.json`` records it."""
    manifest = run.manifest
    return {
        "run_id": run.run_id,
        "spider": manifest["spider"],
        "status": manifest["status"],
        "started_at": manifest["started_at"],
        "finished_at": manifest.get("finished_at"),
        "crawler_version": manifest.get("crawler_version"),
        "schema_version": manifest.get("schema_version"),
        "manifest": str(run.manifest_path.absolute()),
        "manifest_sha256": run.manifest_sha256,
        "files": files,
    }


def plan(rows: Iterable[dict[str, Any]], latest: dict[str, tuple[Partition, int]]) -> Plan:
    """Where each new row goes: an article's highest version is its row in ``articles``
    (replacing the one there if older), every other version a row in ``versions``."""
    by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_url[row["url"]].append(row)
    placed = Plan()
    for url, versions in by_url.items():
        newest = max(versions, key=lambda row: row["version"])
        current = latest.get(url)
        older = [row for row in versions if row is not newest]
        if current is not None and current[1] > newest["version"]:
            older.append(newest)
        else:
            placed.articles.setdefault(partition_of(newest), []).append(newest)
            if current is not None:
                placed.superseded.setdefault(current[0], set()).add(url)
        for row in older:
            placed.versions.setdefault(partition_of(row), []).append(row)
    return placed


def publish_order(row: dict[str, Any]) -> tuple[float, str, int]:
    moment = row["published_at"]
    return (moment.timestamp() if moment else 0.0, row["url"], row["version"])


def write_part(
    rows: list[dict[str, Any]], build: Path, table: str, partition: Partition, build_id: str
) -> dict[str, Any]:
    """Writes one Parquet file of a partition; its entry in ``dataset.json``."""
    site, month = partition
    relative = f"{table}/{partition_path(site, month)}/part-{build_id}.parquet"
    path = build / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=publish_order)
    pq.write_table(table_of(ordered), path, compression=COMPRESSION)
    fsync_path(path)
    moments = [row["published_at"] for row in ordered if row["published_at"] is not None]
    return {
        "path": relative,
        "table": table,
        "site": site,
        "month": month,
        "rows": len(ordered),
        "sha256": file_sha256(path),
        "published_from": min(moments).astimezone(BEIJING).isoformat() if moments else None,
        "published_to": max(moments).astimezone(BEIJING).isoformat() if moments else None,
    }


def link_part(source: Path, build: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """An unchanged file of the last build, hard-linked into the new one."""
    target = build / entry["path"]
    target.parent.mkdir(parents=True, exist_ok=True)
    os.link(source, target)
    return entry


def write_tables(previous: Previous, placed: Plan, build: Path, build_id: str) -> list[dict]:
    """The new build's Parquet files: changed article partitions rewritten, the others and
    every earlier versions file linked, the new earlier versions in files of their own."""
    changed = placed.changed_article_partitions()
    versions = {key: list(rows) for key, rows in placed.versions.items()}
    files: list[dict[str, Any]] = []
    kept: dict[Partition, list[dict[str, Any]]] = defaultdict(list)
    for entry in previous.files:
        partition = (entry["site"], entry["month"])
        if entry["table"] == store.ARTICLES and partition in changed:
            gone = placed.superseded.get(partition, set())
            for row in pq.read_table(previous.path(entry)).to_pylist():
                moved = row["url"] in gone
                (versions.setdefault(partition, []) if moved else kept[partition]).append(row)
        else:
            files.append(link_part(previous.path(entry), build, entry))
    for partition in sorted(changed, key=partition_order):
        # A partition whose every article moved to another month is gone.
        if rows := kept[partition] + placed.articles.get(partition, []):
            files.append(write_part(rows, build, store.ARTICLES, partition, build_id))
    for partition in sorted(versions, key=partition_order):
        files.append(write_part(versions[partition], build, store.VERSIONS, partition, build_id))
    return sorted(files, key=lambda entry: entry["path"])


def partition_order(partition: Partition) -> tuple[str, str]:
    return partition[0], partition[1] or ""


def dataset_manifest(
    build_id: str,
    previous: Previous,
    intake: Intake,
    files: list[dict[str, Any]],
    include_duplicates: bool,
) -> dict[str, Any]:
    runs = [*previous.runs, *({**run, "build_id": build_id} for run in intake.runs)]
    batches = [batch for run in runs for batch in run["files"]]
    return {
        "format": store.FORMAT,
        "build_id": build_id,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous_build": previous.manifest["build_id"] if previous.manifest else None,
        "include_duplicates": include_duplicates,
        "crawler_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "counts": {
            "articles": sum(f["rows"] for f in files if f["table"] == store.ARTICLES),
            "versions": sum(f["rows"] for f in files if f["table"] == store.VERSIONS),
            "duplicates_left_out": sum(batch["duplicates"] for batch in batches),
            "repeated": sum(batch["repeated"] for batch in batches),
        },
        "runs": runs,
        "files": files,
    }


def stage(
    runs: Sequence[RunSource], dataset: Path, include_duplicates: bool = False
) -> Staged | None:
    """Writes a complete new build of ``dataset`` from the ``runs`` that it does not have
    yet (None when there are none); the dataset itself is unchanged."""
    previous = load_previous(dataset)
    if previous.manifest and previous.manifest["include_duplicates"] != include_duplicates:
        was = "with" if previous.manifest["include_duplicates"] else "without"
        raise DatasetUsageError(
            f"-o {dataset}: built {was} --include-duplicates; build it the same way"
            " or into a new folder"
        )
    recorded = {run["run_id"] for run in previous.runs}
    new_runs = [run for run in runs if run.run_id not in recorded]
    if not new_runs:
        return None
    intake = take_runs(new_runs, previous.known, include_duplicates)
    if intake.problems:
        raise DatasetProblems(intake.problems)
    build_id = store.new_build_id()
    build = dataset / store.BUILDS / build_id
    build.mkdir(parents=True)
    files = write_tables(previous, plan(intake.rows, previous.latest), build, build_id)
    for table in store.TABLES:
        (build / table).mkdir(exist_ok=True)
    manifest = dataset_manifest(build_id, previous, intake, files, include_duplicates)
    store.write_manifest(build, manifest)
    store.write_synced(build / store.CARD, render_card(manifest))
    store.sync_tree(build)
    fsync_path(build.parent)
    return Staged(build_id, manifest, [run.run_id for run in new_runs], len(intake.rows))


def publish(dataset: Path, staged: Staged) -> None:
    """Makes a staged build the dataset's current one; keeps the build it replaces (a reader
    may still be reading it) and removes any other."""
    keep = {staged.build_id}
    if staged.manifest["previous_build"]:
        keep.add(staged.manifest["previous_build"])
    store.point_current(dataset, staged.build_id)
    store.prune(dataset, keep)


def build_dataset(
    data_dirs: Sequence[str | Path], dataset: str | Path, include_duplicates: bool = False
) -> Staged | None:
    """Builds ``dataset`` from the run manifests under ``data_dirs``: only runs it does not
    have are read; None when there was none (the dataset is unchanged)."""
    folder = Path(dataset)
    runs = find_runs(data_dirs)
    store.open_dataset_folder(folder)
    with store.build_lock(folder):
        staged = stage(runs, folder, include_duplicates)
        if staged is not None:
            publish(folder, staged)
    return staged
