"""Whether a run did its job, as its finish reason, its manifest and its last log line say.

Scrapy finishes a crawl whose every request failed as ``finished``. ``RunOutcome`` (an
extension, on while ``RUN_OUTCOME_ENABLED``) watches the responses and the feed storage and
closes such a run with a finish reason of its own, which ``scrapy crawl`` turns into exit
code 1:

- ``start_pages_unreachable``: no start page (a list page the spider starts from) got an
  answer below HTTP 400: DNS, refused connections, timeouts, HTTP errors after the retries;
- ``all_requests_failed``: the run asked for pages and none got an answer below HTTP 400;
- ``feed_store_failed``: a feed file could not be opened or stored (``FEED_ERROR_STAT`` from
  our storage, Scrapy's ``feedexport/failed_count/*`` from any other).

The first two are known when the crawl goes idle, a feed failure when it happens (the spider
is closed at once) or at the last store while the spider closes; the finish reason is then
taken already, so ``finish_reason`` is overwritten once the engine has stopped. The verdict
is in the stats (``FAILED_REASON_STAT``, ``ERROR_STAT``) for the run manifest. The last log
line of every run, after Scrapy's stats, says in one line how it ended.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import deferred_from_coro

from crawler.failures import FAILED_STAT_PREFIX
from crawler.list_walks import STOPPED_STAT_PREFIX
from crawler.request_meta import START_PAGE

logger = logging.getLogger(__name__)

START_PAGES_UNREACHABLE = "start_pages_unreachable"
ALL_REQUESTS_FAILED = "all_requests_failed"
FEED_STORE_FAILED = "feed_store_failed"
FAILED_REASON_STAT = "run/failed_reason"
"""The finish reason of a run that could not do its job (absent when it could)."""
ERROR_STAT = "run/error"
"""One line saying why such a run failed."""
FEED_ERROR_STAT = "run/feed_error"
"""Set by ``crawler.export.AtomicFileFeedStorage``: why a feed file could not be written."""
LIST_PAGES_STAT = "news/list_pages"
DROPPED_REASON_PREFIX = "item_dropped_reasons_count/"
SUCCESSFUL_REASONS = frozenset({"finished", "shutdown"})
"""``shutdown``: stopped by SIGTERM or Ctrl-C, with the items in flight flushed."""
FEED_EXPORT_DISABLED = "feed_export_disabled"
"""The finish reason of a crawl ``crawler.export.RunManifest`` refused to start."""
KNOWN_FAILURES = {
    FEED_EXPORT_DISABLED: "Scrapy disabled the feed exporter, so nothing would be written",
    "cancelled": "the crawl was cancelled",
    "start_error": "the spider's start() raised an error",
}
EXAMPLES = 2


def successful(reason: str | None) -> bool:
    """Whether a finish reason is one of a run that did what it was asked."""
    return reason is not None and (
        reason in SUCCESSFUL_REASONS or reason.startswith("closespider_")
    )


def failure_summary(stats: dict[str, Any]) -> str:
    """The downloader's errors and HTTP error statuses of a run, most frequent first."""
    counts: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith("downloader/exception_type_count/"):
            counts[key.rsplit("/", 1)[1].rsplit(".", 1)[-1]] += value
        elif key.startswith("downloader/response_status_count/"):
            status = key.rsplit("/", 1)[1]
            if status.isdigit() and int(status) >= 400:
                counts[f"HTTP {status}"] += value
    return ", ".join(f"{name} x{count}" for name, count in counts.most_common()) or "no answer"


def feed_failure(stats: dict[str, Any]) -> str | None:
    """What went wrong with the run's feeds, or None."""
    if message := stats.get(FEED_ERROR_STAT):
        return str(message)
    failed = {k: v for k, v in stats.items() if k.startswith("feedexport/failed_count/")}
    if failed:
        storages = ", ".join(f"{k.rsplit('/', 1)[1]} x{v}" for k, v in sorted(failed.items()))
        return f"storing a feed failed ({storages}; see 'Error storing' above)"
    return None


def counted(stats: dict[str, Any], prefix: str) -> str:
    """``total (reason n, …)`` of the stats under ``prefix``, most frequent first."""
    counts = Counter({k.removeprefix(prefix): v for k, v in stats.items() if k.startswith(prefix)})
    if not counts:
        return "0"
    reasons = ", ".join(f"{reason} {n}" for reason, n in counts.most_common())
    return f"{sum(counts.values())} ({reasons})"


def run_summary(stats: dict[str, Any]) -> list[str]:
    """About ten lines saying what a run did, from its stats."""
    coverage = ", ".join(
        f"{field} {stats.get(f'spidermon_field_coverage/ArticleItem/{field}', 0):.1%}"
        for field in ("title", "published_at", "source", "authors", "content")
    )
    start, finish = stats.get("start_time"), stats.get("finish_time")
    seconds = (finish - start).total_seconds() if start and finish else 0.0
    pages = stats.get("response_received_count", 0)
    rate = f", {pages / seconds * 60:.0f} pages/min" if seconds else ""
    monitors = (
        f"{stats.get('monitors/passed', 0)} passed, {stats.get('monitors/warnings', 0)}"
        f" warnings, {stats.get('monitors/failed', 0)} failed"
        if "monitors/passed" in stats
        else "not run"
    )
    list_pages = stats.get(LIST_PAGES_STAT, 0)
    skipped = stats.get("news/articles_skipped_as_exported", 0)
    return [
        f"pages fetched: {pages} in {seconds:.0f} s{rate}; list pages {list_pages}",
        f"articles exported: {stats.get('item_scraped_count', 0)}",
        f"skipped as exported by earlier runs: {skipped}",
        f"dropped: {counted(stats, DROPPED_REASON_PREFIX)}",
        f"failed pages: {counted(stats, FAILED_STAT_PREFIX)}",
        f"retries: {stats.get('retry/count', 0)}",
        f"list walks ended early: {counted(stats, STOPPED_STAT_PREFIX)}",
        f"field coverage: {coverage}",
        f"layout drift: {counted(stats, 'extraction/drift/')}",
        f"monitors: {monitors}",
    ]


class RunOutcome:
    """Closes a run that could not do its job with a reason of its own; logs how it ended."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.start_pages: list[str] = []
        """URLs of the start pages requested, in order."""
        self.start_pages_answered = 0
        self.requested = 0
        """Requests of the spider, retries not counted."""
        self.answered = 0
        """Responses below HTTP 400 to requests of the spider (not robots.txt)."""
        self.closing = False
        self.feed_slot_failed = False
        """Whether a feed file failed to be stored (``feedexport/failed_count/*``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunOutcome:
        if not crawler.settings.getbool("RUN_OUTCOME_ENABLED", True):
            raise NotConfigured("RUN_OUTCOME_ENABLED is off")
        outcome = cls(crawler)
        connect = crawler.signals.connect
        connect(outcome.request_scheduled, signal=signals.request_scheduled)
        connect(outcome.response_received, signal=signals.response_received)
        connect(outcome.item_scraped, signal=signals.item_scraped)
        connect(outcome.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(outcome.spider_idle, signal=signals.spider_idle)
        connect(outcome.feed_exporter_closed, signal=signals.feed_exporter_closed)
        connect(outcome.spider_closed, signal=signals.spider_closed)
        connect(outcome.engine_stopped, signal=signals.engine_stopped)
        return outcome

    def request_scheduled(self, request: Request) -> None:
        if "retry_times" not in request.meta:
            self.requested += 1
        if request.meta.get(START_PAGE) and request.url not in self.start_pages:
            self.start_pages.append(request.url)

    def response_received(self, response: Response, request: Request) -> None:
        if request.callback is NO_CALLBACK or response.status >= 400:
            return
        self.answered += 1
        if request.meta.get(START_PAGE):
            self.start_pages_answered += 1

    def item_scraped(self) -> None:
        """A feed that cannot be written makes the rest of the crawl useless: close now.

        One stat lookup per item: our storage's error is a stat set before the item is
        scraped, any other storage's failure is noted once per file (``feed_slot_closed``).
        """
        if self.closing or (
            self.stats.get_value(FEED_ERROR_STAT) is None and not self.feed_slot_failed
        ):
            return
        message = feed_failure(self.stats.get_stats())
        self.fail(FEED_STORE_FAILED, f"the feed could not be written: {message}")
        self.closing = True
        engine = self.crawler.engine
        deferred_from_coro(engine.close_spider_async(reason=FEED_STORE_FAILED))

    def feed_slot_closed(self) -> None:
        """A feed file was stored, or failed to be: looked at once per file."""
        self.feed_slot_failed = feed_failure(self.stats.get_stats()) is not None

    def spider_idle(self) -> None:
        """When the crawl has nothing left to do: did it reach anything?"""
        verdict = self.idle_verdict()
        if verdict is not None:
            self.fail(*verdict)
            raise CloseSpider(verdict[0])

    def idle_verdict(self) -> tuple[str, str] | None:
        stats = self.stats.get_stats()
        if (message := feed_failure(stats)) is not None:
            return FEED_STORE_FAILED, f"the feed could not be written: {message}"
        errors = failure_summary(stats)
        if self.start_pages and not self.start_pages_answered:
            shown = ", ".join(self.start_pages[:EXAMPLES])
            more = len(self.start_pages) - EXAMPLES
            if more > 0:
                shown += f" and {more} more"
            return (
                START_PAGES_UNREACHABLE,
                f"none of the {len(self.start_pages)} start pages could be fetched ({shown}): "
                f"{errors}",
            )
        if self.requested and not self.answered:
            return ALL_REQUESTS_FAILED, f"all {self.requested} requests failed: {errors}"
        return None

    def fail(self, reason: str, message: str) -> None:
        self.stats.set_value(FAILED_REASON_STAT, reason)
        self.stats.set_value(ERROR_STAT, message)

    def feed_exporter_closed(self) -> None:
        """The last feed files are stored (or not) now, before the run manifest is written."""
        if self.stats.get_value(FAILED_REASON_STAT) is None:
            message = feed_failure(self.stats.get_stats())
            if message is not None:
                self.fail(FEED_STORE_FAILED, f"the feed could not be written: {message}")

    def spider_closed(self, reason: str) -> None:
        if not successful(reason) and self.stats.get_value(FAILED_REASON_STAT) is None:
            self.fail(reason, KNOWN_FAILURES.get(reason, f"the crawl closed ({reason})"))

    def engine_stopped(self) -> None:
        """The run's summary, then its last line: how it ended, after Scrapy's stats."""
        stats = self.stats.get_stats()
        logger.info("Run summary:\n%s", "\n".join(f"  {line}" for line in run_summary(stats)))
        failed = stats.get(FAILED_REASON_STAT)
        if failed is not None:
            # A feed stored at close fails after the finish reason was set: what the crawl
            # command's exit code is read from must say it.
            self.stats.set_value("finish_reason", failed)
            logger.error("Run failed (%s): %s", failed, stats.get(ERROR_STAT))
            return
        reason = stats.get("finish_reason")
        exported = stats.get("item_scraped_count", 0)
        list_pages = stats.get(LIST_PAGES_STAT, 0)
        if exported:
            logger.info("Run ended (%s): %d new articles exported", reason, exported)
        elif reason == "finished" and list_pages:
            logger.info(
                "No new articles: %d list pages read, nothing on them was new (%s)",
                list_pages,
                reason,
            )
        else:
            logger.info(
                "Run ended (%s): no article exported, %d list pages read", reason, list_pages
            )
