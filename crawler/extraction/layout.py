"""The visible lines of a page in reading order, each with the block element it belongs to.

A line is the text between two block boundaries (the start or end of a non-inline element, or
a ``<br>``). Text in links is counted apart, so that link lists can be told from prose, and
lines inside elements marked as comments, sharing widgets, related lists, navigation or
footers are flagged as boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml.etree import _Element

from crawler.text import join_lines

INLINE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "big",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "img",
        "label",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "wbr",
        "nobr",
    }
)
SKIPPED_TAGS = frozenset(
    {
        "head",
        "title",
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "select",
        "option",
        "button",
        "textarea",
        "input",
        "svg",
        "canvas",
        "video",
        "audio",
        "object",
        "embed",
        "map",
        "math",
    }
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOILERPLATE_TAGS = frozenset({"nav", "footer", "aside"})
_BOILERPLATE_MARK = re.compile(
    r"comment|footer|copyright|sidebar|share|related|recommend|crumb|toolbar|login|subscribe"
    r"|\b(?:nav|hot|ad|ads|advert|banner|menu|tags?|rank|qrcode|xgxw|xgyd)\b"
)
_UNMARKED_TAGS = frozenset({"html", "body"})
_LINK, _BLOCK, _HEADING, _MARKED = 1, 2, 4, 8
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(slots=True)
class Line:
    """One line of visible text."""

    text: str
    owner: _Element
    """The innermost non-inline element holding the line."""
    chars: int
    """Characters other than whitespace."""
    link_chars: int
    """Of ``chars``, those inside links."""
    boilerplate: bool
    heading: bool


def read_lines(root: _Element) -> list[Line]:
    """The lines of ``root`` in document order, skipping scripts, form controls and hidden
    elements."""
    reader = _Reader()
    if isinstance(root.tag, str):
        reader.read(root)
    return reader.lines


def is_boilerplate_element(element: _Element) -> bool:
    """An element that by its tag, class or id holds navigation, comments, sharing or ads."""
    if element.tag in _BOILERPLATE_TAGS:
        return True
    if element.tag in _UNMARKED_TAGS:
        return False
    return _is_boilerplate_mark(element.get("class", "") + " " + element.get("id", ""))


@lru_cache(maxsize=4096)
def _is_boilerplate_mark(marks: str) -> bool:
    return marks != " " and _BOILERPLATE_MARK.search(marks.lower().replace("_", "-")) is not None


def _is_hidden(element: _Element) -> bool:
    style = element.get("style")
    return element.get("hidden") is not None or (
        style is not None and _HIDDEN_STYLE.search(style) is not None
    )


def _visible_chars(text: str) -> int:
    return len("".join(text.split()))


class _Reader:
    """Walks a tree once, collecting lines; kept state is the line being built."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.pieces: list[str] = []
        self.link_chars = 0
        self.blocks: list[_Element] = []
        self.headings = 0

    def read(self, root: _Element) -> None:
        pieces = self.pieces
        links = 0
        spans: list[tuple[int, int]] = []
        stack: list[tuple[_Element, Any, int, int]] = [(root, iter(root), *self._enter(root))]
        if root.text:
            pieces.append(root.text)
        while stack:
            element, children, kind, start = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if kind & _BLOCK:
                    self._flush()
                    self.blocks.pop()
                    if kind & _MARKED:
                        spans.append((start, len(self.lines)))
                links -= kind & _LINK
                self.headings -= (kind & _HEADING) > 0
                text = element.tail
            else:
                tag = child.tag
                if tag.__class__ is not str or tag in SKIPPED_TAGS or _is_hidden(child):
                    text = child.tail
                elif tag in INLINE_TAGS and not len(child):
                    if child.text:
                        pieces.append(child.text)
                        if links or tag == "a":
                            self.link_chars += _visible_chars(child.text)
                    text = child.tail
                elif tag == "br":
                    self._flush()
                    text = child.tail
                else:
                    kind, start = self._enter(child)
                    links += kind & _LINK
                    stack.append((child, iter(child), kind, start))
                    text = child.text
            if text:
                pieces.append(text)
                if links:
                    self.link_chars += _visible_chars(text)
        self._flush()
        self._mark_boilerplate(spans)

    def _enter(self, element: _Element) -> tuple[int, int]:
        """Start ``element``: its kind (bit flags) and the index of its first line."""
        tag = element.tag
        kind = _LINK if tag == "a" else 0
        if tag not in INLINE_TAGS:
            self._flush()
            self.blocks.append(element)
            kind |= _BLOCK | (_MARKED if is_boilerplate_element(element) else 0)
        if tag in HEADING_TAGS:
            kind |= _HEADING
            self.headings += 1
        return kind, len(self.lines)

    def _mark_boilerplate(self, spans: list[tuple[int, int]]) -> None:
        """Flag the lines of marked elements, unless one holds most of the page's text."""
        lines = self.lines
        total = sum(line.chars - line.link_chars for line in lines)
        for start, end in spans:
            marked = lines[start:end]
            if sum(line.chars - line.link_chars for line in marked) * 2 < total:
                for line in marked:
                    line.boilerplate = True

    def _flush(self) -> None:
        if not self.pieces:
            return
        joined = "".join(self.pieces)
        text = "" if joined.isspace() else join_lines(joined)
        if text:
            chars = len(text) - text.count(" ")
            self.lines.append(
                Line(
                    text=text,
                    owner=self.blocks[-1],
                    chars=chars,
                    link_chars=min(self.link_chars, chars),
                    boilerplate=False,
                    heading=self.headings > 0,
                )
            )
        self.pieces.clear()
        self.link_chars = 0
