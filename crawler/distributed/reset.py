"""``scrapy redis-reset <spider>``: forgets a crawl shared on Redis, on purpose.

Deletes every key of the crawl (``<CRAWL_NAMESPACE>:<spider>:*`` on ``REDIS_URL``): its queue,
leases, dupefilters and crawl state, so that the next worker starts it afresh. Refuses while a
worker of the crawl is alive, unless ``--force``. Registered as an entry point
(``scrapy.commands``), since a command module's name cannot hold a dash.
"""

from __future__ import annotations

import argparse
import sys
import time

import redis
from scrapy.commands import ScrapyCommand

from crawler.distributed import crawl_keys, redis_client
from crawler.redaction import redact

USAGE_ERROR = 2
REFUSED = 1
_BATCH = 500


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "<spider> [-s REDIS_URL=redis://host:port/db] [--force]"

    def short_desc(self) -> str:
        return "Delete a crawl's queue and state on Redis (REDIS_URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--force", action="store_true", help="reset even while workers are alive"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) != 1:
            self.refuse("name one spider: scrapy redis-reset <spider>", USAGE_ERROR)
            return
        url = self.settings.get("REDIS_URL")
        if not url:
            self.refuse("REDIS_URL is not set (-s REDIS_URL=redis://host:port/db)", USAGE_ERROR)
            return
        keys = crawl_keys(self.settings, args[0])
        try:
            client = redis_client(url)
            alive = client.zcount(keys("workers"), f"({time.time()}", "+inf")
            if alive and not opts.force:
                self.refuse(
                    f"{alive} worker(s) of {keys.prefix} are running; stop them or use --force",
                    REFUSED,
                )
                return
            deleted = 0
            batch: list[bytes] = []
            for key in client.scan_iter(match=keys.pattern, count=_BATCH):
                batch.append(key)
                if len(batch) == _BATCH:
                    deleted += client.unlink(*batch)
                    batch.clear()
            if batch:
                deleted += client.unlink(*batch)
        except redis.RedisError as error:
            self.refuse(redact(f"Redis at {url}: {error}"), REFUSED)
            return
        print(f"Deleted {deleted} keys of {keys.prefix}")

    def refuse(self, message: str, code: int) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = code
