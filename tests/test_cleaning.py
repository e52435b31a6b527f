"""Text cleaning rules, one table per rule, and properties checked with hypothesis."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.cleaning import (
    clean_text_line,
    clean_title,
    repeats_source,
    split_body,
    strip_site_suffix,
)
from crawler.text import close_cjk_spaces
from tests.test_text import BOILERPLATE

SEED_BYLINE = "中国金融网首席金融观察员 金科"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "  DeepSeek 为中国在国际市场争取到 AI 话语权 ",
            "DeepSeek 为中国在国际市场争取到 AI 话语权",
        ),
        ("去年 4 月，到 2025 年底", "去年 4 月，到 2025 年底"),
        ("利率：3.5%（年化），", "利率：3.5%（年化），"),
        ("ＡＢＣ１２３", "ＡＢＣ１２３"),
        ("Cafe\u0301", "Café"),
        ("中\u200b国\u200c金\u200d融\u2060网\ufeff", "中国金融网"),
        ("银\x00行\x07\x1b", "银行"),
        ("记者\u3000张三", "记者 张三"),
        ("A\xa0B", "A B"),
        ("A\u2003\u2002\u202fB", "A B"),
        ("A \t  B", "A B"),
        ("第一行\n第二行", "第一行第二行"),
        ("中 \r\n 文", "中文"),
        ("存款准备金率，\n释放流动性", "存款准备金率，释放流动性"),
        ("AI\n模型", "AI 模型"),
        ("DeepSeek\n为中国", "DeepSeek 为中国"),
    ],
)
def test_text_line_unicode_and_whitespace(raw, expected):
    assert clean_text_line(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A&amp;B", "A&B"),
        ("&nbsp;利率", "利率"),
        ("&#x4e2d;&#22269;", "中国"),
        ("&amp;lt;3%", "<3%"),
        ("AT&T 与 P&G", "AT&T 与 P&G"),
        ("&foo; 不是实体", "&foo; 不是实体"),
        ("<b>降准</b>", "降准"),
        ('<span style="color:red">红</span>利', "红利"),
        ("x<br/>y", "x y"),
        ("中<br>文", "中文"),
        ("<p>第一段</p>", "第一段"),
        ("a<b", "a<b"),
        ("<3%", "<3%"),
        ("PE<5 且 PB>1", "PE<5 且 PB>1"),
        ("<A股>", "<A股>"),
        ("<3% 的增长 <b>重要</b>", "<3% 的增长 重要"),
    ],
)
def test_text_line_resolves_entities_and_tags_only(raw, expected):
    assert clean_text_line(raw) == expected


def clean_body_paragraph(text: str) -> str:
    """A body paragraph as ``split_body`` cleans it (when it is no byline)."""
    return close_cjk_spaces(clean_text_line(text))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("中 文", "中文"),
        ("中\u3000\u3000文", "中文"),
        ("利率， 下调", "利率，下调"),
        ("第一行\n第二行", "第一行第二行"),
        ("DeepSeek 为中国", "DeepSeek 为中国"),
        ("2024 年", "2024 年"),
        ("营造出 “通用人工智能” 触手可及", "营造出 “通用人工智能” 触手可及"),
        ("\u3000\u3000正文 开始", "正文开始"),
    ],
)
def test_paragraph_drops_spaces_between_cjk_only(raw, expected):
    assert clean_body_paragraph(raw) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("央行宣布降准_中国金融网", "央行宣布降准"),
        ("央行宣布降准-新华网", "央行宣布降准"),
        ("央行宣布降准|财经频道", "央行宣布降准"),
        ("央行宣布降准 ｜ 财经频道", "央行宣布降准"),
        ("央行宣布降准 - 网易财经", "央行宣布降准"),
        ("央行宣布降准 — 证券时报", "央行宣布降准"),
        ("央行宣布降准_财经频道_中国金融网", "央行宣布降准"),
        ("央行宣布降准 - cnfinance.cn", "央行宣布降准"),
        ("央行宣布降準_中國金融網", "央行宣布降準"),
        ("DeepSeek-R1 发布", "DeepSeek-R1 发布"),
        ("聚焦——工业互联网", "聚焦——工业互联网"),
        ("收评：三大指数表现分化 两市成交额维持高位", "收评：三大指数表现分化 两市成交额维持高位"),
        ("贵州茅台-2024年报", "贵州茅台-2024年报"),
        ("_中国金融网", "_中国金融网"),
        ("中国金融网", "中国金融网"),
    ],
)
def test_title_loses_site_suffixes_only(title, expected):
    assert strip_site_suffix(title) == expected
    assert clean_title(f" {title}&nbsp;") == expected


@pytest.mark.parametrize(
    ("line", "source", "expected"),
    [
        ("来源：新华社", "新华社", True),
        ("来源:中国金融网 2025年02月06日 06时41分", "中国金融网", True),
        ("（来源：新华社）", "新华社", True),
        ("來源：新華社", "新華社", True),
        ("来源：新华社", None, False),
        ("来源：国家统计局", "新华社", False),
    ],
)
def test_source_line_is_boilerplate_when_it_repeats_the_source(line, source, expected):
    assert repeats_source(line, source) is expected


def test_body_is_split_into_clean_paragraphs_and_boilerplate():
    body = (
        f"\u3000\u3000{SEED_BYLINE}\n来源：中国金融网\n\n"
        "在全球人工智能(AI)技术的激烈竞争浪潮中，\r\n"
        "中国 企业&nbsp;深度求索<b>异军突起</b>。\n"
        "（完）\n責任編輯：王五\n"
    )
    assert split_body(body, "中国金融网") == (
        [SEED_BYLINE, "在全球人工智能(AI)技术的激烈竞争浪潮中，", "中国企业深度求索异军突起。"],
        ["来源：中国金融网", "（完）", "責任編輯：王五"],
    )


# -- properties -------------------------------------------------------------------------------

PLAIN = (
    "中国金融网记者张三银行利率增长年月日"
    "，。：；（）、“”《》！？"
    "abcxyzXYZ.-%/0123456789１２"
    " \u3000\xa0\t\n\r"
    "\u200b\u200c\u200d\u2060\ufeff"
)
MARKUP = {
    "&amp;": "&",
    "&nbsp;": "\xa0",
    "&quot;": '"',
    "&#12288;": "\u3000",
    "&#x4e2d;": "中",
    "&#49;": "1",
    "<br>": "\n",
    "<br/>": "\n",
    "<p>": "\n",
    "</p>": "\n",
    "<b>": "",
    "</b>": "",
    '<span class="x">': "",
    "</span>": "",
    "a<b": "a<b",
    "<3%": "<3%",
}
BOILERPLATE_SAMPLES = [*BOILERPLATE, "来源：新华社"]

plain_tokens = st.text(PLAIN, max_size=6).map(lambda text: (text, text))
markup_tokens = st.sampled_from(list(MARKUP.items()))
marked_up = st.lists(st.one_of(plain_tokens, markup_tokens), max_size=25).map(
    lambda tokens: ("".join(raw for raw, _ in tokens), "".join(shown for _, shown in tokens))
)
"""(raw, shown): text with entities and tags, and the text a reader of the page sees."""

any_text = st.lists(
    st.one_of(
        st.text(max_size=6),
        st.text(PLAIN + "&;#<>ltgampnbsp", max_size=6),
        st.sampled_from(list(MARKUP)),
        st.sampled_from(BOILERPLATE_SAMPLES),
    ),
    max_size=25,
).map("".join)


def counted(text: str) -> Counter[str]:
    """The CJK characters, CJK punctuation and digits of ``text``."""
    return Counter(
        char
        for char in text
        if char.isdigit()
        or "\u4e00" <= char <= "\u9fff"
        or "\u3001" <= char <= "\u303f"
        or "\uff01" <= char <= "\uffef"
    )


@given(any_text)
def test_text_cleaners_are_idempotent(text):
    for clean in (clean_text_line, clean_body_paragraph, clean_title):
        once = clean(text)
        assert clean(once) == once


@given(any_text, st.sampled_from([None, "新华社"]))
def test_body_cleaning_is_idempotent(text, source):
    kept, _ = split_body(text, source)
    assert split_body("\n".join(kept), source) == (kept, [])


@given(marked_up)
def test_paragraph_cleaning_loses_no_cjk_character_or_digit(text):
    raw, shown = text
    assert not counted(shown) - counted(clean_text_line(raw))
    assert not counted(shown) - counted(clean_body_paragraph(raw))


body_lines = st.lists(
    st.one_of(marked_up, st.sampled_from(BOILERPLATE_SAMPLES).map(lambda line: (line, line))),
    max_size=8,
)
"""Body lines: marked-up text of characters that spell no boilerplate phrase, and the
literal boilerplate examples."""


@given(body_lines, st.sampled_from([None, "新华社"]))
def test_body_cleaning_loses_only_boilerplate(lines, source):
    raw = "\n".join(line for line, _ in lines)
    shown = "\n".join(line for _, line in lines)
    kept, removed = split_body(raw, source)
    lost = counted(shown) - counted("".join(kept))
    assert not lost - counted("".join(removed))
    furniture = [line for line, _ in lines if line in BOILERPLATE or line == f"来源：{source}"]
    assert len(removed) == len(furniture)
