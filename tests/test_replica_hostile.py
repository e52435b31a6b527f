"""The replica's hostile routes answer as their catalogue says, over real HTTP."""

from __future__ import annotations

import http.client
import json
import re
import socket
import struct
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from crawler.config import parse_arguments
from crawler.dedup import shingles
from crawler.extraction.profiles import get_profile
from crawler.replica import ReplicaServer, ReplicaSite, hostile
from crawler.replica.hostile import BY_NAME, CATALOGUE, HUGE_SIZE, written
from crawler.replica.site import CHANNELS, FINANCEUN, HOSTILE_LISTS, beijing_iso, cn_minute
from spiders.replica import ReplicaArguments
from tests.conftest import PROJECT_ROOT

PROFILE = get_profile(FINANCEUN)
GBK_BYTES = {"gbk-undeclared", "header-gbk-meta-utf8"}
HOSTILE_NAV = (
    '<a href="/articleList/zhuanti_1.shtml">专题</a><a href="/articleList/rili_1.shtml">日历</a>'
)
TRUTH_KEYS = {"case", "class", "url", "outcome", "reason", "retried", "retry_after", "expected"}
EXPECTED_KEYS = {
    *("url", "title", "source", "authors", "published_at", "content", "related"),
    *("depth", "found_via"),
}


def fetch(server: ReplicaServer, path: str, timeout: float = 30) -> tuple[int, Message, bytes]:
    """Status, headers and body of one GET, redirects not followed."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def case_text(server: ReplicaServer, name: str) -> tuple[int, Message, str]:
    """A case page, decoded as its bytes are really encoded."""
    case = BY_NAME[name]
    status, headers, body = fetch(server, case.path)
    return status, headers, body.decode("gb18030" if name in GBK_BYTES else "utf-8")


def article_links(html: str) -> list[str]:
    return Selector(text=html).css(PROFILE.article_link_css).xpath("@href").getall()


def next_page(html: str) -> str | None:
    return Selector(text=html).xpath('//a[normalize-space()="下一页"]/@href').get()


def paragraphs(html: str) -> list[str]:
    """The ``.news_content p`` texts the financeun profile reads, whitespace stripped."""
    found = Selector(text=html).css(PROFILE.paragraph_css)
    return [" ".join(p.xpath("string()").get().split()).strip("\u3000 ") for p in found]


def shown_paragraphs(name: str) -> list[str]:
    """What ``paragraphs`` finds on a case page: byline, paragraphs, editor line."""
    text = written(name)[1]
    byline = [text.byline] if text.byline else []
    return [*byline, *text.paragraphs, f"责任编辑：{text.editor}"]


def info_line(html: str) -> str:
    return Selector(text=html).css(PROFILE.info_css).xpath("string()").get()


@pytest.fixture
def server(replica_server) -> ReplicaServer:
    return replica_server(articles=30, hostile=True, slow_seconds=0.6)


# -- the site without hostile routes ---------------------------------------------------------


def test_a_site_without_hostile_routes_serves_its_pages_as_before(replica_server):
    plain = replica_server(articles=60)
    assert "zhuanti" not in fetch(plain, "/")[2].decode()
    for path in (
        "/articleList/zhuanti_1.shtml",
        "/articleList/rili_1.shtml",
        "/calendar/2000-01-01.shtml",
        "/newsDetail/h/malformed.shtml",
        "/_hostile.jsonl",
        "/_hostile/hits.json",
    ):
        assert fetch(plain, path)[0] == 404, path
    assert b"_hostile" not in fetch(plain, "/robots.txt")[2]
    other = ReplicaServer(ReplicaSite(articles=60, hostile=True))
    try:
        paths = ["/", "/cn/", "/sitemap.xml", "/_truth.jsonl", "/nothing-here"]
        paths += [path for path, _ in plain.site.list_pages()]
        paths += [a.path for a in plain.site.articles] + [
            p for a in plain.site.articles for p in a.alias_paths
        ]
        for path in paths:
            before, now = plain.respond(path, "http://x"), other.respond(path, "http://x")
            assert before[:2] == now[:2], path
            encoding = "gb18030" if b'charset="gb2312"' in before[2] else "utf-8"
            assert now[2].decode(encoding).replace(HOSTILE_NAV, "") == before[2].decode(encoding)
        assert other.respond("/robots.txt", "http://x")[2] == plain.respond(
            "/robots.txt", "http://x"
        )[2].replace(b"Disallow: /search", b"Disallow: /_hostile\nDisallow: /search")
    finally:
        other.server_close()


def test_the_spider_and_the_command_line_take_the_hostile_switch():
    assert parse_arguments("replica", ReplicaArguments, {"hostile": "1"}).hostile is True
    assert parse_arguments("replica", ReplicaArguments, {}).hostile is False
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "crawler.replica", "--port", "0", "--articles", "10"),
            *("--hostile", "--slow-seconds", "0.1"),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", process.stdout.readline())
        assert match
        connection = http.client.HTTPConnection("127.0.0.1", int(match[1]), timeout=10)
        started = time.monotonic()
        connection.request("GET", "/newsDetail/h/slow.shtml")
        assert connection.getresponse().status == 200
        assert 0.1 <= time.monotonic() - started < 5
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


# -- reachability, lists and traps -----------------------------------------------------------


def test_the_navigation_links_zhuanti_and_rili_after_the_channels(server):
    home = fetch(server, "/")[2].decode()
    nav = Selector(text=home).css(PROFILE.list_link_css).xpath("@href").getall()
    assert nav == [f"/articleList/{slug}_1.shtml" for slug in (*CHANNELS, *HOSTILE_LISTS)]
    article = fetch(server, server.site.articles[5].path)[2]
    assert HOSTILE_NAV in article.decode("gb18030" if b'"gb2312"' in article else "utf-8")


def bare(link: str) -> str:
    return hostile.bare_path(link)


def test_zhuanti_lists_every_listed_case_in_order_and_paginates_without_end(server):
    listed = [case for case in CATALOGUE if case.listed]
    status, _, body = fetch(server, "/articleList/zhuanti_1.shtml")
    first = body.decode()
    assert status == 200
    links = article_links(first)
    assert [bare(link) for link in links] == [hostile.bare_path(c.path) for c in listed]
    by_case = dict(zip((c.name for c in listed), links, strict=True))
    assert by_case["tracked"] == "/newsDetail/h/tracked.shtml?utm_source=wechat&utm_medium=social"
    assert re.fullmatch(r"/newsDetail/h/session\.shtml;jsessionid=[0-9a-f]{32}", by_case["session"])
    assert next_page(first) == "/articleList/zhuanti_1.shtml?page=2"
    session_ids = {by_case["session"]}
    for page in (2, 3, 41):
        html = fetch(server, f"/articleList/zhuanti_1.shtml?page={page}")[2].decode()
        again = article_links(html)
        assert [bare(link) for link in again] == [bare(link) for link in links]
        assert [x for x in again if "session" not in x] == [x for x in links if "session" not in x]
        session_ids.add(next(link for link in again if "session" in link))
        assert next_page(html) == f"/articleList/zhuanti_1.shtml?page={page + 1}"
    assert len(session_ids) == 4
    assert fetch(server, "/articleList/zhuanti_1.shtml?page=x")[0] == 404


def test_rili_is_a_calendar_of_100_years_then_empty_pages_without_end(server):
    status, _, body = fetch(server, "/articleList/rili_1.shtml")
    calendar = body.decode()
    assert status == 200 and not article_links(calendar)
    days = Selector(text=calendar).css(".content_left a[href^='/calendar/']")
    hrefs = days.xpath("@href").getall()
    assert len(hrefs) == len(set(hrefs)) == 36_525
    assert hrefs[0] == "/calendar/1926-01-01.shtml" and hrefs[-1] == "/calendar/2025-12-31.shtml"
    assert days[59].xpath("string()").get() == "1" and "1926-03-01" in hrefs[59]
    assert next_page(calendar) == "/articleList/rili_2.shtml"
    for page in (2, 3, 250):
        html = fetch(server, f"/articleList/rili_{page}.shtml")[2].decode()
        listing = Selector(text=html).css(".content_left ul.list_news")
        assert listing and not listing.css("li") and "暂无文章" in html
        assert not article_links(html)
        assert next_page(html) == f"/articleList/rili_{page + 1}.shtml"
    status, _, body = fetch(server, "/calendar/1999-02-03.shtml")
    assert status == 200 and len(body) < 10_000 and not article_links(body.decode())


# -- exported cases --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in CATALOGUE if c.has_article])
def test_every_article_case_shows_its_expected_fields(server, name):
    case = BY_NAME[name]
    path = case.final_path or case.path
    status, _, body = fetch(server, path)
    if status != 200:  # the retry cases answer the article from their second request
        status, _, body = fetch(server, path)
    assert status == 200
    html = body.decode("gb18030" if name in GBK_BYTES else "utf-8")
    expected = hostile.expected(case, server.base_url)
    page = Selector(text=html)
    assert page.css(PROFILE.title_css[0]).xpath("string()").get() == expected["title"]
    assert info_line(html).startswith(f"来源:{expected['source']}")
    if expected["published_at"]:
        assert info_line(html).endswith(cn_minute(case.published))
    assert paragraphs(html) == shown_paragraphs(name)
    assert expected["content"].split("\n") == written(name)[1].paragraphs
    assert 4 <= len(written(name)[1].paragraphs) <= 8
    related = page.css(PROFILE.related_item_css)
    assert [
        {
            "title": item.css("a::text").get(),
            "url": server.base_url + item.css("a::attr(href)").get(),
            "published_at": re.sub(
                r"(\d+)年(\d+)月(\d+)日 (\d+)时(\d+)分",
                r"\1-\2-\3T\4:\5:00+08:00",
                item.css(".time::text").get(),
            ),
        }
        for item in related
    ] == expected["related"]


def test_cycles_link_each_other_themselves_and_tracked_under_other_queries(server):
    truth = {t["case"]: t for t in server.site.hostile_truth(server.base_url)}
    base = server.base_url + "/newsDetail/h/"
    assert [e["url"] for e in truth["cycle-a"]["expected"]["related"]] == [
        base + "cycle-b.shtml",
        base + "cycle-a.shtml",
        base + "tracked.shtml?spm=a2c4g.11186623&from=singlemessage",
    ]
    assert [e["url"] for e in truth["cycle-b"]["expected"]["related"]] == [
        base + "cycle-a.shtml",
        base + "cycle-b.shtml",
        base + "tracked.shtml?from=timeline&isappinstalled=0",
    ]
    assert (
        truth["cycle-a"]["expected"]["related"][2]["title"] == truth["tracked"]["expected"]["title"]
    )
    tracked = fetch(server, "/newsDetail/h/tracked.shtml")[2]
    for query in ("?spm=a2c4g.11186623&from=singlemessage", "?x=1", ""):
        assert fetch(server, f"/newsDetail/h/tracked.shtml{query}")[2] == tracked
    session = fetch(server, "/newsDetail/h/session.shtml")[2]
    for variant in (";jsessionid=" + "ab" * 16, "?sid=" + "cd" * 16):
        assert fetch(server, f"/newsDetail/h/session.shtml{variant}")[2] == session


def test_charset_cases_send_the_bytes_and_labels_they_claim(server):
    status, headers, body = fetch(server, BY_NAME["gbk-undeclared"].path)
    title = written("gbk-undeclared")[0]
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b"<meta charset" not in body and b"charset=" not in body
    assert title in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")

    status, headers, body = fetch(server, BY_NAME["gb2312-declared-utf8-sent"].path)
    assert headers["Content-Type"] == "text/html" and b'<meta charset="gb2312">' in body
    assert written("gb2312-declared-utf8-sent")[0] in body.decode("utf-8")

    status, headers, body = fetch(server, BY_NAME["header-gbk-meta-utf8"].path)
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert b'<meta charset="utf-8">' in body
    assert written("header-gbk-meta-utf8")[0] in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_date_cases_show_no_time_a_garbage_one_a_future_one_and_an_old_one(server):
    source = written("no-date")[1].source
    assert info_line(case_text(server, "no-date")[2]) == f"来源:{source}"
    assert info_line(case_text(server, "garbage-date")[2]).endswith(" 2025年13月45日 25时61分")
    shown = re.search(
        r"(\d{4})年(\d{2})月(\d{2})日 (\d{2})时(\d{2})分",
        info_line(case_text(server, "future-date")[2]),
    )
    future = datetime(*map(int, shown.groups()), tzinfo=timezone(timedelta(hours=8)))
    assert abs(future - (datetime.now(UTC) + timedelta(days=400))) < timedelta(minutes=2)
    assert info_line(case_text(server, "archive-1998")[2]).endswith(" 1998年06月15日 09时30分")
    truth = {t["case"]: t["expected"] for t in server.site.hostile_truth(server.base_url)}
    assert [truth[n]["published_at"] for n in ("no-date", "garbage-date", "future-date")] == [
        None
    ] * 3
    assert truth["archive-1998"]["published_at"] == "1998-06-15T09:30:00+08:00"


def test_malformed_markup_keeps_every_paragraph_readable(server):
    html = case_text(server, "malformed")[2]
    content = html[
        html.index('<div class="news_content">') : html.index('<div class="page_up_down">')
    ]
    assert content.count("<p") > content.count("</p>") + 3
    assert content.count("<div") > content.count("</div>") - 1
    assert "<html><body>" in content and "</body></html>" in content
    stray = content.index("</body></html>")
    assert any(p in content[stray:] for p in written("malformed")[1].paragraphs[3:])
    assert html.count("<html") == 2 and html.count("</html>") == 2
    assert paragraphs(html) == shown_paragraphs("malformed")


def test_scripted_page_hides_decoys_in_scripts_and_comments_and_dates_json_ld_earlier(server):
    html = case_text(server, "scripted")[2]
    case = BY_NAME["scripted"]
    assert "document.write('<p>" in html and "fetch('/newsDetail/h/beacon.shtml')" in html
    assert "<!-- <p>\u3000\u3000旧稿：" in html
    assert paragraphs(html) == shown_paragraphs("scripted")
    ld = Selector(text=html).css('script[type="application/ld+json"]::text').get()
    assert json.loads(ld)["datePublished"] == beijing_iso(case.published - timedelta(hours=3))
    assert info_line(html).endswith(cn_minute(case.published))
    assert fetch(server, "/newsDetail/h/beacon.shtml")[0] == 404


# -- retries, redirects, time ----------------------------------------------------------------


def test_retry_cases_fail_once_then_serve_the_article(server):
    status, _, _ = fetch(server, BY_NAME["flaky-500"].path)
    assert status == 500
    assert fetch(server, BY_NAME["flaky-500"].path)[0] == 200

    status, headers, _ = fetch(server, BY_NAME["busy-503"].path)
    retry_at = parsedate_to_datetime(headers["Retry-After"])
    assert status == 503 and 1 <= (retry_at - datetime.now(UTC)).total_seconds() <= 3
    assert fetch(server, BY_NAME["busy-503"].path)[0] == 200

    status, headers, _ = fetch(server, BY_NAME["throttled-429"].path)
    assert status == 429 and headers["Retry-After"] == "2"
    status, _, body = fetch(server, BY_NAME["throttled-429"].path)
    assert status == 200 and written("throttled-429")[0] in body.decode()


def location(server: ReplicaServer, path: str) -> tuple[int, str | None]:
    status, headers, _ = fetch(server, path)
    return status, headers["Location"]


def test_redirect_cases_answer_without_being_followed(server):
    assert location(server, "/newsDetail/h/moved.shtml") == (301, "/newsDetail/h/moved-2.shtml")
    assert location(server, "/newsDetail/h/moved-2.shtml") == (
        302,
        "/newsDetail/h/relocated.shtml",
    )
    status, _, body = fetch(server, "/newsDetail/h/relocated.shtml")
    assert status == 200 and written("moved")[0] in body.decode()
    assert location(server, "/newsDetail/h/gone-home.shtml") == (302, "/")
    assert location(server, "/newsDetail/h/loop-a.shtml") == (302, "/newsDetail/h/loop-b.shtml")
    assert location(server, "/newsDetail/h/loop-b.shtml") == (302, "/newsDetail/h/loop-a.shtml")
    port = server.server_address[1]
    assert location(server, "/newsDetail/h/offsite.shtml") == (
        302,
        f"http://127.0.0.2:{port}/newsDetail/h/offsite-target.shtml",
    )


def timed(server: ReplicaServer, path: str, timeout: float = 30) -> float:
    """Seconds until the status line of a GET came."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        started = time.monotonic()
        connection.request("GET", path)
        response = connection.getresponse()
        elapsed = time.monotonic() - started
        assert response.status == 200
        response.read()
        return elapsed
    finally:
        connection.close()


def test_slow_cases_hold_back_even_their_headers(server):
    assert timed(server, "/newsDetail/h/slow-once.shtml") >= 0.6
    assert timed(server, "/newsDetail/h/slow-once.shtml") < 0.3
    assert timed(server, "/newsDetail/h/slow.shtml") >= 0.6
    assert timed(server, "/newsDetail/h/slow.shtml") >= 0.6
    with pytest.raises(TimeoutError):
        timed(server, "/newsDetail/h/slow.shtml", timeout=0.2)
    assert timed(server, "/newsDetail/h/malformed.shtml") < 0.3


# -- no-item cases ---------------------------------------------------------------------------


def test_pages_that_hold_no_article(server):
    status, headers, body = fetch(server, "/newsDetail/h/empty.shtml")
    assert (status, headers["Content-Type"], headers["Content-Length"], body) == (
        200,
        "text/html",
        "0",
        b"",
    )
    status, _, body = fetch(server, "/newsDetail/h/deleted.shtml")
    html = body.decode()
    assert status == 200 and paragraphs(html) == ["您访问的文章不存在或已被删除。"]
    assert Selector(text=html).css(".news_title::text").get() == "文章不存在"
    status, _, body = fetch(server, "/newsDetail/h/login-wall.shtml")
    html = body.decode()
    assert status == 200 and written("login-wall")[0] in html
    (teaser,) = paragraphs(html)
    assert len(teaser) < 40
    wall = Selector(text=html).css('.news_content a[href="/login.shtml"]::text').get()
    assert wall == "登录后阅读全文"
    assert fetch(server, "/newsDetail/h/not-found.shtml")[0] == 404
    assert fetch(server, "/newsDetail/h/removed.shtml")[0] == 410


def test_pages_that_are_not_html(server):
    _, headers, body = fetch(server, "/newsDetail/h/report.shtml")
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4") and body.rstrip().endswith(b"%%EOF")
    _, headers, body = fetch(server, "/newsDetail/h/photo.shtml")
    assert headers["Content-Type"] == "image/jpeg" and body.startswith(b"\xff\xd8\xff\xe0")
    assert body.endswith(b"\xff\xd9")
    _, headers, body = fetch(server, "/newsDetail/h/pdf-as-html.shtml")
    assert headers["Content-Type"] == "text/html" and body.startswith(b"%PDF-1.4")


def test_huge_pages_are_streamed_with_and_without_a_length(server):
    status, headers, body = fetch(server, "/newsDetail/h/huge.shtml")
    assert status == 200 and int(headers["Content-Length"]) == len(body) == HUGE_SIZE
    assert body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</html>\n")
    status, headers, body = fetch(server, "/newsDetail/h/huge-stream.shtml")
    assert headers["Content-Length"] is None and headers["Connection"] == "close"
    assert len(body) == HUGE_SIZE
    reply = server.hostile.reply("/newsDetail/h/huge-stream.shtml", server.base_url)
    assert max(len(chunk) for chunk in reply.body) <= 2**17


def test_a_client_that_hangs_up_leaves_the_server_serving_quietly(server, capfd):
    host, port = server.server_address[:2]
    for _ in range(3):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/newsDetail/h/huge.shtml")
        response = connection.getresponse()
        response.read(1000)
        connection.sock.close()
        connection.close()
    for _ in range(3):  # reset while the server waits for the connection's next request
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/newsDetail/h/malformed.shtml")
        connection.getresponse().read()
        connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
    time.sleep(0.3)
    assert fetch(server, "/newsDetail/h/malformed.shtml")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_truncated_page_promises_a_whole_page_and_sends_a_tenth(server):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", "/newsDetail/h/truncated.shtml")
    response = connection.getresponse()
    promised = int(response.headers["Content-Length"])
    with pytest.raises(http.client.IncompleteRead) as cut:
        response.read()
    assert len(cut.value.partial) == promised // 10 and promised > 3000
    connection.close()


def test_gzip_bomb_is_small_on_the_wire_and_inflates_past_20_mib(server):
    status, headers, body = fetch(server, "/newsDetail/h/gzip-bomb.shtml")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/html") and len(body) < 2**20
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    start, inflated, pending = b"", 0, body
    while inflated <= HUGE_SIZE:
        chunk = inflater.decompress(pending, 2**20)
        pending = inflater.unconsumed_tail
        start = start or chunk[:15]
        inflated += len(chunk)
        assert chunk
    assert start == b"<html><body><p>"


# -- hits and truth --------------------------------------------------------------------------


def test_hits_record_each_request_by_bare_path_and_time(server):
    started = time.time()
    for path in (
        "/newsDetail/h/session.shtml;jsessionid=" + "0f" * 16,
        "/newsDetail/h/session.shtml?sid=" + "1e" * 16,
        "/articleList/zhuanti_1.shtml",
        "/articleList/zhuanti_1.shtml?page=5",
        "/articleList/rili_3.shtml",
        "/calendar/2001-09-11.shtml",
        "/newsDetail/h/beacon.shtml",
        "/robots.txt",
        "/",
    ):
        fetch(server, path)
    hits = json.loads(fetch(server, "/_hostile/hits.json")[2])
    assert set(hits) == {
        "/newsDetail/h/session.shtml",
        "/articleList/zhuanti_1.shtml",
        "/articleList/rili_3.shtml",
        "/calendar/2001-09-11.shtml",
        "/newsDetail/h/beacon.shtml",
    }
    assert [
        len(hits[p]) for p in ("/newsDetail/h/session.shtml", "/articleList/zhuanti_1.shtml")
    ] == [2, 2]
    times = [t for recorded in hits.values() for t in recorded]
    assert all(started <= t <= time.time() for t in times)


def test_truth_names_every_case_with_its_outcome_and_expected_fields(server):
    base = server.base_url
    status, _, body = fetch(server, "/_hostile.jsonl")
    served = [json.loads(line) for line in body.decode().splitlines()]
    assert status == 200 and served == server.site.hostile_truth(base)
    assert all(set(line) == TRUTH_KEYS for line in served)
    assert len({line["case"] for line in served}) == len(served) == len(CATALOGUE)
    assert {line["class"] for line in served} == set(range(1, 14))
    zhuanti = fetch(server, "/articleList/zhuanti_1.shtml")[2].decode()
    linked = {bare(base + link) for link in article_links(zhuanti)}
    for line in served:
        case = BY_NAME[line["case"]]
        if case.listed:
            assert bare(line["url"]) in linked, line["case"]
        if line["outcome"] == "exported" and line["url"] is not None:
            expected = line["expected"]
            assert set(expected) == EXPECTED_KEYS and line["reason"] is None
            assert expected["title"] and expected["content"] and expected["source"]
            assert "?" not in expected["url"] and ";" not in expected["url"]
            assert (expected["depth"], expected["found_via"]) == (
                0,
                f"{base}/articleList/zhuanti_1.shtml",
            )
        else:
            assert line["expected"] is None and line["reason"], line["case"]
    by_case = {line["case"]: line for line in served}
    assert by_case["moved"]["expected"]["url"] == f"{base}/newsDetail/h/relocated.shtml"
    assert by_case["tracked"]["url"].endswith("?utm_source=wechat&utm_medium=social")
    assert by_case["tracked"]["expected"]["url"] == f"{base}/newsDetail/h/tracked.shtml"
    assert [by_case[n]["retried"] for n in ("flaky-500", "busy-503", "throttled-429")] == [True] * 3
    assert (by_case["busy-503"]["retry_after"], by_case["throttled-429"]["retry_after"]) == (3, 2)
    assert by_case["endless-pagination"]["url"] == base + next_page(zhuanti)
    home = fetch(server, "/")[2].decode()
    assert (
        by_case["calendar"]["url"].removeprefix(base)
        in Selector(text=home).css(PROFILE.list_link_css).xpath("@href").getall()
    )
    assert (by_case["pinned"]["url"], by_case["pinned"]["outcome"]) == (None, "exported")
    robots = RobotFileParser()
    robots.parse(fetch(server, "/robots.txt")[2].decode().splitlines())
    assert not robots.can_fetch("*", f"{base}/_hostile.jsonl")
    assert not robots.can_fetch("*", f"{base}/_hostile/hits.json")
    assert all(robots.can_fetch("*", line["url"]) for line in served if line["url"])


def test_case_texts_are_their_own_and_unlike_any_normal_article():
    site = ReplicaSite(articles=1000, seed=1)
    normal = [site.text_of(a).paragraphs for a in site.articles]
    normal_paragraphs = {p for text in normal for p in text}
    normal_shingles = [shingles("\n".join(text)) for text in normal]
    named = [c.name for c in CATALOGUE if c.listed]
    texts = [written(name)[1].paragraphs for name in named]
    own = [p for text in texts for p in text]
    assert len(set(own)) == len(own) and not set(own) & normal_paragraphs
    case_shingles = [shingles("\n".join(text)) for text in texts]
    for position, these in enumerate(case_shingles):
        for other in case_shingles[position + 1 :] + normal_shingles:
            assert len(these & other) / len(these | other) < 0.3, named[position]
    assert len({written(name)[0] for name in named}) == len(named)
