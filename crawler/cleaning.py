"""Text cleaning for exported articles: Unicode, whitespace, markup, boilerplate, site suffixes.

Cleaning never changes the publisher's words, numbers or punctuation width (NFC, not NFKC),
and every function here is idempotent: cleaning clean text returns it unchanged.
"""

from __future__ import annotations

import re
import unicodedata

from w3lib.html import replace_entities

from crawler.extraction.bylines import looks_like_byline
from crawler.text import SHORT_LINE, close_cjk_spaces, is_boilerplate_line, join_lines

_INVISIBLE = re.compile(
    "[\u200b-\u200d\u2060\ufeff"  # zero-width characters
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"  # control characters that are not whitespace
    "\ud800-\udfff]"  # lone surrogates, which cannot be encoded
)
_BLOCK_TAGS = (
    "address|article|blockquote|br|center|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header"
    "|hr|li|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul"
)
_INLINE_TAGS = (
    "a|abbr|b|big|cite|code|del|em|font|i|iframe|img|ins|label|mark|o:p|q|s|small|span|strike"
    "|strong|sub|sup|u"
)
_BLOCK_TAG = re.compile(rf"</?(?:{_BLOCK_TAGS})(?=[\s/>])[^<>]*>", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})(?=[\s/>])[^<>]*>", re.IGNORECASE)

_SITE_SUFFIX = re.compile(
    r"\s*[_|｜\-–—]+\s*"
    r"[^_|｜\-–—\s]{1,16}?"
    r"(?:(?<![联聯电電])[网網]|网站|網站|频道|頻道|财经|財經|新闻|新聞|在线|在線|客户端|客戶端"
    r"|(?:日|晚|早|时|時|商|证券|證券)[报報]|\.(?:com|cn|net|org))"
    r"\s*$",
    re.IGNORECASE,
)

_SOURCE_LABEL = re.compile(r"^[（(【\[]?\s*(?:来源|來源|稿源)\s*[:：]\s*")


def clean_text_line(text: str) -> str:
    """One line of text (title, source, byline): markup resolved, Unicode and whitespace
    normalized; a line break between two CJK characters vanishes, spaces stay."""
    return join_lines(_resolve_markup(text))


def clean_title(title: str) -> str:
    """A headline, normalized and without the site names appended to it."""
    return strip_site_suffix(clean_text_line(title))


def strip_site_suffix(title: str) -> str:
    """``title`` without trailing ``_中国金融网``, `` - 网易财经``, ``|财经频道``… parts."""
    while (suffix := _SITE_SUFFIX.search(title)) and title[: suffix.start()].strip():
        title = title[: suffix.start()]
    return title


def repeats_source(line: str, source: str | None) -> bool:
    """A short ``来源：<source>`` line naming ``source`` again."""
    label = _SOURCE_LABEL.match(line)
    return bool(
        source and label and len(line) < SHORT_LINE and line[label.end() :].startswith(source)
    )


def split_body(text: str, source: str | None = None) -> tuple[list[str], list[str]]:
    """The cleaned, non-empty paragraphs of a body: those kept, and the boilerplate removed.

    A paragraph that looks like a byline keeps its spaces (``记者 张三``).
    """
    kept: list[str] = []
    removed: list[str] = []
    for line in text.splitlines():
        paragraph = clean_text_line(line)
        if not looks_like_byline(paragraph):
            paragraph = close_cjk_spaces(paragraph)
        if paragraph:
            furniture = is_boilerplate_line(paragraph) or repeats_source(paragraph, source)
            (removed if furniture else kept).append(paragraph)
    return kept, removed


def _resolve_markup(text: str) -> str:
    """Text without tags, entities, invisible characters, in NFC, until none reappear."""
    while True:
        resolved = _INVISIBLE.sub("", text)
        resolved = _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", resolved))
        resolved = replace_entities(resolved, remove_illegal=False)
        resolved = unicodedata.normalize("NFC", resolved)
        if resolved == text:
            return resolved
        text = resolved
