"""Entries of a 相关资讯 (related articles) list."""

from __future__ import annotations

from lxml.etree import _Element

from crawler.extraction.dates import find_datetime
from crawler.extraction.page import Page, element_text
from crawler.text import collapse_whitespace

_TEXT_OUTSIDE_LINKS = ".//text()[not(ancestor::a) and not(ancestor::script)]"


def related_entry(item: _Element, page: Page) -> dict[str, str | None] | None:
    """Title, absolute URL and time of one list item; None when it links nowhere."""
    for link in item.iter("a"):
        href = link.get("href", "").strip()
        title = collapse_whitespace(element_text(link)) or collapse_whitespace(
            link.get("title", "")
        )
        if href and title and not href.startswith(("#", "javascript:")):
            return {
                "title": title,
                "url": page.absolute(href),
                "published_at": find_datetime(" ".join(item.xpath(_TEXT_OUTSIDE_LINKS))),
            }
    return None


def related_entries(items: list[_Element], page: Page) -> list[dict[str, str | None]]:
    """The entries of the list items that link to an article."""
    return [entry for entry in (related_entry(item, page) for item in items) if entry]
