"""Article fields of pages of any layout; also the fallback for every site profile field.

The page is read as visible lines (``layout``). The text is the run of lines worth the most
as prose (``content``); the headline is the visible line whose text agrees with what the page
declares (JSON-LD, og:title, h1, ``<title>`` without its site suffix). Source, byline and time
are read from the lines between the two (the header zone), so dates of related lists,
comments, sidebars and footers are never taken; bylines also from the opening and closing
paragraphs (``（记者 张三）``) and JSON-LD; when the page shows no byline, the author its
metadata declares (``<meta name=author>``) unless that is the site, an organisation or an
editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from lxml.etree import _Element

from crawler.extraction.bylines import (
    declared_names,
    editor_names,
    find_bracketed_name,
    find_byline,
    find_credit,
    find_poster,
    find_source,
    is_source_label,
    is_source_line,
    looks_like_byline,
    mentions_editor,
    names_platform,
    parse_authors,
    platform_account,
)
from crawler.extraction.content import (
    body_paragraphs,
    ends_text,
    is_text_line,
    starts_text,
    text_span,
)
from crawler.extraction.dates import (
    BEIJING,
    find_datetime,
    find_declared_datetime,
    find_month_day_time,
    find_relative_time,
    is_date_line,
    parse_datetime,
    served_time,
    url_day,
)
from crawler.extraction.layout import INLINE_TAGS, Line, read_lines
from crawler.extraction.page import Page, element_text
from crawler.extraction.related import list_item, related_entries
from crawler.text import COPYRIGHT, COPYRIGHT_SIGN, ICP_FILING, collapse_whitespace

_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜–—]|-|::|\s@\s)\s*")
_META_TITLES = '//meta[@property="og:title" or @name="twitter:title"]/@content'
_MAX_TITLE_LENGTH = 120
_PUBLISHED_NAMES = frozenset(
    {
        "article:published_time",
        "og:release_date",
        "pubdate",
        "publishdate",
        "publish-date",
        "publish_date",
        "publication_date",
        "dc.date.issued",
        "dc.date",
        "prism.publicationdate",
    }
)
_RELATED_HEADINGS = (
    "相关资讯",
    "相关新闻",
    "相关阅读",
    "延伸阅读",
    "推荐阅读",
    "相关文章",
    "相关报道",
    "相关推荐",
    "相关链接",
    "热点推荐",
    "相關資訊",
    "相關新聞",
    "相關閱讀",
    "延伸閱讀",
    "推薦閱讀",
    "相關文章",
    "相關報導",
    "相關推薦",
    "相關連結",
    "熱點推薦",
)
_RELATED_MAX_LINES = 60
_RELATED_TITLE_MIN_CHARS = 4
_BOX_TITLE = re.compile(r"^[^\d]{1,12}$")
_RELATED_HEADING_EXTRA_CHARACTERS = 4
_ZONE_END = re.compile(
    rf"^(?:{'|'.join(_RELATED_HEADINGS)}|上一篇|下一篇|网友评论|網友評論|热点新闻|熱點新聞"
    rf"|{COPYRIGHT_SIGN})",
    re.IGNORECASE,
)
_SOURCE_MARK = re.compile(r"(?:^|[\s_-])(?:source|ly|laiyuan|media-?name)(?:$|[\s_-])", re.I)
_ACCOUNT_MARK = re.compile(
    r"js_name|nickname|account|author-?name|media-?name|(?:^|[\s_-])(?:name|author)(?:$|[\s_-])",
    re.I,
)
_PLATFORM_HOSTS = (
    "mp.weixin.qq.com",
    "baijiahao.baidu.com",
    "mbd.baidu.com",
    "toutiao.com",
    "om.qq.com",
    "new.qq.com",
    "dy.163.com",
)
_POSTED = re.compile(
    r"(?:发布|發布|发表|發表|发帖|發帖)(?:时间|時間|日期|于|於)|\bposted\b", re.IGNORECASE
)
"""The label of the time a post or article was published (not updated)."""
_NOT_A_DATE_LINE = re.compile(rf"{COPYRIGHT_SIGN}|{COPYRIGHT}|{ICP_FILING}", re.IGNORECASE)
_HEADER_ZONE_LINES = 12
_LINES_ABOVE_HEADLINE = 2
_HEADER_LINE_LENGTH = 60
_BODY_HEAD_PARAGRAPHS = 3
_BODY_TAIL_PARAGRAPHS = 2
_CLOSING_LINES = 3
_HEADER_LINES_IN_TEXT = 2
_MODIFIED_NAMES = frozenset(
    {
        "og:updated_time",
        "article:modified_time",
        "datemodified",
        "dateupdate",
        "last-modified",
        "lastmod",
    }
)
_SHOWN_TIME_ZONE_GAP = timedelta(hours=14)
"""The widest gap between a declared time and the same instant shown in another zone."""
_SHOWN_TIME_GAP = timedelta(hours=48)
"""The widest gap at which the time shown under the headline beats the declared one."""
_META_AUTHOR_NAMES = frozenset({"author", "article:author", "dc.creator"})
_META_EDITOR_NAMES = frozenset({"editor", "责任编辑", "責任編輯"})


class GenericExtractor:
    """The article fields of one page, found without knowing the site."""

    def __init__(self, page: Page, served_at: datetime | None = None) -> None:
        self.page = page
        self._root: _Element = page.selector.root
        self._served_at = served_at

    def title(self) -> str | None:
        return self._headline[0]

    def source(self) -> str | None:
        """A labelled source (``来源：``) in the header zone, one marked as the source by its
        element, a platform page's account, else a source line opening or closing the text."""
        return next(filter(None, self._sources()), None)

    def _sources(self) -> Iterator[str | None]:
        yield from map(_linked_source, self._header_zone_lines)
        yield self._source_after_label
        yield self._marked_source
        yield self._account
        tail = self._body_paragraph_texts[-_BODY_TAIL_PARAGRAPHS:]
        for text in (*self._body_head, *tail):
            yield find_source(text) if is_source_line(text) else None

    @cached_property
    def _source_after_label(self) -> str | None:
        """The source on the line after a header line that is only a label (``来源：``)."""
        for label, text in pairwise(self._header_zone):
            if is_source_label(label) and (name := platform_account(text)):
                return name
        return None

    @cached_property
    def _marked_source(self) -> str | None:
        """The short text of a header element whose class or id marks it as the source."""
        return next(self._marked_texts(_SOURCE_MARK), None)

    @cached_property
    def _account(self) -> str | None:
        """On a platform page (WeChat, 百家号, 头条号, 企鹅号, ...), the account that
        published it: an element marked as the account name, or the header line naming it."""
        if not self._is_platform_page:
            return None
        marked = next(self._marked_texts(_ACCOUNT_MARK), None)
        if marked is not None:
            return marked
        return next(filter(None, map(platform_account, self._header_zone)), None)

    @cached_property
    def _is_platform_page(self) -> bool:
        host = urlsplit(self.page.url).hostname or ""
        return host.endswith(_PLATFORM_HOSTS) or any(map(names_platform, self._header_zone))

    def _marked_texts(self, mark: re.Pattern[str]) -> Iterator[str]:
        """Short texts of header zone elements (the line's block and its inline elements)
        whose class or id ``mark`` matches."""
        for line in self._header_zone_lines:
            for element in _inline_family(line.owner):
                marks = f"{element.get('class', '')} {element.get('id', '')}"
                if mark.search(marks) and (name := platform_account(element_text(element))):
                    yield name

    def byline(self) -> str | None:
        """The first byline candidate that names someone other than the page's account."""
        account = self._account
        return next(
            (
                byline
                for byline in self._bylines()
                if byline and (account is None or parse_authors(byline) != [account])
            ),
            None,
        )

    def _bylines(self) -> Iterator[str | None]:
        """Byline candidates, most trusted first: the header zone (bylines, then posters), the
        opening paragraphs, the author declared in JSON-LD, the first post stamp of the text,
        the closing lines of the text, then the author named in the page's meta tags."""
        yield from map(find_byline, self._header_zone)
        yield from map(find_poster, self._header_zone)
        yield from map(find_bracketed_name, filter(find_datetime, self._header_zone))
        for text in self._body_head:
            yield collapse_whitespace(text) if looks_like_byline(text) else find_credit(text)
        yield self._declared_author
        yield from map(find_poster, self._post_stamps[:1])
        for text in reversed(self._body_paragraph_texts[-_BODY_TAIL_PARAGRAPHS:]):
            yield collapse_whitespace(text) if looks_like_byline(text) else find_credit(text)
        yield self._meta_author

    @cached_property
    def _meta_author(self) -> str | None:
        """The first author meta tag (``author``, ``article:author``, ``dc.creator``) that
        names people, none of them the site or an editor of the page, joined by 、."""
        for content in self._meta_contents(_META_AUTHOR_NAMES):
            names = declared_names(content)
            if names and not any(map(self._is_site_or_editor, names)):
                return "、".join(names)
        return None

    def _meta_contents(self, names: frozenset[str]) -> list[str]:
        return [
            meta.get("content", "")
            for meta in self._root.iter("meta")
            if (meta.get("name") or meta.get("property") or "").lower() in names
        ]

    def _is_site_or_editor(self, name: str) -> bool:
        key = _squeeze(name)
        if key in {_squeeze(site) for site in self._site_names_and_suffix}:
            return True
        return any(editor in key or key in editor for editor in self._editors)

    @cached_property
    def _site_names_and_suffix(self) -> list[str]:
        page_title = collapse_whitespace(self.page.selector.xpath("//title/text()").get(""))
        return [*self._site_names, _site_suffix(page_title)]

    @cached_property
    def _editors(self) -> set[str]:
        """The editors the page names: on its lines (``责任编辑：...``) and in meta tags."""
        shown = [name for line in self._lines for name in editor_names(line.text)]
        declared = [
            name
            for content in self._meta_contents(_META_EDITOR_NAMES)
            for name in _squeeze(content).split("、")
        ]
        return {_squeeze(name) for name in (*shown, *declared) if len(_squeeze(name)) >= 2}

    @cached_property
    def _declared_author(self) -> str | None:
        """The people JSON-LD names as authors (organisations left out), joined by 、."""
        names = [
            name.strip()
            for item in self._json_ld
            for name in _person_names(item.get("author"))
            if parse_authors(name)
        ]
        return "、".join(dict.fromkeys(names)) or None

    def published_at(self) -> str | None:
        return self._published

    @cached_property
    def _published(self) -> str | None:
        """The time shown in the header zone (a posting time first) weighed against the
        declared one (JSON-LD, meta; see ``_weigh``); either alone; else the first post stamp
        of the text; else the day the URL path is dated with."""
        declared_texts = [*self._json_ld_strings("datePublished"), *self._meta_published]
        declared = next(filter(None, map(find_declared_datetime, declared_texts)), None)
        lines = sorted(self._date_lines, key=lambda line: _POSTED.search(line) is None)
        shown = [moment for moment in map(self._shown_time, lines) if moment]
        if declared is None and not shown:
            shown = list(filter(None, map(find_datetime, self._post_stamps)))
        if declared is not None:
            return _weigh(declared, shown, self._url_day) if shown else declared
        if shown:
            return shown[0]
        return self._url_day.isoformat() if self._url_day else None

    @cached_property
    def _url_day(self) -> date | None:
        return url_day(self.page.url)

    def _shown_time(self, line: str) -> str | None:
        """The time a header line shows: a full date, a month and day in the year of the
        page's timestamp (or URL), or a time relative to that timestamp."""
        found = find_datetime(line)
        if found is not None:
            return found
        stamp = self._page_timestamp
        reference = stamp.astimezone(BEIJING).date() if stamp else self._url_day
        if reference is not None and (found := find_month_day_time(line, reference)):
            return found
        return find_relative_time(line, stamp) if stamp else None

    @cached_property
    def _page_timestamp(self) -> datetime | None:
        """When the page says it was updated (JSON-LD, meta), else when it was served."""
        texts = [*self._json_ld_strings("dateModified"), *self._meta_contents(_MODIFIED_NAMES)]
        texts += [
            meta.get("content", "")
            for meta in self._root.iter("meta")
            if (meta.get("itemprop") or meta.get("http-equiv") or "").lower() in _MODIFIED_NAMES
        ]
        stamps = (served_time(text) for text in texts if text)
        return next(filter(None, stamps), self._served_at)

    @cached_property
    def _meta_published(self) -> list[str]:
        return [
            meta.get("content", "")
            for meta in self._root.iter("meta")
            if meta.get("itemprop") == "datePublished"
            or (meta.get("property") or meta.get("name") or "").lower() in _PUBLISHED_NAMES
        ]

    @cached_property
    def _date_lines(self) -> list[str]:
        """Header zone lines that may state the time, or else a date line just above the
        headline (as newspaper pages show the issue date)."""
        zone = [
            line
            for line in [*self._header_zone, *self._header_lines_in_text]
            if not _NOT_A_DATE_LINE.search(line)
        ]
        if any(map(self._shown_time, zone)) or self._headline[1] is None:
            return zone
        above = self._lines[max(0, self._headline[1] - _LINES_ABOVE_HEADLINE) :]
        return [
            line.text
            for line in above[:_LINES_ABOVE_HEADLINE]
            if is_text_line(line) and parse_datetime(line.text)
        ]

    def content(self) -> str:
        return "\n".join(body_paragraphs(self._body_paragraph_texts))

    def related(self) -> list[dict[str, str | None]]:
        """The links of the first block after a related news heading (相关新闻, 延伸阅读, ...)
        that has any, up to the next heading or box title."""
        lines = self._lines
        for index, line in enumerate(lines):
            if line.link_chars * 2 <= line.chars and _is_related_heading(line.text):
                items = [list_item(item.owner) for item in self._related_lines(index + 1)]
                if items:
                    return related_entries(list(dict.fromkeys(items)), self.page, self._day)
        return []

    def _related_lines(self, start: int) -> list[Line]:
        """The lines with links from ``start`` until a heading, a box title or a zone end."""
        found: list[Line] = []
        for line in self._lines[start : start + _RELATED_MAX_LINES]:
            if line.link_chars:
                if len(line.text) >= _RELATED_TITLE_MIN_CHARS:
                    found.append(line)
                continue
            if line.heading or _ZONE_END.match(line.text) or _is_box_title(line.text):
                break
        return found

    @cached_property
    def _day(self) -> date | None:
        """The article's day, against which related times without a year are read."""
        published = self._published
        return date.fromisoformat(published[:10]) if published else self._url_day

    # -- headline ------------------------------------------------------------------------

    @cached_property
    def _headline(self) -> tuple[str | None, int | None]:
        """The title and the index of the visible line showing it, chosen by agreement.

        Candidates are the declared headlines (JSON-LD, og:title), the h1 texts and the
        ``<title>``, each with and without its site suffix; each source naming a candidate is
        a vote, the site's own name two votes against. Only candidates shown on a line that is
        not a link or boilerplate are taken; among equal votes a heading beats other lines,
        then the longer candidate.
        """
        selector = self.page.selector
        meta_titles = selector.xpath(_META_TITLES).getall()
        declared_titles = [*self._json_ld_strings("headline"), *meta_titles]
        declared = [
            {_squeeze(prefix) for prefix in _title_prefixes(collapse_whitespace(title))}
            for title in declared_titles
        ]
        lines = self._lines
        h1_texts = {_squeeze(line.text) for line in lines if line.owner.tag == "h1"}
        page_title = collapse_whitespace(selector.xpath("//title/text()").get(""))
        prefixes = {_squeeze(prefix) for prefix in _title_prefixes(page_title)}
        site_names = {_squeeze(name) for name in (_site_suffix(page_title), *self._site_names)}
        site_names.discard("")
        shown = self._shown_lines

        def rank(key: str) -> tuple[int, bool, int]:
            votes = sum(key in forms for forms in declared) + (key in h1_texts) + (key in prefixes)
            heading = any(lines[index].heading for index in shown[key])
            return votes - 2 * (key in site_names), heading, len(key)

        every_form = [form for forms in declared for form in forms]
        candidates = [key for key in dict.fromkeys([*every_form, *h1_texts, *prefixes]) if key]
        visible = [key for key in candidates if key in shown]
        if visible:
            key = max(visible, key=rank)
            index = self._nearest_before_text(shown[key])
            return lines[index].text, index
        h1_lines = [line.text for line in lines if line.owner.tag == "h1"]
        unshown = [*declared_titles, *h1_lines]
        fallback = [*unshown, _without_site_suffix(page_title)]
        return next(filter(None, map(collapse_whitespace, fallback)), None), None

    @cached_property
    def _shown_lines(self) -> dict[str, list[int]]:
        """Indexes of the headings and other text lines (not links), by squeezed text."""
        shown: dict[str, list[int]] = {}
        for index, line in enumerate(self._lines):
            if line.chars <= _MAX_TITLE_LENGTH and (is_text_line(line) or line.heading):
                shown.setdefault(_squeeze(line.text), []).append(index)
        return shown

    def _nearest_before_text(self, indexes: list[int]) -> int:
        """Of some line indexes, the last one before the article text starts (else the first)."""
        start = self._text_span[0]
        before = [index for index in indexes if index < start]
        return before[-1] if before else indexes[0]

    @cached_property
    def _site_names(self) -> list[str]:
        return self.page.selector.xpath('//meta[@property="og:site_name"]/@content').getall()

    # -- body and header zone -------------------------------------------------------------

    @cached_property
    def _lines(self) -> list[Line]:
        return read_lines(self._root)

    @cached_property
    def _text_span(self) -> tuple[int, int]:
        return text_span(self._lines)

    @cached_property
    def _body_indexes(self) -> list[int]:
        """Indexes of the lines of the article text, header lines and trailers left out."""
        start, end = self._text_span
        headline = self._headline[1]
        if headline is not None and start <= headline < end:
            start = headline + 1
        lines = self._lines
        indexes: list[int] = []
        for index in range(start, end):
            line = lines[index]
            if indexes and ends_text(line):
                return indexes
            if not is_text_line(line) or mentions_editor(line.text):
                continue
            if not indexes and not starts_text(line):
                continue
            if len(indexes) < _HEADER_LINES_IN_TEXT and self._is_header_line(line.text):
                continue
            indexes.append(index)
        return indexes + self._closing_lines(indexes[-1]) if indexes else []

    def _closing_lines(self, last: int) -> list[int]:
        """Short lines right after the text, beside its last paragraph (a byline, a date)."""
        lines = self._lines
        parent = lines[last].owner.getparent()
        closing: list[int] = []
        for index in range(last + 1, min(last + 1 + _CLOSING_LINES, len(lines))):
            line = lines[index]
            if line.owner.getparent() is not parent or not is_text_line(line) or ends_text(line):
                break
            if not mentions_editor(line.text):
                closing.append(index)
        return closing

    def _is_header_line(self, text: str) -> bool:
        """A line that belongs above the text: headline, time, source, byline or label."""
        return (
            text == self._headline[0]
            or is_source_line(text)
            or looks_like_byline(text)
            or (len(text) <= _HEADER_LINE_LENGTH and (is_date_line(text) or find_datetime(text)))
        )

    @cached_property
    def _body_paragraph_texts(self) -> list[str]:
        return [self._lines[index].text for index in self._body_indexes]

    @cached_property
    def _body_head(self) -> list[str]:
        """The first body paragraphs, where bylines and source lines may stand."""
        return self._body_paragraph_texts[:_BODY_HEAD_PARAGRAPHS]

    @cached_property
    def _header_zone(self) -> list[str]:
        return [line.text for line in self._header_zone_lines]

    @cached_property
    def _header_zone_lines(self) -> list[Line]:
        """Lines from the headline to the first body line (those before it, no headline)."""
        lines = self._lines
        body_start = self._body_indexes[0] if self._body_indexes else len(lines)
        headline = self._headline[1]
        if headline is None or headline >= body_start:
            start = max(0, body_start - _HEADER_ZONE_LINES)
        else:
            start = headline + 1
        zone = lines[start:body_start]
        end = next((i for i, line in enumerate(zone) if _ZONE_END.match(line.text)), len(zone))
        return zone[:end][:_HEADER_ZONE_LINES]

    @cached_property
    def _post_stamps(self) -> list[str]:
        """Short lines of the text with a posting label and a time, as blogs and forums stamp
        each post (``发布时间 2005/05/17 22:11:42 by 某人``), up to a related list or comments
        heading."""
        start, end = self._text_span
        stamps: list[str] = []
        for line in self._lines[start:end]:
            if _ZONE_END.match(line.text):
                break
            text = line.text
            if not line.boilerplate and len(text) <= _HEADER_LINE_LENGTH and _POSTED.search(text):
                stamps.append(text)
        return stamps

    @cached_property
    def _header_lines_in_text(self) -> list[str]:
        """Short lines between the first body paragraphs that are not text (a time under a
        summary paragraph), up to a related list or comments heading."""
        head = self._body_indexes[:_BODY_HEAD_PARAGRAPHS]
        if len(head) < 2:
            return []
        found: list[str] = []
        for index in range(head[0] + 1, head[-1]):
            text = self._lines[index].text
            if _ZONE_END.match(text):
                break
            if len(text) <= _HEADER_LINE_LENGTH and index not in head:
                found.append(text)
        return found

    # -- structured data -------------------------------------------------------------------

    @cached_property
    def _json_ld(self) -> list[dict[str, Any]]:
        objects: list[dict[str, Any]] = []
        for raw in self._root.xpath('//script[@type="application/ld+json"]/text()'):
            try:
                objects.extend(_json_objects(json.loads(raw)))
            except ValueError:
                continue
        return objects

    def _json_ld_strings(self, key: str) -> list[str]:
        return [value for item in self._json_ld if isinstance(value := item.get(key), str)]


def _weigh(declared: str, shown: list[str], dated: date | None) -> str:
    """The publication time from a declared time and the times shown in the header zone.

    A declared day is made finer by a time shown on it. A declared time gives way to the
    first shown time of day (the declared one is often an update time) unless that is the
    same instant, the declared clock in another zone (same minute, hours apart), or days
    away and not on the day the URL is dated with.
    """
    if "T" not in declared:
        return next((moment for moment in shown if moment.startswith(declared)), declared)
    timed = next((moment for moment in shown if "T" in moment), None)
    if timed is None:
        return declared
    meta, seen = datetime.fromisoformat(declared), datetime.fromisoformat(timed)
    gap = abs(seen - meta)
    in_another_zone = meta.utcoffset() != seen.utcoffset() and meta.minute == seen.minute
    if gap == timedelta(0) or (in_another_zone and gap <= _SHOWN_TIME_ZONE_GAP):
        return declared
    if gap <= _SHOWN_TIME_GAP or (dated == seen.date() != meta.astimezone(BEIJING).date()):
        return timed
    return declared


def _squeeze(text: str) -> str:
    """Text without any whitespace, for comparing titles."""
    return "".join(text.split())


def _title_prefixes(page_title: str) -> list[str]:
    """The ``<title>``, its parts before each separator (longest first) and the title
    without its last space-separated word."""
    prefixes = [page_title[: m.start()] for m in _TITLE_SEPARATOR.finditer(page_title)]
    unspaced = page_title.rsplit(" ", 1)[0]
    return [text for text in dict.fromkeys([page_title, *reversed(prefixes), unspaced]) if text]


def _site_suffix(page_title: str) -> str:
    parts = [part for part in _TITLE_SEPARATOR.split(page_title) if part.strip()]
    return parts[-1] if len(parts) > 1 else ""


def _without_site_suffix(page_title: str) -> str:
    prefixes = _title_prefixes(page_title)
    return prefixes[1] if len(prefixes) > 1 else page_title


def _is_related_heading(line: str) -> bool:
    return line.startswith(_RELATED_HEADINGS) and (
        len(line) <= len(_RELATED_HEADINGS[0]) + _RELATED_HEADING_EXTRA_CHARACTERS
    )


def _inline_family(block: _Element) -> Iterator[_Element]:
    """A block and the inline elements of its text, down to the grandchildren."""
    yield block
    for child in block:
        if child.tag in INLINE_TAGS:
            yield child
            yield from (grandchild for grandchild in child if grandchild.tag in INLINE_TAGS)


def _linked_source(line: Line) -> str | None:
    """The source a header line names, cut to the text of the link it starts with when
    another element's text follows on the line (``来源：<a>outlet</a><a>site</a>``)."""
    source = find_source(line.text)
    if source is None:
        return None
    for link in line.owner.iter("a"):
        text = collapse_whitespace(element_text(link))
        if text and source.startswith(text) and len(source) > len(text):
            return text
    return source


def _is_box_title(text: str) -> bool:
    """A short line without digits or sentence punctuation: the title of another box."""
    return _BOX_TITLE.match(text) is not None and not any(p in text for p in "，。！？,!?")


def _person_names(author: Any) -> Iterator[str]:
    """Names of a JSON-LD ``author`` value: strings and persons, not organisations."""
    if isinstance(author, str):
        yield author
    for item in _json_objects(author):
        if item.get("@type", "Person") == "Person" and isinstance(item.get("name"), str):
            yield item["name"]


def _json_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _json_objects(data.get("@graph", []))
