"""Entries of a 相关资讯 (related articles) list."""

from __future__ import annotations

import re
from datetime import date

from lxml import etree
from lxml.etree import _Element

from crawler.extraction.dates import find_datetime, find_month_day_time
from crawler.extraction.page import Page, element_text
from crawler.text import join_lines

_TEXT_OUTSIDE_LINKS = etree.XPath(".//text()[not(ancestor::a) and not(ancestor::script)]")
_BULLET = re.compile(r"^[·•●○◆◇■□▪▫►▶>》\-\s]+")
_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt", "p"})
_ITEM_LEVELS = 3


def related_entry(
    item: _Element, page: Page, reference: date | None = None
) -> dict[str, str | None] | None:
    """Title, absolute URL and time of one list item; None when it links nowhere. A time
    shown without its year takes the year that puts it last on or before ``reference``."""
    for link in item.iter("a"):
        href = link.get("href", "").strip()
        title = _clean_title(element_text(link)) or _clean_title(link.get("title", ""))
        if href and title and not href.startswith(("#", "javascript:")):
            shown = " ".join(_TEXT_OUTSIDE_LINKS(item))
            published = find_datetime(shown)
            if published is None and reference is not None:
                published = find_month_day_time(shown, reference)
            return {"title": title, "url": page.absolute(href), "published_at": published}
    return None


def related_entries(
    items: list[_Element], page: Page, reference: date | None = None
) -> list[dict[str, str | None]]:
    """The entries of the list items that link to an article, each URL once."""
    entries: dict[str, dict[str, str | None]] = {}
    for item in items:
        entry = related_entry(item, page, reference)
        if entry is not None:
            entries.setdefault(str(entry["url"]), entry)
    return list(entries.values())


def list_item(element: _Element) -> _Element:
    """The list item, table row or paragraph a link line belongs to (else the line's block)."""
    node: _Element | None = element
    for _ in range(_ITEM_LEVELS):
        if node is None:
            break
        if node.tag in _ITEM_TAGS:
            return node
        node = node.getparent()
    return element


def _clean_title(text: str) -> str:
    return _BULLET.sub("", join_lines(text)).strip()
