"""The dataset folder: complete builds under ``builds/``, the ``current`` link naming one,
and the fixed links readers use.

::

    DATASET_DIR/
      current -> builds/<build id>     swapped atomically (a symlink replaced by os.replace)
      articles -> current/articles     articles/site=<site>/month=<YYYY-MM>/part-<build id>.parquet
      versions -> current/versions     the same layout, one file per build that added some
      dataset.json -> current/dataset.json
      README.md -> current/README.md
      builds/<build id>/               one complete build: the four above
      .lock                            held by a build while it runs

A build writes a new folder under ``builds/`` (an unchanged partition file is a hard link to
the last build's), then points ``current`` at it: a build killed before that leaves the
dataset as it was, and the next build removes its folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.dataset.errors import DatasetUsageError
from crawler.export import fsync_path

CURRENT = "current"
BUILDS = "builds"
ARTICLES = "articles"
VERSIONS = "versions"
TABLES = (ARTICLES, VERSIONS)
MANIFEST = "dataset.json"
CARD = "README.md"
LINKS = (ARTICLES, VERSIONS, MANIFEST, CARD)
"""What ``DATASET_DIR/<name>`` links to in the current build (``current/<name>``)."""
LOCK = ".lock"
FORMAT = 1
"""The version of the dataset folder's layout and of ``dataset.json``."""


def new_build_id() -> str:
    """A build id: its UTC start time and a random suffix, in the style of run ids."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def current_build(dataset: Path) -> Path | None:
    """The folder of the dataset's current build, if it has one."""
    link = dataset / CURRENT
    if not link.is_symlink():
        return None
    return dataset / BUILDS / Path(os.readlink(link)).name


def load_manifest(build: Path) -> dict[str, Any]:
    """A build's ``dataset.json``."""
    path = build / MANIFEST
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise DatasetUsageError(f"{path}: cannot be read: {error.strerror or error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetUsageError(f"{path}: not a dataset manifest (not JSON)") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetUsageError(f"{path}: not a dataset manifest of format {FORMAT}")
    return manifest


def write_manifest(build: Path, manifest: dict[str, Any]) -> None:
    write_synced(build / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def sync_tree(root: Path) -> None:
    """Makes the entries of every folder under ``root`` (itself included) durable."""
    for folder, _, _ in os.walk(root, topdown=False):
        fsync_path(Path(folder))


def open_dataset_folder(dataset: Path) -> None:
    """Creates the folder of a new dataset; refuses one that holds anything but a dataset."""
    if dataset.exists() and not dataset.is_dir():
        raise DatasetUsageError(f"-o {dataset}: not a folder")
    dataset.mkdir(parents=True, exist_ok=True)
    others = {entry.name for entry in dataset.iterdir()} - {BUILDS, CURRENT, LOCK, *LINKS}
    if others and not (dataset / BUILDS).is_dir():
        raise DatasetUsageError(f"-o {dataset}: not a dataset folder (it holds {min(others)})")


@contextmanager
def build_lock(dataset: Path) -> Iterator[None]:
    """Holds the dataset's lock for one build; refuses when another build holds it."""
    with (dataset / LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise DatasetUsageError(f"-o {dataset}: another build of it is running") from error
        yield


def point_current(dataset: Path, build_id: str) -> None:
    """Points ``current`` at a build in one atomic rename, then adds any missing fixed link."""
    temporary = dataset / f".{CURRENT}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    os.symlink(Path(BUILDS) / build_id, temporary)
    os.replace(temporary, dataset / CURRENT)
    for name in LINKS:
        if not (dataset / name).is_symlink():
            os.symlink(Path(CURRENT) / name, dataset / name)
    fsync_path(dataset)


def prune(dataset: Path, keep: set[str]) -> None:
    """Removes the builds not in ``keep``: superseded ones and those of killed builds."""
    for build in (dataset / BUILDS).iterdir():
        if build.name not in keep:
            shutil.rmtree(build)
    fsync_path(dataset / BUILDS)
