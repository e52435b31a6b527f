"""The site profile registry and the crawl navigation the spiders read from it."""

from __future__ import annotations

import urllib.request

import pytest

from crawler.extraction import extract_article, extract_list
from crawler.extraction.profiles import PROFILES, SiteProfile, get_profile, profile_for_url
from crawler.replica.site import CNFINANCE, LIST_NAMES


def test_registry_holds_one_profile_per_site() -> None:
    assert set(PROFILES) == {"financeun", "cnfinance"}
    assert all(isinstance(p, SiteProfile) and p.name == n for n, p in PROFILES.items())


def test_financeun_navigation() -> None:
    profile = get_profile("financeun")
    assert profile.domains == ("financeun.com",)
    assert profile.start_urls == ("https://www.financeun.com/",)
    assert profile.list_link_css == '.nav a[href*="/articleList/"]'
    assert profile.article_link_css == '.content_left a[href*="/newsDetail/"]'


def test_cnfinance_navigation() -> None:
    profile = get_profile("cnfinance")
    assert profile.domains == ("cnfinance.cn",)
    assert profile.start_urls == (
        "https://www.cnfinance.cn/articles/?template=sample_397.html&page=1",
    )
    assert profile.list_link_css == '.headNav a[href*="template=sample_397.html"]'
    assert profile.article_link_css == "dl.dl_artListB dt a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.financeun.com/newsDetail/1.shtml", "financeun"),
        ("http://financeun.com/", "financeun"),
        ("https://WWW.FINANCEUN.COM/a", "financeun"),
        ("https://www.cnfinance.cn/articles/2025-02/06-1.html", "cnfinance"),
        ("https://cnfinance.cn:443/x", "cnfinance"),
        ("https://News.CNFinance.CN:8443/a/b.html", "cnfinance"),
        ("https://editor@m.financeun.com/newsDetail/1.shtml", "financeun"),
        ("https://notfinanceun.com/", None),
        ("https://financeun.com.evil.example/", None),
        ("http://127.0.0.1:8080/newsDetail/40003.shtml", None),
        ("not a url", None),
    ],
)
def test_profile_for_url(url: str, expected: str | None) -> None:
    profile = profile_for_url(url)
    assert (profile.name if profile else None) == expected


def test_unknown_profile_name() -> None:
    with pytest.raises(KeyError, match="financeun"):
        get_profile("sina")
    with pytest.raises(KeyError):
        extract_article(b"<p>x</p>", "http://example.com/", profile="sina")


@pytest.mark.parametrize("name", LIST_NAMES)
def test_list_links_are_the_replicas_listed_articles_and_next_page(replica_server, name) -> None:
    """The oracle is the replica's own model of each list page, not the served markup."""
    server = replica_server(articles=400, seed=3)
    site, base = server.site, server.base_url
    profile = "cnfinance" if name == CNFINANCE else "financeun"
    pages = site.list_page_count(name)
    for page in sorted({1, min(2, pages), pages}):
        url = base + site.list_path(name, page)
        with urllib.request.urlopen(url, timeout=30) as reply:
            links = extract_list(reply.read(), url, dict(reply.headers), profile=profile)
        pinned, regular = site.list_page(name, page)
        # A pinned article listed again on its own page of the list is one link to follow.
        assert links.articles == list(dict.fromkeys(base + a.path for a in (*pinned, *regular)))
        expected_next = base + site.list_path(name, page + 1) if page < pages else None
        assert links.next_page == expected_next
