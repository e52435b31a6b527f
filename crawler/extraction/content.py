"""The main text of an article page, and its paragraphs without the lines that are not text.

The text is the run of consecutive lines that adds up to the most value: prose (lines with
sentence punctuation) counts for its length, links, boilerplate and short unpunctuated lines
count against. So the run grows over every paragraph of the article and stops where
navigation, related lists or comments begin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extraction.bylines import is_editor_line, is_source_line, looks_like_byline
from crawler.extraction.layout import Line
from crawler.text import (
    CLICK_PROMPT,
    COPYRIGHT,
    COPYRIGHT_SIGN,
    DISCLAIMER,
    RIGHTS_RESERVED,
    SCAN_PROMPT,
    SHARE_PROMPT,
    is_boilerplate_line,
    join_lines,
)

_SENTENCE_PUNCTUATION = "，。！？；：,!?;"
_CJK_PUNCTUATION = "，。！？；："
_SHORT_LINE = 20
_WORDS = re.compile(r"[\u3400-\u9fff]| ")
_SHORT_LINE_VALUE = -3.0
_END_OF_TEXT = re.compile(
    r"^(?=.{0,30}$)\W{0,3}(?:相[关關](?:资讯|資訊|新闻|新聞|阅读|閱讀|文章|报道|報導|链接|連結|推荐|推薦)"
    r"|延伸[阅閱][读讀]|推[荐薦][阅閱][读讀]|上一篇|下一篇|上一[页頁]|下一[页頁]|[阅閱][读讀][上下]一篇"
    r"|[网網]友[评評][论論]|[发發]表[评評][论論]|我要[评評][论論]|我来说两句"
    rf"|{DISCLAIMER}|{COPYRIGHT}[声聲]明|反侵权公告|{SHARE_PROMPT}|.{{0,4}}[声聲]明\s*[:：]"
    r"|(?:关键字|關鍵字|关键词|關鍵詞|标签|標籤)\s*[:：])"
    r"|^\W{0,3}(?:[热熱][点點门門]|精彩|更多).{0,6}$"
    r"|^.{0,6}(?:评论|評論|留言|跟帖).{0,6}$|^.{0,6}推[荐薦]$"
)
_NOT_TEXT = re.compile(
    r"^(?:(?=[^，。！？]{0,12}$)[【\[（(]?\s*(?:打印|列印|关闭|關閉|返回顶部|返回頂部|收藏|字号|字號"
    rf"|字体|字體|分享|{SCAN_PROMPT}|{CLICK_PROMPT})"
    rf"|页面功能|頁面功能|.{{0,12}}(?:{RIGHTS_RESERVED}|{COPYRIGHT_SIGN}))",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://|www\.|\.(?:com|cn|net|org)\b")


def body_paragraphs(texts: Iterable[str]) -> list[str]:
    """Non-empty stripped paragraphs, editor lines dropped, and the head of the body: the
    byline, source and boilerplate lines (``原标题：…``) before the first paragraph of text.

    This is the one place a byline leaves the body; the page's byline is the ``byline``
    field (a profile's selector, else the generic extractor reads it from the body head).
    """
    paragraphs = [paragraph for paragraph in map(join_lines, texts) if paragraph]
    while paragraphs and _is_head_line(paragraphs[0]):
        paragraphs.pop(0)
    return [paragraph for paragraph in paragraphs if not is_editor_line(paragraph)]


def _is_head_line(paragraph: str) -> bool:
    return (
        looks_like_byline(paragraph) or is_source_line(paragraph) or is_boilerplate_line(paragraph)
    )


def line_value(line: Line) -> float:
    """How much a line speaks for the block around it being the article text."""
    if line.boilerplate or line.link_chars * 2 > line.chars:
        return -float(line.chars)
    if not is_prose(line):
        return _SHORT_LINE_VALUE
    return float(line.chars - 2 * line.link_chars)


def text_span(lines: list[Line]) -> tuple[int, int]:
    """The run of consecutive lines worth the most (empty when no line is worth anything)."""
    best, best_value = (0, 0), 0.0
    start, value = 0, 0.0
    for index, line in enumerate(lines):
        if value <= 0:
            start, value = index, 0.0
        value += line_value(line)
        if value > best_value:
            best, best_value = (start, index + 1), value
    return best


def is_prose(line: Line) -> bool:
    """A line long enough or punctuated like a sentence."""
    return line.chars - line.link_chars >= _SHORT_LINE or any(
        p in line.text for p in _SENTENCE_PUNCTUATION
    )


def starts_text(line: Line) -> bool:
    """A line that can open an article's text: a sentence, or a line of words (not a URL)."""
    return any(p in line.text for p in _CJK_PUNCTUATION) or (
        line.chars - line.link_chars >= _SHORT_LINE
        and _WORDS.search(line.text) is not None
        and _URL.search(line.text) is None
    )


def is_text_line(line: Line) -> bool:
    """A line of the article text rather than a link, widget or boilerplate line."""
    return (
        not line.boilerplate
        and line.link_chars * 2 <= line.chars
        and not _NOT_TEXT.match(line.text)
    )


def ends_text(line: Line) -> bool:
    """A heading of related lists, comments or page navigation."""
    return _END_OF_TEXT.match(line.text) is not None
