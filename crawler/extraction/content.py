"""Body paragraphs of an article, without the lines that are not part of its text."""

from __future__ import annotations

from collections.abc import Iterable

from crawler.extraction.bylines import is_editor_line, is_source_line, looks_like_byline
from crawler.extraction.text import clean_paragraph


def body_paragraphs(texts: Iterable[str]) -> list[str]:
    """Non-empty stripped paragraphs, leading byline/source lines and editor lines dropped."""
    paragraphs = [paragraph for paragraph in map(clean_paragraph, texts) if paragraph]
    while paragraphs and (looks_like_byline(paragraphs[0]) or is_source_line(paragraphs[0])):
        paragraphs.pop(0)
    return [paragraph for paragraph in paragraphs if not is_editor_line(paragraph)]
