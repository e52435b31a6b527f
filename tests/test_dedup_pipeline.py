"""DedupPipeline with a real crawler: kinds, order, stats, drop and mark policies, state."""

from __future__ import annotations

import re
from typing import Any

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.dedup import NearDuplicateFinder, fingerprint, normalized_body
from crawler.items import ArticleItem, build_article_item
from crawler.replica.seed_article import SEED_INDEX, SPECIAL_ARTICLES
from crawler.replica.site import ReplicaSite
from crawler.state import crawl_state
from crawler.state.memory import MemoryCrawlState
from crawler.urls import url_key
from pipelines.dedup import (
    DedupPipeline,
    DuplicateContent,
    DuplicateUrl,
    NearDuplicate,
)

SEED = SPECIAL_ARTICLES[SEED_INDEX].text
assert SEED is not None
BODY = "\n".join(SEED.paragraphs)
REPOST = BODY.replace("上个月", "今年1月", 1) + "\n免责声明：本文仅供参考，不构成投资建议。"
FIRST_URL = "https://www.financeun.com/newsDetail/40003.shtml"


def other_body() -> str:
    site = ReplicaSite(articles=10)
    return "\n".join(site.text_of(site.articles[7]).paragraphs)


def article(url: str, content: str, canonical_url: str | None = None) -> ArticleItem:
    fields: dict[str, Any] = {
        "canonical_url": canonical_url,
        "title": "DeepSeek 为中国在国际市场争取到 AI 话语权",
        "source": "中国金融网",
        "byline": None,
        "authors": [],
        "published_at": "2025-02-06T06:41:00+08:00",
        "content": content,
        "related": [],
        "extraction": {"profile": None, "fields": {}},
    }
    return build_article_item(fields, url=url, site=None, found_via=None, depth=0)


def pipeline(**settings: Any) -> tuple[DedupPipeline, Crawler]:
    crawler = get_crawler(settings_dict=settings)
    dedup = build_from_crawler(DedupPipeline, crawler)
    return dedup, crawler


def stats(crawler: Crawler) -> dict[str, int]:
    assert crawler.stats is not None
    return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("dedup/")}


def test_each_kind_is_dropped_with_its_reason_and_counted() -> None:
    dedup, crawler = pipeline()
    first = article(FIRST_URL, BODY)
    assert dedup.process_item(first) is first
    with pytest.raises(DuplicateUrl, match=r"m\.financeun\.com.* duplicates .*www\.financeun"):
        dedup.process_item(article("http://m.financeun.com/newsDetail/40003.shtml", "改写"))
    with pytest.raises(DuplicateContent, match=re.escape(f"duplicates {FIRST_URL}")):
        dedup.process_item(article("https://www.example.com/a/1.html", BODY.replace("，", ",")))
    with pytest.raises(
        NearDuplicate, match=re.escape(f"example.com/b/2.html duplicates {FIRST_URL}")
    ):
        dedup.process_item(article("https://www.example.com/b/2.html", REPOST))
    other = article("https://www.cnfinance.cn/cn/articles/2025-02/06-40004.html", other_body())
    assert dedup.process_item(other) is other
    assert stats(crawler) == {"dedup/unique": 2, "dedup/url": 1, "dedup/exact": 1, "dedup/near": 1}


def test_canonical_url_of_an_item_counts_as_its_url() -> None:
    dedup, _ = pipeline()
    dedup.process_item(article(FIRST_URL, BODY))
    syndicated = article("https://www.example.com/news/9.html", "另一篇", canonical_url=FIRST_URL)
    with pytest.raises(DuplicateUrl):
        dedup.process_item(syndicated)


def test_duplicate_reasons_are_drop_item_logged_at_info() -> None:
    dedup, _ = pipeline()
    dedup.process_item(article(FIRST_URL, BODY))
    with pytest.raises(DropItem) as dropped:
        dedup.process_item(article(FIRST_URL, BODY))
    assert dropped.value.log_level == "INFO"


def test_mark_policy_exports_duplicates_naming_the_first_url() -> None:
    dedup, crawler = pipeline(DEDUP_POLICY="mark")
    items = [
        article(FIRST_URL, BODY),
        article("https://m.financeun.com/newsDetail/40003.shtml?from=timeline", BODY),
        article("https://www.example.com/a/1.html", BODY),
        article("https://www.example.com/b/2.html", REPOST),
        article("https://www.example.com/c/3.html", other_body()),
    ]
    marked = [dedup.process_item(item).duplicate_of for item in items]
    assert marked == [None, FIRST_URL, FIRST_URL, FIRST_URL, None]
    assert stats(crawler) == {"dedup/unique": 2, "dedup/url": 1, "dedup/exact": 1, "dedup/near": 1}


def test_a_copy_of_a_duplicate_points_at_the_first_article() -> None:
    dedup, crawler = pipeline(DEDUP_POLICY="mark")
    dedup.process_item(article(FIRST_URL, BODY))
    dedup.process_item(article("https://www.example.com/b/2.html", REPOST))
    again = dedup.process_item(article("https://m.example.com/b/2.html", "转载"))
    same_text = dedup.process_item(article("https://www.example.org/x.html", REPOST))
    assert again.duplicate_of == FIRST_URL
    assert same_text.duplicate_of == FIRST_URL
    assert stats(crawler)["dedup/url"] == 1
    assert stats(crawler)["dedup/exact"] == 1


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"DEDUP_URL": False}, DuplicateContent),
        ({"DEDUP_URL": False, "DEDUP_EXACT": False}, NearDuplicate),
    ],
)
def test_a_disabled_kind_is_skipped(settings: dict[str, Any], expected: type) -> None:
    dedup, _ = pipeline(**settings)
    dedup.process_item(article(FIRST_URL, BODY))
    with pytest.raises(expected):
        dedup.process_item(article(FIRST_URL, BODY))


def test_near_duplicates_pass_when_near_is_off_or_the_threshold_is_higher() -> None:
    for settings in ({"DEDUP_NEAR": False}, {"DEDUP_NEAR_THRESHOLD": 0.99}):
        dedup, crawler = pipeline(**settings)
        dedup.process_item(article(FIRST_URL, BODY))
        dedup.process_item(article("https://www.example.com/b/2.html", REPOST))
        assert stats(crawler) == {"dedup/unique": 2}


def test_configuration_errors() -> None:
    crawler = get_crawler(
        settings_dict={"DEDUP_URL": False, "DEDUP_EXACT": False, "DEDUP_NEAR": False}
    )
    with pytest.raises(NotConfigured):
        build_from_crawler(DedupPipeline, crawler)
    with pytest.raises(ValueError, match="DEDUP_POLICY"):
        build_from_crawler(DedupPipeline, get_crawler(settings_dict={"DEDUP_POLICY": "keep"}))


def test_pipeline_and_spider_share_the_crawlers_state() -> None:
    dedup, crawler = pipeline()
    dedup.process_item(article(FIRST_URL, BODY))
    state = crawl_state(crawler)
    assert state is dedup.state
    assert isinstance(state, MemoryCrawlState)
    assert state.first_url_for_key(url_key("http://m.financeun.com/newsDetail/40003.shtml")) == (
        FIRST_URL
    )
    remembered = fingerprint(normalized_body(BODY))
    assert remembered is not None
    assert state.near_candidates(remembered.bands, None, 0) == [(FIRST_URL, remembered.signature)]
    assert crawl_state(get_crawler()) is not state


class RecordingState(MemoryCrawlState):
    """A MemoryCrawlState built through from_crawler, as persistent backends are."""

    closed = False

    def close(self) -> None:
        self.closed = True

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecordingState:
        remembered = fingerprint(normalized_body(BODY))
        assert remembered is not None
        state = cls()
        NearDuplicateFinder(state).add("https://www.example.com/old.html", remembered, None)
        return state


def test_state_class_setting_and_near_duplicates_found_in_the_states_fingerprints() -> None:
    dedup, _ = pipeline(CRAWL_STATE_CLASS=f"{__name__}.RecordingState")
    assert isinstance(dedup.state, RecordingState)
    with pytest.raises(
        NearDuplicate, match=re.escape("duplicates https://www.example.com/old.html")
    ):
        dedup.process_item(article(FIRST_URL, REPOST))


def test_state_is_closed_when_the_engine_stops() -> None:
    crawler = get_crawler(settings_dict={"CRAWL_STATE_CLASS": f"{__name__}.RecordingState"})
    state = crawl_state(crawler)
    assert isinstance(state, RecordingState)
    assert not state.closed
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert state.closed


def test_state_class_must_implement_the_protocol() -> None:
    crawler = get_crawler(settings_dict={"CRAWL_STATE_CLASS": "collections.OrderedDict"})
    with pytest.raises(TypeError, match="CrawlState"):
        crawl_state(crawler)
