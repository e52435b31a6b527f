"""Secrets never reach the log: the contact address and the passwords of URLs."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.logformatter import ArticleLogFormatter
from crawler.redaction import RedactingFilter, redact


def test_url_passwords_and_given_secrets_are_replaced():
    assert (
        redact("proxy http://bob:s3cr3t@10.0.0.1:3128 up")
        == "proxy http://bob:***@10.0.0.1:3128 up"
    )
    assert (
        redact("REDIS_URL=redis://:pa55@127.0.0.1:6379/0")
        == "REDIS_URL=redis://:***@127.0.0.1:6379/0"
    )
    assert redact("UA bot/1.0 (ops@example.org)", ["ops@example.org"]) == "UA bot/1.0 (***)"
    assert redact("http://127.0.0.1:8080/a:b@c") == "http://127.0.0.1:8080/a:b@c"


def test_the_filter_rewrites_a_record_message_with_its_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "settings: %(s)s", ({"s": "ops@example.org"},), None
    )
    assert RedactingFilter(["ops@example.org"]).filter(record)
    assert record.getMessage() == "settings: ***"


def test_a_dropped_item_is_logged_by_its_reason_not_its_fields():
    crawler = get_crawler(Spider)
    spider = Spider.from_crawler(crawler, "s")
    item = {"url": "http://a.test/1", "content": "正文" * 2000}
    entry = ArticleLogFormatter().dropped(
        item, Exception("invalid article http://a.test/1"), None, spider
    )
    message = entry["msg"] % entry["args"]
    assert message == "Dropped: invalid article http://a.test/1"
    error = ArticleLogFormatter().item_error(item, ValueError("x"), None, spider)
    assert error["msg"] % error["args"] == "Error processing the article http://a.test/1"
