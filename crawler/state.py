"""What a crawl remembers about the articles it has exported, behind one interface.

``DedupPipeline`` and the spider read and write it through ``crawl_state(crawler)``; the
``CRAWL_STATE_CLASS`` setting picks the backend. ``MemoryCrawlState`` lives as long as the
crawl; a persistent backend (SQLite, Redis) implements the same methods over its tables or
keys, so later crawls and other workers see the same articles.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

MEMORY_CRAWL_STATE = "crawler.state.MemoryCrawlState"


def utc_now() -> str:
    """The current UTC time in ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_run_id() -> str:
    """A run id that sorts by start time: ``20261129T162400Z-1a2b``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
_ATTRIBUTE = "_cnfinance_crawl_state"


@runtime_checkable
class CrawlState(Protocol):
    """URL keys, content hashes and MinHash signatures of exported articles, each with the URL
    of the first exported article of that story.

    ``remember_*`` keep the first value for a key (``INSERT OR IGNORE``, ``HSETNX``), so the
    earliest URL of a story wins whatever order workers write in.
    """

    def first_url_for_key(self, key: str) -> str | None:
        """The URL remembered for a ``crawler.urls.url_key``, if any."""
        ...

    def remember_url(self, key: str, url: str) -> None:
        """Remember ``url`` for ``key`` unless a URL is remembered for it already."""
        ...

    def first_url_for_content(self, sha256: str) -> str | None:
        """The URL remembered for a ``crawler.dedup.content_hash``, if any."""
        ...

    def remember_content(self, sha256: str, url: str) -> None:
        """Remember ``url`` for a content hash unless a URL is remembered for it already."""
        ...

    def remember_signature(self, url: str, signature: bytes) -> None:
        """Remember the MinHash signature (``crawler.dedup.signature``) of an article."""
        ...

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        """Every remembered (URL, signature), oldest first, to rebuild a near-duplicate index."""
        ...

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        """The exported version of an article: its publish time and content hash."""
        ...

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        """(url, content sha256, version) of exported articles published on ``since`` (an ISO
        date) or later."""
        ...

    def mark_visited(self, key: str) -> None:
        """A URL key whose page was fetched and exported nothing (dropped, failed)."""
        ...

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        """A related-news link found on an article, to fetch in this or a later run."""
        ...

    def mark_expanded(self, key: str, depth: int) -> None:
        """The related links of the article under ``key`` were followed from ``depth``."""
        ...

    def expanded_depth(self, key: str) -> int | None:
        """The least depth the related links of the article under ``key`` were followed from."""
        ...

    def frontier(self) -> list[tuple[str, int, str | None]]:
        """(url, depth, found_via) of links found earlier and not yet done (exported and
        expanded from that depth or closer) nor visited, least depth per key: a killed run's
        unfinished work."""
        ...

    def list_watermark(self, list_key: str) -> str | None:
        """The URL key of the newest article the last finished run saw on a list's first page."""
        ...

    def set_list_watermark(self, list_key: str, article_key: str) -> None:
        """The newest article on a list's first page now; kept once the run finishes."""
        ...

    def begin_run(self, spider: str, mode: str) -> str:
        """Records a run's start; returns its id (sortable by start time)."""
        ...

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        """Records a run's end; with status ``finished`` its list watermarks are kept."""
        ...

    def runs(self) -> list[dict]:
        """Every run: run_id, spider, mode, started_at, finished_at, status, counts."""
        ...

    def commit_batch(
        self, run_id: str, path: str, lines: int, sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        """Records a finished feed file, committing with it what its articles left pending."""
        ...

    def batches(self, run_id: str | None = None) -> list[dict]:
        """Committed feed files: id, run_id, path, lines, sha256, committed_at."""
        ...

    def close(self) -> None:
        """Flush and release the backend; called when the engine stops."""
        ...


class MemoryCrawlState:
    """The crawl state in dictionaries: one crawl, one process."""

    def __init__(self) -> None:
        self._urls: dict[str, str] = {}
        self._contents: dict[str, str] = {}
        self._signatures: dict[str, bytes] = {}
        self._runs: dict[str, dict] = {}
        self._batches: list[dict] = []

    def first_url_for_key(self, key: str) -> str | None:
        return self._urls.get(key)

    def remember_url(self, key: str, url: str) -> None:
        self._urls.setdefault(key, url)

    def first_url_for_content(self, sha256: str) -> str | None:
        return self._contents.get(sha256)

    def remember_content(self, sha256: str, url: str) -> None:
        self._contents.setdefault(sha256, url)

    def remember_signature(self, url: str, signature: bytes) -> None:
        self._signatures.setdefault(url, signature)

    def signatures(self) -> Iterator[tuple[str, bytes]]:
        yield from self._signatures.items()

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        """Nothing to do: no later run rechecks it."""

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        return []

    def mark_visited(self, key: str) -> None:
        """Nothing to do: a crawl in memory has no later run to spare the visit."""

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        """Nothing to do: the running crawl requests the link itself."""

    def mark_expanded(self, key: str, depth: int) -> None:
        """Nothing to do: the running crawl tracks expansion itself."""

    def expanded_depth(self, key: str) -> int | None:
        return None

    def frontier(self) -> list[tuple[str, int, str | None]]:
        return []

    def list_watermark(self, list_key: str) -> str | None:
        return None

    def set_list_watermark(self, list_key: str, article_key: str) -> None:
        """Nothing to do: no later run reads it."""

    def begin_run(self, spider: str, mode: str) -> str:
        run_id = new_run_id()
        self._runs[run_id] = {
            "run_id": run_id, "spider": spider, "mode": mode,
            "started_at": utc_now(),
            "finished_at": None, "status": None, "counts": {},
        }
        return run_id

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        self._runs[run_id].update(
            finished_at=utc_now(),
            status=status, counts=counts,
        )

    def runs(self) -> list[dict]:
        return [dict(run) for run in self._runs.values()]

    def commit_batch(
        self, run_id: str, path: str, lines: int, sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        self._batches.append({
            "id": len(self._batches) + 1, "run_id": run_id, "path": path, "lines": lines,
            "sha256": sha256, "committed_at": utc_now(),
        })

    def batches(self, run_id: str | None = None) -> list[dict]:
        return [dict(b) for b in self._batches if run_id is None or b["run_id"] == run_id]

    def close(self) -> None:
        """Nothing to release."""


def crawl_state(crawler: Crawler) -> CrawlState:
    """The crawler's one crawl state, built on first use from ``CRAWL_STATE_CLASS``.

    It is kept as an attribute of the crawler rather than in a weak-keyed registry: a state
    built by ``from_crawler`` may hold the crawler (for its settings or stats), which would
    keep a weakly keyed entry alive forever; as an attribute it goes with its crawler.
    """
    state = getattr(crawler, _ATTRIBUTE, None)
    if state is None:
        path = crawler.settings.get("CRAWL_STATE_CLASS") or MEMORY_CRAWL_STATE
        state = build_from_crawler(load_object(path), crawler)
        if not isinstance(state, CrawlState):
            raise TypeError(f"CRAWL_STATE_CLASS {path} does not implement CrawlState")
        setattr(crawler, _ATTRIBUTE, state)
        # Feeds store their last batch (and commit it to the state) after spider_closed.
        crawler.signals.connect(state.close, signal=signals.engine_stopped)
    return state
