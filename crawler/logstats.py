"""Progress a person can follow: Scrapy's once-a-minute LogStats line, with the articles
exported, the queue, the drops and the failures by reason (``LOGSTATS_INTERVAL``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scrapy import Spider
from scrapy.extensions.logstats import LogStats, logger

from crawler.failures import FAILED_STAT_PREFIX
from crawler.outcome import DROPPED_REASON_PREFIX


def by_reason(stats: dict[str, Any], prefix: str, top: int = 3) -> str:
    """The counts of the stats under ``prefix``, most frequent first: ``a 3, b 1``."""
    counts = Counter({k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)})
    return ", ".join(f"{reason} {count}" for reason, count in counts.most_common(top))


def queued(stats: dict[str, Any]) -> int:
    """Requests in the scheduler's queue."""
    return stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)


class ProgressLogStats(LogStats):
    """Scrapy's ``LogStats`` line, extended: pages and articles with their rates, the queue,
    drops and failed pages by reason."""

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        stats = self.stats.get_stats()
        dropped = stats.get("item_dropped_count", 0)
        failed = sum(v for k, v in stats.items() if k.startswith(FAILED_STAT_PREFIX))
        logger.info(
            "Crawled %(pages)d pages (at %(pagerate)d pages/min), exported %(items)d articles"
            " (at %(itemrate)d/min), %(queued)d requests queued; dropped %(dropped)d%(drops)s;"
            " failed %(failed)d%(failures)s",
            {
                "pages": self.pages,
                "pagerate": self.prate,
                "items": self.items,
                "itemrate": self.irate,
                "queued": queued(stats),
                "dropped": dropped,
                "drops": f" ({by_reason(stats, DROPPED_REASON_PREFIX)})" if dropped else "",
                "failed": failed,
                "failures": f" ({by_reason(stats, FAILED_STAT_PREFIX)})" if failed else "",
            },
            extra={"spider": spider},
        )
