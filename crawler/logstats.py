"""Progress a person can follow: Scrapy's once-a-minute LogStats line, with the articles
exported, the queue, the drops and the failures by reason (``LOGSTATS_INTERVAL``)."""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.extensions.logstats import LogStats, logger

from crawler.failures import FAILED_STAT_PREFIX
from crawler.outcome import DROPPED_REASON_PREFIX, counted


def queued(stats: dict[str, Any]) -> int:
    """Requests in the scheduler's queue."""
    return stats.get("scheduler/enqueued", 0) - stats.get("scheduler/dequeued", 0)


class ProgressLogStats(LogStats):
    """Scrapy's ``LogStats`` line, extended: pages and articles with their rates, the queue,
    drops and failed pages by reason."""

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        stats = self.stats.get_stats()
        logger.info(
            "Crawled %(pages)d pages (at %(pagerate)d pages/min), exported %(items)d articles"
            " (at %(itemrate)d/min), %(queued)d requests queued; dropped %(dropped)s;"
            " failed %(failed)s",
            {
                "pages": self.pages,
                "pagerate": self.prate,
                "items": self.items,
                "itemrate": self.irate,
                "queued": queued(stats),
                "dropped": counted(stats, DROPPED_REASON_PREFIX),
                "failed": counted(stats, FAILED_STAT_PREFIX),
            },
            extra={"spider": spider},
        )
