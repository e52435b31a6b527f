"""Dates, sources, bylines and byte decoding, on hand-written examples."""

from __future__ import annotations

import pytest

from crawler.extraction.bylines import (
    find_byline,
    find_source,
    is_editor_line,
    looks_like_byline,
    parse_authors,
)
from crawler.extraction.content import body_paragraphs
from crawler.extraction.dates import find_datetime, parse_datetime
from crawler.extraction.decoding import decode_html

SEED_TIME = "2025-02-06T06:41:00+08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025年02月06日 06时41分", SEED_TIME),
        ("2025年02月06日06时41分", SEED_TIME),
        ("2025年2月6日 6:41", SEED_TIME),
        ("2025年2月6日 06:41:30", "2025-02-06T06:41:30+08:00"),
        ("2025年02月06日 06时41分30秒", "2025-02-06T06:41:30+08:00"),
        ("2025-02-06 06:41", SEED_TIME),
        ("2025-02-06 06:41:00", SEED_TIME),
        ("2025/02/06 06:41", SEED_TIME),
        ("2025-2-6 6:41", SEED_TIME),
        ("2025-02-06T06:41:00+08:00", SEED_TIME),
        ("2025-02-05T22:41:00Z", "2025-02-05T22:41:00+00:00"),
        ("２０２５年０２月０６日　０６：４１", SEED_TIME),
        ("２０２５－０２－０６", "2025-02-06"),
        ("发布时间：2025-02-06 06:41", SEED_TIME),
        ("时间:2025年02月06日 06时41分", SEED_TIME),
        ("日期：2025.02.06", "2025-02-06"),
        ("发布日期: 2025/2/6", "2025-02-06"),
        ("2025年2月6日", "2025-02-06"),
        ("2025.02.06", "2025-02-06"),
        ("2025年13月06日", None),
        ("2025-02-30", None),
        ("2025-02-06 24:10", None),
        ("2025-02/06", None),
        ("02-06 06:41", None),
        ("2025年2月", None),
        ("", None),
    ],
)
def test_parse_datetime(text: str, expected: str | None) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源:中国金融网 2025年02月06日 06时41分", SEED_TIME),
        ("2025-02-06 06:41 摘自：新华社 浏览：1234", SEED_TIME),
        ("浏览：1234 发布于 2025年2月6日", "2025-02-06"),
        ("截至2025年13月末 2025年2月6日 6:41", SEED_TIME),
        ("来源：中国金融网", None),
    ],
)
def test_find_datetime_in_a_line(line: str, expected: str | None) -> None:
    assert find_datetime(line) == expected


def test_parse_datetime_rejects_text_around_the_date() -> None:
    assert parse_datetime("来源:中国金融网 2025年02月06日 06时41分") is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源:中国金融网 2025年02月06日 06时41分", "中国金融网"),
        ("来源：新华社", "新华社"),
        ("摘自：21世纪经济报道", "21世纪经济报道"),
        ("出处：人民网 作者：张三", "人民网"),
        ("来源：新华社作者：张三", "新华社"),
        ("来源：经济日报 记者 李四", "经济日报"),
        ("2025-02-06 06:41 摘自：证券时报 浏览：88", "证券时报"),
        ("来源：光明网|2025-02-06", "光明网"),
        ("来源：央视财经2025年2月6日", "央视财经"),
        ("中国金融网首席金融观察员 金科", None),
        ("作者：王五", None),
    ],
)
def test_find_source(line: str, expected: str | None) -> None:
    assert find_source(line) == expected


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("中国金融网首席金融观察员 金科", ["金科"]),
        ("记者 张三 李四", ["张三", "李四"]),
        ("文/张三、李四", ["张三", "李四"]),
        ("文｜张三", ["张三"]),
        ("作者：王五", ["王五"]),
        ("作者：张三 李四", ["张三", "李四"]),
        ("作者：张三，李四", ["张三", "李四"]),
        ("作者:张三,李四", ["张三", "李四"]),
        ("本报记者 张三 通讯员 李四", ["张三", "李四"]),
        ("本报记者张三", ["张三"]),
        ("中国金融网驻浙江记者 周雅琴", ["周雅琴"]),
        ("中国金融网高级编辑 方俊", ["方俊"]),
        ("特约撰稿人 石磊 温雅", ["石磊", "温雅"]),
        ("撰文 张三", ["张三"]),
        ("人民网 张三", ["张三"]),
        ("经济日报社 王五 新华社 李四", ["王五", "李四"]),
        ("央视财经台 赵六", ["赵六"]),
        ("记者 张三 编辑 李四", ["张三"]),
        ("作者：张三 责任编辑：李四", ["张三"]),
        ("来源：新华社", []),
        ("来源：中国金融网 作者：张三", []),
        ("责任编辑：李四", []),
        ("编辑：李四", []),
    ],
)
def test_parse_authors(byline: str, authors: list[str]) -> None:
    assert parse_authors(byline) == authors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中国金融网首席金融观察员 金科", True),
        ("记者 张三 李四", True),
        ("文/张三、李四", True),
        ("作者：王五", True),
        ("本网记者 龙飞", True),
        ("张三", False),
        ("来源：新华社", False),
        ("责任编辑：李四", False),
        ("分享到： 微信 微博 QQ空间", False),
        ("浏览：1234", False),
        ("记者了解到，该行今年以来累计发放贷款12亿元。", False),
        ("一、市场概况", False),
    ],
)
def test_looks_like_byline(text: str, expected: bool) -> None:
    assert looks_like_byline(text) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("作者：张三 李四", "作者：张三 李四"),
        ("来源：新华社 作者：张三 浏览：12", "作者：张三"),
        ("原文：张三", None),
        ("来源：新华社", None),
    ],
)
def test_find_byline(line: str, expected: str | None) -> None:
    assert find_byline(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("责任编辑：李四", True),
        ("（责任编辑：王五）", True),
        ("编辑: 赵敏", True),
        ("记者 张三", False),
    ],
)
def test_is_editor_line(text: str, expected: bool) -> None:
    assert is_editor_line(text) is expected


def test_body_paragraphs_drop_byline_editor_and_blank_lines() -> None:
    texts = [
        "\u3000\u3000",
        "中国金融网记者 张三",
        "\u3000\u3000第一段。\xa0",
        "",
        " 第二段 有空格。\n",
        "责任编辑：李四",
    ]
    assert body_paragraphs(texts) == ["第一段。", "第二段 有空格。"]


@pytest.mark.parametrize(
    ("texts", "body"),
    [
        (["中国金融网首席金融观察员 金科", "正文。"], ["正文。"]),
        (["记者 张三", "正文。"], ["正文。"]),
        (["記者 林宸誼", "正文。"], ["正文。"]),
        (["文/张三", "通讯员 李四", "正文。"], ["正文。"]),
        (["作者：张三", "正文。"], ["正文。"]),
        (["来源：新华社", "记者 张三", "正文。"], ["正文。"]),
        (["原标题：央行宣布降准", "记者 张三", "正文。"], ["正文。"]),
        (["原標題：央行宣布降準", "記者 張三", "正文。"], ["正文。"]),
        (["责任编辑：张三", "正文。"], ["正文。"]),
        (["正文。", "记者 张三"], ["正文。", "记者 张三"]),
        (["正文。", "原标题：央行宣布降准"], ["正文。", "原标题：央行宣布降准"]),
        ([], []),
    ],
)
def test_body_head_loses_bylines_source_and_boilerplate_lines(texts, body) -> None:
    assert body_paragraphs(texts) == body


PAGE = "<html><head>{meta}<title>中国金融网</title></head><body><p>{text}</p></body></html>"
TEXT = "金融活水润泽实体经济𠮷"
GBK_CONTENT_TYPE = "text/html; charset=GBK"


def page_bytes(encoding: str, meta: str = "", bom: bytes = b"") -> bytes:
    return bom + PAGE.format(meta=meta, text=TEXT).encode(encoding)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(page_bytes("gb18030", '<meta charset="gb2312">'), None, id="gbk-meta-gb2312"),
        pytest.param(
            page_bytes("gb18030", f'<meta http-equiv="Content-Type" content="{GBK_CONTENT_TYPE}">'),
            None,
            id="gbk-http-equiv",
        ),
        pytest.param(
            page_bytes("gb18030"), {"Content-Type": "text/html; charset=gb2312"}, id="header-only"
        ),
        pytest.param(
            page_bytes("gb18030"), {"content-type": "text/html; charset=x-gbk"}, id="header-x-gbk"
        ),
        pytest.param(
            page_bytes("gb18030", '<meta charset="gb_2312-80">'), None, id="meta-gb_2312-80"
        ),
        pytest.param(
            page_bytes("utf-8", '<meta charset="gb2312">', bom=b"\xef\xbb\xbf"), None, id="utf8-bom"
        ),
        pytest.param(
            page_bytes("utf-8", '<meta charset="gb2312">'), None, id="utf8-declaring-gb2312"
        ),
        pytest.param(
            page_bytes("utf-8"), {"Content-Type": "text/html; charset=GBK"}, id="utf8-header-gbk"
        ),
        pytest.param(page_bytes("utf-8"), None, id="utf8-undeclared"),
        pytest.param(page_bytes("gb18030"), None, id="gbk-undeclared"),
        pytest.param(
            page_bytes("utf-8", '<meta charset="gb2312">'),
            {"Content-Type": "text/html; charset=utf-8"},
            id="header-beats-meta",
        ),
    ],
)
def test_decode_html(body: bytes, headers: dict[str, str] | None) -> None:
    text = decode_html(body, headers)
    assert TEXT in text
    assert "\ufffd" not in text
    assert not text.startswith("\ufeff")


def test_decode_html_never_raises_on_broken_bytes() -> None:
    broken = b"<p>\xe4\xb8\xad\xff\xfe</p>"
    assert "<p>" in decode_html(broken, {"Content-Type": "text/html; charset=utf-8"})
    assert "<p>" in decode_html(broken, {"Content-Type": "text/html; charset=no-such-codec"})
    assert decode_html(b"") == ""


HANT_PAGE = (
    "<html><head>{meta}<title>鄭文燦：多元方案解決蛋荒</title></head><body>"
    "<h1>鄭文燦：多元方案解決蛋荒</h1><p>行政院副院長鄭文燦今天表示，這一波是全球性的蛋荒。</p>"
    "</body></html>"
)


@pytest.mark.parametrize(
    ("meta", "headers"),
    [
        pytest.param('<meta charset="big5">', None, id="meta-big5"),
        pytest.param(
            '<meta http-equiv="Content-Type" content="text/html; charset=big5">',
            None,
            id="http-equiv-big5",
        ),
        pytest.param("", {"Content-Type": "text/html; charset=Big5"}, id="header-big5"),
        pytest.param("", None, id="undeclared-big5"),
    ],
)
def test_decode_big5(meta: str, headers: dict[str, str] | None) -> None:
    page = HANT_PAGE.format(meta=meta)
    assert decode_html(page.encode("big5"), headers) == page


def test_undeclared_gbk_with_traditional_characters_stays_gbk() -> None:
    page = HANT_PAGE.format(meta="").replace("鄭文燦", "郑文灿")
    assert decode_html(page.encode("gb18030")) == page


@pytest.mark.parametrize("meta", ['<meta charset="utf-8">', '<meta charset="big5">', ""])
def test_decode_utf8_with_bom_whatever_the_page_declares(meta: str) -> None:
    page = HANT_PAGE.format(meta=meta)
    text = decode_html(b"\xef\xbb\xbf" + page.encode("utf-8"))
    assert text.lstrip("\ufeff") == page
    assert not text.startswith("\ufeff")
