"""The seed article (the page this project was created from) and its related articles.

``seed_article.txt`` is the page as a reader sees it: headline, the ``来源:`` line, the
byline, the paragraphs, then ``相关资讯`` with a title and a time per related item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from crawler.replica.model import ArticleText

SEED_INDEX = 3
_SOURCE_LINE = re.compile(r"^来源:(?P<source>\S+) (?P<time>\d{4}年\d{2}月\d{2}日 \d{2}时\d{2}分)$")
_TIME = re.compile(r"(\d{4})年(\d{2})月(\d{2})日 (\d{2})时(\d{2})分")


@dataclass(frozen=True)
class SpecialArticle:
    """An article with fixed title and time; ``text`` and ``related`` fixed when given."""

    title: str
    published: datetime
    related: tuple[int, ...] = ()
    text: ArticleText | None = None


def _parse_time(text: str) -> datetime:
    match = _TIME.search(text)
    if match is None:
        raise ValueError(f"no 年月日 时分 time in {text!r}")
    return datetime(*(int(part) for part in match.groups()))


def _load() -> dict[int, SpecialArticle]:
    raw = resources.files("crawler.replica").joinpath("seed_article.txt").read_text("utf-8")
    lines = [line.strip() for line in raw.splitlines()]
    title, source_line, byline = lines[0], lines[1], lines[2]
    related_at = lines.index("相关资讯")
    paragraphs = [line for line in lines[3:related_at] if line]
    source_match = _SOURCE_LINE.match(source_line)
    if source_match is None:
        raise ValueError(f"unexpected seed source line {source_line!r}")
    # After 相关资讯: "-" separators, then alternating title / time lines.
    entries = [line.rstrip(" -") for line in lines[related_at + 1 :] if line not in ("", "-")]
    related = [(entries[i], _parse_time(entries[i + 1])) for i in range(0, len(entries), 2)]
    specials = {
        index: SpecialArticle(title=related_title, published=published)
        for index, (related_title, published) in enumerate(related)
    }
    specials[SEED_INDEX] = SpecialArticle(
        title=title,
        published=_parse_time(source_match["time"]),
        related=tuple(range(len(related))),
        text=ArticleText(
            source=source_match["source"],
            byline=byline,
            authors=[byline.split()[-1]],
            paragraphs=paragraphs,
            editor="",
        ),
    )
    return specials


SPECIAL_ARTICLES: dict[int, SpecialArticle] = _load()
