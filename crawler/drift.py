"""Layout-drift alarm: notices when a site's profile stops finding a field on its pages.

Every item says, per field, whether its site profile or the generic extractor produced the
value. Counted per site and field; when more than ``EXTRACTION_DRIFT_THRESHOLD`` of a site's
pages (at least ``EXTRACTION_DRIFT_MIN_PAGES`` of them) needed the generic extractor for a
field, the crawl logs a warning naming the site, the field and example URLs, and records
the share in the stats as ``extraction/drift/<site>/<field>``. A field neither found is
counted as ``extraction/missing/<site>/<field>`` (an article shown without a date, say).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.extraction import GENERIC

logger = logging.getLogger(__name__)

EXAMPLE_URLS = 3


class ExtractionDriftMonitor:
    """Counts generic-extractor fallbacks per site and field; warns past the threshold."""

    def __init__(self, stats: StatsCollector, threshold: float, min_pages: int) -> None:
        self.stats = stats
        self.threshold = threshold
        self.min_pages = min_pages
        self.pages: Counter[str] = Counter()
        self.fallbacks: Counter[tuple[str, str]] = Counter()
        self.examples: defaultdict[tuple[str, str], list[str]] = defaultdict(list)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionDriftMonitor:
        settings = crawler.settings
        monitor = cls(
            crawler.stats,
            threshold=settings.getfloat("EXTRACTION_DRIFT_THRESHOLD"),
            min_pages=settings.getint("EXTRACTION_DRIFT_MIN_PAGES"),
        )
        crawler.signals.connect(monitor.item_extracted, signal=signals.item_scraped)
        crawler.signals.connect(monitor.item_extracted, signal=signals.item_dropped)
        crawler.signals.connect(monitor.spider_closed, signal=signals.spider_closed)
        return monitor

    def item_extracted(self, item: Any) -> None:
        adapter = ItemAdapter(item)
        if "extraction" not in adapter:
            return
        provenance = adapter["extraction"]
        site = provenance.get("profile")
        if not site:
            return
        self.pages[site] += 1
        self.stats.inc_value(f"extraction/pages/{site}")
        for field, origin in provenance["fields"].items():
            if origin is None:
                self.stats.inc_value(f"extraction/missing/{site}/{field}")
            if origin != GENERIC:
                continue
            key = (site, field)
            self.fallbacks[key] += 1
            self.stats.inc_value(f"extraction/fallback/{site}/{field}")
            if len(self.examples[key]) < EXAMPLE_URLS:
                self.examples[key].append(adapter["url"])

    def drifted(self) -> list[tuple[str, str, float]]:
        """(site, field, share of pages) for every field past the threshold."""
        found = []
        for (site, field), count in sorted(self.fallbacks.items()):
            pages = self.pages[site]
            share = count / pages
            if pages >= self.min_pages and share > self.threshold:
                found.append((site, field, share))
        return found

    def spider_closed(self) -> None:
        for site, field, share in self.drifted():
            self.stats.set_value(f"extraction/drift/{site}/{field}", round(share, 4))
            logger.warning(
                "Layout drift on %s: the profile missed %r on %d of %d pages (%.0f%%), "
                "the generic extractor filled it; e.g. %s",
                site,
                field,
                self.fallbacks[site, field],
                self.pages[site],
                share * 100,
                ", ".join(self.examples[site, field]),
            )
