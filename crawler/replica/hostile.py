"""Hostile routes of the replica: pages and HTTP behaviour that a robust crawl has to survive.

A site made with ``hostile=True`` links two more lists from its financeun navigation. 专题
(``/articleList/zhuanti_1.shtml``) links one page per case of ``CATALOGUE`` under
``/newsDetail/h/`` and paginates without end (``?page=N`` serves the same items again); 日历
(``/articleList/rili_1.shtml``) is a calendar of a link to every day of 100 years, followed by
empty archive pages without end. Each case stands for one requirement class (1..13) and says
what a correct crawl makes of it: an exported article with its expected fields, or no item
and why. ``truth`` tells it from the catalogue alone; ``HostileRoutes`` answers the requests
and records every hit.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cache
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.replica import pages
from crawler.replica.model import ArticleText, Reply
from crawler.replica.site import (
    FINANCEUN,
    HOSTILE_LISTS,
    ReplicaSite,
    beijing_iso,
    cn_minute,
    corpus,
    draw_byline,
    fill_template,
    generated_paragraphs,
)

EXPORTED = "exported"
REFUSED = "refused"
DROPPED = "dropped"
FAILED = "failed"
STOPPED = "stopped"

CASE_PREFIX = "/newsDetail/h/"
ZHUANTI = "zhuanti"
RILI = "rili"
ZHUANTI_PATH = f"/articleList/{ZHUANTI}_1.shtml"
RILI_PATH = f"/articleList/{RILI}_1.shtml"
CALENDAR_PREFIX = "/calendar/"
TRUTH_PATH = "/_hostile.jsonl"
HITS_PATH = "/_hostile/hits.json"
COUNTED_PREFIXES = (CASE_PREFIX, f"/articleList/{ZHUANTI}", f"/articleList/{RILI}", CALENDAR_PREFIX)
"""Requests under these paths are recorded in the hits."""

CALENDAR_FIRST_DAY = date(1926, 1, 1)
CALENDAR_LAST_DAY = date(2025, 12, 31)
HUGE_SIZE = 20 * 2**20
BOMB_ZEROS = 512 * 2**20
TRUNCATED_SHARE = 10
"""The truncated case sends one part in this many of the page it promises."""

_HTML = "text/html; charset=utf-8"
_BEIJING = timezone(timedelta(hours=8))
_UNDATED = datetime(2025, 3, 1, 9, 0)
_RILI_PAGE = re.compile(rf"^/articleList/{RILI}_(?P<page>\d+)\.shtml$")
_UP_DOWN = "<p>上一篇：没有了</p><p>下一篇：没有了</p>"
_CHUNK = 64 * 2**10


def case_path(name: str) -> str:
    return f"{CASE_PREFIX}{name}.shtml"


def bare_path(path: str) -> str:
    """A path without its query and ``;params``."""
    return urlsplit(path).path.split(";", 1)[0]


@dataclass(frozen=True)
class HostileCase:
    """One hostile case: the requirement class it tests, the path it is linked under (query
    included; None: linked nowhere), and what a correct crawl makes of it: ``outcome`` and
    ``reason``, whether it takes a retry and what ``Retry-After`` asks for. Exported
    articles carry ``published`` (None: no time the crawl may take), the paths their
    相关资讯 link, and ``final_path`` when they end up elsewhere than ``path``."""

    name: str
    requirement: int
    path: str | None
    outcome: str
    reason: str | None = None
    retried: bool = False
    retry_after: int | None = None
    published: datetime | None = None
    related: tuple[str, ...] = ()
    final_path: str | None = None

    @property
    def listed(self) -> bool:
        """Whether 专题 links it: the cases served under ``/newsDetail/h/``."""
        return self.path is not None and self.path.startswith(CASE_PREFIX)

    @property
    def has_article(self) -> bool:
        """Whether a crawl exports it as an article with expected fields."""
        return self.listed and self.outcome == EXPORTED


def _exported(
    name: str, requirement: int, published: datetime | None, **fields: Any
) -> HostileCase:
    return HostileCase(name, requirement, case_path(name), EXPORTED, published=published, **fields)


def _no_item(name: str, requirement: int, outcome: str, reason: str) -> HostileCase:
    return HostileCase(name, requirement, case_path(name), outcome, reason)


CATALOGUE: tuple[HostileCase, ...] = (
    _exported("malformed", 1, datetime(2025, 3, 3, 8, 12)),
    _exported("gbk-undeclared", 2, datetime(2025, 3, 3, 9, 40)),
    _exported("gb2312-declared-utf8-sent", 2, datetime(2025, 3, 3, 11, 5)),
    _exported("header-gbk-meta-utf8", 2, datetime(2025, 3, 3, 14, 27)),
    _exported("no-date", 4, None),
    _exported("garbage-date", 4, None),
    _exported("future-date", 4, None),
    _exported("archive-1998", 4, datetime(1998, 6, 15, 9, 30)),
    _exported("flaky-500", 5, datetime(2025, 3, 4, 7, 51), retried=True),
    _exported("busy-503", 5, datetime(2025, 3, 4, 10, 18), retried=True, retry_after=3),
    _exported("throttled-429", 5, datetime(2025, 3, 4, 13, 2), retried=True, retry_after=2),
    _exported("moved", 6, datetime(2025, 3, 4, 16, 45), final_path=case_path("relocated")),
    _exported("slow-once", 10, datetime(2025, 3, 5, 8, 33), retried=True),
    _exported("scripted", 11, datetime(2025, 3, 5, 10, 9)),
    _exported(
        "cycle-a",
        12,
        datetime(2025, 3, 5, 15, 20),
        related=(
            case_path("cycle-b"),
            case_path("cycle-a"),
            case_path("tracked") + "?spm=a2c4g.11186623&from=singlemessage",
        ),
    ),
    _exported(
        "cycle-b",
        12,
        datetime(2025, 3, 5, 17, 56),
        related=(
            case_path("cycle-a"),
            case_path("cycle-b"),
            case_path("tracked") + "?from=timeline&isappinstalled=0",
        ),
    ),
    HostileCase(
        "tracked",
        12,
        case_path("tracked") + "?utm_source=wechat&utm_medium=social",
        EXPORTED,
        published=datetime(2025, 3, 6, 9, 14),
    ),
    _exported("session", 9, datetime(2025, 3, 6, 11, 38)),
    _no_item("empty", 3, REFUSED, "empty"),
    _no_item("deleted", 3, DROPPED, "content"),
    _no_item("login-wall", 3, DROPPED, "content"),
    _no_item("gone-home", 3, REFUSED, "soft_404"),
    _no_item("not-found", 5, FAILED, "http_404"),
    _no_item("removed", 5, FAILED, "http_410"),
    _no_item("loop-a", 6, REFUSED, "redirect_loop"),
    _no_item("offsite", 6, REFUSED, "offsite"),
    _no_item("huge", 7, FAILED, "too_large"),
    _no_item("huge-stream", 7, FAILED, "too_large"),
    _no_item("gzip-bomb", 7, FAILED, "too_large"),
    _no_item("report", 8, REFUSED, "not_html"),
    _no_item("photo", 8, REFUSED, "not_html"),
    _no_item("pdf-as-html", 8, REFUSED, "not_html"),
    _no_item("slow", 10, FAILED, "timeout"),
    _no_item("truncated", 10, FAILED, "data_loss"),
    HostileCase("endless-pagination", 9, f"{ZHUANTI_PATH}?page=2", STOPPED, "repeated_page"),
    HostileCase("calendar", 9, RILI_PATH, STOPPED, "empty_page"),
    HostileCase("pinned", 13, None, EXPORTED, "pinned"),
)
"""Every hostile case, in the order 专题 lists them."""

BY_NAME: dict[str, HostileCase] = {case.name: case for case in CATALOGUE}
_BY_PATH: dict[str, HostileCase] = {bare_path(c.path): c for c in CATALOGUE if c.listed}


# -- truth ----------------------------------------------------------------------------------


def truth(base_url: str) -> list[dict]:
    """One line per case: what a correct crawl makes of it (``/_hostile.jsonl``)."""
    base = base_url.rstrip("/")
    return [
        {
            "case": case.name,
            "class": case.requirement,
            "url": None if case.path is None else base + case.path,
            "outcome": case.outcome,
            "reason": case.reason,
            "retried": case.retried,
            "retry_after": case.retry_after,
            "expected": expected(case, base) if case.has_article else None,
        }
        for case in CATALOGUE
    ]


def expected(case: HostileCase, base: str) -> dict:
    """The fields a crawl exports for an article case, found on 专题's first page."""
    title, text = written(case.name)
    assert case.path is not None
    return {
        "url": base + (case.final_path or bare_path(case.path)),
        "title": title,
        "source": text.source,
        "authors": text.authors,
        "published_at": None if case.published is None else beijing_iso(case.published),
        "content": "\n".join(text.paragraphs),
        "related": [
            {
                "title": written(target.name)[0],
                "url": base + path,
                "published_at": beijing_iso(_shown_time(target)),
            }
            for path, target in _related(case)
        ],
        "depth": 0,
        "found_via": base + ZHUANTI_PATH,
    }


@cache
def written(name: str) -> tuple[str, ArticleText]:
    """A case's title and text, from a random stream of its own (titles from templates with
    blanks to fill: the others recur word for word across articles)."""
    rng = random.Random(f"hostile/{name}")
    words = corpus()
    templates = [template for template in words["title_templates"] if "{" in template]
    title = fill_template(rng.choice(templates), rng)
    source = "中国金融网" if rng.random() < 0.7 else rng.choice(words["sources"])
    byline, authors = draw_byline(FINANCEUN, rng)
    paragraphs = generated_paragraphs(rng, rng.randint(4, 8))
    return title, ArticleText(source, byline, authors, paragraphs, rng.choice(words["editors"]))


def _related(case: HostileCase) -> list[tuple[str, HostileCase]]:
    return [(path, _BY_PATH[bare_path(path)]) for path in case.related]


def _shown_time(case: HostileCase) -> datetime:
    """The time a case's page and links carry about it (a fixed one when it has none)."""
    return case.published or _UNDATED


# -- pages ----------------------------------------------------------------------------------


def _paragraph(text: str) -> str:
    return f"<p>\u3000\u3000{escape(text)}</p>"


def _content(text: ArticleText, paragraphs: list[str]) -> str:
    """``.news_content``: the byline, the paragraphs (HTML), the editor line."""
    byline = [f"<p>{escape(text.byline)}</p>"] if text.byline else []
    editor = f'<p class="editor">责任编辑：{escape(text.editor)}</p>'
    return "\n".join([*byline, *paragraphs, editor])


def _plain_content(text: ArticleText) -> str:
    return _content(text, [_paragraph(p) for p in text.paragraphs])


def _malformed_content(text: ArticleText) -> str:
    """Unclosed ``<p>``s, a ``<div>`` left open (in a table cell), a nested ``<html><body>``
    and a stray ``</body></html>`` between two paragraphs."""
    first, second, third, *rest = (f"\u3000\u3000{escape(p)}" for p in text.paragraphs)
    byline = [f"<p>{escape(text.byline)}"] if text.byline else []
    lines = [
        *byline,
        f"<p>{first}",
        f'<table class="pic"><tr><td><div class="zoom"><p>{second}</p></td></tr></table>',
        f"<html><body><p>{third}</p>",
        "</body></html>",
        *(f"<p>{paragraph}" for paragraph in rest),
        f'<p class="editor">责任编辑：{escape(text.editor)}',
    ]
    return "\n".join(lines)


def _scripted_content(text: ArticleText) -> str:
    """Paragraphs among scripts that write decoy paragraphs and call a beacon, and comments
    holding an older draft."""
    rng = random.Random("hostile/scripted/decoys")
    decoy, later_decoy, old = (escape(p) for p in generated_paragraphs(rng, 3))
    paragraphs = [_paragraph(p) for p in text.paragraphs]
    paragraphs.insert(1, f"<script>document.write('<p>\u3000\u3000{decoy}</p>');</script>")
    paragraphs.insert(3, f"<!-- <p>\u3000\u3000旧稿：{old}</p> -->")
    paragraphs.insert(
        5,
        f"<script>document.write('<p>\u3000\u3000{later_decoy}</p>');"
        f"fetch('{case_path('beacon')}').catch(function () {{}});</script>",
    )
    return _content(text, paragraphs)


def _scripted_head(case: HostileCase) -> str:
    """A JSON-LD block dating the article 3 hours before its visible time."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": written(case.name)[0],
        "datePublished": beijing_iso(_shown_time(case) - timedelta(hours=3)),
    }
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>\n'


def _dateline(case: HostileCase) -> str:
    """The time a case's 来源 line shows (empty: none)."""
    if case.name == "no-date":
        return ""
    if case.name == "garbage-date":
        return "2025年13月45日 25时61分"
    if case.name == "future-date":
        now = datetime.now(_BEIJING).replace(tzinfo=None, second=0, microsecond=0)
        return cn_minute(now + timedelta(days=400))
    return cn_minute(_shown_time(case))


def article_document(
    site: ReplicaSite,
    case: HostileCase,
    content: str,
    *,
    title: str | None = None,
    info: str | None = None,
    head: str = "",
    charset: str | None = "utf-8",
) -> str:
    """A case's page in financeun article markup with ``content`` in ``.news_content``;
    ``title`` and ``info`` (its 来源 line, empty: none) default to the case's own."""
    own_title, text = written(case.name)
    if info is None:
        info = f"来源:{text.source} {_dateline(case)}".rstrip()
    headline = f'<div class="news">\n<div class="news_title">{escape(title or own_title)}</div>'
    if info:
        headline += f'\n<div class="copyright">{escape(info)}</div>'
    related = "".join(
        pages.financeun_related_item(path, written(target.name)[0], _shown_time(target))
        for path, target in _related(case)
    )
    rng = random.Random(f"hostile/{case.name}/chrome")
    comments = pages.comments_html(_shown_time(case), rng)
    body = pages.financeun_article_body(
        site,
        crumbs=f'<a href="{ZHUANTI_PATH}">{HOSTILE_LISTS[ZHUANTI]}</a>',
        headline=headline,
        content=content,
        up_down=_UP_DOWN,
        related=related,
        comments=comments,
        hot=pages.hot_news(site, None, rng),
    )
    return pages.document(f"{title or own_title}_中国金融网", head, body, charset)


def article_page(site: ReplicaSite, name: str) -> tuple[str, bytes]:
    """Content type and bytes of an article case's page as served when it serves one."""
    case = BY_NAME[name]
    text = written(name)[1]
    if name == "malformed":
        return _HTML, article_document(site, case, _malformed_content(text)).encode()
    if name == "scripted":
        page = article_document(site, case, _scripted_content(text), head=_scripted_head(case))
        return _HTML, page.encode()
    if name == "deleted":
        page = article_document(
            site, case, "<p>您访问的文章不存在或已被删除。</p>", title="文章不存在", info=""
        )
        return _HTML, page.encode()
    if name == "login-wall":
        teaser = _paragraph(text.paragraphs[0][:36] + "……")
        wall = '<div class="read_more"><a href="/login.shtml">登录后阅读全文</a></div>'
        return _HTML, article_document(site, case, f"{teaser}\n{wall}").encode()
    content = _plain_content(text)
    if name == "gbk-undeclared":
        return "text/html", article_document(site, case, content, charset=None).encode("gb18030")
    if name == "gb2312-declared-utf8-sent":
        return "text/html", article_document(site, case, content, charset="gb2312").encode()
    if name == "header-gbk-meta-utf8":
        page = article_document(site, case, content)
        return "text/html; charset=gbk", page.encode("gb18030")
    return _HTML, article_document(site, case, content).encode()


def zhuanti_page(site: ReplicaSite, page: int) -> bytes:
    """Page ``page`` of 专题: every listed case (session ids drawn afresh), and a next page."""
    items = "".join(
        f'<li><a href="{escape(_link_path(case))}" target="_blank">'
        f"{escape(written(case.name)[0])}</a><span>{_shown_time(case):%Y-%m-%d}</span></li>"
        for case in CATALOGUE
        if case.listed
    )
    previous = f'<a class="prev" href="{_zhuanti_path(page - 1)}">上一页</a>' if page > 1 else ""
    pager = (
        f'<a href="{ZHUANTI_PATH}">首页</a>{previous}<span class="current">{page}</span>'
        f'<a class="next" href="{_zhuanti_path(page + 1)}">下一页</a>'
    )
    listing = f'<ul class="list_news">{items}</ul>'
    return pages.financeun_list_page(site, HOSTILE_LISTS[ZHUANTI], listing, pager, page)


def _zhuanti_path(page: int) -> str:
    return ZHUANTI_PATH if page == 1 else f"{ZHUANTI_PATH}?page={page}"


def _link_path(case: HostileCase) -> str:
    """The path 专题 links a case under: the session case's with a fresh session id."""
    assert case.path is not None
    if case.name == "session":
        return f"{case.path};jsessionid={secrets.token_hex(16)}"
    return case.path


def rili_page(site: ReplicaSite, page: int) -> bytes:
    """Page ``page`` of 日历: the calendar first, then day archives that list nothing."""
    listing = calendar_table() if page == 1 else _EMPTY_LISTING
    pager = f'<a class="next" href="/articleList/{RILI}_{page + 1}.shtml">下一页</a>'
    return pages.financeun_list_page(site, HOSTILE_LISTS[RILI], listing, pager, page)


_EMPTY_LISTING = '<ul class="list_news"></ul><p class="no_data">暂无文章</p>'


@cache
def calendar_table() -> str:
    """A table with a row per month and a link to each of its days, 1926 to 2025."""
    rows: list[str] = []
    day = CALENDAR_FIRST_DAY
    while day <= CALENDAR_LAST_DAY:
        month, links = day.month, []
        while day.month == month and day <= CALENDAR_LAST_DAY:
            links.append(f'<a href="{CALENDAR_PREFIX}{day:%Y-%m-%d}.shtml">{day.day}</a>')
            day += timedelta(days=1)
        previous = day - timedelta(days=1)
        rows.append(f"<tr><th>{previous:%Y年%m月}</th><td>{''.join(links)}</td></tr>")
    return f'<table class="calendar">{"".join(rows)}</table>'


def _huge_chunks(page: str, marker: str, text: ArticleText, size: int) -> Iterator[bytes]:
    """``page`` grown to exactly ``size`` bytes, ``marker`` replaced by ``text``'s paragraphs
    again and again, in chunks: never held whole."""
    head, tail = (part.encode() for part in page.split(marker))
    block = ("\n".join(_paragraph(p) for p in text.paragraphs) + "\n").encode()
    block *= _CHUNK // len(block) + 1
    yield head
    remaining = size - len(head) - len(tail)
    while remaining >= len(block):
        yield block
        remaining -= len(block)
    yield b" " * remaining
    yield tail


_BOMB_LOCK = threading.Lock()


def gzip_bomb() -> bytes:
    """Gzip of a small HTML start and ``BOMB_ZEROS`` zero bytes (made once, on first use)."""
    with _BOMB_LOCK:
        return _compressed_bomb()


@cache
def _compressed_bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**20)
    parts = [packer.compress(b"<html><body><p>")]
    parts += [packer.compress(zeros) for _ in range(BOMB_ZEROS // len(zeros))]
    parts.append(packer.flush())
    return b"".join(parts)


@cache
def pdf_document() -> bytes:
    """A small one-page PDF."""
    stream = b"BT /F1 18 Tf 72 720 Td (2024 Annual Report) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(document)


JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"
    b"\xff\xfe\x00\x10replica photo\x00"
    b"\xff\xd9"
)
"""A JPEG's start (JFIF header and a comment) and end."""


# -- HTTP -----------------------------------------------------------------------------------


def _error(status: int, text: str, *headers: tuple[str, str]) -> Reply:
    body = f"<html><body><h1>{text}</h1></body></html>".encode()
    return Reply.whole(status, _HTML, body, *headers)


def _redirect(status: int, location: str) -> Reply:
    body = f'<html><body><a href="{escape(location)}">{escape(location)}</a></body></html>'
    return Reply.whole(status, _HTML, body.encode(), ("Location", location))


class HostileRoutes:
    """Answers a hostile site's own routes and records, thread-safely, the time of each
    request under ``COUNTED_PREFIXES`` by its path (without query and ``;params``).

    ``port``: the server's, that the offsite case redirects to on another loopback address;
    ``slow_seconds``: how long the slow cases keep a request waiting before they answer."""

    def __init__(self, site: ReplicaSite, port: int, slow_seconds: float) -> None:
        self.site = site
        self.port = port
        self.slow_seconds = slow_seconds
        self._lock = threading.Lock()
        self._hits: dict[str, list[float]] = {}

    def hits(self) -> dict[str, list[float]]:
        """The time.time() of every recorded request, by path."""
        with self._lock:
            return {path: list(times) for path, times in self._hits.items()}

    def _hit(self, path: str) -> int:
        """Records a request; how many there were for the path, this one included."""
        with self._lock:
            times = self._hits.setdefault(path, [])
            times.append(time.time())
            return len(times)

    def reply(self, raw_path: str, base: str) -> Reply | None:
        """The answer to a request path, if it is a hostile route (else None)."""
        parts = urlsplit(raw_path)
        path = bare_path(raw_path)
        count = self._hit(path) if path.startswith(COUNTED_PREFIXES) else 0
        if path == TRUTH_PATH:
            lines = "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in truth(base))
            return Reply.whole(200, "application/x-ndjson; charset=utf-8", lines.encode())
        if path == HITS_PATH:
            return Reply.whole(200, "application/json", json.dumps(self.hits()).encode())
        if path == ZHUANTI_PATH:
            page = parse_qs(parts.query).get("page", ["1"])[0]
            if page.isdigit() and int(page) >= 1:
                return Reply.whole(200, _HTML, zhuanti_page(self.site, int(page)))
            return None
        match = _RILI_PAGE.match(path)
        if match and int(match["page"]) >= 1:
            return Reply.whole(200, _HTML, rili_page(self.site, int(match["page"])))
        if path.startswith(CALENDAR_PREFIX):
            listing = _EMPTY_LISTING
            page = pages.financeun_list_page(self.site, HOSTILE_LISTS[RILI], listing, "", 1)
            return Reply.whole(200, _HTML, page)
        if path.startswith(CASE_PREFIX) and path.endswith(".shtml"):
            return self._case_reply(path.removeprefix(CASE_PREFIX).removesuffix(".shtml"), count)
        return None

    def _case_reply(self, name: str, count: int) -> Reply | None:
        """The answer of a case's page (or of the pages its redirects lead to)."""
        first = count == 1
        match name:
            case "flaky-500" if first:
                return _error(500, "500 服务器内部错误")
            case "busy-503" if first:
                retry_at = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
                return _error(503, "503 服务暂不可用", ("Retry-After", retry_at))
            case "throttled-429" if first:
                return _error(429, "429 请求过于频繁", ("Retry-After", "2"))
            case "moved":
                return _redirect(301, case_path("moved-2"))
            case "moved-2":
                return _redirect(302, case_path("relocated"))
            case "relocated":
                return Reply.whole(200, *article_page(self.site, "moved"))
            case "slow-once" if first:
                reply = Reply.whole(200, *article_page(self.site, name))
                return replace(reply, delay=self.slow_seconds)
            case "slow":
                reply = Reply.whole(200, *article_page(self.site, name))
                return replace(reply, delay=self.slow_seconds)
            case "empty":
                return Reply.whole(200, "text/html", b"")
            case "gone-home":
                return _redirect(302, "/")
            case "not-found":
                return _error(404, "404 页面不存在")
            case "removed":
                return _error(410, "410 文章已删除")
            case "loop-a":
                return _redirect(302, case_path("loop-b"))
            case "loop-b":
                return _redirect(302, case_path("loop-a"))
            case "offsite":
                return _redirect(302, f"http://127.0.0.2:{self.port}{case_path('offsite-target')}")
            case "huge" | "huge-stream":
                return self._huge(name)
            case "gzip-bomb":
                return Reply.whole(200, _HTML, gzip_bomb(), ("Content-Encoding", "gzip"))
            case "report":
                return Reply.whole(200, "application/pdf", pdf_document())
            case "photo":
                return Reply.whole(200, "image/jpeg", JPEG_BYTES)
            case "pdf-as-html":
                return Reply.whole(200, "text/html", pdf_document())
            case "truncated":
                content_type, page = article_page(self.site, name)
                reply = Reply.whole(200, content_type, page)
                return replace(reply, body=(page[: len(page) // TRUNCATED_SHARE],), close=True)
        if name in BY_NAME and BY_NAME[name].listed:
            return Reply.whole(200, *article_page(self.site, name))
        return None

    def _huge(self, name: str) -> Reply:
        """A 20 MiB article page, streamed: ``huge`` declares its length, ``huge-stream``
        does not and closes the connection after it."""
        marker = "\x00paragraphs\x00"
        page = article_document(self.site, BY_NAME[name], marker)
        body = _huge_chunks(page, marker, written(name)[1], HUGE_SIZE)
        if name == "huge":
            headers = (("Content-Type", _HTML), ("Content-Length", str(HUGE_SIZE)))
            return Reply(200, headers, body)
        headers = (("Content-Type", _HTML), ("Connection", "close"))
        return Reply(200, headers, body, close=True)
