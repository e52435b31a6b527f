"""What a build reads: the run manifests under the data folders and the committed batch
files they list, each checked against its line count and SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.dataset.errors import DatasetProblems, DatasetUsageError
from crawler.report import ReportError, batch_files, find_manifests, read_manifest


@dataclass(frozen=True)
class BatchFile:
    """A file a manifest lists: its path and the lines and SHA-256 the manifest gives it."""

    path: Path
    lines: int
    sha256: str


@dataclass(frozen=True)
class RunSource:
    """A run as its manifest tells it."""

    manifest_path: Path
    manifest: dict[str, Any]
    manifest_sha256: str

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]

    def files(self) -> list[BatchFile]:
        paths = batch_files(self.manifest_path, self.manifest)
        return [
            BatchFile(path.absolute(), entry["lines"], entry["sha256"])
            for path, entry in zip(paths, self.manifest["files"], strict=True)
        ]


def file_sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def find_runs(paths: Sequence[str | Path]) -> list[RunSource]:
    """Each run whose manifest is found under ``paths`` (once, whatever the number of its
    feed folders), by start time."""
    try:
        manifests = find_manifests(paths)
        runs: dict[str, RunSource] = {}
        for path in manifests:
            manifest = read_manifest(path)
            runs.setdefault(manifest["run_id"], RunSource(path, manifest, file_sha256(path)))
    except ReportError as error:
        raise DatasetUsageError(str(error)) from error
    return sorted(runs.values(), key=lambda run: (run.manifest["started_at"], run.run_id))


def committed_lines(batch: BatchFile) -> list[bytes]:
    """The lines of a batch file that its manifest accounts for: its first ``lines`` lines,
    which must hash to its SHA-256 (a later ``-o`` run may have appended to the file)."""
    sha = hashlib.sha256()
    lines: list[bytes] = []
    try:
        with batch.path.open("rb") as file:
            for line in file:
                if len(lines) == batch.lines:
                    break
                sha.update(line)
                lines.append(line)
    except OSError as error:
        reason = error.strerror or error
        raise DatasetProblems([f"{batch.path}: cannot be read: {reason}"]) from error
    if len(lines) < batch.lines or sha.hexdigest() != batch.sha256:
        raise DatasetProblems(
            [
                f"{batch.path}: its first {batch.lines} lines do not have the SHA-256 its"
                " manifest lists (the file changed after the run)"
            ]
        )
    return lines


def read_batch(batch: BatchFile) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of each committed line of a batch file."""
    for number, line in enumerate(committed_lines(batch), 1):
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DatasetProblems([f"{batch.path}:{number}: not a JSON record"]) from error
        if not isinstance(record, dict):
            raise DatasetProblems([f"{batch.path}:{number}: not a JSON object"])
        yield number, record
