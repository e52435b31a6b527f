"""Add-ons that complete the project's settings for a crawl (``ADDONS``)."""

from __future__ import annotations

from scrapy.settings import BaseSettings

from crawler.config import check_settings


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


class CheckedSettings:
    """Stops a crawl before it starts when a setting of ``crawler.config.SETTINGS`` has a value
    outside what is allowed (``ConfigError``: one line naming it). First in ``ADDONS``, so the
    other add-ons read checked values."""

    def update_settings(self, settings: BaseSettings) -> None:
        check_settings(settings)
