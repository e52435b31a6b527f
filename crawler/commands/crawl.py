"""``scrapy crawl``, whose exit code tells a scheduler whether the run did its job."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

SUCCESSFUL_FINISH_REASONS = frozenset({"finished", "shutdown"})
"""``shutdown``: stopped by SIGTERM or Ctrl-C, with the items in flight flushed."""


def exit_code(crawler: Crawler, bootstrap_failed: bool) -> int:
    """0 when the crawl started and finished as asked, else 1."""
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    if bootstrap_failed or reason is None:
        return 1
    successful = reason in SUCCESSFUL_FINISH_REASONS or reason.startswith("closespider_")
    return 0 if successful else 1


class Command(ScrapyCrawlCommand):
    # A crawl run: the default feed, the run manifest, the crawl state (crawler.addons).
    default_settings = {**ScrapyCrawlCommand.default_settings, "CRAWL_RUN": True}

    def long_desc(self) -> str:
        return (
            "Run a spider of the project. Exits 1 when the crawl could not start or"
            " closed for another reason than finishing, a CLOSESPIDER_* limit or a shutdown"
            " signal (for example a crawl whose feeds Scrapy disabled)."
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl <spider>")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self.exitcode = exit_code(crawler, self.crawler_process.bootstrap_failed)
