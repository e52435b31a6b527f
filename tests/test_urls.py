"""Canonical URLs and deduplication keys (crawler/urls.py)."""

from __future__ import annotations

import pytest
from scrapy import Request

from crawler.urls import CanonicalRequestFingerprinter, canonical_url, url_key

ARTICLE = "https://www.financeun.com/newsDetail/40003.shtml"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (ARTICLE, ARTICLE),
        (f"{ARTICLE}?utm_source=wechat&utm_medium=social&utm_campaign=x", ARTICLE),
        (f"{ARTICLE}?UTM_Source=wechat", ARTICLE),
        (f"{ARTICLE}?from=singlemessage&isappinstalled=0", ARTICLE),
        (f"{ARTICLE}?spm=a2c6h.12873639.0.0&share=1#comments", ARTICLE),
        (f"{ARTICLE}#top", ARTICLE),
        ("HTTP://WWW.FinanceUn.COM:80/newsDetail/40003.shtml", ARTICLE.replace("https", "http")),
        ("https://www.financeun.com:443/newsDetail/40003.shtml", ARTICLE),
        (
            "https://www.financeun.com:8443/newsDetail/40003.shtml?from=timeline",
            "https://www.financeun.com:8443/newsDetail/40003.shtml",
        ),
        (
            "https://www.cnfinance.cn/articles/?template=sample_397.html&page=2&spm=x",
            "https://www.cnfinance.cn/articles/?page=2&template=sample_397.html",
        ),
        (
            "https://mp.weixin.qq.com/s?__biz=MzA5&mid=26&idx=1&sn=ab12&scene=21"
            "&clicktime=1738795260&enterid=1738795260&sharer_sharetime=1738795260"
            "&sharer_shareid=f00d#rd",
            "https://mp.weixin.qq.com/s?__biz=MzA5&idx=1&mid=26&sn=ab12",
        ),
        (
            "https://so.example.com/search?q=中国金融&utm_source=a",
            "https://so.example.com/search?q=%E4%B8%AD%E5%9B%BD%E9%87%91%E8%9E%8D",
        ),
        ("http://so.example.com/s?q=%C4%E3&from=timeline", "http://so.example.com/s?q=%C4%E3"),
        (
            "https://example.com/list?fromdate=2025-02-01&shared=1&page=3",
            "https://example.com/list?fromdate=2025-02-01&page=3&shared=1",
        ),
        ("https://example.com/a?id&utm_source", "https://example.com/a?id="),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        ARTICLE,
        "http://www.financeun.com/newsDetail/40003.shtml",
        "https://financeun.com/newsDetail/40003.shtml",
        "https://m.financeun.com/newsDetail/40003.shtml?utm_source=app",
        "http://wap.financeun.com/newsDetail/40003.shtml#p2",
        "https://WWW.FINANCEUN.COM:443/newsDetail/40003.shtml?from=groupmessage",
    ],
)
def test_variants_of_one_page_share_a_key(url: str) -> None:
    assert url_key(url) == "//financeun.com/newsDetail/40003.shtml"


@pytest.mark.parametrize(
    ("url", "other"),
    [
        (ARTICLE, "https://www.financeun.com/newsDetail/40004.shtml"),
        (ARTICLE, "https://news.financeun.com/newsDetail/40003.shtml"),
        (ARTICLE, "https://www.financeun.com/newsDetail/40003_2.shtml"),
        (ARTICLE, "https://www.cnfinance.cn/newsDetail/40003.shtml"),
        ("https://example.com/a?page=1", "https://example.com/a?page=2"),
        ("https://www.example.com/a", "https://www2.example.com/a"),
    ],
)
def test_other_pages_get_other_keys(url: str, other: str) -> None:
    assert url_key(url) != url_key(other)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://m.com/a", "//m.com/a"),
        ("https://www.com/a", "//www.com/a"),
        ("https://m.example.com/a?b=2&a=1", "//example.com/a?a=1&b=2"),
    ],
)
def test_key_keeps_a_host_that_is_only_a_mirror_label(url: str, expected: str) -> None:
    assert url_key(url) == expected


def test_session_ids_in_the_query_or_the_path_are_not_part_of_a_page():
    token = "0123456789abcdef0123456789abcdef"
    assert canonical_url(f"http://a.test/n/1.shtml;jsessionid={token}") == "http://a.test/n/1.shtml"
    assert canonical_url(f"http://a.test/n/1.shtml?PHPSESSID={token}&p=2") == (
        "http://a.test/n/1.shtml?p=2"
    )
    assert canonical_url(f"http://a.test/n.php?sid={token}&id=7") == "http://a.test/n.php?id=7"
    assert canonical_url("http://a.test/n.php?sid=12345") == "http://a.test/n.php?sid=12345"


def test_request_fingerprints_ignore_tracking_and_session_parameters():
    fingerprinter = CanonicalRequestFingerprinter()
    page = fingerprinter.fingerprint(Request("http://a.test/n/1.shtml"))
    for url in (
        "http://a.test/n/1.shtml?utm_source=wechat&utm_medium=social",
        "http://a.test/n/1.shtml?from=timeline&isappinstalled=0",
        "http://a.test/n/1.shtml;jsessionid=0123456789abcdef0123456789abcdef",
        "http://a.test/n/1.shtml#comments",
    ):
        assert fingerprinter.fingerprint(Request(url)) == page, url
    assert fingerprinter.fingerprint(Request("http://a.test/n/1.shtml?page=2")) != page
    assert fingerprinter.fingerprint(Request("http://a.test/n/2.shtml")) != page
