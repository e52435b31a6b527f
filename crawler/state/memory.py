"""The crawl state in dictionaries: the reference backend of ``crawler.state.contract``.

Two layers of the same plain dictionaries and sets, committed and pending, and the commit
rules written out once in ``_commit``. Its durability is the process: a fresh instance
starts empty, so it suits a crawl whose site is new each run (the in-process replica).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from crawler.state.contract import FINISHED, new_run_id, utc_now, within_window
from crawler.urls import url_key

FingerprintRecord = tuple[bytes, Sequence[int], int | None, str]
"""What a state keeps of an article's fingerprint: signature, band keys, publish day, normalized
body."""


class Fingerprints:
    """Fingerprints by URL, in the order they were added, and the URLs under each band key."""

    def __init__(self) -> None:
        self._by_url: dict[str, FingerprintRecord] = {}
        self._positions: dict[str, int] = {}
        self._bands: dict[int, list[str]] = {}

    def __contains__(self, url: str) -> bool:
        return url in self._by_url

    def urls(self) -> list[str]:
        return list(self._by_url)

    def __getitem__(self, url: str) -> FingerprintRecord:
        return self._by_url[url]

    def get(self, url: str) -> FingerprintRecord | None:
        return self._by_url.get(url)

    def add(self, url: str, fingerprint: FingerprintRecord) -> None:
        self._positions[url] = len(self._positions)
        self._by_url[url] = fingerprint
        for key in fingerprint[1]:
            self._bands.setdefault(key, []).append(url)

    def remove(self, urls: Collection[str]) -> None:
        """Forgets the fingerprints of ``urls`` (the band index is rebuilt without them)."""
        kept = [(url, f) for url, f in self._by_url.items() if url not in urls]
        self._by_url, self._positions, self._bands = {}, {}, {}
        for url, fingerprint in kept:
            self.add(url, fingerprint)

    def near_candidates(
        self, bands: Sequence[int], day: int | None, window_days: int
    ) -> list[tuple[str, bytes]]:
        """(URL, signature) sharing a band with ``bands``, within the window, in order."""
        urls = {url for key in bands for url in self._bands.get(key, ())}
        return [
            (url, self._by_url[url][0])
            for url in sorted(urls, key=self._positions.__getitem__)
            if within_window(day, self._by_url[url][2], window_days)
        ]


@dataclass
class _Layer:
    """What a crawl remembers, committed or pending."""

    urls: dict[str, str] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)
    fingerprints: Fingerprints = field(default_factory=Fingerprints)
    versions: dict[str, tuple[str | None, str, int]] = field(default_factory=dict)
    visited: set[str] = field(default_factory=set)
    expanded: dict[str, int] = field(default_factory=dict)
    frontier: dict[str, tuple[str, int, str | None]] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)


def _done(key: str, depth: int, *layers: _Layer) -> bool:
    """Whether the frontier entry (``key``, ``depth``) is done, judged on ``layers``."""
    visited = any(key in layer.visited for layer in layers)
    depths = [layer.expanded[key] for layer in layers if key in layer.expanded]
    if not depths:
        return visited
    known = visited or any(key in layer.urls for layer in layers)
    return known and min(depths) <= depth


class MemoryCrawlState:
    """The crawl state of one process, in a committed and a pending ``_Layer``."""

    def __init__(self) -> None:
        self._committed = _Layer()
        self._pending = _Layer()
        self._exported: set[str] = set()
        self._runs: dict[str, dict] = {}
        self._batches: list[dict] = []
        self._run_id: str | None = None

    # Seen articles

    def first_url_for_key(self, key: str) -> str | None:
        return self._committed.urls.get(key) or self._pending.urls.get(key)

    def remember_url(self, key: str, url: str) -> None:
        if self.first_url_for_key(key) is None:
            self._pending.urls[key] = url

    def first_url_for_content(self, sha256: str) -> str | None:
        return self._committed.contents.get(sha256) or self._pending.contents.get(sha256)

    def remember_content(self, sha256: str, url: str) -> None:
        if self.first_url_for_content(sha256) is None:
            self._pending.contents[sha256] = url

    def remember_fingerprint(
        self, url: str, signature: bytes, bands: Sequence[int], day: int | None, body: str
    ) -> None:
        if url not in self._committed.fingerprints and url not in self._pending.fingerprints:
            self._pending.fingerprints.add(url, (signature, tuple(bands), day, body))

    def near_candidates(
        self, bands: Sequence[int], day: int | None, window_days: int
    ) -> list[tuple[str, bytes]]:
        return [
            *self._committed.fingerprints.near_candidates(bands, day, window_days),
            *self._pending.fingerprints.near_candidates(bands, day, window_days),
        ]

    def remembered_body(self, url: str) -> str | None:
        fingerprint = self._committed.fingerprints.get(url) or self._pending.fingerprints.get(url)
        return None if fingerprint is None else fingerprint[3]

    def is_exported(self, url: str) -> bool:
        return url in self._exported

    def deciding(self) -> AbstractContextManager[object]:
        return nullcontext()

    # Frontier

    def mark_visited(self, key: str) -> None:
        self._pending.visited.add(key)

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        known = self._pending.frontier.get(key)
        if known is None or depth < known[1]:
            self._pending.frontier[key] = (url, depth, found_via)

    def mark_expanded(self, key: str, depth: int) -> None:
        self._pending.expanded[key] = min(depth, self._pending.expanded.get(key, depth))

    def expanded_depth(self, key: str) -> int | None:
        depths = [
            layer.expanded[key]
            for layer in (self._committed, self._pending)
            if key in layer.expanded
        ]
        return min(depths) if depths else None

    def frontier(self) -> list[tuple[str, int, str | None]]:
        entries = sorted(self._committed.frontier.items(), key=lambda item: item[1][1])
        return [
            entry
            for key, entry in entries
            if not _done(key, entry[1], self._committed, self._pending)
        ]

    # Listed set

    def note_listed(self, keys: Iterable[str]) -> None:
        self._pending.listed.update(keys)

    def was_listed(self, key: str) -> bool:
        return key in self._committed.listed

    # Versions

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        self._pending.versions[url] = (published_at, sha256, version)

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        recent = [
            (published_at, (url, sha256, version))
            for url, (published_at, sha256, version) in self._committed.versions.items()
            if published_at is not None and published_at[:10] >= since
        ]
        recent.sort(key=lambda item: item[0], reverse=True)
        return [article for _, article in recent]

    # Runs and batches

    def begin_run(self, spider: str, mode: str) -> str:
        run_id = new_run_id(taken=self._runs.__contains__)
        self._runs[run_id] = {
            "run_id": run_id,
            "spider": spider,
            "mode": mode,
            "started_at": utc_now(),
            "finished_at": None,
            "status": None,
            "counts": {},
        }
        self._run_id = run_id
        return run_id

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        if run_id in self._runs:
            self._runs[run_id].update(finished_at=utc_now(), status=status, counts=dict(counts))
        if run_id != self._run_id:
            return
        if status == FINISHED:
            self._committed.listed |= self._pending.listed
        self._pending.listed.clear()
        self._commit(())

    def is_running(self, run_id: str) -> bool:
        return run_id == self._run_id and self._runs[run_id]["finished_at"] is None

    def runs(self) -> list[dict]:
        return [
            {**self._runs[run_id], "counts": dict(self._runs[run_id]["counts"])}
            for run_id in sorted(self._runs)
        ]

    def commit_batch(
        self,
        run_id: str,
        path: str,
        lines: int,
        sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        if run_id not in self._runs:
            raise KeyError(f"no run {run_id} to commit a batch for")
        self._batches.append(
            {
                "id": len(self._batches) + 1,
                "run_id": run_id,
                "path": path,
                "lines": lines,
                "sha256": sha256,
                "committed_at": utc_now(),
            }
        )
        self._commit(articles)

    def batches(self, run_id: str | None = None) -> list[dict]:
        return [dict(b) for b in self._batches if run_id is None or b["run_id"] == run_id]

    def close(self) -> None:
        """Drops the pending layer, as a kill would. What was committed stays readable: what
        a durable backend's next process would see."""
        self._pending = _Layer()

    def _commit(self, articles: Collection[tuple[str, str]]) -> None:
        """Moves the pending entries that ``articles`` (a batch's, or none) commit."""
        pending, committed = self._pending, self._committed
        self._exported.update(url for url, _ in articles)
        committed.visited |= pending.visited
        batch_keys = {url_key(url) for article in articles for url in article}
        batch_urls = {url for url, _ in articles}
        urls = {
            key: url
            for key, url in pending.urls.items()
            if key in batch_keys or (key in committed.visited and url in self._exported)
        }
        contents = {sha: url for sha, url in pending.contents.items() if url in self._exported}
        fingerprints = [url for url in pending.fingerprints.urls() if url in self._exported]
        versions = {url: v for url, v in pending.versions.items() if url in batch_urls}
        for key, url in urls.items():
            committed.urls.setdefault(key, url)
            del pending.urls[key]
        for sha, url in contents.items():
            committed.contents.setdefault(sha, url)
            del pending.contents[sha]
        for url in fingerprints:
            committed.fingerprints.add(url, pending.fingerprints[url])
        if fingerprints:
            pending.fingerprints.remove(set(fingerprints))
        for url, version in versions.items():
            committed.versions[url] = version
            del pending.versions[url]
        for key, depth in pending.expanded.items():
            committed.expanded[key] = min(depth, committed.expanded.get(key, depth))
        for key, entry in pending.frontier.items():
            known = committed.frontier.get(key)
            if known is None or entry[1] < known[1]:
                committed.frontier[key] = entry
        for key in [k for k, e in committed.frontier.items() if _done(k, e[1], committed)]:
            del committed.frontier[key]
        pending.visited.clear()
        pending.expanded.clear()
        pending.frontier.clear()


@dataclass(frozen=True)
class Written:
    """The pending entries one commit of a durable backend wrote."""

    urls: list[tuple[str, str]]
    contents: list[tuple[str, str]]
    fingerprints: list[str]
    versions: list[tuple[str, str | None, str, int]]


class PendingEntries:
    """The pending layer of a durable backend (``crawler.state.sqlite``,
    ``crawler.state.redis``): this process's entries, in memory until a commit writes them."""

    def _init_pending(self) -> None:
        self._urls: dict[str, str] = {}
        self._contents: dict[str, str] = {}
        self._fingerprints = Fingerprints()
        self._visited: set[str] = set()
        self._frontier: dict[str, tuple[str, int, str | None]] = {}
        self._expanded: dict[str, int] = {}
        self._versions: dict[str, tuple[str | None, str, int]] = {}
        self._listed: set[str] = set()

    def _drop_pending(self, written: Written) -> None:
        """Forgets the pending entries a committed transaction wrote."""
        for key, _ in written.urls:
            del self._urls[key]
        for sha, _ in written.contents:
            del self._contents[sha]
        for url, *_ in written.versions:
            del self._versions[url]
        if written.fingerprints:
            self._fingerprints.remove(set(written.fingerprints))
        self._visited.clear()
        self._frontier.clear()
        self._expanded.clear()
