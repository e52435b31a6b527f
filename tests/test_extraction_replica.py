"""Extraction of the replica's article pages, checked against the replica's own truth data."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.extraction import extract_article, get_profile
from crawler.extraction.decoding import decode_html
from crawler.extraction.page import Page
from crawler.replica import pages
from crawler.replica.seed_article import SEED_INDEX
from crawler.replica.site import ReplicaSite

BASE_URL = "http://127.0.0.1:8080"
ARTICLES = 300
SEEDS = (1, 2)
FIELDS = ("title", "source", "byline", "authors", "published_at", "content", "related")
PROFILE_FIELDS = ("title", "source", "byline", "published_at", "content", "related")


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{seed}" for seed in SEEDS])
def rendered(request: pytest.FixtureRequest) -> list[tuple[bytes, dict]]:
    """Every article page of a replica site with its truth record."""
    site = ReplicaSite(articles=ARTICLES, seed=request.param)
    truths = list(site.truth(BASE_URL))
    return [(pages.render_article(site, a), truths[a.index]) for a in site.articles]


@pytest.fixture(scope="module")
def seed_page() -> tuple[bytes, dict]:
    site = ReplicaSite(articles=ARTICLES, seed=1)
    truth = list(site.truth(BASE_URL))[SEED_INDEX]
    return pages.render_article(site, site.articles[SEED_INDEX]), truth


def mismatches(got: dict, truth: dict, fields: tuple[str, ...]) -> list[str]:
    return [
        f"{truth['url']} {name}: got {got[name]!r}, expected {truth[name]!r}"
        for name in fields
        if got[name] != truth[name]
    ]


@pytest.mark.parametrize("profile", ["financeun", None], ids=["profile", "generic"])
def test_seed_article(seed_page: tuple[bytes, dict], profile: str | None) -> None:
    body, truth = seed_page
    article = extract_article(body, truth["url"], profile=profile)
    assert article["extraction"]["profile"] == profile
    origin = "profile" if profile else "generic"
    assert set(article["extraction"]["fields"].values()) == {origin}
    assert article["title"] == "DeepSeek 为中国在国际市场争取到 AI 话语权"
    assert article["source"] == "中国金融网"
    assert article["byline"] == "中国金融网首席金融观察员 金科"
    assert article["authors"] == ["金科"]
    assert article["published_at"] == "2025-02-06T06:41:00+08:00"
    assert article["content"].startswith("在全球人工智能(AI)技术的激烈竞争浪潮中")
    assert article["content"].endswith("为全球科技进步做出更大的贡献。")
    assert article["content"] == truth["content"]
    assert article["related"] == truth["related"]
    assert [(r["title"], r["published_at"]) for r in article["related"]] == [
        ("云南丽江市永胜县委县人民政府向广大游客推荐永胜县特产沃柑", "2023-03-27T10:44:00+08:00"),
        ("非凡十年谱华章、接续奋斗续辉煌", "2022-11-25T09:28:00+08:00"),
        ("宁波银行 2024 年度业绩快报展现出了绝对实力", "2025-02-06T08:16:00+08:00"),
    ]
    assert article["canonical_url"] is None


def test_seed_article_keys(seed_page: tuple[bytes, dict]) -> None:
    body, truth = seed_page
    assert set(extract_article(body, truth["url"])) == {*FIELDS, "extraction", "canonical_url"}


def test_replica_has_both_layouts(rendered: list[tuple[bytes, dict]]) -> None:
    layouts = Counter(truth["site"] for _, truth in rendered)
    assert layouts["financeun"] > 50
    assert layouts["cnfinance"] > 20
    assert any(truth["byline"] is None for _, truth in rendered)


@pytest.mark.parametrize("layout", ["financeun", "cnfinance"])
def test_every_article_through_its_profile(rendered: list[tuple[bytes, dict]], layout: str) -> None:
    problems = []
    for body, truth in rendered:
        if truth["site"] == layout:
            article = extract_article(body, truth["url"], profile=layout)
            assert article["extraction"]["profile"] == layout
            problems += mismatches(article, truth, FIELDS)
    assert problems == []


@pytest.mark.parametrize("layout", ["financeun", "cnfinance"])
def test_every_article_through_generic(rendered: list[tuple[bytes, dict]], layout: str) -> None:
    problems = []
    for body, truth in rendered:
        if truth["site"] == layout:
            article = extract_article(body, truth["url"])
            assert article["extraction"]["profile"] is None
            problems += mismatches(article, truth, FIELDS)
    assert problems == []


@pytest.mark.parametrize("layout", ["financeun", "cnfinance"])
def test_profile_selectors_find_every_field_without_fallback(
    rendered: list[tuple[bytes, dict]], layout: str
) -> None:
    profile = get_profile(layout)
    problems = []
    for body, truth in rendered:
        if truth["site"] == layout:
            found = profile.extract(Page.parse(decode_html(body), truth["url"]))
            problems += mismatches(found, truth, PROFILE_FIELDS)
    assert problems == []


def test_cnfinance_canonical_url_is_absolute(rendered: list[tuple[bytes, dict]]) -> None:
    body, truth = next((b, t) for b, t in rendered if t["site"] == "cnfinance")
    assert extract_article(body, truth["url"])["canonical_url"] == truth["url"]
