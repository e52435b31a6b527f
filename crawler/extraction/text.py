"""Whitespace cleaning and text of HTML nodes."""

from __future__ import annotations

import re

from lxml.etree import _Element

_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style)]"


def clean_line(text: str) -> str:
    """Text on one line: whitespace runs (\\u3000 and \\xa0 included) become one space."""
    return _WHITESPACE.sub(" ", text).strip()


def clean_paragraph(text: str) -> str:
    """A paragraph stripped of surrounding whitespace, its source line breaks made spaces."""
    return _LINE_BREAKS.sub(" ", text.strip())


def element_text(element: _Element) -> str:
    """All text inside ``element``, scripts and styles left out."""
    return "".join(element.xpath(_VISIBLE_TEXT))
