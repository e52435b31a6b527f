"""The replica site: deterministic, growable, faithful to the seed, served over real HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from crawler.extraction.profiles import get_profile
from crawler.replica import ReplicaSite, pages
from crawler.replica.seed_article import SPECIAL_ARTICLES
from crawler.replica.site import CNFINANCE, FINANCEUN, LIST_NAMES, LIST_PAGE_SIZE, burst_size
from tests.conftest import PROJECT_ROOT, fetch_truth

SEED_FILE = PROJECT_ROOT / "crawler" / "replica" / "seed_article.txt"
BASE = "http://replica.test"


def get(url: str) -> tuple[int, str]:
    """Status and text of a page (UTF-8, or the GBK family for pages declaring gb2312)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            raw = reply.read()
            return reply.status, raw.decode("gb18030" if b'charset="gb2312"' in raw else "utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def page_text(site: ReplicaSite, article) -> str:
    """An article page's HTML, decoded by the charset the replica serves it in."""
    encoding = "utf-8" if site.charset_of(article) == "utf-8" else "gb18030"
    return pages.render_article(site, article).decode(encoding)


def test_same_seed_same_site_other_seed_other_site():
    first = list(ReplicaSite(articles=80, seed=4).truth(BASE))
    again = list(ReplicaSite(articles=80, seed=4).truth(BASE))
    other = list(ReplicaSite(articles=80, seed=5).truth(BASE))
    assert first == again
    assert [t["title"] for t in first[4:]] != [t["title"] for t in other[4:]]


def test_growing_the_site_keeps_older_articles_as_they_were():
    small = list(ReplicaSite(articles=200, seed=2).truth(BASE))
    large = list(ReplicaSite(articles=300, seed=2).truth(BASE))
    stable = (
        "url",
        "title",
        "source",
        "byline",
        "authors",
        "published_at",
        "content",
        "related",
        "pinned",
    )
    for before, after in zip(small[:150], large[:150], strict=True):
        assert {k: before[k] for k in stable} == {k: after[k] for k in stable}
    assert min(t["published_at"] for t in large[200:]) > max(t["published_at"] for t in small[4:])


@pytest.mark.parametrize("articles", [9, 100_001])
def test_size_out_of_range_is_refused(articles):
    with pytest.raises(ValueError, match="articles must be"):
        ReplicaSite(articles=articles)


def test_seed_article_is_verbatim_with_its_three_related_items():
    lines = [line.strip() for line in SEED_FILE.read_text("utf-8").splitlines()]
    related_at = lines.index("相关资讯")
    truth = list(ReplicaSite(articles=10).truth(BASE))
    seed = next(t for t in truth if t["title"] == lines[0])
    assert f"来源:{seed['source']} 2025年02月06日 06时41分" == lines[1]
    assert seed["byline"] == lines[2] == "中国金融网首席金融观察员 金科"
    assert seed["authors"] == ["金科"]
    assert seed["published_at"] == "2025-02-06T06:41:00+08:00"
    assert seed["content"].split("\n") == [line for line in lines[3:related_at] if line]
    related_lines = [line.rstrip(" -") for line in lines[related_at + 1 :] if line not in ("", "-")]
    assert [e["title"] for e in seed["related"]] == related_lines[0::2]
    shown = [
        re.sub(r"(\d+)年(\d+)月(\d+)日 (\d+)时(\d+)分", r"\1-\2-\3T\4:\5:00+08:00", text)
        for text in related_lines[1::2]
    ]
    assert [e["published_at"] for e in seed["related"]] == shown


def test_site_shape_hidden_vip_layouts_and_related_counts():
    site = ReplicaSite(articles=1000, seed=1)
    truth = list(site.truth(BASE))
    hidden = [t for t in truth if t["kind"] == "hidden"]
    assert hidden and all(not t["listed_on"] and t["linked_from"] for t in hidden)
    assert {t["hidden_level"] for t in hidden} >= {1, 2, 3}
    assert any(t["disallowed"] for t in truth)
    assert {t["site"] for t in truth} == {"financeun", "cnfinance"}
    assert all(3 <= len(t["related"]) <= 8 for t in truth[10:])
    by_url = {url: t for t in truth for url in (t["url"], *t["aliases"])}
    for t in truth:
        for entry in t["related"]:
            target = by_url[entry["url"]]
            assert target["site"] == t["site"]
            assert (entry["title"], entry["published_at"]) == (
                target["title"],
                target["published_at"],
            )
    words = set("".join(t["content"] for t in truth))
    assert "的" in words and "lorem" not in "".join(t["content"] for t in truth[:50])


def test_article_pages_carry_the_chrome_that_misleads_naive_extraction():
    site = ReplicaSite(articles=50)
    for article in site.articles[3:12]:
        html = page_text(site, article)
        for trap in ("相关资讯", "上一篇", "下一篇", "分享到", "ICP备", "Copyright", "<script"):
            assert trap in html, (article.path, trap)


def test_server_lists_every_listed_article_and_robots_disallows_the_vip_section(replica_server):
    server = replica_server(articles=300, seed=9)
    truth = fetch_truth(server.base_url)
    robots = RobotFileParser()
    status, text = get(f"{server.base_url}/robots.txt")
    assert status == 200
    robots.parse(text.splitlines())
    assert any(t["disallowed"] for t in truth) and not all(t["disallowed"] for t in truth)
    for t in truth:
        for url in (t["url"], *t["aliases"]):
            assert robots.can_fetch("*", url) is not t["disallowed"], url
        status, html = get(t["url"])
        assert status == 200 and t["title"] in html
    list_pages = {page for t in truth for page in t["listed_on"]}
    found: dict[str, set[str]] = {}
    for page in list_pages:
        status, html = get(page)
        assert status == 200
        for href in re.findall(r'href="([^"]+(?:newsDetail|articles/\d{4})[^"]*)"', html):
            found.setdefault(server.base_url + href.replace("&amp;", "&"), set()).add(page)
    for t in truth:
        assert set(t["listed_on"]) <= found.get(t["url"], set())
    assert get(f"{server.base_url}/articleList/yaowen_999.shtml")[0] == 404
    assert get(f"{server.base_url}/newsDetail/1.shtml")[0] == 404
    status, sitemap = get(f"{server.base_url}/sitemap.xml")
    assert status == 200 and sitemap.count("<loc>") == sum(t["kind"] == "listed" for t in truth)


def test_command_line_server_serves_the_site(tmp_path: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.replica", "--port", "0", "--articles", "20"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", banner)
        assert match, banner
        deadline = time.monotonic() + 10
        while True:
            try:
                truth = fetch_truth(match[1])
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert len(truth) == 20
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_largest_site_is_built_in_memory_and_serves_its_newest_article():
    site = ReplicaSite(articles=100_000, seed=1)
    newest = site.articles[-1]
    html = pages.render_article(site, newest).decode("utf-8")
    assert newest.title in html and site.by_path[newest.path] is newest
    assert sum(len(chunk) for _, chunk in site.list_pages()) >= 0.8 * 100_000


def test_one_article_page_in_ten_is_gbk_declared_only_in_the_html(replica_server):
    server = replica_server(articles=40)
    truth = fetch_truth(server.base_url)
    served = []
    for t in truth[:20]:
        with urllib.request.urlopen(t["url"], timeout=30) as reply:
            served.append((reply.headers["Content-Type"], reply.read(), t))
    gbk = [(kind, raw, t) for kind, raw, t in served if b'<meta charset="gb2312">' in raw]
    assert len(gbk) == 2
    for kind, raw, t in gbk:
        assert kind == "text/html"
        assert t["title"] in raw.decode("gb18030")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_drifted_pages_use_a_layout_the_financeun_profile_does_not_know():
    site = ReplicaSite(articles=200, drifted_share=0.5)
    financeun = [a for a in site.articles if a.section == "financeun"]
    drifted = [a for a in financeun if site.is_drifted(a)]
    assert 0.3 < len(drifted) / len(financeun) < 0.7
    for article in financeun[:30]:
        html = page_text(site, article)
        assert ('class="news_title"' in html) is not site.is_drifted(article)
        assert article.title in html
    undrifted = ReplicaSite(articles=200)
    assert list(undrifted.truth(BASE)) == list(site.truth(BASE))


def test_duplicates_and_near_misses_carry_truth_labels():
    site = ReplicaSite(articles=1000, seed=1)
    truth = {t["url"].removeprefix(BASE): t for t in site.truth(BASE)}
    labels = site.near_duplicate_labels()
    kinds = {(truth[a]["story_kind"], truth[b]["story_kind"], same) for a, b, same in labels}
    assert kinds == {
        ("original", "repost", True),
        ("original", "follow_up", False),
        ("market_report", "market_report", False),
        ("boilerplate", "boilerplate", False),
    }
    for a, b, same in labels:
        first, second = truth[a], truth[b]
        assert (first["story"] == second["story"]) is same
        sentences = [set(t["content"].replace("\n", "").split("。")) for t in (first, second)]
        shared = len(sentences[0] & sentences[1]) / len(sentences[0] | sentences[1])
        if second["story_kind"] == "repost":
            assert first["title"] != second["title"] and first["site"] != second["site"]
            assert 0.4 < shared < 1
        elif second["story_kind"] == "market_report":
            first_lines, second_lines = (t["content"].split("\n") for t in (first, second))
            assert first_lines[-1] == second_lines[-1] and first_lines[:-1] != second_lines[:-1]
            assert len(first_lines) == len(second_lines)
        else:
            assert shared < 0.5
    with_aliases = [t for t in truth.values() if t["aliases"]]
    assert 0.05 < len(with_aliases) / len(truth) < 0.15
    assert {alias.split("/")[3] for t in with_aliases for alias in t["aliases"]} >= {"m", "print"}
    assert any("utm_source=" in alias for t in with_aliases for alias in t["aliases"])


def test_alias_urls_serve_the_article_and_name_its_canonical_url(replica_server):
    server = replica_server(articles=300, seed=1)
    aliases = [(alias, t) for t in fetch_truth(server.base_url) for alias in t["aliases"]]
    naming = [alias for alias, _ in aliases if "utm_source=" not in alias]
    assert naming and len(naming) < len(aliases)  # both kinds are there to check
    for alias, t in aliases:
        status, html = get(alias)
        assert status == 200 and t["title"] in html
        if alias in naming:
            path = t["url"].removeprefix(server.base_url)
            assert f'<link rel="canonical" href="{path}">' in html


def list_links(html: str, name: str) -> list[str]:
    """The article links a crawler sees on a list page: those its site profile selects."""
    profile = get_profile(CNFINANCE if name == CNFINANCE else FINANCEUN)
    return Selector(text=html).css(profile.article_link_css).xpath("@href").getall()


def test_first_page_of_every_list_starts_with_old_pinned_articles(replica_server):
    server = replica_server(articles=1500, seed=3)
    site = server.site
    truth = {t["url"].removeprefix(server.base_url): t for t in fetch_truth(server.base_url)}
    assert {path for path, t in truth.items() if t["pinned"]} == {
        a.path for name in LIST_NAMES for a in site.pinned[name]
    }
    for name in LIST_NAMES:
        pinned, regular = site.list_page(name, 1)
        assert 2 <= len(pinned) <= 3 and len(regular) == LIST_PAGE_SIZE, name
        first_url = server.base_url + site.list_path(name, 1)
        status, html = get(first_url)
        assert status == 200 and html.count("置顶") == len(pinned)
        links = [href.replace("&amp;", "&") for href in list_links(html, name)]
        assert links == [a.path for a in pinned + regular], name
        newest = sorted(site.listed_in(name), key=lambda a: a.published, reverse=True)
        assert regular == newest[:LIST_PAGE_SIZE]
        assert max(a.published for a in pinned) < min(a.published for a in regular)
        for article in pinned:
            # Among the list's oldest, and listed again on its own date page.
            assert site.listed_in(name).index(article) >= len(site.listed_in(name)) - 10
            listed_on = truth[article.path]["listed_on"]
            assert listed_on[0] == first_url and len(listed_on) == 2, listed_on
            status, own_page = get(listed_on[1])
            assert status == 200 and list_links(own_page, name).count(article.path) == 1
        status, html = get(server.base_url + site.list_path(name, 2))
        assert "置顶" not in html
        assert list_links(html, name) == [a.path for a in site.list_page(name, 2)[1]]


def test_a_burst_of_more_than_a_page_on_every_list_keeps_the_pinned_articles():
    seed, before = 3, 1000
    small = ReplicaSite(articles=before, seed=seed)
    grown = ReplicaSite(articles=before + burst_size(before, seed), seed=seed)
    twice = ReplicaSite(articles=before + burst_size(before, seed, pages=2), seed=seed)
    for name in LIST_NAMES:
        for site, pages_gained in ((grown, 1), (twice, 2)):
            new = [a for a in site.listed_in(name) if a.index >= before]
            assert len(new) > pages_gained * LIST_PAGE_SIZE, name
        pinned, regular = grown.list_page(name, 1)
        assert pinned == small.list_page(name, 1)[0] != []
        assert [a.index for a in pinned] == [a.index for a in small.pinned[name]]
        # The regular items of page 1 are the newest: all published since the smaller site
        # (but the seed article and its related ones, dated 2025, at the head of 要闻).
        assert all(a.index >= before or a.index in SPECIAL_ARTICLES for a in regular)
        newest = sorted(grown.listed_in(name), key=lambda a: a.published, reverse=True)
        assert regular == newest[:LIST_PAGE_SIZE]
        # Older regular items keep their order and only shift to later pages.
        still_listed = {a.index for a in grown.listed_in(name)}
        assert [a.index for a in grown.listed_in(name) if a.index < before] == [
            a.index for a in small.listed_in(name) if a.index in still_listed
        ]
        for page in range(2, grown.list_page_count(name) + 1):
            extra, items = grown.list_page(name, page)
            assert extra == [] and len(items) <= LIST_PAGE_SIZE
    # The first link of each list's page 1, a pinned one, is the same before and after.
    first_links = {path: chunk[0].path for path, chunk in small.list_pages() if chunk}
    grown_links = {path: chunk[0].path for path, chunk in grown.list_pages() if chunk}
    for name in LIST_NAMES:
        path = small.list_path(name, 1)
        assert first_links[path] == grown_links[path] == small.pinned[name][0].path
    small_truth = list(small.truth(BASE))
    grown_truth = list(grown.truth(BASE))
    assert [t["pinned"] for t in grown_truth[:before]] == [t["pinned"] for t in small_truth]
    assert sum(t["pinned"] for t in grown_truth) == sum(len(p) for p in small.pinned.values())


def test_burst_size_refuses_a_burst_beyond_the_largest_site():
    assert 400 < burst_size(1000) < 800
    with pytest.raises(ValueError, match="does not fit"):
        burst_size(99_900)
