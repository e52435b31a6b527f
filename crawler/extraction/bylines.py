"""Sources (来源) and bylines (作者) of news articles, and the authors a byline names."""

from __future__ import annotations

import re

from crawler.text import EDITOR_LABELS, collapse_whitespace

_SOURCE_LABEL = re.compile(
    r"(?:(?:来源|來源|摘自|出处|出處|稿源|(?<![A-Za-z])(?i:source))\s*[:：]"
    r"|(?:转自|轉自|本文来自|本文來自)\s*[:：]?)\s*"
)
_PLATFORM_WORDS = (
    r"(?:微信公众号|微信公眾號|公众号|公眾號|百家号|百家號|头条号|頭條號|企鹅号|企鵝號|搜狐号|搜狐號"
    r"|网易号|網易號|大鱼号|大魚號|一点号|澎湃号)"
)
"""The names of the platforms whose pages are published by an account (the source)."""
_SOURCE_QUOTES = re.compile(rf"^(?:{_PLATFORM_WORDS}\s*)?[“\"「《『]?\s*")
_SOURCE_END = re.compile(
    r"\s*(?=\d{4}\s*[-/.年]\s*\d)"
    r"|[”\"」》』。，,；;]|(?=举报|舉報|纠错|糾錯|打印|列印|收藏|分享|关注|關注|订阅|訂閱|字号|字號|评论|評論)"
    r"|\s+(?=\S{1,8}[:：/｜︱|]|作者|记者|記者|编辑|編輯|责编|責編|通讯员|通訊員)"
    rf"|(?:{EDITOR_LABELS}|作者|记者|記者|时间|時間|发布|發布|日期|浏览|阅读|点击)\s*[:：]"
    r"|[|｜\]］】)）]|\s{2,}|\u3000"
)
_OPENING_BRACKET = re.compile(r"^[\[［【(（]\s*")
_EDITOR_LINE = re.compile(rf"^[（(【\[]?\s*{EDITOR_LABELS}\s*[:：]")
_EDITOR_ANYWHERE = re.compile(rf"(?:^|[\s【\[（(])\s*{EDITOR_LABELS}\s*[:：]")
_EDITOR_TOKEN = re.compile(rf"^[（(【\[]?{EDITOR_LABELS}(?:[:：].*)?$")
_POSTER_LABELS = r"发表者|發表者|发帖人|發帖人|楼主|樓主|博主"
_BYLINE_LABEL = re.compile(
    rf"^\W*(?:作者|文|撰文|图文|圖文|文字|采写|採寫|记者|記者|通讯员|通訊員|{_POSTER_LABELS})"
    r"\s*(?:[:：/｜︱|]|\s)\s*(?=\S)"
)
_LABELLED_BYLINE = re.compile(
    rf"(?:作者|撰文|{_POSTER_LABELS}|(?<![\u4e00-\u9fff])文)\s*[:：/｜︱|]\s*\S.*?"
    r"(?=\s+\S{1,8}[:：]|\s+\d|[|｜]|$)"
)
_POSTED_BY = re.compile(
    r"^\W*(?P<name>[^\s:：]{2,20})\s+(?:发表于|發表於|发表时间|發表時間|posted)"
    r"|(?:发布时间|發布時間|发表于|發表於|发表时间|發表時間).*?\d\s+by\s+(?P<by>[^\s〓|｜]{2,20})",
    re.IGNORECASE,
)
_TRAILING_ROLE = re.compile(
    r"^(?:综合|綜合)?(?:整理|整合|编译|編譯|报道|報導|報道|翻译|翻譯)$|^(?:综合|綜合)$"
)
_OUTLET = re.compile(
    r"(?:科技|消息|财经|財經|新闻|新聞|周刊|週刊|杂志|雜誌|传媒|傳媒|媒体|媒體|资讯|資訊|快讯|快訊"
    r"|观察|觀察|集团|集團|公司|银行|銀行|证券|證券|基金|协会|協會|政府|在线|在線|频道|頻道)$"
)
_NAME_SEPARATORS = re.compile(r"[\s、，,;；/｜︱|]+")
_SENTENCE_PUNCTUATION = re.compile(r"[。！？；!?;…]")
_CLAUSE_PUNCTUATION = re.compile(r"[，。！？；!?;…]")
_ROLES = r"记者|記者|观察员|觀察員|评论员|評論員|分析师|分析師|撰稿人|研究员|研究員|通讯员|通訊員"
_ROLE_WORDS = re.compile(
    rf"{_ROLES}|编辑|編輯|撰稿|撰文|主编|主編|主笔|主筆|经济学家|經濟學家|整理|整合|编译|編譯|综合|綜合|"
    r"实习|實習|见习|見習|特约|特約|首席|网|網|报|報|社|台|中心|研究院"
)
_ROLE_THEN_NAME = re.compile(rf"^.*(?:{_ROLES})(?P<name>[\u4e00-\u9fff]{{2,3}})$")
_NAME = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}|[A-Za-z][A-Za-z'-]+)$"
)
_CREDIT = re.compile(
    rf"[（(]\s*(?P<credit>[^（）()]{{0,16}}?(?:{_ROLES}|作者)[^（）()]{{1,30}}?)\s*(?:[）)]|$)"
)
_BRACKETED_NAME = re.compile(r"[\[［【]\s*(?P<name>[\u4e00-\u9fff]{2,4})\s*[\]］】]")
_REPORTED_BY = re.compile(
    r"(?P<credit>(?:记者|記者)\s*[\u4e00-\u9fff]{2,4}(?:[、\s]+[\u4e00-\u9fff]{2,4})*)"
    r"\s*[／/]\s*[\u4e00-\u9fff]{0,8}(?:報導|报道|電|电)"
)
_DATELINE = re.compile(
    r"[（(〔]\s*[^（）()]{0,8}?(?P<role>记者|記者)\s*(?P<names>[\u4e00-\u9fff、]{4,20}?)"
    r"\s*\d{1,2}日[电電]"
)
_DATELINE_CITY = 2
_BREADCRUMB = re.compile(r"[>»›]|\s/\s.*\s/\s|[|｜].*[|｜]")
_NAME_ONLY = re.compile(r"^[（(]\s*(?P<name>[\u4e00-\u9fff]{2,4})\s*[）)]$")
_WRITTEN_BY = re.compile(rf"(?:(?:{_ROLES})\s*|^)(?P<name>[\u4e00-\u9fff]{{2,3}})\s*/\s*文")
_HANDLE = re.compile(
    r"(?P<name>[^\s()（）:：]{2,20})\s*[(（]\s*[A-Za-z][A-Za-z0-9_.-]{1,29}\s*[)）]"
)
_EDITOR_NAMES = re.compile(rf"{EDITOR_LABELS}\s*[:：]\s*(?P<names>[^】\]）)]*)")
_DECLARED_SEPARATORS = re.compile(r"\s*[,，、;；]\s*")
_SPACED_OUT_NAME = re.compile(r"[\u4e00-\u9fff](?:\s+[\u4e00-\u9fff])+")
_MAX_BYLINE_LENGTH = 40
_MAX_ACCOUNT_LENGTH = 20
_ACCOUNT_NOISE = re.compile(
    rf"{_PLATFORM_WORDS}|\d{{1,4}}\s*[-/.年月日:：]\s*\d{{1,2}}(?:\s*[-/.月日:：]\s*\d{{1,2}})*\s*[日]?"
    r"|(?:发布|發布|发表|發表)(?:时间|時間|于|於)?\s*[:：]?|[|｜·•]"
)


def find_source(line: str) -> str | None:
    """The source a ``来源：``/``摘自：``/``出处：`` label names in ``line``."""
    label = _SOURCE_LABEL.search(line)
    if label is None:
        return None
    rest = _SOURCE_QUOTES.sub("", _OPENING_BRACKET.sub("", line[label.end() :]))
    source = _SOURCE_END.split(rest, maxsplit=1)[0].strip()
    return source or None


def is_source_label(text: str) -> bool:
    """A line that is only a source label (``来源：``), its source on the next line."""
    label = _SOURCE_LABEL.fullmatch(collapse_whitespace(text))
    return label is not None


def platform_account(text: str) -> str | None:
    """The account a platform page's header line names: the line without its times and the
    platform's name (``财经观察 2019-09-23 14:34 百家号`` → ``财经观察``), when that is one
    short unpunctuated name."""
    rest = _ACCOUNT_NOISE.sub(" ", text).split()
    if len(rest) != 1 or _SENTENCE_PUNCTUATION.search(rest[0]) or _SOURCE_LABEL.search(rest[0]):
        return None
    return rest[0] if 2 <= len(rest[0]) <= _MAX_ACCOUNT_LENGTH else None


def names_platform(text: str) -> bool:
    """Text naming a publishing platform (百家号, 头条号, 企鹅号, 微信公众号, ...)."""
    return re.search(_PLATFORM_WORDS, text) is not None


def is_source_line(text: str) -> bool:
    """A short line that only states the source (``来源：新华社``)."""
    line = collapse_whitespace(text)
    return len(line) <= _MAX_BYLINE_LENGTH and _SOURCE_LABEL.match(line) is not None


def is_editor_line(text: str) -> bool:
    """A ``责任编辑：``/``编辑：`` line."""
    return _EDITOR_LINE.match(collapse_whitespace(text)) is not None


def mentions_editor(text: str) -> bool:
    """A short line naming an editor anywhere (``【纠错】【责任编辑:张三】``)."""
    line = collapse_whitespace(text)
    return len(line) <= _MAX_BYLINE_LENGTH and _EDITOR_ANYWHERE.search(line) is not None


def looks_like_byline(text: str) -> bool:
    """A short unpunctuated line with a byline label or a role, ending in a name."""
    line = collapse_whitespace(text)
    if (
        not line
        or len(line) > _MAX_BYLINE_LENGTH
        or _SENTENCE_PUNCTUATION.search(line)
        or _BREADCRUMB.search(line)
        or is_editor_line(line)
        or _SOURCE_LABEL.search(line)
    ):
        return False
    tokens = _author_tokens(line)
    if not tokens or _name_of(tokens[-1]) is None or any(":" in t or "：" in t for t in tokens):
        return False
    return _BYLINE_LABEL.match(line) is not None or any(_is_role(token) for token in tokens)


def find_byline(line: str) -> str | None:
    """The byline in a header line: the whole line, or its ``作者：...`` part."""
    if looks_like_byline(line):
        return collapse_whitespace(line)
    labelled = _LABELLED_BYLINE.search(line)
    if labelled and looks_like_byline(labelled.group()):
        return collapse_whitespace(labelled.group())
    return _reported_by(line)


def find_poster(line: str) -> str | None:
    """The poster a blog or forum post stamp names: ``张三 发表于 2005-9-15 11:46``,
    ``发布时间 2005/05/17 22:11:42 by 张三``."""
    posted = _POSTED_BY.search(collapse_whitespace(line))
    if posted is None:
        return None
    name = posted["name"] or posted["by"]
    return name if parse_authors(name) == [name] else None


def find_credit(text: str) -> str | None:
    """A byline inside a paragraph: ``（记者 张三）``, ``（記者張三台北21日電）``, ``记者张三/文``,
    ``〔記者張三／台北報導〕``, or a line ``（张三）``."""
    line = collapse_whitespace(text)
    dateline = _dateline_reporters(line)
    if dateline:
        return dateline
    for match in _CREDIT.finditer(line):
        credit = collapse_whitespace(match["credit"])
        if not _CLAUSE_PUNCTUATION.search(credit) and parse_authors(credit):
            return credit
    written = _WRITTEN_BY.search(line)
    if written:
        return written["name"]
    alone = _NAME_ONLY.match(line)
    return alone["name"] if alone else _reported_by(line)


def _reported_by(line: str) -> str | None:
    """The reporters of a ``記者林宸誼／台北報導`` credit, as ``記者林宸誼``."""
    reported = _REPORTED_BY.search(line)
    return collapse_whitespace(reported["credit"]) if reported else None


def _dateline_reporters(line: str) -> str | None:
    """The reporters of a ``（中央社記者溫貴香台北21日電）`` dateline, as ``記者 溫貴香``.

    The city is written right after the last name; it is taken to be two characters long,
    as most cities in datelines are, when that leaves a name of two or three.
    """
    dateline = _DATELINE.search(line)
    if dateline is None:
        return None
    *names, last = dateline["names"].split("、")
    if len(last) - _DATELINE_CITY in (2, 3):
        names.append(last[:-_DATELINE_CITY])
    if not names or not all(2 <= len(name) <= 3 for name in names):
        return None
    return f"{dateline['role']} {' '.join(names)}"


def find_bracketed_name(line: str) -> str | None:
    """A name shown alone in brackets on an info line (``2004年7月16日 [ 黄宇 ]``)."""
    for match in _BRACKETED_NAME.finditer(line):
        before = line[: match.start()].rstrip()
        if not before.endswith((":", "：")) and parse_authors(match["name"]):
            return match["name"]
    return None


def parse_authors(byline: str) -> list[str]:
    """The people a byline names, without labels, roles, organisations, editors or sources.

    A byline that is one user handle, a display name and the account in brackets
    (``史蒂文的家_藍天 (stevenhgm)``, as blog platforms name the blogger), is one person.
    """
    line = collapse_whitespace(byline)
    if is_editor_line(line) or _SOURCE_LABEL.match(line):
        return []
    unlabelled = _BYLINE_LABEL.sub("", line, count=1)
    handle = _HANDLE.fullmatch(unlabelled)
    if handle and not _is_role(handle["name"]):
        return [unlabelled]
    authors: list[str] = []
    for token in _author_tokens(line):
        name = _name_of(token)
        if name and name not in authors:
            authors.append(name)
    return authors


def declared_names(value: str) -> list[str]:
    """The people an author field of the page's metadata names (``<meta name=author>``,
    ``dc.creator``): items separated by commas, 、 or semicolons, each a name (one spaced out
    to a fixed width, ``赵  培``, closed up) or a user handle. Nothing when an item is no
    name: an organisation, a URL, an account number, a list of keywords."""
    names: list[str] = []
    for part in _DECLARED_SEPARATORS.split(collapse_whitespace(value)):
        item = "".join(part.split()) if _SPACED_OUT_NAME.fullmatch(part) else part
        if parse_authors(item) != [item]:
            return []
        if item not in names:
            names.append(item)
    return names


def editor_names(text: str) -> list[str]:
    """The names after the editor labels of a line: ``【责任编辑：严玉洁】``,
    ``（编辑：严玉洁 王辉）``."""
    return [
        name
        for match in _EDITOR_NAMES.finditer(collapse_whitespace(text))
        for name in _NAME_SEPARATORS.split(match["names"])
        if name
    ]


def _author_tokens(line: str) -> list[str]:
    """The byline's words after its label and before any editor or source."""
    unlabelled = _BYLINE_LABEL.sub("", line, count=1)
    tokens: list[str] = []
    for token in _NAME_SEPARATORS.split(unlabelled):
        if _EDITOR_TOKEN.match(token) or _SOURCE_LABEL.match(token):
            break
        if token:
            tokens.append(token)
    while tokens and _TRAILING_ROLE.match(tokens[-1]):
        tokens.pop()
    return tokens


def _is_role(token: str) -> bool:
    """A role or an organisation (``记者``, ``整理``, ``新华社``, ``新浪科技``), not a name."""
    return _ROLE_WORDS.search(token) is not None or _OUTLET.search(token) is not None


def _name_of(token: str) -> str | None:
    glued = _ROLE_THEN_NAME.match(token)
    if glued:
        return glued["name"]
    if _is_role(token):
        return None
    name = token.removesuffix("等") if len(token) > 2 else token
    return name if _NAME.match(name) else None
