"""Spiders for the live 中国金融网 sites, one per site profile."""

from __future__ import annotations

from crawler.extraction.profiles import get_profile
from spiders.base import NewsSpider


class FinanceunSpider(NewsSpider):
    """www.financeun.com: channel lists under /articleList/, articles under /newsDetail/."""

    name = "financeun"
    allowed_domains = list(get_profile("financeun").domains)
    start_urls = list(get_profile("financeun").start_urls)
    custom_settings = get_profile("financeun").crawl_settings()


class CnfinanceSpider(NewsSpider):
    """www.cnfinance.cn: the paged article list, articles under /articles/."""

    name = "cnfinance"
    allowed_domains = list(get_profile("cnfinance").domains)
    start_urls = list(get_profile("cnfinance").start_urls)
    custom_settings = get_profile("cnfinance").crawl_settings()
