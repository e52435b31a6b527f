"""What a crawl remembers about the articles it has exported, behind one interface.

``DedupPipeline``, the spider and the export read and write it through
``crawl_state(crawler)``; the ``CRAWL_STATE_CLASS`` setting picks the backend. The protocols
and their commit rules are in ``crawler.state.contract``; ``crawler.state.memory`` is the
reference backend, kept as long as the process, and ``crawler.state.sqlite`` the default,
kept in a file across runs.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.state.contract import (
    FINISHED,
    ArticleVersions,
    CrawlState,
    Frontier,
    ListedArticles,
    RunLog,
    SeenArticles,
    new_run_id,
    utc_now,
)

__all__ = [
    "FINISHED",
    "MEMORY_CRAWL_STATE",
    "ArticleVersions",
    "CrawlState",
    "Frontier",
    "ListedArticles",
    "RunLog",
    "SeenArticles",
    "crawl_state",
    "new_run_id",
    "utc_now",
]

MEMORY_CRAWL_STATE = "crawler.state.memory.MemoryCrawlState"
_ATTRIBUTE = "_cnfinance_crawl_state"


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
