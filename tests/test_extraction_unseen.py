"""The generic extractor on the kinds of page the development set lacks: other sites, other
years, blogs, forums and platform accounts. Each test page is synthetic, written from the
description of one failure class and form (issue 15): a time, source, byline or related list
written the way such pages write it, with a decoy of the same kind where one may stand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extraction import extract_article

URL = "https://news.example.com/a/1.html"
TITLE = "央行宣布下调存款准备金率"
BODY = (
    "<p>中国人民银行今日宣布，决定下调金融机构存款准备金率0.5个百分点，释放长期资金约一万亿元。</p>"
    "<p>分析人士认为，此次降准有助于保持流动性合理充裕，支持实体经济平稳运行。</p>"
    "<p>央行有关负责人表示，将继续实施稳健的货币政策，更加注重精准有效。</p>"
)
RELATED_DECOY = (
    '<div class="xg"><h3>相关资讯</h3><ul>'
    '<li><a href="/n/9.html">一月金融数据发布</a><span>2001-02-03 04:05</span></li></ul></div>'
)
COMMENTS_DECOY = (
    '<div class="pl"><h3>网友评论</h3><p><span>老股民</span> 2002-03-04 05:06 利好。</p></div>'
)
FOOTER_DECOY = '<div class="footer"><p>2003-04-05 06:07 更新 Copyright © 某网</p></div>'


def page(header: str, *, head: str = "", body: str = BODY, after: str = "") -> bytes:
    """A page of an unknown site: nav, headline, ``header``, body, ``after``, decoys, footer."""
    return (
        f"<html><head><meta charset='utf-8'><title>{TITLE}_某财经网</title>{head}</head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/finance/">财经</a></div>'
        f'<div class="main"><h1>{TITLE}</h1>{header}<div class="text">{body}</div>{after}'
        f"{RELATED_DECOY}{COMMENTS_DECOY}</div>{FOOTER_DECOY}</body></html>"
    ).encode()


def extract(data: bytes, url: str = URL, **options: object) -> dict[str, object]:
    return extract_article(data, url, **options)  # type: ignore[arg-type]


# -- class 1: header times in forms the extractor did not take -------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("<div>2005-07-31 12:30</div>", "2005-07-31T12:30:00+08:00", id="alone"),
        pytest.param(
            "<div>张三 2005-07-31 12:30</div>", "2005-07-31T12:30:00+08:00", id="beside-author"
        ),
        pytest.param(
            "<div>2005年8月12日16:12:21 新浪财经</div>",
            "2005-08-12T16:12:21+08:00",
            id="no-space-after-day",
        ),
        pytest.param(
            '<div class="share-bar"><span>2019-09-23 14:34:05</span>'
            "<span>分享到：</span><a>微信</a><a>微博</a></div>",
            "2019-09-23T14:34:05+08:00",
            id="share-bar-span",
        ),
        pytest.param(
            "<div>发表于 2004-12-27 12:40</div>", "2004-12-27T12:40:00+08:00", id="posted-at"
        ),
        pytest.param(
            "<div>发表于: 2004-12-27 12:40 | 只看该作者</div>",
            "2004-12-27T12:40:00+08:00",
            id="forum-post-bar",
        ),
        pytest.param("<div>2005年8月12日</div>", "2005-08-12", id="day-only-at-its-precision"),
        pytest.param(
            "<div><span>2019</span>-<span>09</span>-<span>23</span> 14:34</div>",
            "2019-09-23T14:34:00+08:00",
            id="split-in-spans",
        ),
    ],
)
def test_header_time_forms(header: str, expected: str) -> None:
    assert extract(page(header))["published_at"] == expected


def test_header_time_between_summary_and_body() -> None:
    header = (
        "<div class='summary'><p>摘要：央行宣布降准，释放长期资金约一万亿元。</p></div>"
        "<div>2019-09-23 14:34</div>"
    )
    assert extract(page(header))["published_at"] == "2019-09-23T14:34:00+08:00"


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        pytest.param(
            '<meta itemprop="dateUpdate" content="2019-10-08 13:00:00">',
            URL,
            "2019-10-08T12:00:00+08:00",
            id="year-from-meta-update-time",
        ),
        pytest.param(
            "",
            "https://news.example.com/2019/1008/1.html",
            "2019-10-08T12:00:00+08:00",
            id="year-from-url",
        ),
        pytest.param("", URL, None, id="no-year-anywhere"),
    ],
)
def test_month_day_time_takes_the_year_the_page_gives(
    head: str, url: str, expected: str | None
) -> None:
    assert extract(page("<div>10-08 12:00</div>", head=head), url)["published_at"] == expected


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param("昨天 12:00", "2019-10-07T12:00:00+08:00", id="yesterday"),
        pytest.param("前天 08:30", "2019-10-06T08:30:00+08:00", id="day-before-yesterday"),
        pytest.param("今天 09:15", "2019-10-08T09:15:00+08:00", id="today"),
        pytest.param("3小时前", "2019-10-08T10:00:00+08:00", id="hours-ago"),
        pytest.param("25分钟前", "2019-10-08T12:35:00+08:00", id="minutes-ago"),
        pytest.param("2天前", "2019-10-06", id="days-ago"),
    ],
)
def test_relative_time_against_the_pages_own_timestamp(shown: str, expected: str) -> None:
    head = '<meta property="og:updated_time" content="2019-10-08T13:00:00+08:00">'
    assert extract(page(f"<div>{shown}</div>", head=head))["published_at"] == expected


def test_relative_time_against_the_served_date() -> None:
    headers = {"Date": "Tue, 08 Oct 2019 05:00:00 GMT"}
    article = extract_article(page("<div>3小时前</div>"), URL, headers)
    assert article["published_at"] == "2019-10-08T10:00:00+08:00"


def test_blog_post_time_beats_the_blog_sidebar_date() -> None:
    data = (
        "<html><head><title>博客 - 某博客网</title></head><body>"
        "<div class='side'><div>博客名：洞庭一叶</div><div>建立于:2004年10月6日</div></div>"
        "<table><tr><td>洞庭一叶 发表于 2005-9-15 11:46:00</td></tr>"
        f"<tr><td>{BODY}</td></tr></table></body></html>"
    ).encode()
    assert extract(data)["published_at"] == "2005-09-15T11:46:00+08:00"


def test_forum_thread_time_is_the_first_post_stamp() -> None:
    post = "<p>〓 某论坛 电影版 发布时间 {} by {} 〓</p>"
    reply = "<p>回复楼主：这部电影我也看过，演员的表演确实精彩，值得一看。</p>"
    data = (
        "<html><head><title>某论坛</title></head><body>"
        "<table><tr><td>某论坛 > 电影版</td></tr>"
        f"<tr><td>{BODY}{post.format('2005/05/17 22:11:42', '眉间尺')}</td></tr>"
        f"<tr><td>{reply}{post.format('2005/05/18 13:45:40', '愤怒的马')}</td></tr>"
        "</table></body></html>"
    ).encode()
    assert extract(data)["published_at"] == "2005-05-17T22:11:42+08:00"


def test_relative_time_without_a_page_timestamp_is_no_time() -> None:
    assert extract(page("<div>3小时前</div>"))["published_at"] is None


def test_dates_of_related_lists_comments_and_footers_are_never_taken() -> None:
    assert extract(page("<div>某财经网</div>"))["published_at"] is None


# -- class 2: the time shown under the headline against a meta time ------------------------


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        pytest.param("2019-09-07T18:20:00+08:00", "2019-09-07T09:05:00+08:00", id="hours-later"),
        pytest.param("2019-09-07T09:35:00+08:00", "2019-09-07T09:05:00+08:00", id="minutes"),
        pytest.param("2019-09-07T01:05:00Z", "2019-09-07T01:05:00+00:00", id="same-instant"),
        pytest.param("2019-09-07", "2019-09-07T09:05:00+08:00", id="declared-day-only"),
    ],
)
def test_shown_time_beats_a_meta_time(declared: str, expected: str) -> None:
    head = f'<meta property="article:published_time" content="{declared}">'
    article = extract(page("<div>2019-09-07 09:05</div>", head=head))
    assert article["published_at"] == expected


def test_shown_time_beats_a_json_ld_time() -> None:
    head = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2019-09-07T20:00:00+08:00"}</script>'
    )
    article = extract(page("<div>2019-09-07 09:05</div>", head=head))
    assert article["published_at"] == "2019-09-07T09:05:00+08:00"


def test_a_shown_shifted_time_zone_keeps_the_meta_instant() -> None:
    head = '<meta property="article:published_time" content="2022-02-06T12:48:06+00:00">'
    article = extract(page("<div>06/02/2022 - 13:48</div>", head=head))
    assert article["published_at"] == "2022-02-06T12:48:06+00:00"


DATED_URLS = pytest.mark.parametrize(
    "url",
    [
        "https://news.example.com/2019/0907/1.html",
        "https://news.example.com/19/0907/1.html",
        "https://news.example.com/2019-09/07/c_1.htm",
        "https://news.example.com/20190907/1.html",
    ],
)


@DATED_URLS
def test_url_path_day_is_the_day_when_the_page_shows_none(url: str) -> None:
    assert extract(page(""), url)["published_at"] == "2019-09-07"


@DATED_URLS
def test_url_path_day_sides_with_the_shown_time_days_away_from_the_meta_time(url: str) -> None:
    head = '<meta property="article:published_time" content="2019-09-12T10:00:00+08:00">'
    shown = page("<div>2019-09-07 09:05</div>", head=head)
    assert extract(shown, url)["published_at"] == "2019-09-07T09:05:00+08:00"
    assert extract(shown)["published_at"] == "2019-09-12T10:00:00+08:00"


def test_old_archive_article_is_kept() -> None:
    article = extract(page("<div>1996年5月3日 08:00</div>"), now=datetime(2025, 1, 1, tzinfo=UTC))
    assert article["published_at"] == "1996-05-03T08:00:00+08:00"


# -- class 3: sources missed or polluted --------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            '<div>来源：<a href="http://www.xinhuanet.com/">新华网</a></div>', "新华网", id="link"
        ),
        pytest.param(
            "<div>2019-09-23 来源：<span>中国证券报</span></div>", "中国证券报", id="span"
        ),
        pytest.param(
            '<div>来源：新京报<a href="/jubao">举报</a></div>', "新京报", id="report-link-glued"
        ),
        pytest.param(
            '<div>来源：新京报<a href="#">纠错</a> <a href="#">打印</a></div>',
            "新京报",
            id="widgets-glued",
        ),
        pytest.param(
            '<div>来源：<a href="/a">人民日报海外版</a></span><span><a href="/">某新闻网</a></div>',
            "人民日报海外版",
            id="link-then-site-link",
        ),
        pytest.param("<div>2019-09-23 14:34 来源：网络</div>", "网络", id="network"),
        pytest.param("<div>稿源：经济日报</div>", "经济日报", id="gaoyuan"),
        pytest.param("<div>出处：人民网</div>", "人民网", id="chuchu"),
        pytest.param("<div>转自：第一财经</div>", "第一财经", id="zhuanzi-colon"),
        pytest.param("<div>2019-09-23 转自第一财经</div>", "第一财经", id="zhuanzi"),
        pytest.param("<div>本文来自：澎湃新闻</div>", "澎湃新闻", id="benwenlaizi"),
        pytest.param("<div>Source: Reuters</div>", "Reuters", id="english"),
        pytest.param(
            "<div><span>来源：</span></div><div><a href='/'>证券时报</a></div>",
            "证券时报",
            id="label-then-next-line",
        ),
        pytest.param(
            '<div class="info"><span class="source">中国经济网</span><span>2019-09-23</span></div>',
            "中国经济网",
            id="source-class",
        ),
    ],
)
def test_source_forms(header: str, expected: str) -> None:
    assert extract(page(header))["source"] == expected


def test_source_named_at_the_end_of_the_text() -> None:
    body = BODY + "<p>本文来自微信公众号“某某财经”。</p>"
    assert extract(page("<div>2019-09-23</div>", body=body))["source"] == "某某财经"


@pytest.mark.parametrize(
    ("url", "header", "account"),
    [
        pytest.param(
            "https://mp.weixin.qq.com/s/abc",
            '<div id="meta_content"><span class="rich_media_meta_text">张三</span>'
            '<span class="rich_media_meta_nickname"><a id="js_name">某某财经</a></span>'
            '<em id="publish_time">2019-09-23</em></div>',
            "某某财经",
            id="weixin",
        ),
        pytest.param(
            "https://baijiahao.baidu.com/s?id=1",
            '<div class="author-box"><p class="author-name">财经观察</p>'
            "<span>2019-09-23 14:34</span><span>百家号</span></div>",
            "财经观察",
            id="baijiahao",
        ),
        pytest.param(
            "https://www.toutiao.com/a123/",
            '<div class="article-meta"><span class="name">财经观察</span>'
            "<span>2019-09-23 14:34</span></div>",
            "财经观察",
            id="toutiao",
        ),
        pytest.param(
            "https://news.example.com/om/1.html",
            "<div>财经观察 2019-09-23 14:34 企鹅号</div>",
            "财经观察",
            id="penguin-account-named-on-the-page",
        ),
    ],
)
def test_platform_account_is_the_source_not_an_author(url: str, header: str, account: str) -> None:
    article = extract(page(header), url)
    assert article["source"] == account
    assert account not in article["authors"]
    assert article["published_at"].startswith("2019-09-23")


def test_platform_account_declared_as_the_author_is_still_the_source() -> None:
    head = '<meta name="author" content="财经观察">'
    header = '<div class="author-box"><p class="author-name">财经观察</p><span>百家号</span></div>'
    article = extract(page(header, head=head), "https://baijiahao.baidu.com/s?id=1")
    assert article["source"] == "财经观察"
    assert article["authors"] == []


# -- class 4: authors missed or wrong ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("<div>作者：张三 2005-07-31 12:30</div>", ["张三"], id="blog-author-label"),
        pytest.param("<div>发表者：张三 2005-07-31 12:30</div>", ["张三"], id="poster-label"),
        pytest.param("<div>楼主：张三 2005-07-31 12:30</div>", ["张三"], id="thread-starter"),
        pytest.param("<div>张三 发表于 2005-9-15 11:46:00</div>", ["张三"], id="blog-owner"),
        pytest.param("<div>ggjjzhzz 发表于 2005-9-15 11:46:00</div>", ["ggjjzhzz"], id="handle"),
        pytest.param("<div>文/张三</div>", ["张三"], id="wen-slash"),
        pytest.param("<div>撰文：张三</div>", ["张三"], id="zhuanwen"),
        pytest.param("<div>记者 张三 通讯员 李四</div>", ["张三", "李四"], id="reporter-stringer"),
        pytest.param("<div>文/张三 整理</div>", ["张三"], id="role-zhengli"),
        pytest.param("<div>记者 张三 综合报道</div>", ["张三"], id="role-zonghe"),
        pytest.param("<div>作者：张三 编译</div>", ["张三"], id="role-bianyi"),
        pytest.param("<div>整合：张三</div>", [], id="compiler-is-no-author"),
        pytest.param("<div>作者：参考消息</div>", [], id="outlet-no-author"),
        pytest.param("<div>作者：新浪科技</div>", [], id="tech-outlet-no-author"),
        pytest.param("<div>作者：北京晚报</div>", [], id="newspaper-no-author"),
        pytest.param(
            "<div>2019-09-23 作者：张三 编辑：李四</div>", ["张三"], id="editor-no-author"
        ),
    ],
)
def test_byline_forms(header: str, expected: list[str]) -> None:
    assert extract(page(header))["authors"] == expected


def test_trailing_reporter_credit() -> None:
    body = BODY + "<p>（记者 张三）</p>"
    assert extract(page("<div>2019-09-23</div>", body=body))["authors"] == ["张三"]


def test_forum_thread_author_is_the_first_poster() -> None:
    post = "<p>〓 某论坛 电影版 发布时间 {} by {} 〓</p>"
    reply = "<p>回复楼主：这部电影我也看过，演员的表演确实精彩，值得一看。</p>"
    data = (
        "<html><head><title>某论坛</title></head><body>"
        "<table><tr><td>某论坛 > 电影版</td></tr>"
        f"<tr><td>{BODY}{post.format('2005/05/17 22:11:42', '眉间尺')}</td></tr>"
        f"<tr><td>{reply}{post.format('2005/05/18 13:45:40', '愤怒的马')}</td></tr>"
        "</table></body></html>"
    ).encode()
    assert extract(data)["authors"] == ["眉间尺"]


# -- class 5: related news ---------------------------------------------------------------

RELATED_URL = "https://news.example.com/finance/2019/0923/1.html"


def related_page(block: str) -> bytes:
    """A page whose only list of links after the text is ``block``."""
    return (
        f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
        f"<h1>{TITLE}</h1><div>2019-09-23 14:34</div><div class='text'>{BODY}</div>{block}"
        "</body></html>"
    ).encode()


@pytest.mark.parametrize(
    "heading", ["相关新闻", "相关阅读", "相关文章", "相关推荐", "延伸阅读", "推荐阅读", "热点推荐"]
)
def test_related_headings(heading: str) -> None:
    block = (
        f'<div><h3>{heading}</h3><ul><li><a href="2.html">降准释放资金一万亿</a></li></ul></div>'
    )
    assert extract(related_page(block), RELATED_URL)["related"] == [
        {
            "title": "降准释放资金一万亿",
            "url": "https://news.example.com/finance/2019/0923/2.html",
            "published_at": None,
        }
    ]


def test_related_news_in_a_table_with_times() -> None:
    block = (
        "<table><tr><td><b>相关新闻：</b></td></tr>"
        '<tr><td>· <a href="/n/2.html">  降准释放资金\n一万亿 </a></td><td>(2019-09-22)</td></tr>'
        '<tr><td>· <a href="../n/3.html">LPR 报价维持不变</a></td><td>09-20 10:00</td></tr>'
        "</table>"
    )
    assert extract(related_page(block), RELATED_URL)["related"] == [
        {
            "title": "降准释放资金一万亿",
            "url": "https://news.example.com/n/2.html",
            "published_at": "2019-09-22",
        },
        {
            "title": "LPR 报价维持不变",
            "url": "https://news.example.com/finance/2019/n/3.html",
            "published_at": "2019-09-20T10:00:00+08:00",
        },
    ]


def test_related_links_without_a_list() -> None:
    block = (
        '<div class="box"><div class="hd">延伸阅读</div>'
        '<div class="bd"><p><a href="/n/2.html">·降准释放资金一万亿</a> 2019-09-22</p>'
        '<p><a href="/n/3.html">·LPR报价维持不变</a> 2019-09-20</p></div></div>'
    )
    related = extract(related_page(block), RELATED_URL)["related"]
    assert [(item["title"], item["published_at"]) for item in related] == [
        ("降准释放资金一万亿", "2019-09-22"),
        ("LPR报价维持不变", "2019-09-20"),
    ]


def test_site_wide_latest_news_is_not_related() -> None:
    block = (
        "<div><h3>相关新闻</h3></div>"
        '<div class="latest"><h3>最新新闻</h3>'
        '<ul><li><a href="/n/8.html">某地举办马拉松比赛</a></li></ul></div>'
    )
    assert extract(related_page(block), RELATED_URL)["related"] == []
