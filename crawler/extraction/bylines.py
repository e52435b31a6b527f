"""Sources (来源) and bylines (作者) of news articles, and the authors a byline names."""

from __future__ import annotations

import re

from crawler.extraction.text import clean_line

_SOURCE_LABEL = re.compile(r"(?:来源|摘自|出处|稿源)\s*[:：]\s*")
_SOURCE_END = re.compile(
    r"\s*(?=\d{4}\s*[-/.年]\s*\d)"
    r"|\s+(?=\S{1,8}[:：/｜|]|作者|记者|编辑|责编|通讯员)"
    r"|(?:责任编辑|编辑|作者|记者|时间|发布|日期|浏览|阅读|点击)\s*[:：]"
    r"|[|｜]|\s{2,}|\u3000"
)
_EDITOR_LINE = re.compile(r"^[（(【\[]?\s*(?:责任编辑|编辑|责编|审核|校对|编审|值班编辑)\s*[:：]")
_EDITOR_TOKEN = re.compile(r"^(?:责任编辑|编辑|责编|审核|校对|编审|值班编辑)(?:[:：].*)?$")
_BYLINE_LABEL = re.compile(
    r"^(?:作者|文|撰文|图文|文字|采写|记者|通讯员)\s*(?:[:：/｜|]|\s)\s*(?=\S)"
)
_LABELLED_BYLINE = re.compile(
    r"(?:作者|撰文|(?<![\u4e00-\u9fff])文)\s*[:：/｜|]\s*\S.*?(?=\s+\S{1,8}[:：]|[|｜]|$)"
)
_NAME_SEPARATORS = re.compile(r"[\s、，,;；/｜|]+")
_SENTENCE_PUNCTUATION = re.compile(r"[。！？；!?;…]")
_ROLE_WORDS = re.compile(
    r"记者|观察员|评论员|编辑|分析师|撰稿|撰文|研究员|通讯员|主编|主笔|经济学家|"
    r"实习|见习|特约|首席|网|报|社|台|中心|研究院"
)
_ROLE_THEN_NAME = re.compile(
    r"^.+(?:记者|观察员|评论员|分析师|撰稿人|研究员|通讯员)(?P<name>[\u4e00-\u9fff]{2,3})$"
)
_NAME = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}|[A-Za-z][\w.'-]*)$"
)
_MAX_BYLINE_LENGTH = 40


def find_source(line: str) -> str | None:
    """The source a ``来源：``/``摘自：``/``出处：`` label names in ``line``."""
    label = _SOURCE_LABEL.search(line)
    if label is None:
        return None
    source = _SOURCE_END.split(line[label.end() :], maxsplit=1)[0].strip()
    return source or None


def is_source_line(text: str) -> bool:
    """A short line that only states the source (``来源：新华社``)."""
    line = clean_line(text)
    return len(line) <= _MAX_BYLINE_LENGTH and _SOURCE_LABEL.match(line) is not None


def is_editor_line(text: str) -> bool:
    """A ``责任编辑：``/``编辑：`` line."""
    return _EDITOR_LINE.match(clean_line(text)) is not None


def looks_like_byline(text: str) -> bool:
    """A short unpunctuated line with a byline label or a role, ending in a name."""
    line = clean_line(text)
    if (
        not line
        or len(line) > _MAX_BYLINE_LENGTH
        or _SENTENCE_PUNCTUATION.search(line)
        or is_editor_line(line)
        or _SOURCE_LABEL.search(line)
    ):
        return False
    tokens = _author_tokens(line)
    if not tokens or _name_of(tokens[-1]) is None:
        return False
    return _BYLINE_LABEL.match(line) is not None or any(_is_role(token) for token in tokens)


def find_byline(line: str) -> str | None:
    """The byline in a header line: the whole line, or its ``作者：...`` part."""
    if looks_like_byline(line):
        return clean_line(line)
    labelled = _LABELLED_BYLINE.search(line)
    if labelled and looks_like_byline(labelled.group()):
        return clean_line(labelled.group())
    return None


def parse_authors(byline: str) -> list[str]:
    """The people a byline names, without labels, roles, organisations, editors or sources."""
    line = clean_line(byline)
    if is_editor_line(line) or _SOURCE_LABEL.match(line):
        return []
    authors: list[str] = []
    for token in _author_tokens(line):
        name = _name_of(token)
        if name and name not in authors:
            authors.append(name)
    return authors


def _author_tokens(line: str) -> list[str]:
    """The byline's words after its label and before any editor or source."""
    unlabelled = _BYLINE_LABEL.sub("", line, count=1)
    tokens: list[str] = []
    for token in _NAME_SEPARATORS.split(unlabelled):
        if _EDITOR_TOKEN.match(token) or _SOURCE_LABEL.match(token):
            break
        if token:
            tokens.append(token)
    return tokens


def _is_role(token: str) -> bool:
    return _ROLE_WORDS.search(token) is not None


def _name_of(token: str) -> str | None:
    glued = _ROLE_THEN_NAME.match(token)
    if glued:
        return glued["name"]
    if _is_role(token):
        return None
    name = token.removesuffix("等") if len(token) > 2 else token
    return name if _NAME.match(name) else None
