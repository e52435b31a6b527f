"""The element index answers CSS selectors exactly as parsel's XPath translation does.

The oracle is cssselect's translation evaluated by libxml2 (``compiled_css``), on the labelled
real pages, the replica's pages of every layout and hand-written edge cases, for the profiles'
selectors and for selectors drawn at random from each page's own tags and classes.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from crawler.extraction.decoding import decode_html
from crawler.extraction.page import Page, element_text
from crawler.extraction.profiles import PROFILES
from crawler.extraction.selectors import ElementIndex, attribute_tokens, compiled_css
from crawler.replica import pages
from crawler.replica.site import ReplicaSite

FIXTURES = Path(__file__).parent / "fixtures"
RANDOM_SELECTORS_PER_PAGE = 60

EDGE_CASES = """<html><head><base href="/b/"><link rel="Canonical alternate" href="/c">
<link rel=" canonical " href="/d"></head><body>
<div class="a  b\tc\nd" id="top"><p class="a a">one <span class="x">two</span> three</p>
<p class="a\xa0b">nbsp</p><p class="">empty</p><p class="A">upper</p>
<DIV CLASS="b"><P>shouted</P><ul class="a"><li class="a">1<ul><li>2</li></ul></li></ul></DIV>
<a href="/articleList/1" hreflang="en-US">x</a><a href="">y</a><a>z</a>
<section class="a"><div class="b"><div class="b"><p id="deep">deep</p></div></div></section>
<script>var s = "<p class='a'>no</p>";</script><style>.a{}</style><!-- <p class="a"> -->
</div></body></html>"""

HAND_WRITTEN = [
    "p",
    "P",
    "*",
    ".a",
    ".b",
    ".a.b",
    "p.a",
    "div.a.b.c.d",
    ".a .b",
    ".a > .b",
    ".a > p",
    "div p",
    "div > p",
    "ul li",
    "ul > li",
    ".a .b .b p",
    ".a > .b > .b > p",
    "section p",
    "#top",
    "#top p",
    "p#deep",
    "#nothing",
    "a[href]",
    'a[href=""]',
    'a[href*="/articleList/"]',
    'a[href*=""]',
    'a[href^="/art"]',
    'a[href$="/1"]',
    'a[hreflang|="en"]',
    'a[hreflang|="en-US"]',
    'link[rel~="canonical"]',
    'link[rel~="alternate"]',
    'link[rel~="canonical alternate"]',
    'link[rel~=""]',
    "base",
    "p, .b",
    ".b, p",
    "li, ul",
    "span, p span",
    ".x",
    "p .x",
    "p > .x",
    "div .a .x",
    "p:first-child",
    "p + p",
    "p ~ p",
    "p::text",
    "div :not(p)",
]


@cache
def all_pages() -> list[tuple[str, Page]]:
    found = [("edge cases", Page.parse(EDGE_CASES, "http://example.com/a/"))]
    for path in sorted(FIXTURES.rglob("*.html")):
        found.append(
            (
                str(path.relative_to(FIXTURES)),
                Page.parse(decode_html(path.read_bytes()), "http://x/"),
            )
        )
    site = ReplicaSite(articles=60, seed=3, drifted_share=0.3)
    for article in site.articles[:25]:
        body = pages.render_article(site, article)
        found.append((f"replica article {article.index}", _page(body)))
    found.append(("replica financeun home", _page(pages.financeun_home(site))))
    found.append(("replica cnfinance home", _page(pages.cnfinance_home(site))))
    return found


def _page(body: bytes) -> Page:
    return Page.parse(decode_html(body), "http://127.0.0.1:8080/")


def profile_selectors() -> list[str]:
    selectors = []
    for profile in PROFILES.values():
        selectors += [*profile.title_css, profile.info_css, profile.byline_css]
        selectors += [profile.paragraph_css, profile.related_item_css]
        selectors += [profile.list_link_css, profile.article_link_css]
    return selectors


def random_selectors(page: Page, rng: random.Random, count: int) -> list[str]:
    """Selectors of one to three compounds built from the tags and classes of the page."""
    elements = page.index.elements
    tags = sorted({element.tag for element in elements})
    classes = sorted(
        {token for e in elements for token in attribute_tokens(e.get("class") or "")} - {""}
    )

    def compound() -> str:
        kind = rng.random()
        if classes and kind < 0.45:
            return "." + rng.choice(classes)
        if classes and kind < 0.7:
            return rng.choice(tags) + "." + rng.choice(classes)
        return rng.choice(tags)

    selectors = []
    for _ in range(count):
        parts = [compound()]
        for _ in range(rng.randrange(3)):
            parts += [rng.choice([" ", " > "]), compound()]
        selectors.append("".join(parts))
    return [css for css in selectors if _is_plain_css(css)]


def _is_plain_css(css: str) -> bool:
    try:
        compiled_css(css)
    except Exception:  # a class token that is not a CSS identifier
        return False
    return True


def test_the_index_matches_the_xpath_translation() -> None:
    rng = random.Random(7)
    problems = []
    checked = 0
    for name, page in all_pages():
        selectors = [*HAND_WRITTEN, *profile_selectors()]
        selectors += random_selectors(page, rng, RANDOM_SELECTORS_PER_PAGE)
        for css in selectors:
            expected = compiled_css(css)(page.selector.root)
            got = page.select(css)
            checked += bool(expected)
            if got != expected:
                problems.append(f"{name}: {css!r}: {len(got)} elements, expected {len(expected)}")
    assert problems == []
    assert checked > 1000  # the comparisons were not all of empty results


@pytest.mark.parametrize(
    ("css", "count"),
    [(".a", 5), (".b", 4), ("div > p", 6), ('link[rel~="canonical"]', 1), ("p, .b", 10)],
)
def test_edge_case_counts(css: str, count: int) -> None:
    """Counts read off EDGE_CASES by hand: tokens split on ASCII whitespace only, tags and
    attribute names folded to lower case but not their values, script text and comments
    hold no elements."""
    assert len(Page.parse(EDGE_CASES, "http://example.com/").select(css)) == count


def test_an_index_holds_every_element_once_in_document_order() -> None:
    for name, page in all_pages():
        expected = etree.XPath("descendant-or-self::*")(page.selector.root)
        assert page.index.elements == expected, name


def test_element_text_is_every_visible_text_node() -> None:
    visible = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    for name, page in all_pages():
        for element in page.index.elements:
            assert element_text(element) == "".join(visible(element)), (name, element.tag)


def test_an_index_is_built_from_one_tree() -> None:
    root = etree.fromstring("<html><body><p class='a'>x</p></body></html>", etree.HTMLParser())
    index = ElementIndex(root)
    assert [element.tag for element in index.elements] == ["html", "body", "p"]
    assert index.by_class("a") == [root[0][0]]
    assert index.by_tag("p") == [root[0][0]]
