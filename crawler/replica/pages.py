"""HTML of the replica's pages, in the markup of www.financeun.com and www.cnfinance.cn.

Pages carry the chrome of real news sites (navigation, breadcrumbs, ads, share widgets,
上一篇/下一篇, hot-news sidebars with dates, comments, a footer with copyright years and ICP
numbers, inline scripts) so that naive extraction picks up the wrong things.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from html import escape

from crawler.replica.site import (
    CHANNELS,
    CNFINANCE,
    CNFINANCE_PREFIX,
    HOSTILE_LISTS,
    Article,
    ReplicaSite,
    beijing_iso,
    cn_minute,
)

_COMMENT_DELAY = timedelta(days=1, hours=2, minutes=13)
_COMMENTERS = ("金融观察者", "老股民", "理财小白", "望京打工人", "深圳张先生", "财经爱好者")
_COMMENTS = (
    "分析得很透彻，支持！",
    "希望多出这样的好文章。",
    "数据很翔实，值得收藏。",
    "这个观点我不太认同，市场还需要时间检验。",
)


def _e(text: str) -> str:
    return escape(text, quote=True)


def document(title: str, head_extra: str, body: str, charset: str | None = "utf-8") -> str:
    """The whole HTML document; ``charset``: the one its ``<meta charset>`` declares (None:
    no such tag)."""
    meta = f'<meta charset="{charset}">\n' if charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}'
        f"<title>{_e(title)}</title>\n{head_extra}"
        "<script>var _hmt = _hmt || [];(function(){var hm = document.createElement('script');"
        "hm.src = 'https://hm.baidu.com/hm.js?5f1e2d3c4b';})();</script>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _page(title: str, head_extra: str, body: str, charset: str = "utf-8") -> bytes:
    """The whole HTML document, encoded in ``charset`` (GBK-family pages as gb18030)."""
    return document(title, head_extra, body, charset).encode(
        "utf-8" if charset == "utf-8" else "gb18030"
    )


def article_content_type(article: Article) -> str:
    """Content-Type of an article page: GBK pages declare their charset only in the HTML."""
    charset = ReplicaSite.charset_of(article)
    return "text/html; charset=utf-8" if charset == "utf-8" else "text/html"


# -- financeun (www.financeun.com) --------------------------------------------------------


def _financeun_header(hostile: bool) -> str:
    """Top bar, logo and navigation; a hostile site's navigation also links its lists."""
    lists = {**CHANNELS, **HOSTILE_LISTS} if hostile else CHANNELS
    links = "".join(
        f'<a href="/articleList/{slug}_1.shtml">{_e(name)}</a>' for slug, name in lists.items()
    )
    return (
        '<div class="top_bar"><span class="top_date">欢迎访问中国金融网</span>'
        '<a href="/login.shtml">登录</a> | <a href="/reg.shtml">注册</a></div>\n'
        '<div class="header"><a class="logo" href="/"><img src="/images/logo.png" '
        'alt="中国金融网"></a>'
        '<div class="ad ad_top"><a href="/ad/1.shtml"><img src="/ad/banner1.jpg" alt="广告">'
        "</a></div></div>\n"
        f'<div class="nav"><a href="/">首页</a>{links}<a href="{CNFINANCE_PREFIX}/">合作站</a></div>'
    )


def _financeun_footer(year: int) -> str:
    return (
        '<div class="footer"><p><a href="/about.shtml">关于我们</a> | '
        '<a href="/contact.shtml">联系我们</a> | <a href="/ad.shtml">广告服务</a></p>'
        f'<div class="copyright">Copyright © 2008-{year} 中国金融网 版权所有<br>'
        "京ICP备10215893号-2 京公网安备11010502034567号<br>"
        "本网站所刊登的各种新闻、信息和各种专题专栏资料，均为中国金融网版权所有，未经协议授权，"
        "禁止下载使用。</div></div>\n"
        "<script>document.write('<span class=\"stat\">2024年12月31日 23时59分 更新</span>');"
        "</script>"
    )


def hot_news(site: ReplicaSite, article: Article | None, rng: random.Random) -> str:
    """The 热点新闻 sidebar: newest 要闻 picked by ``rng``, ``article`` left out."""
    pool = site.financeun_channels["yaowen"][:30] or site.financeun_channels["jinrong"][:30]
    picks = rng.sample(pool, min(6, len(pool)))
    items = "".join(
        f'<li><a href="{_e(a.path)}">{_e(a.title)}</a><span>{a.published:%Y-%m-%d}</span></li>'
        for a in picks
        if article is None or a.index != article.index
    )
    return (
        '<div class="content_right"><div class="hot"><h3>热点新闻</h3>'
        f"<ul>{items}</ul></div>"
        '<div class="ad ad_right"><a href="/ad/2.shtml"><img src="/ad/side.jpg" alt="广告">'
        "</a></div></div>"
    )


def _financeun_headline(site: ReplicaSite, article: Article, source: str) -> str:
    """Headline and 来源 line; drifted pages use a newer markup the profile does not know."""
    if site.is_drifted(article):
        return (
            f'<h1 class="detail_title">{_e(article.title)}</h1>\n<div class="news">\n'
            f'<div class="detail_info"><span class="from">来源:{_e(source)}</span> '
            f'<span class="time">{cn_minute(article.published)}</span></div>'
        )
    return (
        f'<div class="news">\n<div class="news_title">{_e(article.title)}</div>\n'
        f'<div class="copyright">来源:{_e(source)} {cn_minute(article.published)}</div>'
    )


def financeun_related_item(path: str, title: str, published: datetime) -> str:
    """One 相关资讯 item of a financeun article page."""
    return (
        f'<li><i>-</i><a href="{_e(path)}" target="_blank">{_e(title)}</a>'
        f'<span class="time">{cn_minute(published)}</span></li>'
    )


def comments_html(published: datetime, rng: random.Random) -> str:
    """1-3 网友评论 items, dated a day after ``published``."""
    return "".join(
        f'<li><span class="user">{_e(rng.choice(_COMMENTERS))}</span>'
        f'<span class="ctime">{cn_minute(published + _COMMENT_DELAY)}</span>'
        f"<p>{_e(rng.choice(_COMMENTS))}</p></li>"
        for _ in range(rng.randint(1, 3))
    )


def financeun_article_body(
    site: ReplicaSite,
    *,
    crumbs: str,
    headline: str,
    content: str,
    up_down: str,
    related: str,
    comments: str,
    hot: str,
) -> str:
    """The body of a financeun article page around its parts (HTML): ``crumbs`` the link
    between 首页 and 正文, ``headline`` opening ``.news``, ``content`` of ``.news_content``."""
    return f"""{_financeun_header(site.hostile)}
<div class="main">
<div class="content_left">
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; {crumbs} &gt; 正文</div>
{headline}
<div class="bdsharebuttonbox"><span>分享到：</span><a class="bds_weixin">微信</a><a class="bds_tsina">微博</a><a class="bds_qzone">QQ空间</a></div>
<div class="news_content">
{content}
</div>
<div class="page_up_down">{up_down}</div>
</div>
<div class="xgzx"><div class="xgzx_tit">相关资讯</div><ul>{related}</ul></div>
<div class="comment"><h3>网友评论</h3><ul>{comments}</ul></div>
</div>
{hot}
</div>
{_financeun_footer(2025)}"""


def financeun_article(site: ReplicaSite, article: Article, variant: bool = False) -> bytes:
    """An article page in www.financeun.com markup; a mobile/print variant names its canonical."""
    text = site.text_of(article)
    rng = random.Random(article.index * 7 + 3)
    channel_name = CHANNELS[article.channel]
    paragraphs: list[str] = []
    if text.byline:
        paragraphs.append(f"<p>{_e(text.byline)}</p>")
    ad_at = rng.randrange(1, max(2, len(text.paragraphs)))
    for number, paragraph in enumerate(text.paragraphs):
        if number == ad_at:
            paragraphs.append(
                '<div class="ad ad_in"><script>BAIDU_CLB_fillSlot("891234");</script></div>'
            )
            paragraphs.append(
                '<p style="text-align: center;"><img src="/uploads/'
                f'{article.article_id}_1.jpg" alt=""></p>'
            )
        paragraphs.append(f"<p>\u3000\u3000{_e(paragraph)}</p>")
    if text.editor:
        paragraphs.append(f'<p class="editor">责任编辑：{_e(text.editor)}</p>')
    previous, following = site.neighbours(article)
    up_down = "".join(
        f'<p>{label}<a href="{_e(a.path)}">{_e(a.title)}</a></p>' if a else f"<p>{label}没有了</p>"
        for label, a in (("上一篇：", previous), ("下一篇：", following))
    )
    related = "".join(
        financeun_related_item(
            site.link_path(article, site.articles[i]),
            site.articles[i].title,
            site.articles[i].published,
        )
        for i in article.related
    )
    comments = comments_html(article.published, rng)
    body = financeun_article_body(
        site,
        crumbs=f'<a href="/articleList/{article.channel}_1.shtml">{_e(channel_name)}</a>',
        headline=_financeun_headline(site, article, text.source),
        content=chr(10).join(paragraphs),
        up_down=up_down,
        related=related,
        comments=comments,
        hot=hot_news(site, article, rng),
    )
    summary = text.paragraphs[0][:60] if text.paragraphs else article.title
    head = (
        f'<meta name="keywords" content="{_e(channel_name)},中国金融网">\n'
        f'<meta name="description" content="{_e(summary)}">\n'
    )
    if variant:
        head += f'<link rel="canonical" href="{_e(article.path)}">\n'
    return _page(f"{article.title}_中国金融网", head, body, site.charset_of(article))


def financeun_list(
    site: ReplicaSite,
    channel: str,
    page: int,
    pages: int,
    articles: list[Article],
    pinned: list[Article] | None = None,
) -> bytes:
    """A channel list page in www.financeun.com markup; ``pinned`` articles head the list,
    marked 置顶 as on the live site."""
    top = "".join(
        f'<li class="top"><span class="top">置顶</span><a href="{_e(a.path)}" target="_blank">'
        f"{_e(a.title)}</a><span>{a.published:%Y-%m-%d}</span></li>"
        for a in pinned or []
    )
    items = top + "".join(
        f'<li><a href="{_e(a.path)}" target="_blank">{_e(a.title)}</a>'
        f"<span>{a.published:%Y-%m-%d}</span></li>"
        for a in articles
    )
    numbers = "".join(
        f'<a href="{site.financeun_list_path(channel, n)}">{n}</a>'
        for n in range(max(1, page - 2), min(pages, page + 2) + 1)
        if n != page
    )
    first = f'<a href="{site.financeun_list_path(channel, 1)}">首页</a>'
    previous = (
        f'<a class="prev" href="{site.financeun_list_path(channel, page - 1)}">上一页</a>'
        if page > 1
        else ""
    )
    following = (
        f'<a class="next" href="{site.financeun_list_path(channel, page + 1)}">下一页</a>'
        if page < pages
        else ""
    )
    pager = f'{first}{previous}<span class="current">{page}</span>{numbers}{following}<span>共{pages}页</span>'
    return financeun_list_page(
        site, CHANNELS[channel], f'<ul class="list_news">{items}</ul>', pager, page
    )


def financeun_list_page(site: ReplicaSite, name: str, listing: str, pager: str, page: int) -> bytes:
    """A list page of www.financeun.com: ``listing`` (HTML) above its ``pager`` links."""
    body = f"""{_financeun_header(site.hostile)}
<div class="main">
<div class="content_left">
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; {_e(name)}</div>
{listing}
<div class="page">{pager}</div>
</div>
{hot_news(site, None, random.Random(page))}
</div>
{_financeun_footer(2025)}"""
    return _page(f"{name}_中国金融网", "", body)


def financeun_home(site: ReplicaSite) -> bytes:
    """The financeun home page: channel links and the newest headlines."""
    newest = site.financeun_home_articles
    items = "".join(f'<li><a href="{_e(a.path)}">{_e(a.title)}</a></li>' for a in newest)
    body = f"""{_financeun_header(site.hostile)}
<div class="main"><div class="content_left"><div class="focus"><h2>要闻</h2><ul class="list_news">{items}</ul></div></div>
{hot_news(site, None, random.Random(0))}</div>
{_financeun_footer(2025)}"""
    return _page("中国金融网_金融行业门户网站", "", body)


# -- cnfinance (www.cnfinance.cn) ---------------------------------------------------------


def _cnfinance_header() -> str:
    return (
        '<div class="headTop"><div class="w1200"><span>中国金融网 www.cnfinance.cn</span>'
        '<a href="javascript:;" onclick="addFavorite()">加入收藏</a></div></div>\n'
        '<div class="headNav"><ul><li><a href="/cn/">首页</a></li>'
        f'<li><a href="{CNFINANCE_PREFIX}/articles/?template=sample_397.html&amp;page=1">资讯</a></li>'
        '<li><a href="/cn/bank/">银行</a></li><li><a href="/cn/insurance/">保险</a></li>'
        '<li><a href="/cn/about/">关于我们</a></li></ul></div>\n'
        '<div class="adBanner"><a href="/cn/ad/"><img src="/cn/ad/top.gif" alt="广告"></a></div>'
    )


def _cnfinance_footer() -> str:
    return (
        '<div class="footer"><div class="w1200"><p>主办单位：中国金融网 '
        '<a href="/cn/about/">关于我们</a> | <a href="/cn/contact/">联系方式</a></p>'
        "<p>Copyright © 2011-2025 www.cnfinance.cn All Rights Reserved 版权所有</p>"
        "<p>京ICP备11048624号-1 京公网安备 11010802024875号</p></div></div>\n"
        "<script>$(function(){ $('.toTop').click(function(){ $('html,body').animate"
        "({scrollTop:0}); }); });</script>"
    )


def cnfinance_article(site: ReplicaSite, article: Article) -> bytes:
    """An article page in www.cnfinance.cn markup."""
    text = site.text_of(article)
    rng = random.Random(article.index * 7 + 5)
    paragraphs = "\n".join(f"<p>\u3000\u3000{_e(p)}</p>" for p in text.paragraphs)
    author = f'<p class="p_author"><span>{_e(text.byline)}</span></p>' if text.byline else ""
    previous, following = site.neighbours(article)
    up_down = "".join(
        f'<li>{label}<a href="{_e(a.path)}">{_e(a.title)}</a></li>' if a else f"<li>{label}无</li>"
        for label, a in (("上一篇：", previous), ("下一篇：", following))
    )
    related = "".join(
        f'<li><a href="{_e(site.link_path(article, site.articles[i]))}">'
        f"{_e(site.articles[i].title)}</a>"
        f"<em>{cn_minute(site.articles[i].published)}</em></li>"
        for i in article.related
    )
    hot = "".join(
        f'<dd><a href="{_e(a.path)}">{_e(a.title)}</a><span>{a.published:%m-%d}</span></dd>'
        for a in rng.sample(site.cnfinance_listed[:20], min(5, len(site.cnfinance_listed)))
    )
    body = f"""{_cnfinance_header()}
<div class="w1200 clearfix">
<div class="artLeft">
<div class="location">您现在的位置：<a href="/cn/">首页</a> &gt; <a href="{CNFINANCE_PREFIX}/articles/?template=sample_397.html&amp;page=1">资讯</a> &gt; 正文</div>
<h2 class="h2_artDetails">{_e(article.title)}</h2>
<p class="p_artInfo"><span>{article.published:%Y-%m-%d %H:%M}</span><span>摘自：{_e(text.source)}</span><span>浏览：{rng.randint(100, 9999)}</span></p>
{author}
<div class="contDetailsBox">
{paragraphs}
</div>
<div class="shareBox">分享到：<a class="weixin">微信</a><a class="weibo">微博</a></div>
<ul class="ul_prevNext">{up_down}</ul>
<div class="relatedNews"><h3 class="h3_title">相关资讯</h3><ul>{related}</ul></div>
</div>
<div class="artRight"><dl class="dl_hot"><dt>点击排行</dt>{hot}</dl></div>
</div>
{_cnfinance_footer()}"""
    head = (
        f'<meta name="description" content="{_e(text.paragraphs[0][:60])}">\n'
        f'<link rel="canonical" href="{_e(article.path)}">\n'
    )
    return _page(f"{article.title}-中国金融网", head, body, site.charset_of(article))


def cnfinance_list(
    site: ReplicaSite,
    page: int,
    pages: int,
    articles: list[Article],
    pinned: list[Article] | None = None,
) -> bytes:
    """The article list in www.cnfinance.cn markup; ``pinned`` articles head it in a focus
    block, each marked 置顶, in the same ``dl.dl_artListB`` items as the others."""
    focus = "".join(
        f'<dl class="dl_artListB dl_top"><dt><i class="top">置顶</i>'
        f'<a href="{_e(a.path)}">{_e(a.title)}</a></dt><dd>{a.published:%Y-%m-%d}</dd></dl>'
        for a in pinned or []
    )
    items = (f'<div class="focus">{focus}</div>' if focus else "") + "".join(
        f'<dl class="dl_artListB"><dt><a href="{_e(a.path)}">{_e(a.title)}</a></dt>'
        f"<dd>{a.published:%Y-%m-%d}</dd></dl>"
        for a in articles
    )
    links = []
    if page > 1:
        links.append(f'<a href="{_e(site.cnfinance_list_path(page - 1))}">上一页</a>')
    for number in range(max(1, page - 3), min(pages, page + 3) + 1):
        links.append(
            f"<span>{number}</span>"
            if number == page
            else f'<a href="{_e(site.cnfinance_list_path(number))}">{number}</a>'
        )
    if page < pages:
        links.append(
            f'<a class="a_next" href="{_e(site.cnfinance_list_path(page + 1))}">下一页</a>'
        )
    body = f"""{_cnfinance_header()}
<div class="w1200 clearfix"><div class="artLeft">
<div class="location">您现在的位置：<a href="/cn/">首页</a> &gt; 资讯</div>
<div class="artList">{items}</div>
<div class="pageBox">{"".join(links)}</div>
</div></div>
{_cnfinance_footer()}"""
    return _page("资讯-中国金融网", "", body)


def cnfinance_home(site: ReplicaSite) -> bytes:
    """The cnfinance home page, linking the article list."""
    newest = site.cnfinance_home_articles
    items = "".join(
        f'<dl class="dl_artListB"><dt><a href="{_e(a.path)}">{_e(a.title)}</a></dt></dl>'
        for a in newest
    )
    body = f"""{_cnfinance_header()}
<div class="w1200"><div class="focusNews">{items}</div></div>
{_cnfinance_footer()}"""
    return _page("中国金融网 - 金融资讯", "", body)


def robots_txt(hostile: bool = False) -> bytes:
    """The robots.txt; a hostile site's also keeps crawlers off its ``/_hostile`` truth."""
    extra = "Disallow: /_hostile\n" if hostile else ""
    return (
        "User-agent: *\n"
        "Disallow: /vip/\n"
        f"Disallow: {CNFINANCE_PREFIX}/vip/\n"
        "Disallow: /_truth.jsonl\n"
        f"{extra}"
        "Disallow: /search\n"
    ).encode()


def sitemap_xml(site: ReplicaSite, base: str) -> bytes:
    """Sitemap of the listed, allowed articles (newest first)."""
    listed = [a for a in site.articles if a.kind == "listed"]
    listed.sort(key=lambda a: a.published, reverse=True)
    urls = "".join(
        f"<url><loc>{_e(base + a.path)}</loc><lastmod>{beijing_iso(a.published)}</lastmod></url>\n"
        for a in listed
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    ).encode()


def render_article(site: ReplicaSite, article: Article, variant: bool = False) -> bytes:
    """The article's page; ``variant``: as served under a mobile or print path."""
    if article.section == CNFINANCE:
        return cnfinance_article(site, article)
    return financeun_article(site, article, variant)
