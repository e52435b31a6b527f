"""Body normalization, hashes, shingles and the near-duplicate index (crawler/dedup.py)."""

from __future__ import annotations

import hashlib

import pytest

from crawler.dedup import (
    NUM_PERM,
    NearDuplicateIndex,
    content_hash,
    estimated_jaccard,
    normalized_body,
    shingles,
    signature,
)
from crawler.replica.seed_article import SEED_INDEX, SPECIAL_ARTICLES
from crawler.replica.site import ReplicaSite

SEED = SPECIAL_ARTICLES[SEED_INDEX].text
assert SEED is not None
ARTICLE = "\n".join(SEED.paragraphs)
DISCLAIMER = (
    "免责声明：本文仅代表作者个人观点，与本网无关。其原创性以及文中陈述文字和内容未经本站证实，"
    "请读者仅作参考，并请自行核实相关内容。"
)
MARKET_DAY_1 = (
    "2月5日，A股三大指数集体收涨。截至收盘，沪指涨0.53%，报3245.12点；深成指涨0.81%，"
    "报10234.56点；创业板指涨1.07%，报2108.33点。\n沪深两市全天成交额8123亿元，较上一交易日"
    "放量356亿元。北向资金全天净买入42.18亿元。\n盘面上，半导体、券商、有色金属等板块涨幅居前。"
    "个股方面，两市共有3012只个股上涨，2011只个股下跌，68只个股涨停。\n分析人士指出，当前市场"
    "估值处于历史相对低位，政策面持续释放积极信号，后市有望延续震荡上行格局。"
)
MARKET_DAY_2 = (
    "2月6日，A股三大指数集体收涨。截至收盘，沪指涨1.27%，报3286.40点；深成指涨0.46%，"
    "报10281.92点；创业板指涨0.92%，报2127.71点。\n沪深两市全天成交额9475亿元，较上一交易日"
    "放量1352亿元。北向资金全天净买入17.63亿元。\n盘面上，半导体、券商、有色金属等板块涨幅居前。"
    "个股方面，两市共有3540只个股上涨，1493只个股下跌，91只个股涨停。\n分析人士指出，当前市场"
    "估值处于历史相对低位，政策面持续释放积极信号，后市有望延续震荡上行格局。"
)


def other_article() -> str:
    site = ReplicaSite(articles=10)
    return "\n".join(site.text_of(site.articles[7]).paragraphs)


def reposted(text: str) -> str:
    """The article with a word of its second paragraph changed and a disclaimer appended."""
    paragraphs = text.split("\n")
    assert "上个月" in paragraphs[1]
    paragraphs[1] = paragraphs[1].replace("上个月", "今年1月", 1)
    return "\n".join([*paragraphs, DISCLAIMER])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("第一段。\n\n第二段，  继续！", "第一段第二段继续"),
        ("全角ＡＢＣ１２３，半角abc", "全角abc123半角abc"),
        ("DeepSeek-R1 的发布", "deepseekr1的发布"),
        ("沪指涨0.53%，报3245.12点", "沪指涨053报324512点"),
        ("「引号」“quotes”（括号）【标题】——破折号…", "引号quotes括号标题破折号"),
        ("\u3000\u3000缩进\t制表\u200b零宽", "缩进制表零宽"),
        ("，。！？", ""),
    ],
)
def test_normalized_body(text: str, expected: str) -> None:
    assert normalized_body(text) == expected


def test_content_hash_ignores_layout_and_punctuation_width() -> None:
    relaid = ARTICLE.replace("\n", "\n\n\u3000\u3000").replace("，", ", ").replace("。", ". ")
    assert content_hash(relaid) == content_hash(ARTICLE)
    expected = hashlib.sha256(normalized_body(ARTICLE).encode("utf-8")).hexdigest()
    assert content_hash(ARTICLE) == expected


@pytest.mark.parametrize(
    "changed",
    [
        ARTICLE.replace("1600 万次", "1700 万次", 1),
        ARTICLE.replace("上个月", "今年1月", 1),
        ARTICLE + "\n（责任编辑：王晓丹）",
    ],
)
def test_content_hash_changes_with_any_letter_or_digit(changed: str) -> None:
    assert changed != ARTICLE
    assert content_hash(changed) != content_hash(ARTICLE)


def test_shingles_are_character_grams_of_the_normalized_body() -> None:
    assert shingles("沪指，收涨！", k=3) == {"沪指收", "指收涨"}
    assert shingles("收涨", k=5) == {"收涨"}
    assert shingles("。。", k=5) == set()
    assert len(shingles(ARTICLE)) > 1000


def test_signature_is_stable_compact_bytes() -> None:
    first = signature(ARTICLE)
    assert first is not None
    assert len(first) == 4 * NUM_PERM
    assert signature(ARTICLE.replace("，", ",")) == first
    assert signature("，。！？") is None


def test_estimated_jaccard_is_close_to_the_exact_one() -> None:
    a, b = shingles(ARTICLE), shingles(reposted(ARTICLE))
    exact = len(a & b) / len(a | b)
    sig_a, sig_b = signature(ARTICLE), signature(reposted(ARTICLE))
    assert sig_a is not None and sig_b is not None
    assert abs(estimated_jaccard(sig_a, sig_b) - exact) < 0.1
    assert estimated_jaccard(sig_a, sig_a) == 1.0


def indexed(*bodies: str) -> NearDuplicateIndex:
    index = NearDuplicateIndex(threshold=0.8)
    for n, body in enumerate(bodies):
        sig = signature(body)
        assert sig is not None
        index.add(f"https://www.financeun.com/newsDetail/{n}.shtml", sig)
    return index


def find(index: NearDuplicateIndex, body: str) -> str | None:
    sig = signature(body)
    assert sig is not None
    return index.find(sig)


def test_repost_with_a_changed_sentence_and_a_disclaimer_is_found() -> None:
    index = indexed(other_article(), ARTICLE)
    assert find(index, reposted(ARTICLE)) == "https://www.financeun.com/newsDetail/1.shtml"


def test_find_returns_the_earliest_matching_url() -> None:
    index = indexed(ARTICLE, reposted(ARTICLE))
    assert (
        find(index, ARTICLE + "\n" + DISCLAIMER) == "https://www.financeun.com/newsDetail/0.shtml"
    )


def test_next_days_market_report_is_not_a_duplicate() -> None:
    index = indexed(MARKET_DAY_1)
    assert find(index, MARKET_DAY_2) is None
    assert find(index, MARKET_DAY_1.replace("\n", "")) is not None


def test_follow_up_quoting_a_third_is_not_a_duplicate() -> None:
    third = len(ARTICLE) // 3
    follow_up = ARTICLE[:third] + "\n" + other_article() * 2
    index = indexed(ARTICLE)
    assert find(index, follow_up) is None


def test_different_articles_with_the_same_disclaimer_are_not_duplicates() -> None:
    index = indexed(ARTICLE + "\n" + DISCLAIMER)
    assert find(index, other_article() + "\n" + DISCLAIMER) is None


def test_signature_of_another_size_is_refused() -> None:
    index = indexed(ARTICLE)
    short = signature(ARTICLE, num_perm=64)
    assert short is not None
    with pytest.raises(ValueError, match="permutations"):
        index.find(short)
