"""What a crawl remembers about the articles it has exported, behind one interface.

``DedupPipeline`` and the spider read and write it through ``crawl_state(crawler)``; the
``CRAWL_STATE_CLASS`` setting picks the backend. ``MemoryCrawlState`` lives as long as the
crawl; a persistent backend (SQLite, Redis) implements the same methods over its tables or
keys, so later crawls and other workers see the same articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

DEFAULT_CRAWL_STATE_CLASS = "crawler.state.MemoryCrawlState"
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

    def close(self) -> None:
        """Flush and release the backend; called when the engine stops."""
        ...


class MemoryCrawlState:
    """The crawl state in dictionaries: one crawl, one process."""

    def __init__(self) -> None:
        self._urls: dict[str, str] = {}
        self._contents: dict[str, str] = {}
        self._signatures: dict[str, bytes] = {}

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
        path = crawler.settings.get("CRAWL_STATE_CLASS") or DEFAULT_CRAWL_STATE_CLASS
        state = build_from_crawler(load_object(path), crawler)
        if not isinstance(state, CrawlState):
            raise TypeError(f"CRAWL_STATE_CLASS {path} does not implement CrawlState")
        setattr(crawler, _ATTRIBUTE, state)
        # Feeds store their last batch (and commit it to the state) after spider_closed.
        crawler.signals.connect(state.close, signal=signals.engine_stopped)
    return state
