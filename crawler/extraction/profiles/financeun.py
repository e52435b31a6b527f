"""www.financeun.com (中国金融网)."""

from __future__ import annotations

from crawler.extraction.profiles.base import SiteProfile


class FinanceunProfile(SiteProfile):
    name = "financeun"
    domains = ("financeun.com",)
    start_urls = ("https://www.financeun.com/",)
    list_link_css = '.nav a[href*="/articleList/"]'
    article_link_css = '.content_left a[href*="/newsDetail/"]'

    title_css = (".content_left .news .news_title", ".content_left .news div")
    info_css = ".content_left .news .copyright"
    byline_css = ".content_left .news .news_content p"
    paragraph_css = ".content_left .news .news_content p"
    related_item_css = ".xgzx li"
