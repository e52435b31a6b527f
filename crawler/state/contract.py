"""The crawl state contract: what a crawl remembers, and when it becomes durable.

``CrawlState`` is five small protocols that every backend (``crawler.state.memory``,
``crawler.state.sqlite``, ``crawler.state.redis``) implements with the same commit rules, which
``tests/test_state_contract.py`` checks on each of them.

The pending layer
-----------------
Every write goes to a pending layer first, which the lookups of this process see at once
(``first_url_for_key``, ``first_url_for_content``, ``near_candidates``, ``expanded_depth``): the
pipelines must see this run's articles as soon as they pass. Only ``commit_batch`` (and, for
what records no export, ``finish_run`` of this process's own run) moves pending entries to
the committed part, which later processes see. ``close`` and a kill commit nothing: they lose
exactly the pending layer, the articles of the feed files the run never finished, which the
next run therefore exports again. Runs and batch records are not pending: ``begin_run``,
``finish_run`` and ``commit_batch`` record them at once.

**The exported set only ever grows inside a batch commit**: ``is_exported`` is true for the
URLs of articles of a committed batch, and for nothing else, ever.

A pending entry is committed with the batch that holds its article, not with whichever
batch happens to be stored next: Scrapy stores a full batch while the following articles
already go through the pipelines, and their entries must wait for their own batch.
``commit_batch(articles=[(url, canonical_url), ...])`` commits, in one step:

- the articles' URLs into the exported set;
- a URL key's first URL, when the key is that of one of the batch's URLs or canonical URLs,
  or when the key is visited (a dropped page) and its first URL is exported;
- a content hash's URL or a URL's fingerprint, when that URL is exported;
- an article's version, when its URL is one of the batch's URLs;
- every visited key, expanded depth (the least) and frontier link (the least depth per
  key), since they record no export; then frontier entries that are done are removed.

Entries of articles in no committed batch stay pending (their first copy may still be
committed by a later batch) and are lost with the process. ``finish_run`` of this
process's run commits what ``commit_batch(articles=[])`` would, and, with status
``finished``, the listed set; finishing another (killed) process's run only records its end.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

FINISHED = "finished"


def within_window(day: int | None, other: int | None, window_days: int) -> bool:
    """Whether two publish days (proleptic ordinals) are at most ``window_days`` apart; true
    when either is unknown."""
    return day is None or other is None or abs(day - other) <= window_days


def utc_now() -> str:
    """The current UTC time in ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_run_id(taken: Callable[[str], bool] = lambda run_id: False) -> str:
    """A run id that sorts by start time, ``20261129T162400Z-1a2b``, and is not ``taken``
    (two runs started in one second may draw the same 16 random bits)."""
    while True:
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
        if not taken(run_id):
            return run_id


@runtime_checkable
class SeenArticles(Protocol):
    """URL keys and content hashes of exported articles, each with the URL of the first
    exported article of that story; their near-duplicate fingerprints, found by MinHash band;
    and the exported set itself.

    ``remember_*`` keep the first value for a key (``INSERT OR IGNORE``, ``HSETNX``), pending
    or committed, so the earliest URL of a story wins whatever order workers write in. The
    lookups see pending and committed entries; ``is_exported`` only committed batches.
    """

    def first_url_for_key(self, key: str) -> str | None:
        """The URL remembered for a ``crawler.urls.url_key``, pending or committed."""
        ...

    def remember_url(self, key: str, url: str) -> None:
        """Remember ``url`` for ``key`` unless a URL is remembered for it already. Committed
        with the batch holding an article under ``key``, or once ``key`` is visited and
        ``url`` exported."""
        ...

    def first_url_for_content(self, sha256: str) -> str | None:
        """The URL remembered for a ``crawler.dedup.content_hash``, pending or committed."""
        ...

    def remember_content(self, sha256: str, url: str) -> None:
        """Remember ``url`` for a content hash unless one is remembered for it already.
        Committed once ``url`` is exported."""
        ...

    def remember_fingerprint(
        self, url: str, signature: bytes, bands: Sequence[int], day: int | None, body: str
    ) -> None:
        """Remember an article's near-duplicate fingerprint (``crawler.dedup.Fingerprint``):
        its MinHash signature, band keys, publish day (a proleptic ordinal, None if unknown)
        and normalized body, unless one is remembered for ``url``. Committed once ``url`` is
        exported."""
        ...

    def near_candidates(
        self, bands: Sequence[int], day: int | None, window_days: int
    ) -> list[tuple[str, bytes]]:
        """(URL, signature) of the remembered fingerprints, pending or committed, that share a
        band key with ``bands`` and were published within ``window_days`` of ``day`` (every
        one, when either day is unknown): the committed in the order they were committed,
        then the pending."""
        ...

    def remembered_body(self, url: str) -> str | None:
        """The normalized body remembered with ``url``'s fingerprint, pending or committed."""
        ...

    def is_exported(self, url: str) -> bool:
        """Whether ``url`` is the URL of an article of a committed batch (pending: no)."""
        ...

    def deciding(self) -> AbstractContextManager[object]:
        """A section in which no other worker of the crawl remembers articles."""
        ...


@runtime_checkable
class Frontier(Protocol):
    """Pages fetched that exported nothing, related links to fetch, and how far the related
    links of each article were followed: a killed run's unfinished work, for the next run.

    All of it is committed by any ``commit_batch`` and by ``finish_run`` of this process's run,
    whatever its status (it records no export). A frontier entry (key, depth) is *done* when
    its article was exported or visited and its related links were followed from ``depth`` or
    closer; or when its page was visited (failed for good, or dropped) and never expanded.
    Done entries are removed when committed. Depth 0 is a list page's article.
    """

    def mark_visited(self, key: str) -> None:
        """A URL key whose page was fetched and exported nothing (dropped, failed for good)."""
        ...

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        """A link found (on a list page: depth 0; in an article's related news: its depth + 1)
        to fetch in this or a later run. The least depth per key is kept."""
        ...

    def mark_expanded(self, key: str, depth: int) -> None:
        """The related links of the article under ``key`` were followed from ``depth``."""
        ...

    def expanded_depth(self, key: str) -> int | None:
        """The least depth, pending or committed, the related links under ``key`` were followed
        from."""
        ...

    def frontier(self) -> list[tuple[str, int, str | None]]:
        """(url, depth, found_via) of committed frontier entries not done (judged on pending
        and committed entries), by depth, then in the order they were first committed."""
        ...


@runtime_checkable
class ListedArticles(Protocol):
    """The listed set: URL keys of the articles list pages showed to finished runs.

    A list walk stops at the first page all of whose articles were listed by a finished run:
    everything older was walked then. The rule does not depend on the order of links on a page
    (a pinned item at the top changes nothing), and it is safe against kills: a run's notes
    are committed only when it finishes, so a killed or failed run leaves the listed set as it
    was and the next run walks at least as far back.
    """

    def note_listed(self, keys: Iterable[str]) -> None:
        """URL keys of articles seen on a list page in this run. Pending; committed only by
        ``finish_run`` of this process's own run with status ``finished``, lost otherwise."""
        ...

    def was_listed(self, key: str) -> bool:
        """Whether a finished run noted ``key`` (this run's pending notes do not count)."""
        ...


@runtime_checkable
class ArticleVersions(Protocol):
    """The exported version of each article, to recheck recent ones (``RECHECK_DAYS``)."""

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        """The exported version of an article: its publish time and content hash. Pending;
        committed (replacing the earlier version) with the batch holding ``url``."""
        ...

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        """(url, content sha256, version) of committed versions published on ``since`` (an ISO
        date) or later, newest first."""
        ...


@runtime_checkable
class RunLog(Protocol):
    """Runs and the feed files (batches) they committed; recorded at once, not pending."""

    def begin_run(self, spider: str, mode: str) -> str:
        """Records a run's start; returns its id (``new_run_id``, sortable by start time, and
        unlike every recorded run's: ids of one second differ only by 16 random bits). The run
        is this process's own run, whose pending layer ``finish_run`` commits."""
        ...

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        """Records a run's end. For this process's run it also commits what no batch holds
        (visited keys, expanded depths, frontier links, entries of dropped pages whose first
        URL is exported) and, with status ``finished`` only, the listed set; pending entries
        of unexported articles stay pending. Another process's run only gets its end."""
        ...

    def runs(self) -> list[dict]:
        """Every run by id: run_id, spider, mode, started_at, finished_at, status, counts."""
        ...

    def is_running(self, run_id: str) -> bool:
        """Whether the run's process still holds the state (its run is not finished and its
        process is alive)."""
        ...

    def commit_batch(
        self,
        run_id: str,
        path: str,
        lines: int,
        sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        """Records a finished feed file and commits, in the same step, its ``articles`` (each
        ``(url, canonical_url)``), their pending entries and all that waited for them (the
        rules in this module's docstring). Nothing is committed if it fails."""
        ...

    def batches(self, run_id: str | None = None) -> list[dict]:
        """Committed feed files, oldest first: id, run_id, path, lines, sha256, committed_at."""
        ...


@runtime_checkable
class CrawlState(SeenArticles, Frontier, ListedArticles, ArticleVersions, RunLog, Protocol):
    """The whole crawl state, as ``crawl_state(crawler)`` returns it."""

    def close(self) -> None:
        """Releases the backend, committing nothing: the pending layer is dropped, as by a
        kill. Called when the engine stops, after the feeds stored their last batch."""
        ...
