"""Cleans the text of each article, counting what it removed in the ``clean/*`` stats."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.cleaning import clean_text_line, clean_title, split_body, strip_site_suffix
from crawler.items import ArticleItem, content_sha256


def clean_article(item: ArticleItem) -> tuple[ArticleItem, Counter[str]]:
    """The item with cleaned text and a fresh ``content_sha256``, and counts of what changed."""
    changes: Counter[str] = Counter()
    title = item.title and clean_text_line(item.title)
    if title and (without_suffix := strip_site_suffix(title)) != title:
        title = without_suffix
        changes["title_suffix_removed"] += 1
    source = _cleaned_or_none(item.source)
    byline = _cleaned_or_none(item.byline)
    authors = [author for author in map(clean_text_line, item.authors) if author]

    paragraphs, boilerplate = split_body(item.content, source)
    changes["boilerplate_lines_removed"] += len(boilerplate)

    related = [
        {**entry, "title": entry["title"] and clean_title(entry["title"])} for entry in item.related
    ]
    content = "\n".join(paragraphs)
    cleaned = replace(
        item,
        title=title,
        source=source,
        byline=byline,
        authors=authors,
        content=content,
        related=related,
        content_sha256=content_sha256(content),
    )
    return cleaned, +changes


class CleanPipeline:
    """Cleans every article's text fields (see ``crawler.cleaning``).

    Bylines are not looked for in the body: extraction already moved the body's leading
    byline to ``byline`` (``crawler.extraction.content.body_paragraphs``).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler.stats)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        cleaned, changes = clean_article(item)
        for change, count in changes.items():
            self.stats.inc_value(f"clean/{change}", count)
        return cleaned


def _cleaned_or_none(text: str | None) -> str | None:
    return (clean_text_line(text) or None) if text else None
