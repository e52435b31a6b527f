"""The clean pipeline: cleaned items, fresh content hashes, stats, and clean items left alone."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from crawler.extraction import extract_article
from crawler.items import ArticleItem, build_article_item
from crawler.replica.site import ReplicaSite
from pipelines.clean import CleanPipeline, clean_article
from tests.test_cleaning import any_text

SEED_BYLINE = "中国金融网首席金融观察员 金科"
RELATED_URL = "http://127.0.0.1:8080/newsDetail/40001.shtml"


def article(**fields: object) -> ArticleItem:
    """An item as the spider builds it, from extracted fields."""
    extracted = {
        "title": "央行宣布降准0.5个百分点",
        "source": "新华社",
        "byline": None,
        "authors": [],
        "published_at": "2025-02-06T06:41:00+08:00",
        "content": "中国人民银行宣布下调金融机构存款准备金率0.5个百分点。",
        "related": [],
        "extraction": {"profile": None, "fields": {}},
        "canonical_url": None,
    } | fields
    return build_article_item(
        extracted,
        url="http://127.0.0.1:8080/newsDetail/40003.shtml",
        site=None,
        found_via=None,
        depth=0,
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
def pipeline() -> CleanPipeline:
    return CleanPipeline.from_crawler(get_crawler())


def test_dirty_item_is_cleaned_and_counted(pipeline):
    dirty = article(
        title=" 央行宣布降准0.5个百分点_中国金融网\u200b",
        source="中国金融网\xa0",
        byline=f"\u3000{SEED_BYLINE}&nbsp;",
        authors=["金科\u200b"],
        content=(
            "来源：中国金融网 2025年02月06日 06时41分\n"
            "&nbsp;中国人民银行宣布<b>下调</b>金融机构存款准备金率\n"
            "0.5个百分点，\r\n释放长期流动性约1万亿元。\n\n"
            "（完）\n"
            "责任编辑：张三\n"
            "Copyright © 2025 中国金融网 版权所有"
        ),
        related=[
            {
                "title": "降准落地 释放长期流动性约1万亿元 - 新华网",
                "url": RELATED_URL,
                "published_at": None,
            }
        ],
    )

    cleaned = pipeline.process_item(dirty)

    content = "中国人民银行宣布下调金融机构存款准备金率\n0.5个百分点，\n释放长期流动性约1万亿元。"
    assert cleaned.title == "央行宣布降准0.5个百分点"
    assert cleaned.source == "中国金融网"
    assert cleaned.byline == SEED_BYLINE
    assert cleaned.authors == ["金科"]
    assert cleaned.content == content
    assert cleaned.content_sha256 == hashlib.sha256(content.encode("utf-8")).hexdigest()
    assert cleaned.related == [
        {"title": "降准落地 释放长期流动性约1万亿元", "url": RELATED_URL, "published_at": None}
    ]
    assert (cleaned.url, cleaned.crawled_at, cleaned.extraction) == (
        dirty.url,
        dirty.crawled_at,
        dirty.extraction,
    )
    assert pipeline.stats.get_stats() == {
        "clean/boilerplate_lines_removed": 4,
        "clean/title_suffix_removed": 1,
    }


@pytest.mark.parametrize(
    ("byline", "content"),
    [
        ("记者 张三", "正文。\n记者 张三"),
        ("记者 张三", "记者 张三\n正文。"),
    ],
)
def test_bylines_in_the_body_stay_where_extraction_left_them(byline, content):
    cleaned, counted = clean_article(article(byline=byline, authors=["张三"], content=content))
    assert (cleaned.byline, cleaned.authors, cleaned.content) == (byline, ["张三"], content)
    assert counted == Counter()


def test_extracted_byline_leaves_the_body_once():
    """Extraction moves a leading byline out of the body; cleaning finds nothing to move."""
    html = (
        "<html><head><title>央行宣布降准_中国金融网</title></head><body>"
        "<h1>央行宣布降准</h1><div class=info>来源：新华社 2025-02-06 06:41</div>"
        "<div class=content><p>记者 张三</p>"
        f"<p>{'中国人民银行宣布下调金融机构存款准备金率0.5个百分点。' * 3}</p></div>"
        "</body></html>"
    )
    fields = extract_article(html.encode(), "http://news.example.org/a/1.html")
    item = build_article_item(
        fields,
        url="http://news.example.org/a/1.html",
        site=None,
        found_via=None,
        depth=0,
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert (item.byline, item.authors) == ("记者 张三", ["张三"])
    assert item.content == "中国人民银行宣布下调金融机构存款准备金率0.5个百分点。" * 3
    assert clean_article(item) == (item, Counter())


def test_replica_articles_pass_through_unchanged(pipeline):
    for truth in ReplicaSite(articles=200).truth("http://127.0.0.1:8080"):
        item = article(
            **{
                field: truth[field]
                for field in ("title", "source", "byline", "authors", "published_at", "content")
            },
            related=truth["related"],
        )
        assert pipeline.process_item(item) == item, truth["url"]
    assert pipeline.stats.get_stats() == {}


bylines = st.one_of(st.none(), st.sampled_from(["记者 张三", SEED_BYLINE, "文/李四"]), any_text)
heads = st.lists(
    st.sampled_from(["记者 张三", SEED_BYLINE, "文/李四", "责任编辑：王五"]), max_size=3
)


@given(any_text, bylines, heads, any_text)
def test_cleaning_an_item_twice_changes_nothing_more(title, byline, head, body):
    item = article(
        title=title,
        byline=byline,
        content="\n".join([*head, body]),
        related=[{"title": title, "url": RELATED_URL, "published_at": None}],
    )
    once, _ = clean_article(item)
    assert clean_article(once) == (once, Counter())
