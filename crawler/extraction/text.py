"""Whitespace cleaning and text of HTML nodes."""

from __future__ import annotations

import re

from lxml.etree import _Element

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\U00020000-\U0002fa1f"
_BREAK_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])[^\S\u3000\xa0]*[\r\n]\s*(?=[{_CJK}])")
_VISIBLE_TEXT = ".//text()[not(ancestor::script) and not(ancestor::style)]"


def clean_line(text: str) -> str:
    """Text on one line: whitespace runs (\\u3000 and \\xa0 included) become one space."""
    return " ".join(text.split())


def clean_paragraph(text: str) -> str:
    """A paragraph on one line: source line breaks between CJK characters vanish, other
    whitespace runs become one space."""
    if "\n" in text or "\r" in text:
        text = _BREAK_BETWEEN_CJK.sub("", text)
    return clean_line(text)


def element_text(element: _Element) -> str:
    """All text inside ``element``, scripts and styles left out."""
    return "".join(element.xpath(_VISIBLE_TEXT))
