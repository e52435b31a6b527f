"""Keeps each story once: drops (or marks) articles whose URL, body or near-body was exported."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.dedup import (
    DEDUP_WINDOW_DAYS,
    NEAR_THRESHOLD,
    NearDuplicateFinder,
    content_hash,
    fingerprint,
    normalized_body,
    normalized_hash,
    publish_day,
)
from crawler.state import CrawlState, crawl_state
from crawler.urls import url_key

URL, EXACT, NEAR = "url", "exact", "near"
POLICIES = ("drop", "mark")


class DuplicateArticle(DropItem):
    """The article repeats one exported before."""

    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="INFO")


class UnchangedArticle(DropItem):
    """An article fetched again to recheck it is as it was when exported."""


class DuplicateUrl(DuplicateArticle):
    """Its URL or canonical URL is that of an exported article (up to scheme, www./m./wap.)."""


class DuplicateContent(DuplicateArticle):
    """Its normalized body equals that of an exported article."""


class NearDuplicate(DuplicateArticle):
    """Its body's shingle Jaccard similarity to that of an exported one, published within
    ``DEDUP_WINDOW_DAYS`` of it, reaches the (length-aware) threshold."""


REASONS: dict[str, type[DuplicateArticle]] = {
    URL: DuplicateUrl,
    EXACT: DuplicateContent,
    NEAR: NearDuplicate,
}
DESCRIPTIONS = {URL: "same URL", EXACT: "same content", NEAR: "near-duplicate content"}


class DedupPipeline:
    """Checks each article by URL, then exact content, then near-duplicate content.

    The first article of a story is exported and remembered in the crawl state. A later one
    is dropped with the ``DropItem`` subclass of the first check it fails, or, with the
    ``mark`` policy, exported with ``duplicate_of`` set to the first article's URL. Stats:
    ``dedup/unique`` and ``dedup/<kind>`` for kinds ``url``, ``exact`` and ``near``.
    Near-duplicates are looked up in the crawl state's band index
    (``crawler.dedup.NearDuplicateFinder``), so a start rebuilds nothing.
    """

    def __init__(
        self,
        state: CrawlState,
        stats: StatsCollector,
        *,
        kinds: tuple[str, ...] = (URL, EXACT, NEAR),
        threshold: float = NEAR_THRESHOLD,
        window_days: int = DEDUP_WINDOW_DAYS,
        policy: str = "drop",
    ) -> None:
        if policy not in POLICIES:
            raise ValueError(f"DEDUP_POLICY must be one of {POLICIES}, got {policy!r}")
        self.state = state
        self.stats = stats
        self.kinds = kinds
        self.policy = policy
        self.finder = NearDuplicateFinder(state, threshold, window_days)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        settings = crawler.settings
        kinds = tuple(
            kind
            for kind, setting in ((URL, "DEDUP_URL"), (EXACT, "DEDUP_EXACT"), (NEAR, "DEDUP_NEAR"))
            if settings.getbool(setting, True)
        )
        if not kinds:
            raise NotConfigured("DEDUP_URL, DEDUP_EXACT and DEDUP_NEAR are all off")
        return cls(
            crawl_state(crawler),
            crawler.stats,
            kinds=kinds,
            threshold=settings.getfloat("DEDUP_NEAR_THRESHOLD", NEAR_THRESHOLD),
            window_days=settings.getint("DEDUP_WINDOW_DAYS", DEDUP_WINDOW_DAYS),
            policy=settings.get("DEDUP_POLICY", "drop"),
        )

    def process_item(self, item: Any) -> Any:
        # Workers sharing a crawl state (Redis) decide one article at a time: the checks
        # and the claims that follow them are one step.
        with self.state.deciding():
            return self._decide(item)

    def _decide(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url: str = adapter["url"]
        previous = adapter.get("previous_sha256")
        if previous is not None:
            return self._recheck(item, adapter, previous)
        keys = list(dict.fromkeys([url_key(adapter["canonical_url"]), url_key(url)]))
        body = normalized_body(adapter["content"] or "")
        digest = normalized_hash(body) if EXACT in self.kinds else None
        kind, first = self._first_copy(keys, digest)
        article = fingerprint(body) if kind is None and NEAR in self.kinds else None
        day = publish_day(adapter.get("published_at"))
        if article is not None and (near := self.finder.find(article, day)) is not None:
            kind, first = NEAR, near
        if first is None:
            first = url
            if article is not None:
                self.finder.add(url, article, day)
        for key in keys:
            self.state.remember_url(key, first)
        if digest is not None:
            self.state.remember_content(digest, first)
        if kind is None:
            self.stats.inc_value("dedup/unique")
            self._remember_version(adapter)
            return item
        self.stats.inc_value(f"dedup/{kind}")
        if self.policy == "mark":
            adapter["duplicate_of"] = first
            return item
        raise REASONS[kind](f"{url} duplicates {first} ({DESCRIPTIONS[kind]})")

    def _recheck(self, item: Any, adapter: ItemAdapter, previous: str) -> Any:
        """An article fetched again (RECHECK_DAYS): exported as its next version only if its
        content changed."""
        if adapter["content_sha256"] == previous:
            self.stats.inc_value("dedup/unchanged")
            raise UnchangedArticle(
                f"{adapter['url']} is unchanged since version {adapter['version'] - 1}"
            )
        self.stats.inc_value("dedup/new_version")
        self.state.remember_content(content_hash(adapter["content"] or ""), adapter["url"])
        self._remember_version(adapter)
        return item

    def _remember_version(self, adapter: ItemAdapter) -> None:
        self.state.remember_version(
            adapter["url"],
            adapter.get("published_at"),
            adapter["content_sha256"],
            adapter.get("version", 1),
        )

    def _first_copy(self, keys: list[str], digest: str | None) -> tuple[str | None, str | None]:
        """``url`` or ``exact`` and the URL the article repeats, if it fails either check."""
        if URL in self.kinds:
            for key in keys:
                if (first := self.state.first_url_for_key(key)) is not None:
                    return URL, first
        if digest is not None and (first := self.state.first_url_for_content(digest)):
            return EXACT, first
        return None, None
