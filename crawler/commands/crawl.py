"""``scrapy crawl``, whose exit code tells a scheduler whether the run did its job."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.config import ConfigError
from crawler.outcome import successful

USAGE_ERROR = 2
"""The exit code of a crawl refused before it started: an unknown spider, or a spider
argument or setting with a bad value (``crawler.config.ConfigError``)."""


def exit_code(crawler: Crawler, bootstrap_failed: bool) -> int:
    """0 when the crawl started and finished as asked (``crawler.outcome.successful``),
    else 1."""
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return 0 if not bootstrap_failed and successful(reason) else 1


class Command(ScrapyCrawlCommand):
    # A crawl run: the default feed, the run manifest, the crawl state (crawler.addons).
    default_settings = {**ScrapyCrawlCommand.default_settings, "CRAWL_RUN": True}

    def long_desc(self) -> str:
        return (
            "Run a spider of the project. Exits 1 when the crawl could not start or"
            " closed for another reason than finishing, a CLOSESPIDER_* limit or a shutdown"
            " signal (for example a crawl whose feeds Scrapy disabled). Exits 2, with one"
            " line, for an unknown spider or a spider argument or setting outside what is"
            " allowed."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl <spider>")
        assert self.crawler_process
        known = self.crawler_process.spider_loader.list()
        if args[0] not in known:
            self.refuse(
                f"no spider {args[0]!r} in this project (spiders: {', '.join(sorted(known))})"
            )
            return
        self.config_error: ConfigError | None = None
        crawler = self._create_crawler(args[0])
        self.catch_config_error(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if self.config_error is not None:
            self.refuse(str(self.config_error))
            return
        self.exitcode = exit_code(crawler, self.crawler_process.bootstrap_failed)

    def refuse(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = USAGE_ERROR

    def catch_config_error(self, crawl: Deferred[Any] | asyncio.Task[Any]) -> None:
        """Keeps a ``ConfigError`` the spider or an add-on raised as the crawl started (the
        crawl is a Deferred or an asyncio Task, by reactor) for ``run`` to report, instead of
        a traceback; other errors are reported as before."""
        if isinstance(crawl, Deferred):
            crawl.addErrback(self._trap_config_error)
        else:
            crawl.add_done_callback(self._task_done)

    def _trap_config_error(self, failure: Failure) -> None:
        failure.trap(ConfigError)
        self.config_error = failure.value

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        error = None if task.cancelled() else task.exception()
        if isinstance(error, ConfigError):
            self.config_error = error
        elif error is not None:
            task.get_loop().call_exception_handler(
                {"message": "Task exception was never retrieved", "exception": error, "task": task}
            )
