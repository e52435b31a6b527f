"""The crawl state in one SQLite file (WAL, synchronous=FULL): the embedded default backend.

The pending layer is kept in memory; ``commit_batch`` and ``finish_run`` write what the
rules of ``crawler.state.contract`` commit to the file, in one transaction together with the
record of the feed file (or the run's end). A killed process loses exactly its pending
layer. One process at a time holds a file, by a lock beside it.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler

from crawler.state.contract import FINISHED, new_run_id, utc_now
from crawler.state.memory import PendingEntries, Written
from crawler.urls import url_key

DEFAULT_CRAWL_STATE_URI = ".crawl-state/%(name)s.sqlite"
# 2: the listed set (table listed) replaced the list watermarks (table watermarks, dropped).
# 3: near-duplicate fingerprints found by band (tables fingerprints and bands) replaced the
#    signatures an index was rebuilt from at every start (table signatures, dropped).
SCHEMA_VERSION = 3

SCHEMA = """
CREATE TABLE IF NOT EXISTS url_keys (
    key TEXT PRIMARY KEY, url TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contents (
    sha256 TEXT PRIMARY KEY, url TEXT NOT NULL
) WITHOUT ROWID;
DROP TABLE IF EXISTS signatures;
CREATE TABLE IF NOT EXISTS fingerprints (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, day INTEGER,
    signature BLOB NOT NULL, body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS bands (
    key INTEGER NOT NULL, fingerprint INTEGER NOT NULL, PRIMARY KEY (key, fingerprint)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS visited (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    url TEXT PRIMARY KEY, published_at TEXT, sha256 TEXT NOT NULL, version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS versions_published ON versions (published_at);
CREATE TABLE IF NOT EXISTS expanded (
    key TEXT PRIMARY KEY, depth INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS frontier (
    key TEXT PRIMARY KEY, url TEXT NOT NULL, depth INTEGER NOT NULL, found_via TEXT
);
CREATE INDEX IF NOT EXISTS frontier_depth ON frontier (depth);
CREATE TABLE IF NOT EXISTS listed (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
DROP TABLE IF EXISTS watermarks;
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, spider TEXT NOT NULL, mode TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, status TEXT, counts TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs (run_id),
    path TEXT NOT NULL, lines INTEGER NOT NULL, sha256 TEXT NOT NULL, committed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_run ON batches (run_id);
CREATE TABLE IF NOT EXISTS exported (
    url TEXT PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batches (id)
) WITHOUT ROWID;
"""


# A frontier entry is done when its article was exported, or fetched and dropped, and its
# related links were followed from that entry's depth or closer; or when its page failed for
# good (visited, never expanded).
_DONE = (
    "((EXISTS (SELECT 1 FROM url_keys WHERE key = f.key)"
    " OR EXISTS (SELECT 1 FROM visited WHERE key = f.key))"
    " AND NOT EXISTS (SELECT 1 FROM expanded AS e WHERE e.key = f.key AND e.depth > f.depth)"
    " AND (EXISTS (SELECT 1 FROM expanded AS e WHERE e.key = f.key)"
    " OR EXISTS (SELECT 1 FROM visited WHERE key = f.key)))"
)


class CrawlStateLocked(RuntimeError):
    """Another process holds the crawl state."""


class SqliteCrawlState(PendingEntries):
    """The crawl state in a SQLite file that one crawl process at a time holds (by a lock
    beside it), so later runs see what earlier ones exported and visited."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self._acquire_lock(self.path.with_name(self.path.name + ".lock"))
        # Scrapy calls a crawl's components from one thread, its reactor's; but ``scrapy
        # shell`` builds them (and so this connection) in its main thread and then runs them
        # in a reactor thread. They never use it from two threads at once, and the sqlite3
        # module serializes calls anyway (threadsafety 3), so the same-thread check is off.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(f"{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};")
        self._run_id: str | None = None
        self._init_pending()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SqliteCrawlState:
        uri = crawler.settings.get("CRAWL_STATE_URI") or DEFAULT_CRAWL_STATE_URI
        return cls(uri.replace("%(name)s", crawler.spidercls.name))

    @staticmethod
    def _acquire_lock(path: Path) -> IO[bytes]:
        lock = path.open("ab")
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise CrawlStateLocked(f"another crawl is using the crawl state {path}") from None
        return lock

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Runs the block in one transaction, rolled back if the block raises."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _value(self, query: str, *args: object) -> Any:
        row = self._db.execute(query, args).fetchone()
        return None if row is None else row[0]

    # URL keys, content hashes and fingerprints of exported articles

    def first_url_for_key(self, key: str) -> str | None:
        return self._urls.get(key) or self._value("SELECT url FROM url_keys WHERE key = ?", key)

    def remember_url(self, key: str, url: str) -> None:
        if self.first_url_for_key(key) is None:
            self._urls[key] = url

    def first_url_for_content(self, sha256: str) -> str | None:
        return self._contents.get(sha256) or self._value(
            "SELECT url FROM contents WHERE sha256 = ?", sha256
        )

    def remember_content(self, sha256: str, url: str) -> None:
        if self.first_url_for_content(sha256) is None:
            self._contents[sha256] = url

    def remember_fingerprint(
        self, url: str, signature: bytes, bands: Sequence[int], day: int | None, body: str
    ) -> None:
        if url not in self._fingerprints and not self._value(
            "SELECT 1 FROM fingerprints WHERE url = ?", url
        ):
            self._fingerprints.add(url, (signature, tuple(bands), day, body))

    def near_candidates(
        self, bands: Sequence[int], day: int | None, window_days: int
    ) -> list[tuple[str, bytes]]:
        keys = ", ".join("?" * len(bands))
        committed = self._db.execute(
            "SELECT url, signature FROM fingerprints WHERE id IN"
            f" (SELECT fingerprint FROM bands WHERE key IN ({keys}))"
            " AND (? IS NULL OR day IS NULL OR day BETWEEN ? AND ?) ORDER BY id",
            (*bands, day, (day or 0) - window_days, (day or 0) + window_days),
        ).fetchall()
        return [*committed, *self._fingerprints.near_candidates(bands, day, window_days)]

    def remembered_body(self, url: str) -> str | None:
        if (pending := self._fingerprints.get(url)) is not None:
            return pending[3]
        stored = self._value("SELECT body FROM fingerprints WHERE url = ?", url)
        return None if stored is None else zlib.decompress(stored).decode("utf-8")

    def is_exported(self, url: str) -> bool:
        return self._value("SELECT 1 FROM exported WHERE url = ?", url) is not None

    def deciding(self) -> AbstractContextManager[object]:
        return nullcontext()

    # Pages that exported nothing, and related links not yet fetched

    def mark_visited(self, key: str) -> None:
        self._visited.add(key)

    def add_frontier(self, url: str, key: str, depth: int, found_via: str | None) -> None:
        known = self._frontier.get(key)
        if known is None or depth < known[1]:
            self._frontier[key] = (url, depth, found_via)

    def remember_version(
        self, url: str, published_at: str | None, sha256: str, version: int
    ) -> None:
        self._versions[url] = (published_at, sha256, version)

    def recent_articles(self, since: str) -> list[tuple[str, str, int]]:
        rows = self._db.execute(
            "SELECT url, sha256, version FROM versions WHERE substr(published_at, 1, 10) >= ?"
            " ORDER BY published_at DESC",
            (since,),
        )
        return list(rows)

    def mark_expanded(self, key: str, depth: int) -> None:
        self._expanded[key] = min(depth, self._expanded.get(key, depth))

    def expanded_depth(self, key: str) -> int | None:
        stored = self._value("SELECT depth FROM expanded WHERE key = ?", key)
        depths = [d for d in (stored, self._expanded.get(key)) if d is not None]
        return min(depths) if depths else None

    def frontier(self) -> list[tuple[str, int, str | None]]:
        rows = self._db.execute(
            "SELECT key, url, depth, found_via FROM frontier ORDER BY depth, rowid"
        ).fetchall()
        return [
            (url, depth, found_via)
            for key, url, depth, found_via in rows
            if not self._seen_done(key, depth)
        ]

    def _seen_done(self, key: str, depth: int) -> bool:
        """``_DONE`` judged on the pending and the committed entries together."""
        visited = key in self._visited or (
            self._value("SELECT 1 FROM visited WHERE key = ?", key) is not None
        )
        expanded = self.expanded_depth(key)
        if expanded is None:
            return visited
        known = visited or self.first_url_for_key(key) is not None
        return known and expanded <= depth

    # The listed set

    def note_listed(self, keys: Iterable[str]) -> None:
        self._listed.update(keys)

    def was_listed(self, key: str) -> bool:
        return self._value("SELECT 1 FROM listed WHERE key = ?", key) is not None

    # Runs and batches

    def begin_run(self, spider: str, mode: str) -> str:
        run_id = new_run_id(
            taken=lambda run: self._value("SELECT 1 FROM runs WHERE run_id = ?", run) is not None
        )
        self._db.execute(
            "INSERT INTO runs (run_id, spider, mode, started_at) VALUES (?, ?, ?, ?)",
            (run_id, spider, mode, utc_now()),
        )
        self._run_id = run_id
        return run_id

    def finish_run(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        """Records a run's end. Finishing this process's run also commits what no batch holds
        (visited pages, frontier links) and, with status ``finished``, its listed set."""
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
                (utc_now(), status, json.dumps(counts, sort_keys=True), run_id),
            )
            if run_id != self._run_id:
                return
            if status == FINISHED:
                db.executemany(
                    "INSERT OR IGNORE INTO listed (key) VALUES (?)",
                    [(key,) for key in self._listed],
                )
            written = self._write_pending(None, ())
        self._listed.clear()
        self._drop_pending(written)

    def is_running(self, run_id: str) -> bool:
        return run_id == self._run_id and (
            self._value("SELECT 1 FROM runs WHERE run_id = ? AND finished_at IS NULL", run_id)
            is not None
        )

    def runs(self) -> list[dict]:
        rows = self._db.execute(
            "SELECT run_id, spider, mode, started_at, finished_at, status, counts"
            " FROM runs ORDER BY run_id"
        )
        return [
            {
                "run_id": run_id,
                "spider": spider,
                "mode": mode,
                "started_at": started_at,
                "finished_at": finished_at,
                "status": status,
                "counts": json.loads(counts) if counts else {},
            }
            for run_id, spider, mode, started_at, finished_at, status, counts in rows
        ]

    def commit_batch(
        self,
        run_id: str,
        path: str,
        lines: int,
        sha256: str,
        articles: Collection[tuple[str, str]],
    ) -> None:
        """Records a finished feed file and commits, in the same transaction, the pending
        entries of its ``articles`` (each ``(url, canonical_url)``) and all that waited
        for them."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO batches (run_id, path, lines, sha256, committed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (run_id, path, lines, sha256, utc_now()),
            )
            written = self._write_pending(cursor.lastrowid, articles)
        self._drop_pending(written)

    def batches(self, run_id: str | None = None) -> list[dict]:
        query = "SELECT id, run_id, path, lines, sha256, committed_at FROM batches"
        rows = (
            self._db.execute(f"{query} ORDER BY id")
            if run_id is None
            else self._db.execute(f"{query} WHERE run_id = ? ORDER BY id", (run_id,))
        )
        return [
            {
                "id": batch_id,
                "run_id": run,
                "path": path,
                "lines": lines,
                "sha256": sha256,
                "committed_at": committed_at,
            }
            for batch_id, run, path, lines, sha256, committed_at in rows
        ]

    def exported_count(self) -> int:
        return self._value("SELECT COUNT(*) FROM exported")

    def _write_pending(
        self, batch_id: int | None, articles: Collection[tuple[str, str]]
    ) -> Written:
        """Writes the pending entries that may be committed now, within a transaction."""
        db = self._db
        db.executemany(
            "INSERT OR IGNORE INTO exported (url, batch_id) VALUES (?, ?)",
            [(url, batch_id) for url, _ in articles],
        )
        db.executemany(
            "INSERT OR IGNORE INTO visited (key) VALUES (?)", [(key,) for key in self._visited]
        )
        batch_keys = {url_key(url) for article in articles for url in article}
        batch_urls = {url for url, _ in articles}

        def exported(url: str) -> bool:
            return self._value("SELECT 1 FROM exported WHERE url = ?", url) is not None

        def visited(key: str) -> bool:
            return self._value("SELECT 1 FROM visited WHERE key = ?", key) is not None

        written = Written(
            urls=[
                (key, url)
                for key, url in self._urls.items()
                if key in batch_keys or (visited(key) and exported(url))
            ],
            contents=[(sha, url) for sha, url in self._contents.items() if exported(url)],
            fingerprints=[url for url in self._fingerprints.urls() if exported(url)],
            versions=[(url, *entry) for url, entry in self._versions.items() if url in batch_urls],
        )
        db.executemany("INSERT OR IGNORE INTO url_keys (key, url) VALUES (?, ?)", written.urls)
        db.executemany(
            "INSERT OR IGNORE INTO contents (sha256, url) VALUES (?, ?)", written.contents
        )
        for url in written.fingerprints:
            signature, bands, day, body = self._fingerprints[url]
            row = db.execute(
                "INSERT INTO fingerprints (url, day, signature, body) VALUES (?, ?, ?, ?)",
                (url, day, signature, zlib.compress(body.encode("utf-8"))),
            ).lastrowid
            db.executemany(
                "INSERT OR IGNORE INTO bands (key, fingerprint) VALUES (?, ?)",
                [(key, row) for key in bands],
            )
        db.executemany(
            "INSERT OR REPLACE INTO versions (url, published_at, sha256, version)"
            " VALUES (?, ?, ?, ?)",
            written.versions,
        )
        db.executemany(
            "INSERT INTO expanded (key, depth) VALUES (?, ?) ON CONFLICT (key)"
            " DO UPDATE SET depth = excluded.depth WHERE excluded.depth < expanded.depth",
            list(self._expanded.items()),
        )
        db.executemany(
            "INSERT INTO frontier (key, url, depth, found_via) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT (key) DO UPDATE SET url = excluded.url, depth = excluded.depth,"
            " found_via = excluded.found_via WHERE excluded.depth < frontier.depth",
            [(key, *entry) for key, entry in self._frontier.items()],
        )
        # Only an entry whose key this commit wrote can have become done (the rest were
        # judged at earlier commits): look those up by key instead of scanning the frontier.
        touched = {key for key, _ in written.urls}
        touched |= self._visited | self._expanded.keys() | self._frontier.keys()
        db.executemany(
            f"DELETE FROM frontier AS f WHERE f.key = ? AND {_DONE}", [(key,) for key in touched]
        )
        return written

    def close(self) -> None:
        """Closes the file, dropping the pending layer, and releases the lock."""
        self._db.close()
        self._lock.close()
