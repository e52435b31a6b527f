"""A fetched page: its parsed markup and the URL its links resolve against."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from lxml.etree import _Element
from parsel import Selector
from parsel.selector import create_root_node

from crawler.extraction.selectors import ElementIndex

_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")


@dataclass(frozen=True)
class Page:
    """Parsed HTML of a page and the base URL of its links (``<base href>`` applied)."""

    url: str
    base_url: str
    selector: Selector
    index: ElementIndex

    @classmethod
    def parse(cls, html: str, url: str) -> Page:
        """Parse ``html`` into plain lxml elements (faster to walk than ``lxml.html`` ones)."""
        selector = Selector(root=create_root_node(html, etree.HTMLParser), type="html")
        index = ElementIndex(selector.root)
        base_href = next(_hrefs(index.select("base")), None)
        base_url = urljoin(url, base_href.strip()) if base_href else url
        return cls(url=url, base_url=base_url, selector=selector, index=index)

    def select(self, css: str) -> list[_Element]:
        """The elements ``css`` selects, in document order."""
        return self.index.select(css)

    def absolute(self, href: str) -> str:
        """``href`` resolved against the page's base URL."""
        return urljoin(self.base_url, href.strip())

    def canonical_url(self) -> str | None:
        """The absolute ``<link rel="canonical">`` href, if the page has one."""
        href = next(_hrefs(self.select('link[rel~="canonical"]')), None)
        return self.absolute(href) if href and href.strip() else None


def _hrefs(elements: list[_Element]) -> Iterator[str]:
    return (href for element in elements if (href := element.get("href")) is not None)


def element_text(element: _Element) -> str:
    """All text inside ``element``, scripts and styles left out."""
    return "".join(_VISIBLE_TEXT(element))
