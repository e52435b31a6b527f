"""The validate pipeline: schema and field rules, with named drop reasons and stats."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import fastjsonschema
import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.extraction.dates import BEIJING
from crawler.items import ArticleItem, build_article_item
from pipelines.validate import (
    ImplausibleArticle,
    InvalidArticle,
    ValidatePipeline,
    article_validator,
    compiled_article_check,
    rule_errors,
)
from spiders.replica import ReplicaSpider

# A day and an hour after the moment the tests run: in the future whenever they run.
TOMORROW = (datetime.now(BEIJING) + timedelta(days=1)).date().isoformat()
IN_AN_HOUR = (datetime.now(BEIJING) + timedelta(hours=1)).isoformat(timespec="seconds")

BODY = "中国人民银行宣布下调金融机构存款准备金率0.5个百分点，释放长期流动性约1万亿元。" * 2


def good_item(**changes: object) -> ArticleItem:
    fields = {
        "title": "央行宣布降准0.5个百分点",
        "source": "新华社",
        "byline": "记者 张三",
        "authors": ["张三"],
        "published_at": "2025-02-06T06:41:00+08:00",
        "content": BODY,
        "related": [],
        "extraction": {"profile": None, "fields": {}},
        "canonical_url": None,
    }
    item = build_article_item(
        fields,
        url="http://127.0.0.1:8080/newsDetail/1.shtml",
        site=None,
        found_via=None,
        depth=0,
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    item.extraction["fields"] = dict.fromkeys(
        ("title", "source", "byline", "published_at", "content", "related"), "generic"
    )
    return dataclasses.replace(item, **changes)


@pytest.fixture
def pipeline() -> ValidatePipeline:
    crawler = get_crawler(ReplicaSpider)
    crawler.spider = crawler._create_spider(base_url="http://127.0.0.1:8080")
    crawler.stats.open_spider()
    return ValidatePipeline.from_crawler(crawler)


@pytest.mark.parametrize(
    "published_at", ["1996-05-01", "1996-05-01T09:30:00+08:00", "1995-01-01", None]
)
def test_valid_item_passes(pipeline, published_at):
    item = good_item(published_at=published_at)
    assert pipeline.process_item(item) is item
    assert not any(key.startswith("validation/") for key in pipeline.stats.get_stats())


@pytest.mark.parametrize(
    ("changes", "reason", "stat", "message"),
    [
        ({"title": None}, InvalidArticle, "title", "None is not of type 'string'"),
        ({"content_sha256": "x"}, InvalidArticle, "content_sha256", "does not match"),
        ({"depth": -1}, InvalidArticle, "depth", "less than the minimum"),
        ({"title": "降准"}, ImplausibleArticle, "title", "4-200 characters"),
        ({"published_at": TOMORROW}, ImplausibleArticle, "published_at", "in the future"),
        ({"published_at": IN_AN_HOUR}, ImplausibleArticle, "published_at", "in the future"),
        ({"published_at": "1994-12-31"}, ImplausibleArticle, "published_at", "before 1995-01-01"),
        (
            {"published_at": "1994-12-31T23:59:00+08:00"},
            ImplausibleArticle,
            "published_at",
            "before 1995-01-01",
        ),
        ({"content": "太短的正文。"}, ImplausibleArticle, "content", "under 50"),
        ({"url": "https://evil.example.com/a.html"}, ImplausibleArticle, "url", "allowed domain"),
    ],
)
def test_invalid_item_is_dropped_with_named_reason(pipeline, changes, reason, stat, message):
    item = good_item(**changes)
    with pytest.raises(reason, match=message) as dropped:
        pipeline.process_item(item)
    assert item.url in str(dropped.value)
    assert isinstance(dropped.value, DropItem)
    assert pipeline.stats.get_value(f"validation/failed/{stat}") == 1


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8080/a.html", True),
        ("https://www.financeun.com/newsDetail/1.shtml", True),
        ("https://M.FinanceUn.COM:8443/newsDetail/1.shtml", True),
        ("https://user@financeun.com/a.html", True),
        ("https://notfinanceun.com/a.html", False),
        ("https://financeun.com.evil.example/a.html", False),
        ("http://127.0.0.10/a.html", False),
    ],
)
def test_url_rule_accepts_the_allowed_domains_and_their_subdomains(url, allowed):
    record = dataclasses.asdict(good_item(url=url))
    errors = rule_errors(record, ["127.0.0.1", "FINANCEUN.com"], datetime.now(UTC))
    assert [rule for rule, _ in errors] == ([] if allowed else ["url"])


WRONG_VALUES = (None, "", "x", "http://", -1, 0, 1.5, True, [], [""], {}, {"title": 1})


def test_the_compiled_check_passes_exactly_the_records_jsonschema_passes():
    """schema_errors takes the compiled check's word for a valid record: on every field
    given every kind of wrong value, it must fail where jsonschema (reporting every rule)
    fails, and pass where it passes."""
    base = ItemAdapter(good_item()).asdict()
    records = [base]
    for field in [*base, "unexpected"]:
        records += [dict(base, **{field: value}) for value in WRONG_VALUES]
    records += [
        dict(base, related=[{"title": "t", "url": url, "published_at": None}])
        for url in ("http://a.cn/1", "ftp://a.cn/1")
    ]
    records += [dict(base, extraction={"profile": None, "fields": {"title": "x"}})]
    disagreements = []
    for record in records:
        jsonschema_valid = not list(article_validator().iter_errors(record))
        try:
            compiled_article_check()(record)
            compiled_valid = True
        except fastjsonschema.JsonSchemaException:
            compiled_valid = False
        if compiled_valid != jsonschema_valid:
            disagreements.append((record, jsonschema_valid))
    assert sum(not list(article_validator().iter_errors(r)) for r in records) > 10
    assert disagreements == []
