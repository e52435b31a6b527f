"""Spidermon monitors, evaluated when a crawl closes: did the run do its usual job?

``RunMonitors`` (``SPIDERMON_SPIDER_CLOSE_MONITORS``) checks the finish reason, the number of
articles against the site's recent runs in the crawl state, schema-invalid and implausible
drops, field coverage, the generic-extractor share per field (the layout-drift alarm), HTTP
error and retry rates, and the share of requests refused by robots.txt or as off-site. A
monitor at Spidermon's ``low`` level is a warning; any other that fails makes the run fail
(``monitors_failed``, exit code 1) while ``MONITOR_FAIL_EXIT_CODE`` is on. Every result goes
to the stats (``monitors/results``) and from there into the run manifest.

``MonitorsExtension`` is Spidermon's extension, run before the feeds are stored so that the
manifest and the exit code include the results.
"""

from __future__ import annotations

import logging
import statistics
from typing import Any

from scrapy import Spider
from scrapy.utils.misc import load_object
from spidermon import Monitor, MonitorSuite, monitors
from spidermon import settings as spidermon_settings
from spidermon.contrib.scrapy.extensions import Spidermon
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.core.actions import Action

from crawler.incremental import LISTED_NEW_STAT
from crawler.outcome import ERROR_STAT, FAILED_REASON_STAT, successful
from crawler.state import crawl_state

RESULTS_STAT = "monitors/results"
FAILED_STAT = "monitors/failed"
MONITORS_FAILED = "monitors_failed"
"""The finish reason of a run whose monitors failed (with ``MONITOR_FAIL_EXIT_CODE``)."""
COVERAGE_PREFIX = "spidermon_field_coverage/ArticleItem/"
COUNT_PREFIX = "spidermon_item_scraped_count/ArticleItem/"
WARN, FAIL = "warn", "fail"


def invalid_drops(stats: dict[str, Any]) -> int:
    """Articles dropped as invalid or implausible (not as duplicates or unchanged)."""
    return sum(
        stats.get(f"item_dropped_reasons_count/{name}", 0)
        for name in ("InvalidArticle", "ImplausibleArticle")
    )


class RunMonitor(Monitor):
    """A monitor reading the closing run's stats and settings."""

    @property
    def stats(self) -> dict[str, Any]:
        return self.data.stats

    def setting(self, name: str) -> float:
        return self.data.crawler.settings.getfloat(name)

    def share(self, part: str | int, whole: str | int) -> float:
        """``part / whole``, each a stat name or a number (0 when ``whole`` is 0)."""
        numerator = self.stats.get(part, 0) if isinstance(part, str) else part
        denominator = self.stats.get(whole, 0) if isinstance(whole, str) else whole
        return numerator / denominator if denominator else 0.0

    def recent_runs(self) -> list[dict[str, Any]]:
        """The site's last ``MONITOR_HISTORY_RUNS`` finished runs of this crawl mode."""
        mode = self.data.crawler.settings.get("CRAWL_MODE")
        finished = [
            run
            for run in crawl_state(self.data.crawler).runs()
            if run["status"] == "finished" and run["mode"] == mode
        ]
        finished.sort(key=lambda run: run["started_at"])
        return finished[-int(self.setting("MONITOR_HISTORY_RUNS")) :]


@monitors.name("Finish")
class FinishMonitor(RunMonitor):
    @monitors.name("the run finished as asked")
    def test_finish_reason(self) -> None:
        reason = self.stats.get(FAILED_REASON_STAT) or self.stats.get("finish_reason")
        if not successful(reason) or FAILED_REASON_STAT in self.stats:
            self.fail(f"finish reason {reason}: {self.stats.get(ERROR_STAT) or 'see the log'}")


@monitors.name("Articles")
class ArticleCountMonitor(RunMonitor):
    @monitors.name("articles were exported when the lists showed new ones")
    def test_new_articles_exported(self) -> None:
        """(A new listed article dropped as a duplicate of one exported before was handled.)"""
        listed_new = self.stats.get(LISTED_NEW_STAT, 0)
        kept_out = self.stats.get("item_dropped_count", 0) - invalid_drops(self.stats)
        if listed_new and not self.stats.get("item_scraped_count", 0) and not kept_out:
            self.fail(f"no article exported, though the lists showed {listed_new} new ones")

    @monitors.level.low
    @monitors.name("as many articles as the site's recent runs")
    def test_count_against_recent_runs(self) -> None:
        counts = [run["counts"].get("exported", 0) for run in self.recent_runs() if run["counts"]]
        if not counts:
            return
        median = statistics.median(counts)
        exported = self.stats.get("item_scraped_count", 0)
        ratio = self.setting("MONITOR_ITEM_COUNT_WARN_RATIO")
        if exported < ratio * median:
            self.fail(
                f"{exported} articles exported, under {ratio:.0%} of the median"
                f" ({median:g}) of the last {len(counts)} finished runs"
            )


@monitors.name("Drops")
class DropMonitor(RunMonitor):
    @monitors.name("few articles dropped as invalid or implausible")
    def test_invalid_share(self) -> None:
        invalid = invalid_drops(self.stats)
        seen = self.stats.get("item_scraped_count", 0) + invalid
        maximum = self.setting("MONITOR_DROPPED_SHARE_MAX")
        if self.share(invalid, seen) > maximum:
            reasons = {
                k.removeprefix("validation/failed/"): v
                for k, v in self.stats.items()
                if k.startswith("validation/failed/")
            }
            self.fail(
                f"{invalid} of {seen} articles dropped as invalid or implausible"
                f" (over {maximum:.0%}): {reasons}"
            )


@monitors.name("Fields")
class FieldCoverageMonitor(RunMonitor):
    @monitors.name("title, content and published_at on nearly every article")
    def test_required_coverage(self) -> None:
        if not self.stats.get("item_scraped_count"):
            return
        minimum = self.setting("MONITOR_FIELD_COVERAGE_MIN")
        short = {
            field: round(self.stats.get(COVERAGE_PREFIX + field, 0.0), 3)
            for field in ("title", "content", "published_at")
            if self.stats.get(COVERAGE_PREFIX + field, 0.0) < minimum
        }
        if short:
            self.fail(f"field coverage under {minimum:.0%}: {short}")

    @monitors.level.low
    @monitors.name("source and authors as often as in the site's recent runs")
    def test_recent_coverage(self) -> None:
        runs = [run for run in self.recent_runs() if run["counts"].get("exported")]
        if not runs or not self.stats.get("item_scraped_count"):
            return
        exported = sum(run["counts"]["exported"] for run in runs)
        short = {}
        for field in ("source", "authors"):
            recent = sum(run["counts"].get(f"with_{field}", 0) for run in runs) / exported
            now = self.stats.get(COVERAGE_PREFIX + field, 0.0)
            if now < recent - self.setting("MONITOR_COVERAGE_TOLERANCE"):
                short[field] = f"{now:.1%} (recently {recent:.1%})"
        if short:
            self.fail(f"fewer articles with {', '.join(short)}: {short}")


@monitors.name("Extraction")
class FallbackMonitor(RunMonitor):
    @monitors.name("site profiles still fit their pages")
    def test_layout_drift(self) -> None:
        drifted = {
            key.removeprefix("extraction/drift/"): f"{value:.0%}"
            for key, value in self.stats.items()
            if key.startswith("extraction/drift/")
        }
        if drifted:
            self.fail(f"the generic extractor was needed for: {drifted} (layout drift)")


@monitors.name("Downloads")
class DownloadMonitor(RunMonitor):
    @monitors.name("few HTTP errors")
    def test_http_error_rate(self) -> None:
        errors = sum(
            value
            for key, value in self.stats.items()
            if key.startswith("downloader/response_status_count/")
            and key.rsplit("/", 1)[1].isdigit()
            and int(key.rsplit("/", 1)[1]) >= 400
        )
        rate = self.share(errors, "downloader/response_count")
        maximum = self.setting("MONITOR_HTTP_ERROR_RATE_MAX")
        if rate > maximum:
            self.fail(f"{rate:.0%} of responses were HTTP errors (over {maximum:.0%})")

    @monitors.level.low
    @monitors.name("few retries")
    def test_retry_rate(self) -> None:
        rate = self.share("retry/count", "downloader/request_count")
        maximum = self.setting("MONITOR_RETRY_RATE_MAX")
        if rate > maximum:
            self.fail(f"{rate:.0%} of requests were retries (over {maximum:.0%})")

    @monitors.level.low
    @monitors.name("few requests refused by robots.txt or as off-site")
    def test_refused_share(self) -> None:
        refused = self.stats.get("news/failed/robots", 0) + self.stats.get("offsite/filtered", 0)
        requested = self.stats.get("downloader/request_count", 0) + refused
        maximum = self.setting("MONITOR_REFUSED_SHARE_MAX")
        if self.share(refused, requested) > maximum:
            self.fail(f"{refused} of {requested} requests refused (over {maximum:.0%})")


class RecordResults(Action):
    """Puts every monitor's result in the stats; fails the run on a failed ``fail`` one."""

    def run_action(self) -> None:
        crawler = self.data.crawler
        stats = crawler.stats
        results = [monitor_result(item) for item in self.result.monitor_results]
        failed = [r for r in results if not r["passed"] and r["level"] == FAIL]
        stats.set_value(RESULTS_STAT, results)
        stats.set_value("monitors/passed", sum(r["passed"] for r in results))
        stats.set_value(FAILED_STAT, len(failed))
        stats.set_value("monitors/warnings", sum(not r["passed"] for r in results) - len(failed))
        fail_run = crawler.settings.getbool("MONITOR_FAIL_EXIT_CODE")
        if failed and fail_run and stats.get_value(FAILED_REASON_STAT) is None:
            stats.set_value(FAILED_REASON_STAT, MONITORS_FAILED)
            stats.set_value(
                ERROR_STAT,
                "monitors failed: " + "; ".join(f"{r['name']}: {r['message']}" for r in failed),
            )


def monitor_result(item: Any) -> dict[str, Any]:
    """A Spidermon monitor result as the manifest records it."""
    monitor = item.item
    passed = item.status in spidermon_settings.MONITOR.STATUSES.SUCCESSFUL
    message = ""
    if not passed and item.error:
        message = item.error.strip().splitlines()[-1].removeprefix("AssertionError: ")
    return {
        "name": f"{monitor.monitor_name}/{monitor.method_name}",
        "passed": passed,
        "level": WARN if monitor.level == spidermon_settings.MONITOR.LEVEL.LOW else FAIL,
        "message": message,
    }


class RunMonitors(MonitorSuite):
    """The monitors of every crawl; ``MONITOR_FAILED_ACTIONS`` adds Spidermon actions
    (e-mail, Slack, a Discord webhook, …) run when one fails."""

    monitors = [
        FinishMonitor,
        ArticleCountMonitor,
        DropMonitor,
        FieldCoverageMonitor,
        FallbackMonitor,
        DownloadMonitor,
    ]
    monitors_finished_actions = [RecordResults]

    def __init__(self, *args: Any, crawler: Any = None, **kwargs: Any) -> None:
        failed_actions = [
            load_object(path) for path in crawler.settings.getlist("MONITOR_FAILED_ACTIONS")
        ]
        super().__init__(*args, crawler=crawler, monitors_failed_actions=failed_actions, **kwargs)


class MonitorLog(SpiderMonitorResult):
    """Spidermon's report in the log, kept to one line per monitor or action that did not
    pass (the run summary counts the others; Spidermon's own report is at DEBUG)."""

    def log(self, msg: str, level: int = logging.DEBUG) -> None:
        self.spider.logger.log(level, "[Spidermon] %s", msg)

    def log_info(self, msg: str) -> None:
        self.log(msg, logging.DEBUG)

    def write_errors(self) -> None:
        for status in self.step.error_statuses:
            for item in self.step.items_for_status(status):
                if isinstance(item.item, Monitor):
                    result = monitor_result(item)
                    level = logging.WARNING if result["level"] == WARN else logging.ERROR
                    self.log(f"Monitor failed: {result['name']}: {result['message']}", level)
                else:
                    last = (item.error or "").strip().splitlines()[-1:] or ["?"]
                    self.log(f"Action failed: {item.item.name}: {last[0]}", logging.ERROR)


class MonitorRunner(SpiderMonitorRunner):
    """Spidermon's runner, reporting through ``MonitorLog``."""

    def create_result(self) -> MonitorLog:
        return MonitorLog(self.spider)


class MonitorsExtension(Spidermon):
    """Spidermon's extension, given the finish reason before its close monitors run (it is
    ordered before the feed exporter, whose close writes the run manifest), reporting
    through ``MonitorLog``."""

    def spider_closed(self, spider: Spider, reason: str = "finished") -> None:
        self.crawler.stats.set_value("finish_reason", reason)
        super().spider_closed(spider)

    def _run_suites(self, spider: Spider, suites: list[MonitorSuite]) -> None:
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            MonitorRunner(spider=spider).run(suite, **data)
