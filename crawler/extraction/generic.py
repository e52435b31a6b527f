"""Article fields of pages of any layout; also the fallback for every site profile field.

The headline is the visible element whose text agrees with what the page declares (JSON-LD,
og:title, h1, ``<title>`` without its site suffix). The body is the element with the most
``<p>`` text. Source, byline and time are read from the lines between the two (the header
zone), so dates of related lists, comments, sidebars and footers are never taken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cached_property
from itertools import islice
from typing import Any

from lxml import etree
from lxml.etree import _Element

from crawler.extraction.bylines import find_byline, find_source, is_source_line, looks_like_byline
from crawler.extraction.content import body_paragraphs
from crawler.extraction.dates import find_datetime
from crawler.extraction.page import Page
from crawler.extraction.related import related_entries
from crawler.extraction.text import clean_line, element_text

_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜–—]|\s-\s|-)\s*")
_VISIBLE_WITH_TEXT = (
    "//body//*[normalize-space(.)=$text]"
    "[not(ancestor-or-self::a or ancestor::li or ancestor::nav or ancestor::footer)]"
)
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_META_PUBLISHED = (
    f'//meta[{_LOWER.format("@property")}="article:published_time"'
    f' or {_LOWER.format("@name")}="pubdate"'
    f' or {_LOWER.format("@name")}="publishdate"'
    f' or @itemprop="datePublished"]/@content'
)
_RELATED_HEADINGS = (
    "相关资讯", "相关新闻", "相关阅读", "延伸阅读", "推荐阅读", "相关文章", "相关报道"
)
_RELATED_HEADING_EXTRA_CHARACTERS = 4
_ZONE_END = re.compile(
    r"^(?:相关资讯|相关新闻|相关阅读|延伸阅读|推荐阅读|上一篇|下一篇|网友评论|热点新闻|Copyright|©)",
    re.IGNORECASE,
)
_NOT_A_DATE_LINE = re.compile(r"Copyright|©|版权|ICP|备案", re.IGNORECASE)
_HEADER_ZONE_LINES = 12
_BODY_HEAD_PARAGRAPHS = 2
_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "label",
    "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time", "u",
})
_TEXTLESS_TAGS = frozenset({"script", "style", "noscript", "template"})
_NOT_HEADING_TAGS = frozenset({"a", *_TEXTLESS_TAGS})
_NOT_CONTENT_TAGS = frozenset({"a", "li", "nav", "footer", "header", "aside", "form"})
_NOT_CONTENT_CLASS = re.compile(
    r"comment|footer|copyright|sidebar|share|related|recommend|crumb"
    r"|(?<![a-z])nav(?![a-z])|(?<![a-z])hot(?![a-z])",
    re.IGNORECASE,
)


class GenericExtractor:
    """The article fields of one page, found without knowing the site."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._root: _Element = page.selector.root

    def title(self) -> str | None:
        return self._headline[0]

    def source(self) -> str | None:
        lines = [*self._header_zone, *filter(is_source_line, self._body_head)]
        return next(filter(None, map(find_source, lines)), None)

    def byline(self) -> str | None:
        in_header = next(filter(None, map(find_byline, self._header_zone)), None)
        if in_header:
            return in_header
        return next((clean_line(p) for p in self._body_head[:1] if looks_like_byline(p)), None)

    def published_at(self) -> str | None:
        declared = [*self._json_ld_strings("datePublished"), *self._root.xpath(_META_PUBLISHED)]
        shown = [line for line in self._header_zone if not _NOT_A_DATE_LINE.search(line)]
        return next(filter(None, map(find_datetime, [*declared, *shown])), None)

    def content(self) -> str:
        return "\n".join(body_paragraphs(self._body_paragraph_texts))

    def related(self) -> list[dict[str, str | None]]:
        for element in self._root.iter(etree.Element):
            if element.tag not in _NOT_HEADING_TAGS and _is_related_heading(element.text):
                lists = element.xpath("following::*[self::ul or self::ol][1]")
                if lists:
                    return related_entries(lists[0].findall("li"), self.page)
        return []

    # -- headline ------------------------------------------------------------------------

    @cached_property
    def _headline(self) -> tuple[str | None, _Element | None]:
        """The title and the element showing it (the first h1 when no element shows it)."""
        selector = self.page.selector
        og_titles = selector.xpath('//meta[@property="og:title"]/@content').getall()
        headlines = [*self._json_ld_strings("headline"), *og_titles]
        declared = [title for title in map(clean_line, headlines) if title]
        h1s = [element for element in self._root.iter("h1") if clean_line(element_text(element))]
        h1_texts = [clean_line(element_text(element)) for element in h1s]
        page_title = clean_line(selector.xpath("//title/text()").get(""))
        prefixes = _title_prefixes(page_title)
        site_name = _site_suffix(page_title)

        def votes(candidate: str) -> int:
            return (
                declared.count(candidate)
                + (candidate in h1_texts)
                + (candidate in prefixes)
                - (candidate == site_name)
            )

        shown = [
            (votes(candidate), len(candidate), candidate, element)
            for candidate in dict.fromkeys([*declared, *h1_texts, *prefixes])
            if (element := self._element_showing(candidate)) is not None
        ]
        if shown:
            *_, candidate, element = max(shown, key=lambda found: found[:2])
            return candidate, element
        unshown = [*declared, *h1_texts, _without_site_suffix(page_title)]
        return next(filter(None, unshown), None), h1s[0] if h1s else None

    def _element_showing(self, text: str) -> _Element | None:
        found = self._root.xpath(_VISIBLE_WITH_TEXT, text=text)
        return found[0] if found else None

    # -- body and header zone -------------------------------------------------------------

    @cached_property
    def _body_block(self) -> _Element | None:
        """The element whose ``<p>`` children hold the most text."""
        scores: dict[_Element, int] = {}
        for paragraph in self._root.iter("p"):
            if _outside_content(paragraph):
                continue
            parent = paragraph.getparent()
            scores[parent] = scores.get(parent, 0) + len(clean_line(element_text(paragraph)))
        best = max(scores, key=scores.__getitem__, default=None)
        return best if best is not None and scores[best] else None

    @cached_property
    def _body_paragraphs(self) -> list[_Element]:
        block = self._body_block
        return [] if block is None else [child for child in block if child.tag == "p"]

    @cached_property
    def _body_paragraph_texts(self) -> list[str]:
        return [element_text(paragraph) for paragraph in self._body_paragraphs]

    @cached_property
    def _body_head(self) -> list[str]:
        """The first non-empty body paragraphs, where bylines and source lines may stand."""
        texts = filter(None, map(clean_line, self._body_paragraph_texts))
        return list(islice(texts, _BODY_HEAD_PARAGRAPHS))

    @cached_property
    def _header_zone(self) -> list[str]:
        """Lines from the headline to the first body paragraph (those before it, no headline)."""
        headline = self._headline[1]
        body_start = self._body_paragraphs[0] if self._body_paragraphs else None
        if headline is None:
            texts = self._root.xpath("//body//text()")
            return _lines(texts, body_start)[-_HEADER_ZONE_LINES:]
        return _lines(headline.xpath("following::text()"), body_start)[:_HEADER_ZONE_LINES]

    # -- structured data -------------------------------------------------------------------

    @cached_property
    def _json_ld(self) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        for raw in self._root.xpath('//script[@type="application/ld+json"]/text()'):
            try:
                objects.extend(_json_objects(json.loads(raw)))
            except ValueError:
                continue
        return objects

    def _json_ld_strings(self, key: str) -> list[str]:
        return [value for item in self._json_ld if isinstance(value := item.get(key), str)]


def _lines(texts: list[Any], stop: _Element | None) -> list[str]:
    """Text nodes grouped into lines by block element, up to ``stop`` or a related/footer line."""
    lines: list[str] = []
    pieces: list[str] = []
    current_block = None
    for text in texts:
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        if owner is None or _has_ancestor_or_self(owner, _TEXTLESS_TAGS):
            continue
        if stop is not None and _within(owner, stop):
            break
        block = _block_of(owner)
        if block is not current_block:
            lines.append(clean_line(" ".join(pieces)))
            pieces, current_block = [], block
        pieces.append(text)
    lines.append(clean_line(" ".join(pieces)))
    shown = [line for line in lines if line]
    end = next((i for i, line in enumerate(shown) if _ZONE_END.match(line)), len(shown))
    return shown[:end]


def _block_of(element: _Element) -> _Element:
    while element.tag in _INLINE_TAGS and element.getparent() is not None:
        element = element.getparent()
    return element


def _within(element: _Element, ancestor: _Element) -> bool:
    return element is ancestor or any(a is ancestor for a in element.iterancestors())


def _has_ancestor_or_self(element: _Element, tags: frozenset[str]) -> bool:
    return element.tag in tags or any(a.tag in tags for a in element.iterancestors())


def _outside_content(paragraph: _Element) -> bool:
    """Whether a paragraph sits in links, lists, navigation, footers, comments or sidebars."""
    for element in (paragraph, *paragraph.iterancestors()):
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if element.tag in _NOT_CONTENT_TAGS or _NOT_CONTENT_CLASS.search(marks):
            return True
    return False


def _title_prefixes(page_title: str) -> list[str]:
    """The ``<title>`` and its parts before each separator, longest first."""
    prefixes = [page_title[: m.start()] for m in _TITLE_SEPARATOR.finditer(page_title)]
    return [text for text in dict.fromkeys([page_title, *reversed(prefixes)]) if text]


def _site_suffix(page_title: str) -> str | None:
    parts = _TITLE_SEPARATOR.split(page_title)
    return parts[-1] if len(parts) > 1 else None


def _without_site_suffix(page_title: str) -> str:
    prefixes = _title_prefixes(page_title)
    return prefixes[1] if len(prefixes) > 1 else page_title


def _is_related_heading(text: str | None) -> bool:
    line = clean_line(text or "")
    return line.startswith(_RELATED_HEADINGS) and (
        len(line) <= len(_RELATED_HEADINGS[0]) + _RELATED_HEADING_EXTRA_CHARACTERS
    )


def _json_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _json_objects(data.get("@graph", []))
