"""www.cnfinance.cn (中国金融网)."""

from __future__ import annotations

from crawler.extraction.profiles.base import SiteProfile


class CnfinanceProfile(SiteProfile):
    name = "cnfinance"
    domains = ("cnfinance.cn",)
    start_urls = ("https://www.cnfinance.cn/articles/?template=sample_397.html&page=1",)
    list_link_css = '.headNav a[href*="template=sample_397.html"]'
    article_link_css = "dl.dl_artListB dt a"

    title_css = ("h2.h2_artDetails",)
    info_css = "p.p_artInfo span"
    byline_css = "p.p_author span"
    paragraph_css = "div.contDetailsBox p"
    related_item_css = ".relatedNews li"
