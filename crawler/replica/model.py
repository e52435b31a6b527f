"""Value types shared by the replica's modules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleText:
    """The written parts of an article: who wrote it, where from, and its paragraphs."""

    source: str
    byline: str | None
    authors: list[str]
    paragraphs: list[str]
    editor: str


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as the server writes it: after ``delay`` seconds the status line and
    ``headers``, then ``body`` chunk by chunk; ``close``: the connection is closed after it."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: Iterable[bytes] = ()
    delay: float = 0.0
    close: bool = False

    @classmethod
    def whole(cls, status: int, content_type: str, body: bytes, *headers: tuple[str, str]) -> Reply:
        """A reply whose body is in one piece, its Content-Length declared."""
        declared = (("Content-Type", content_type), ("Content-Length", str(len(body))))
        return cls(status, (*declared, *headers), (body,))
