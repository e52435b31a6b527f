"""Add-ons that complete the project's settings for a crawl (``ADDONS``)."""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler import redaction
from crawler.config import ConfigError, check_settings
from crawler.state import MEMORY_CRAWL_STATE

CRAWL_RUN = "CRAWL_RUN"
"""Setting that ``scrapy crawl`` sets (command priority): this process is a crawl run."""


class NonCrawlCommands:
    """Keeps the commands that only look at pages (``scrapy shell``, ``parse``, ``check``,
    ``fetch``, …) from writing anything: no default batch feed, no run manifest, a crawl
    state in memory, no run monitors. Only a crawl run (``CRAWL_RUN``, set by ``scrapy
    crawl``) exports articles and remembers them across runs; a ``scrapy parse`` must not
    make the next crawl skip the article it parsed, nor wait for the lock of a crawl that is
    running.

    What the command line or a spider sets (``-s CRAWL_STATE_CLASS=…``) is kept.
    """

    OFF = {
        "DEFAULT_FEED_URI": "",
        "CRAWL_STATE_CLASS": MEMORY_CRAWL_STATE,
        "SPIDERMON_ENABLED": False,
    }

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.getbool(CRAWL_RUN):
            return
        for name, value in self.OFF.items():
            if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
                settings.set(name, value, priority="project")
        settings["EXTENSIONS"]["crawler.export.RunManifest"] = None


def reachable(url: str) -> None:
    """Raises ``ConfigError`` (one line) unless the redis extra is installed and the Redis
    server of ``url`` answers within a few seconds."""
    try:
        import redis
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise ConfigError(
            "-s REDIS_URL: needs the redis extra (pip install 'cnfinance-news-crawler[redis]')"
        ) from None
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as error:
        raise ConfigError(redaction.redact(f"-s REDIS_URL={url}: no answer ({error})")) from None


class DistributedCrawl:
    """With ``REDIS_URL``, a crawl run is one worker of a crawl shared on that Redis
    (``crawler.distributed``): scrapy-redis's scheduler with leases, its request dupefilter
    and the crawl state on the same server. Without it, nothing changes."""

    SCHEDULER = "crawler.distributed.scheduler.LeasedScheduler"
    CRAWL_STATE = "crawler.state.redis.RedisCrawlState"
    START_ONCE = "crawler.distributed.scheduler.StartOnce"
    RUN_ARTICLES = "crawler.distributed.run_articles.RedisRunArticles"

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("REDIS_URL")
        if not url or not settings.getbool(CRAWL_RUN):
            return
        reachable(url)
        for name, value in (
            ("SCHEDULER", self.SCHEDULER),
            ("CRAWL_STATE_CLASS", self.CRAWL_STATE),
            ("RUN_ARTICLES_CLASS", self.RUN_ARTICLES),
        ):
            if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
                settings.set(name, value, priority="project")
        # Outermost: it decides whether the spider's start requests are pushed at all.
        settings["SPIDER_MIDDLEWARES"][self.START_ONCE] = 5


class DefaultFeed:
    """Gives a crawl with no ``-o/-O`` and no ``FEEDS`` the batch files of
    ``DEFAULT_FEED_URI``, ``FEED_BATCH_ITEMS`` articles each, in UTF-8 JSON Lines.

    (``DEFAULT_FEED_URI`` is not itself a feed: Scrapy adds ``FEEDS`` to the feeds of
    ``-o/-O`` instead of replacing them, so a one-off ``-O`` run would also write batches.)
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if settings.getdict("FEEDS") or not settings.get("DEFAULT_FEED_URI"):
            return
        feed = {
            "format": "jsonlines",
            "encoding": "utf-8",
            "batch_item_count": settings.getint("FEED_BATCH_ITEMS"),
        }
        settings.set("FEEDS", {settings["DEFAULT_FEED_URI"]: feed}, priority="addon")


class ContactUserAgent:
    """Adds ``CRAWLER_CONTACT`` (an e-mail or URL) to ``USER_AGENT``, so that site owners
    can reach whoever runs the crawl."""

    def update_settings(self, settings: BaseSettings) -> None:
        contact = settings.get("CRAWLER_CONTACT")
        agent = settings.get("USER_AGENT")
        if contact and contact not in agent:
            settings.set(
                "USER_AGENT", f"{agent} ({contact})", priority=settings.getpriority("USER_AGENT")
            )


class RedactSecrets:
    """Keeps ``CRAWLER_CONTACT`` and the passwords of URLs (proxies, Redis) out of the log:
    Scrapy logs the settings a crawl overrides, ``USER_AGENT`` with the contact included."""

    def update_settings(self, settings: BaseSettings) -> None:
        redaction.install([settings.get("CRAWLER_CONTACT") or ""])


class CheckedSettings:
    """Stops a crawl before it starts when a setting of ``crawler.config.SETTINGS`` has a value
    outside what is allowed (``ConfigError``: one line naming it). First in ``ADDONS``, so the
    other add-ons read checked values."""

    def update_settings(self, settings: BaseSettings) -> None:
        check_settings(settings)
