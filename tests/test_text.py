"""The shared text rules: joining lines, CJK spaces, and which lines are page furniture.

Every example line is written out here, in simplified and traditional script, together with
article lines that look alike and must survive.
"""

from __future__ import annotations

import random
import sys
import unicodedata

import pytest
from lxml import etree

from crawler.extraction.content import ends_text, is_text_line
from crawler.extraction.layout import Line
from crawler.text import close_cjk_spaces, is_boilerplate_line, join_lines, nfkc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中国人民\n银行宣布", "中国人民银行宣布"),
        ("中国人民\r\n   银行", "中国人民银行"),
        ("中國人民\n銀行宣佈", "中國人民銀行宣佈"),
        ("降准。\n  此次", "降准。此次"),
        ("下调0.5个\n百分点", "下调0.5个百分点"),
        ("第一段\n\u3000\u3000第二段", "第一段第二段"),
        ("中\u2028文", "中文"),
        ("保證天天中獎\u3000\n點我下載", "保證天天中獎 點我下載"),
        ("记者 张三\xa0\n李四", "记者 张三 李四"),
        ("RMB\n1 trillion", "RMB 1 trillion"),
        ("上涨\n3%", "上涨 3%"),
        ("ＡＢＣ\n１２３", "ＡＢＣ １２３"),
        ("两场会谈， 目的", "两场会谈， 目的"),
        ("\u3000\u3000第一段\xa0", "第一段"),
    ],
)
def test_join_lines_drops_line_breaks_between_cjk_only(text: str, expected: str) -> None:
    assert join_lines(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中 文", "中文"),
        ("利率， 下调", "利率，下调"),
        ("開 放", "開放"),
        ("DeepSeek 为中国", "DeepSeek 为中国"),
        ("2024 年", "2024 年"),
        ("１２ ３４", "１２ ３４"),
        ("中  文", "中  文"),
    ],
)
def test_close_cjk_spaces(text: str, expected: str) -> None:
    assert close_cjk_spaces(text) == expected


BOILERPLATE = [
    "责任编辑：张三",
    "（责任编辑：李四）",
    "【责任编辑 王五】",
    "責任編輯：趙六",
    "【責任編輯 王五】",
    "编辑：王五",
    "編輯：王五",
    "责编：李四",
    "責編：李四",
    "校对：张三",
    "值班編輯：趙六",
    "免责声明：本文仅代表作者个人观点，与本网无关。"
    + "其原创性以及文中陈述文字和内容未经本站证实。" * 3,
    "免責聲明：本文僅代表作者個人觀點",
    "（完）",
    "(完)",
    "本文来源：经济日报",
    "本文來源：經濟日報",
    "分享到：微信 微博",
    "扫一扫，手机阅读",
    "掃一掃，分享到朋友圈",
    "点击进入专题",
    "點擊進入專題",
    "原标题：央行宣布降准",
    "原標題：央行宣布降準",
    "Copyright © 2003-2025 中国金融网 All Rights Reserved",
    "COPYRIGHT 2025 中時新聞網",
    "© 2025 中国金融网",
    "中国金融网 版权所有",
    "版權所有 中國金融網",
    "京ICP备05004617号",
    "京ICP備05004617號",
    "粤ICP证B2-20080101",
    "京公网安备11010502034567号",
    "京公網安備11010502034567號",
]
NOT_BOILERPLATE = [
    "完善金融服务体系。",
    "他把照片分享到朋友圈。",
    "他把照片分享到朋友圈，" + "引来众多网友点赞和评论，" * 4,
    "編輯部收到讀者來信。",
    "编辑部收到读者来信。",
    "点击率大幅上升。",
    "點擊率大幅上升。",
    "原标的资产已全部过户。",
    "该公司表示将依法维护版权所有人的合法权益，" + "并对侵权行为追究法律责任，" * 4,
    "該公司表示將依法維護版權所有人的合法權益，" + "並對侵權行為追究法律責任，" * 4,
    "该平台的ICP备案信息显示，" + "公司成立于2015年，主营互联网信息服务，" * 3,
    "中国金融网首席金融观察员 金科",
    "記者 林宸誼",
]


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", NOT_BOILERPLATE)
def test_article_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


def text_line(text: str) -> Line:
    chars = len(text) - text.count(" ")
    owner = etree.Element("p")
    return Line(text=text, owner=owner, chars=chars, link_chars=0, boilerplate=False, heading=False)


@pytest.mark.parametrize(
    "text",
    [
        "免责声明：本文仅代表作者个人观点",
        "免責聲明：本文僅代表作者個人觀點",
        "版权声明",
        "版權聲明",
        "分享到：",
        "【分享到】 微信 微博",
        "相关新闻",
        "相關新聞",
    ],
)
def test_text_ends_at_disclaimers_share_prompts_and_related_lists(text: str) -> None:
    assert ends_text(text_line(text))


@pytest.mark.parametrize(
    "text",
    [
        "他把照片分享到朋友圈。",
        "公司发表声明称，将依法维护自身权益。",
        "該公司發表聲明稱，將依法維護自身權益。",
        "免费开放的景区吸引了大批游客。",
    ],
)
def test_text_goes_on_over_article_lines(text: str) -> None:
    assert not ends_text(text_line(text))


@pytest.mark.parametrize(
    "text",
    [
        "扫一扫 手机看新闻",
        "掃一掃 手機看新聞",
        "点击查看",
        "點擊查看",
        "【打印】【关闭】",
        "版权所有 中国金融网",
        "版權所有 中國金融網",
        "Copyright 2025 cnfinance.cn",
        "© 2025 中時新聞網",
    ],
)
def test_widget_and_copyright_lines_are_not_text(text: str) -> None:
    assert not is_text_line(text_line(text))


@pytest.mark.parametrize(
    "text",
    [
        "点击率大幅上升，创下新高。",
        "點擊率大幅上升，創下新高。",
        "扫码支付已经覆盖全国各地的菜市场和小商铺。",
        "记者从该公司获悉，公司将依法维护版权所有人的合法权益。",
    ],
)
def test_article_lines_are_text(text: str) -> None:
    assert is_text_line(text_line(text))


IDEOGRAPHS = range(0x4E00, 0xA000)


def test_nfkc_leaves_the_ideographs_as_boundaries() -> None:
    """What ``nfkc`` relies on, checked over all of Unicode: NFKC keeps each ideograph, none
    is a combining mark, and none is either half of a canonical composition (a two-character
    canonical decomposition; a one-character one never composes)."""
    assert all(unicodedata.normalize("NFKC", chr(c)) == chr(c) for c in IDEOGRAPHS)
    assert all(unicodedata.combining(chr(c)) == 0 for c in IDEOGRAPHS)
    halves = set()
    for code in range(sys.maxunicode + 1):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                halves.update(int(part, 16) for part in parts)
    assert not halves & set(IDEOGRAPHS)


def test_nfkc_equals_unicodedata_on_mixed_text() -> None:
    """Random text of ideographs, full-width forms, Latin letters before combining marks,
    Hangul jamo, compatibility ideographs, ligatures and circled digits."""
    alphabet = (
        "中国金融网，。：；！？（）【】“”　ＡＢＣａｂｃ１２３"
        "aeiouAEIOU\u0300\u0301\u0308\u0327\u1100\u1161\u11a8\uac00"
        "\uf900\ufa0a\ufb01①②㎏™ｶﾞ\u3099 \t\n0123456789"
    )
    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)
    long_run = "ｆｕｌｌ－ｗｉｄｔｈ ｔｅｘｔ ｗｉｔｈｏｕｔ ａｎｙ ｉｄｅｏｇｒａｐｈ"
    assert nfkc(f"中{long_run}文") == unicodedata.normalize("NFKC", f"中{long_run}文")
