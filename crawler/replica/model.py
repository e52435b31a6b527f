"""Value types shared by the replica's modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleText:
    """The written parts of an article: who wrote it, where from, and its paragraphs."""

    source: str
    byline: str | None
    authors: list[str]
    paragraphs: list[str]
    editor: str
