"""The generic extractor and the per-field fallback, on hand-written pages of unknown sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
UNKNOWN_SITE_URL = "https://money.example.com/finance/2025/02/02/40.html"
STRUCTURED_URL = "https://finance.example.net/articles/2024/12/30/9001.html"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_unknown_site_page() -> None:
    article = extract_article(fixture("unknown_site.html"), UNKNOWN_SITE_URL)
    assert article == {
        "title": "央行宣布下调存款准备金率0.5个百分点",
        "source": "新华社",
        "byline": "记者 张三 李四",
        "authors": ["张三", "李四"],
        "published_at": "2025-02-02T09:30:15+08:00",
        "content": (
            "新华社北京2月2日电 中国人民银行2日宣布，"
            "决定于2月5日下调金融机构存款准备金率0.5个百分点。\n"
            "此次降准共计释放长期流动性约1万亿元。"
        ),
        "related": [
            {
                "title": "一月新增贷款创新高",
                "url": "https://money.example.com/n/42.html",
                "published_at": "2025-02-01T08:00:00+08:00",
            },
            {
                "title": "LPR维持不变",
                "url": "https://other.example.org/n/43.html",
                "published_at": "2025-01-20",
            },
        ],
        "extraction": {
            "profile": None,
            "fields": dict.fromkeys(
                ("title", "source", "byline", "published_at", "content", "related"), "generic"
            ),
        },
        "canonical_url": None,
    }


def test_structured_data_page() -> None:
    article = extract_article(fixture("structured_data.html"), STRUCTURED_URL)
    assert article["title"] == "首席经济学家：经济回升向好态势有望延续"
    assert article["published_at"] == "2024-12-30T18:05:00+08:00"
    assert article["byline"] == "文/赵六、钱七"
    assert article["authors"] == ["赵六", "钱七"]
    assert article["source"] is None
    assert article["content"] == (
        "多位首席经济学家认为，随着一揽子增量政策落地见效，经济回升向好态势有望延续。\n"
        "专家建议，继续加大逆周期调节力度。"
    )
    assert article["related"] == [
        {
            "title": "年末流动性观察",
            "url": "https://finance.example.net/articles/2024/12/29/8999.html",
            "published_at": None,
        }
    ]
    assert article["canonical_url"] == STRUCTURED_URL


def test_gbk_page_declared_in_headers_only() -> None:
    html = fixture("unknown_site.html").decode("utf-8").replace("charset=utf-8", "")
    article = extract_article(
        html.encode("gb18030"), UNKNOWN_SITE_URL, {"Content-Type": "text/html; charset=GBK"}
    )
    assert article["title"] == "央行宣布下调存款准备金率0.5个百分点"
    assert article["source"] == "新华社"


def test_profile_fields_it_cannot_find_fall_back_to_generic() -> None:
    url = "https://www.financeun.com/newsDetail/99.shtml"
    article = extract_article(fixture("unknown_site.html"), url)
    generic = extract_article(fixture("unknown_site.html"), UNKNOWN_SITE_URL)
    assert article["extraction"]["profile"] == "financeun"
    assert set(article["extraction"]["fields"].values()) <= {"generic", None}
    assert {k: v for k, v in article.items() if k != "extraction"} == {
        k: v for k, v in generic.items() if k != "extraction"
    }


def test_financeun_title_falls_back_to_first_news_div() -> None:
    html = (
        '<div class="content_left"><div class="news"><div>降准落地</div>'
        '<div class="copyright">来源:新华社 2025年02月06日 06时41分</div>'
        '<div class="news_content"><p>　　正文第一段，内容充实。</p></div></div></div>'
    )
    article = extract_article(html.encode(), "https://financeun.com/newsDetail/1.shtml")
    assert article["title"] == "降准落地"
    assert article["source"] == "新华社"
    assert article["published_at"] == "2025-02-06T06:41:00+08:00"
    assert article["content"] == "正文第一段，内容充实。"


def test_financeun_footer_copyright_never_gives_the_time() -> None:
    html = (
        '<div class="content_left"><div class="news"><div class="news_title">降准落地</div>'
        '<div class="copyright">来源:新华社</div>'
        '<div class="news_content"><p>　　正文第一段，内容充实。</p></div></div></div>'
        '<div class="footer"><div class="copyright">2024年12月31日 23时59分 更新</div></div>'
    )
    article = extract_article(html.encode(), "https://www.financeun.com/newsDetail/1.shtml")
    assert article["source"] == "新华社"
    assert article["published_at"] is None


def test_time_is_never_taken_from_related_lists_or_comments() -> None:
    html = (
        "<title>降准落地_某财经网</title><h1>降准落地</h1>"
        "<div>正文没有分段，也没有发布时间。</div>"
        '<div class="xg"><div>相关资讯</div><ul>'
        '<li><a href="/1.html">一月金融数据</a><span>2025年02月01日 10时00分</span></li></ul></div>'
        '<div class="pl"><span>老股民</span><span>2025年02月05日 09时00分</span></div>'
    )
    article = extract_article(html.encode(), "https://news.example.com/a.html")
    assert article["title"] == "降准落地"
    assert article["published_at"] is None
    assert article["related"][0]["published_at"] == "2025-02-01T10:00:00+08:00"


def test_header_zone_inside_the_body_block() -> None:
    html = (
        '<div class="article"><h1>降准落地</h1>'
        '<div class="info">2025-01-01 08:00 来源：新华网 作者：张三</div>'
        "<p>中国人民银行宣布下调存款准备金率。</p><p>此次降准释放长期流动性约1万亿元。</p></div>"
    )
    article = extract_article(html.encode(), "https://news.example.com/a.html")
    assert article["published_at"] == "2025-01-01T08:00:00+08:00"
    assert article["source"] == "新华网"
    assert article["byline"] == "作者：张三"
    assert article["authors"] == ["张三"]
    assert article["content"] == (
        "中国人民银行宣布下调存款准备金率。\n此次降准释放长期流动性约1万亿元。"
    )


def test_title_prefers_the_declared_headline_over_a_longer_h1() -> None:
    html = (
        '<title>降准落地_某财经网</title><meta property="og:title" content="降准落地">'
        "<h1>某财经网 专业的财经资讯平台</h1><h2>降准落地</h2><p>正文。</p>"
    )
    assert extract_article(html.encode(), "https://news.example.com/a.html")["title"] == "降准落地"


@pytest.mark.parametrize("body", [b"", b"<html></html>", b"\xff\xfe\x00", b"not html at all"])
def test_pages_without_an_article_give_empty_fields(body: bytes) -> None:
    article = extract_article(body, "http://example.com/")
    assert article["title"] is None
    assert article["published_at"] is None
    assert article["authors"] == []
    assert article["related"] == []


def test_body_joins_cjk_text_split_by_inline_tags_and_source_lines_without_spaces() -> None:
    html = (
        "<title>降准落地_某财经网</title><h1>降准落地</h1>"
        "<div class='text'><p>中国<span>人民</span><b>银行</b>2日宣布，\n"
        "      决定下调<a href='/x'>存款准备金率</a>0.5个百分点。</p>"
        "<p>此次降准<br>释放长期流动性约1万亿元，\n支持实体经济。</p></div>"
    )
    article = extract_article(html.encode(), "https://news.example.com/a.html")
    assert article["content"] == (
        "中国人民银行2日宣布，决定下调存款准备金率0.5个百分点。\n"
        "此次降准\n释放长期流动性约1万亿元，支持实体经济。"
    )


def test_traditional_chinese_big5_page_is_read_as_published() -> None:
    html = (
        "<html><head><meta charset='big5'><title>鄭文燦：多元方案解決蛋荒 | 中央社 CNA</title>"
        "</head><body><h1>鄭文燦：多元方案解決蛋荒</h1><div>2023/2/21 21:20</div>"
        "<p>（中央社記者溫貴香台北21日電）行政院副院長鄭文燦今天表示，這一波是全球性的雞蛋減產。</p>"
        "<p>他說，農委會預估3月初才能夠緩解。</p></body></html>"
    )
    article = extract_article(html.encode("big5"), "https://www.cna.com.tw/news/1.aspx")
    assert article["title"] == "鄭文燦：多元方案解決蛋荒"
    assert article["published_at"] == "2023-02-21T21:20:00+08:00"
    assert article["authors"] == ["溫貴香"]
    assert article["content"].endswith("他說，農委會預估3月初才能夠緩解。")
