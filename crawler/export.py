"""Feed files that a crash can never tear, and one manifest per run naming the files it wrote.

``AtomicFileFeedStorage`` writes each feed file (each batch, with
``FEED_EXPORT_BATCH_ITEM_COUNT``) to a temporary ``ArticleFile`` beside it, in which the
item exporters of ``FEED_EXPORTERS`` (``*ArticleExporter``) record each article as they write
its record; it then commits the file and exactly those articles in the crawl state in one
call, and renames the file into place. The state remembers an article as exported only
through such a commit. ``recover`` puts right what a killed run left: a recorded temporary
file is renamed into place, an unrecorded one removed. ``RunManifest`` writes
``<feed dir>/<run id>.manifest.json`` when the run ends, and refuses to start a crawl whose
feeds Scrapy disabled.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)
from scrapy.extensions.feedexport import FeedExporter, apply_uri_params
from scrapy.utils.misc import load_object
from w3lib.url import file_uri_to_path

from crawler import __version__
from crawler.config import FEED_URI_PARAMETERS
from crawler.incremental import SKIPPED_AS_EXPORTED_STAT
from crawler.items import SCHEMA_VERSION
from crawler.monitors import COUNT_PREFIX, RESULTS_STAT
from crawler.outcome import (
    DROPPED_REASON_PREFIX,
    ERROR_STAT,
    FAILED_REASON_STAT,
    FEED_ERROR_STAT,
    FEED_EXPORT_DISABLED,
)
from crawler.state import CrawlState, crawl_state, utc_now

logger = logging.getLogger(__name__)

TEMP_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.tmp")
DEFAULT_CRAWL_MODE = "incremental"
KILLED = "killed"
KILLED_ERROR = "the process stopped before the run finished"
_RUN_ATTRIBUTE = "_cnfinance_run_id"
_RECOVERED_ATTRIBUTE = "_cnfinance_recovered_directories"
_CHUNK = 1 << 20

batch_committed = object()
"""Signal sent with ``articles`` (``(url, canonical_url)`` pairs) once a feed file's batch is
committed to the crawl state."""

# Temporary files this process is writing, which recovery must leave alone.
_open_temporary_files: set[Path] = set()


def temporary_path(path: Path) -> Path:
    """The temporary file beside ``path`` that this process writes it to."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def fsync_path(path: Path) -> None:
    """Flushes a file to disk, or makes a rename or removal in a directory durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_and_digest(path: Path) -> tuple[int, str]:
    """Flushes a file to disk; returns its line count and the SHA-256 of its bytes."""
    sha = hashlib.sha256()
    lines = 0
    last = b"\n"
    with path.open("rb") as file:
        os.fsync(file.fileno())
        while chunk := file.read(_CHUNK):
            sha.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n"), sha.hexdigest()


def publish(temporary: Path, final: Path) -> None:
    """Renames a synced temporary file over ``final`` and makes the rename durable."""
    os.replace(temporary, final)
    fsync_path(final.parent)


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Writes JSON to ``path`` through a synced temporary file renamed into place."""
    temporary = temporary_path(path)
    with temporary.open("w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=2)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    publish(temporary, path)


def crawl_mode(crawler: Crawler) -> str:
    return crawler.settings.get("CRAWL_MODE") or DEFAULT_CRAWL_MODE


def run_id(crawler: Crawler) -> str:
    """The crawl's run id, begun in the crawl state on first use."""
    run = getattr(crawler, _RUN_ATTRIBUTE, None)
    if run is None:
        run = crawl_state(crawler).begin_run(crawler.spidercls.name, crawl_mode(crawler))
        setattr(crawler, _RUN_ATTRIBUTE, run)
    return run


def uri_params(params: dict[str, Any], spider: Spider) -> dict[str, Any]:
    """``FEED_URI_PARAMS`` function: only ``crawler.config.FEED_URI_PARAMETERS``, with the
    run's ``run_id``."""
    allowed = {key: params[key] for key in FEED_URI_PARAMETERS if key in params}
    return {**allowed, "name": spider.name, "run_id": run_id(spider.crawler)}


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (it may be another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(directory: str | os.PathLike[str], state: CrawlState) -> list[str]:
    """Settles the temporary files a stopped run left in ``directory``; returns what was done.

    A temporary file whose batch the state records (the run stopped between commit and
    rename) is renamed into place; any other is removed, since the state does not record its
    articles as exported. Files another live process is writing are left alone.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    recorded = {(Path(batch["path"]).name, batch["sha256"]) for batch in state.batches()}
    actions = []
    for temporary in sorted(directory.iterdir()):
        match = TEMP_NAME.fullmatch(temporary.name)
        if match is None or temporary in _open_temporary_files or not temporary.is_file():
            continue
        pid = int(match["pid"])
        final = temporary.with_name(match["name"])
        if pid != os.getpid() and process_alive(pid):
            action = f"Left {temporary} alone: process {pid} is running"
        elif (final.name, sync_and_digest(temporary)[1]) in recorded:
            publish(temporary, final)
            action = f"Recovered {final}: its batch was committed before the run stopped"
        else:
            temporary.unlink()
            fsync_path(directory)
            action = f"Removed {temporary}: a stopped run's unfinished, uncommitted file"
        logger.warning(action)
        actions.append(action)
    return actions


def recover_once(crawler: Crawler, directory: Path) -> None:
    """``recover`` a feed directory the first time the crawl meets it."""
    done: set[Path] | None = getattr(crawler, _RECOVERED_ATTRIBUTE, None)
    if done is None:
        done = set()
        setattr(crawler, _RECOVERED_ATTRIBUTE, done)
    key = directory.absolute()
    if key not in done:
        done.add(key)
        recover(directory, crawl_state(crawler))


def file_feed_path(uri: str) -> str | None:
    """The path of a local feed URI (scheme ``file`` or none), else None."""
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return file_uri_to_path(uri)
    return uri if scheme == "" else None


class ArticleFile(io.BufferedWriter):
    """A feed file being written, with the articles written to it: what the crawl state
    commits together with the file when it is stored."""

    def __init__(self, path: Path) -> None:
        super().__init__(io.FileIO(path, "wb"))
        self.articles: list[tuple[str, str]] = []
        """(url, canonical_url) of each article written, in order."""

    def record(self, item: Any) -> None:
        """Notes an article whose record was just written to the file."""
        adapter = ItemAdapter(item)
        url = adapter.get("url")
        if url:
            self.articles.append((url, adapter.get("canonical_url") or url))


class ArticleRecordingExporter:
    """Item exporter mixin: records each exported article in the file it writes to, in the
    same call that writes it, when that file is an ``ArticleFile``."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        super().__init__(file, **kwargs)  # type: ignore[call-arg]
        self.article_file = file if isinstance(file, ArticleFile) else None

    def export_item(self, item: Any) -> None:
        super().export_item(item)  # type: ignore[misc]
        if self.article_file is not None:
            self.article_file.record(item)


class JsonLinesArticleExporter(ArticleRecordingExporter, JsonLinesItemExporter):
    pass


class JsonArticleExporter(ArticleRecordingExporter, JsonItemExporter):
    pass


class CsvArticleExporter(ArticleRecordingExporter, CsvItemExporter):
    pass


class XmlArticleExporter(ArticleRecordingExporter, XmlItemExporter):
    pass


class AtomicFileFeedStorage:
    """Feed storage for local files: temporary file, fsync, commit in the crawl state, rename.

    Scrapy builds one storage per file (per batch). The crawl state commits a file together
    with the articles the exporter recorded in it (``ArticleFile``). With ``overwrite`` off
    (``-o``) the new file is the old file's bytes followed by the new ones.
    """

    def __init__(
        self, uri: str, crawler: Crawler, *, feed_options: dict[str, Any] | None = None
    ) -> None:
        feed_options = feed_options or {}
        if feed_options.get("postprocessing"):
            raise NotConfigured(
                "feed postprocessing is not supported by crawler.export.AtomicFileFeedStorage"
            )
        self.path = Path(file_feed_path(uri) or uri)
        self.temporary = temporary_path(self.path)
        self.crawler = crawler
        self.overwrite: bool = feed_options.get("overwrite", False)

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> AtomicFileFeedStorage:
        storage = cls(uri, crawler, feed_options=feed_options)
        recover_once(crawler, storage.path.parent)
        return storage

    def open(self, spider: Spider) -> ArticleFile:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            file = ArticleFile(self.temporary)
        except OSError as error:
            self.failed("open", error)
            raise
        _open_temporary_files.add(self.temporary)
        if not self.overwrite and self.path.exists():
            with self.path.open("rb") as old:
                shutil.copyfileobj(old, file)
        return file

    def store(self, file: ArticleFile) -> None:
        try:
            file.close()
            lines, sha256 = sync_and_digest(self.temporary)
        except OSError as error:
            self.failed("store", error)
            raise
        final = os.path.abspath(self.path)
        crawl_state(self.crawler).commit_batch(
            run_id(self.crawler), final, lines, sha256, file.articles
        )
        self.crawler.signals.send_catch_log(batch_committed, articles=file.articles)
        try:
            publish(self.temporary, self.path)
        except OSError as error:
            self.failed("store", error)
            raise
        _open_temporary_files.discard(self.temporary)

    def failed(self, action: str, error: OSError) -> None:
        """Notes, for ``crawler.outcome.RunOutcome``, the first file that could not be written."""
        assert self.crawler.stats is not None
        if self.crawler.stats.get_value(FEED_ERROR_STAT) is None:
            self.crawler.stats.set_value(FEED_ERROR_STAT, f"cannot {action} {self.path}: {error}")


def outcome_counts(stats: dict[str, Any]) -> dict[str, int]:
    """A run's articles by outcome, from its stats."""
    counts = {
        "exported": stats.get("item_scraped_count", 0),
        "skipped_as_seen": stats.get(SKIPPED_AS_EXPORTED_STAT, 0),
        "dropped": stats.get("item_dropped_count", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "with_source": stats.get(f"{COUNT_PREFIX}source", 0),
        "with_authors": stats.get(f"{COUNT_PREFIX}authors", 0),
    }
    for key, value in sorted(stats.items()):
        if key.startswith(DROPPED_REASON_PREFIX):
            counts[f"dropped/{key.removeprefix(DROPPED_REASON_PREFIX)}"] = value
    return counts


def feed_directories(crawler: Crawler, spider: Spider) -> list[Path]:
    """The directories of the crawl's local feeds, their URI parameters filled in as the feed
    exporter fills them for a first batch."""
    now = datetime.now(UTC)
    params = {key: getattr(spider, key) for key in dir(spider)}
    params.update(
        time=now.replace(microsecond=0).isoformat().replace(":", "-"),
        batch_time=now.isoformat().replace(":", "-"),
        batch_id=1,
    )
    directories: list[Path] = []
    for uri, options in crawler.settings.getdict("FEEDS").items():
        path = file_feed_path(str(uri))
        if path is None:
            continue
        function = options.get("uri_params") or crawler.settings.get("FEED_URI_PARAMS")
        filled = load_object(function)(dict(params), spider) if function else None
        directory = Path(apply_uri_params(path, filled or params)).parent
        if directory not in directories:
            directories.append(directory)
    return directories


def json_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """The stats a manifest keeps: numbers, text and lists of text; times as ISO text."""
    kept: dict[str, Any] = {}
    for key, value in sorted(stats.items()):
        if key == RESULTS_STAT:
            continue
        if isinstance(value, datetime):
            kept[key] = value.isoformat()
        elif isinstance(value, (int, float, str)) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            kept[key] = value
    return kept


def manifest_name(run: str) -> str:
    return f"{run}.manifest.json"


def build_manifest(
    run: dict[str, Any],
    files: list[dict[str, Any]],
    directory: Path,
    stats: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A run's manifest as written in ``directory``: file paths are relative to it; with the
    run's ``stats``, its monitor results and its stats (JSON values only)."""
    stats = stats or {}
    return {
        "run_id": run["run_id"],
        "spider": run["spider"],
        "status": run["status"],
        "mode": run["mode"],
        "started_at": run["started_at"],
        "finished_at": run["finished_at"],
        "files": [
            {
                "path": os.path.relpath(batch["path"], directory),
                "lines": batch["lines"],
                "sha256": batch["sha256"],
            }
            for batch in files
        ],
        "counts": run["counts"],
        "error": run.get("error"),
        "monitors": stats.get(RESULTS_STAT, []),
        "stats": json_stats(stats),
        "schema_version": SCHEMA_VERSION,
        "crawler_version": __version__,
    }


class RunManifest:
    """Begins the run in the crawl state when the spider opens, after settling what stopped
    runs left; ends it when the feeds are stored, writing its manifest to each feed
    directory. A run that was killed gets a manifest (status ``killed``) at the next start.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.directories: list[Path] = []
        self.run: dict[str, Any] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        if not crawler.settings.getbool("RUN_MANIFEST_ENABLED", True):
            raise NotConfigured("RUN_MANIFEST_ENABLED is off")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        """Begins the run, unless Scrapy disabled the feed exporter: then the crawl closes
        at once, since nothing it scraped would reach a file."""
        if self.crawler.settings.getdict("FEEDS") and not self.crawler.get_extension(FeedExporter):
            logger.error(
                "Refusing to crawl: Scrapy disabled the feed exporter (its error is above),"
                " so no article would be written to a file"
            )
            raise CloseSpider(FEED_EXPORT_DISABLED)
        state = crawl_state(self.crawler)
        current = run_id(self.crawler)
        self.directories = feed_directories(self.crawler, spider)
        for directory in self.directories:
            recover_once(self.crawler, directory)
        self.close_stopped_runs(state, current)
        self.run = next(run for run in state.runs() if run["run_id"] == current)
        exporting = self.crawler.get_extension(FeedExporter) is not None
        signal = signals.feed_exporter_closed if exporting else signals.spider_closed
        self.crawler.signals.connect(self.close_run, signal=signal)

    def close_stopped_runs(self, state: CrawlState, current: str) -> None:
        """Ends the runs a killed process left open, writing the manifests they lack."""
        for run in state.runs():
            if run["finished_at"] is not None or state.is_running(run["run_id"]):
                continue
            files = state.batches(run["run_id"])
            run.update(status=KILLED, counts={}, error=KILLED_ERROR)
            for directory in {Path(batch["path"]).parent for batch in files}:
                path = directory / manifest_name(run["run_id"])
                if not path.exists():
                    write_json_atomically(path, build_manifest(run, files, directory))
            state.finish_run(run["run_id"], KILLED, {})
            logger.warning(
                "Run %s stopped before it finished; %d committed files", run["run_id"], len(files)
            )

    def close_run(self, reason: str | None = None) -> None:
        """Writes the run's manifest, then ends the run in the crawl state."""
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        state = crawl_state(self.crawler)
        files = state.batches(self.run["run_id"])
        self.run.update(
            status=stats.get(FAILED_REASON_STAT)
            or reason
            or stats.get("finish_reason")
            or "finished",
            finished_at=utc_now(),
            counts=outcome_counts(stats),
            error=stats.get(ERROR_STAT),
        )
        directories = dict.fromkeys(
            [
                *(directory.absolute() for directory in self.directories),
                *(Path(batch["path"]).parent for batch in files),
            ]
        )
        for directory in directories:
            path = directory / manifest_name(self.run["run_id"])
            try:
                directory.mkdir(parents=True, exist_ok=True)
                manifest = build_manifest(self.run, files, directory, stats)
                write_json_atomically(path, manifest)
            except OSError as error:
                logger.error("Could not write the run manifest %s: %s", path, error)
                continue
            logger.info("Wrote the run manifest %s (%d files)", path, len(files))
        state.finish_run(self.run["run_id"], self.run["status"], self.run["counts"])
