"""Body normalization, hashes, shingles and the near-duplicate index (crawler/dedup.py)."""

from __future__ import annotations

import hashlib
import random
from datetime import date

import pytest

from crawler.dedup import (
    BAND_ROWS,
    DEDUP_WINDOW_DAYS,
    NEAR_THRESHOLD,
    NUM_PERM,
    SHORT_BODY_FLOOR,
    SHORT_BODY_SHINGLES,
    Fingerprint,
    NearDuplicateFinder,
    content_hash,
    estimated_jaccard,
    fingerprint,
    jaccard,
    near_threshold,
    normalized_body,
    shingles,
)
from crawler.replica.seed_article import SEED_INDEX, SPECIAL_ARTICLES
from crawler.replica.site import ReplicaSite
from crawler.state.memory import MemoryCrawlState

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


def print_of(text: str) -> Fingerprint:
    article = fingerprint(normalized_body(text))
    assert article is not None
    return article


def test_fingerprint_is_stable_compact_bytes() -> None:
    first = print_of(ARTICLE)
    assert len(first.signature) == 4 * NUM_PERM
    assert len(first.bands) == NUM_PERM // BAND_ROWS
    assert all(0 <= key < 2**63 for key in first.bands)
    assert print_of(ARTICLE.replace("，", ",")) == first
    assert fingerprint(normalized_body("，。！？")) is None


def test_fingerprints_of_a_repost_share_bands_and_estimate_the_exact_jaccard() -> None:
    a, b = shingles(ARTICLE), shingles(reposted(ARTICLE))
    original, repost = print_of(ARTICLE), print_of(reposted(ARTICLE))
    assert abs(estimated_jaccard(original.signature, repost.signature) - jaccard(a, b)) < 0.1
    assert estimated_jaccard(original.signature, original.signature) == 1.0
    assert set(original.bands) & set(repost.bands)
    assert not set(original.bands) & set(print_of(other_article()).bands)


def test_signatures_of_another_size_are_refused() -> None:
    with pytest.raises(ValueError, match="permutations"):
        estimated_jaccard(print_of(ARTICLE).signature, fingerprint(ARTICLE, num_perm=64).signature)


def indexed(*bodies: str, threshold: float = NEAR_THRESHOLD, day: int | None = None):
    finder = NearDuplicateFinder(MemoryCrawlState(), threshold=threshold)
    for n, body in enumerate(bodies):
        finder.add(f"https://www.financeun.com/newsDetail/{n}.shtml", print_of(body), day)
    return finder


def find(finder: NearDuplicateFinder, body: str, day: int | None = None) -> str | None:
    return finder.find(print_of(body), day)


def test_repost_with_a_changed_sentence_and_a_disclaimer_is_found() -> None:
    finder = indexed(other_article(), ARTICLE)
    assert find(finder, reposted(ARTICLE)) == "https://www.financeun.com/newsDetail/1.shtml"


def test_find_returns_the_earliest_matching_url() -> None:
    finder = indexed(ARTICLE, reposted(ARTICLE))
    assert (
        find(finder, ARTICLE + "\n" + DISCLAIMER) == "https://www.financeun.com/newsDetail/0.shtml"
    )


def test_next_days_market_report_is_not_a_duplicate() -> None:
    finder = indexed(MARKET_DAY_1)
    assert find(finder, MARKET_DAY_2) is None
    assert find(finder, MARKET_DAY_1.replace("\n", "")) is not None


def test_follow_up_quoting_a_third_is_not_a_duplicate() -> None:
    third = len(ARTICLE) // 3
    follow_up = ARTICLE[:third] + "\n" + other_article() * 2
    finder = indexed(ARTICLE)
    assert find(finder, follow_up) is None


def test_different_articles_with_the_same_disclaimer_are_not_duplicates() -> None:
    finder = indexed(ARTICLE + "\n" + DISCLAIMER)
    assert find(finder, other_article() + "\n" + DISCLAIMER) is None


def test_reposts_are_looked_for_within_the_window_of_publish_days() -> None:
    day = date(2025, 2, 6).toordinal()
    finder = indexed(ARTICLE, day=day)
    assert find(finder, reposted(ARTICLE), day + DEDUP_WINDOW_DAYS) is not None
    assert find(finder, reposted(ARTICLE), day - DEDUP_WINDOW_DAYS) is not None
    assert find(finder, reposted(ARTICLE), day + DEDUP_WINDOW_DAYS + 1) is None
    assert find(finder, reposted(ARTICLE), None) is not None
    assert find(indexed(ARTICLE), reposted(ARTICLE), day) is not None


def sentences(text: str) -> list[str]:
    return [part + "。" for part in text.replace("\n", "").split("。") if part]


def edited(body: list[str], rng: random.Random, replacements: list[str]) -> str:
    """The sentences with one to three of them replaced and perhaps one dropped."""
    copy = list(body)
    for _ in range(rng.randint(1, 3)):
        copy[rng.randrange(len(copy))] = rng.choice(replacements)
    if rng.random() < 0.3 and len(copy) > 2:
        del copy[rng.randrange(len(copy))]
    return "".join(copy)


def test_the_decision_is_the_exact_jaccard_against_the_length_aware_threshold() -> None:
    """On bodies of 150-3,000 characters with 1-3 sentences replaced (exact similarities from
    about 0.4 to 1), a body is found exactly when the Jaccard similarity of its shingles to
    the remembered one reaches the threshold for the shorter of the two: never missed near
    the threshold by an estimate that falls under it, never merged above it."""
    site = ReplicaSite(articles=60)
    texts = ["".join(site.text_of(article).paragraphs) for article in site.articles]
    pool = [sentence for text in texts for sentence in sentences(text)]
    rng = random.Random(20250206)
    found = missed = 0
    for n in range(300):
        body = sentences(texts[n % len(texts)])[: rng.randint(3, 40)]
        first, second = "".join(body), edited(body, rng, pool)
        a, b = shingles(first), shingles(second)
        expected = jaccard(a, b) >= near_threshold(NEAR_THRESHOLD, min(len(a), len(b)))
        assert (find(indexed(first), second) is not None) == expected, (n, jaccard(a, b))
        found += expected
        missed += not expected
    assert found > 50 and missed > 50


def test_short_bodies_with_one_sentence_replaced_are_one_story() -> None:
    short = "".join(sentences(ARTICLE)[:6])
    assert 200 < len(normalized_body(short)) < 700
    first_sentence = sentences(short)[0]
    replaced = short.replace(first_sentence, "据了解，相关部门正在研究进一步的支持政策。", 1)
    a, b = shingles(short), shingles(replaced)
    assert jaccard(a, b) < NEAR_THRESHOLD
    assert find(indexed(short), replaced) is not None


def test_the_threshold_falls_for_short_bodies_but_never_under_the_floor() -> None:
    assert near_threshold(0.8, 5000) == 0.8
    assert near_threshold(0.99, SHORT_BODY_SHINGLES) == 0.99
    assert near_threshold(0.99, SHORT_BODY_SHINGLES - 1) < 0.9
    assert near_threshold(0.8, 300) == pytest.approx(236 / 364)
    assert near_threshold(0.8, 100) == SHORT_BODY_FLOOR
    assert near_threshold(0.5, 100) == 0.5
