"""Every bad spider argument or setting: one line naming it, its value and what is allowed,
exit 2, no traceback and no request (real ``scrapy crawl`` subprocesses); and the
declarations of ``crawler.config`` themselves."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from crawler.config import SETTINGS, ConfigError, NoArguments, check_settings, parse_arguments
from crawler.dedup import NearDuplicateFinder, fingerprint
from crawler.state.memory import MemoryCrawlState
from spiders.article import ArticleArguments
from spiders.replica import ReplicaArguments
from tests.conftest import PROJECT_ROOT, REACTORS, run_scrapy


class CountingSite:
    """A 127.0.0.1 server that answers 404 and records every path asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def site() -> Iterator[CountingSite]:
    counting = CountingSite()
    yield counting
    counting.server.shutdown()


BAD_INPUTS = [
    # (spider, its arguments, the option the line starts with, the value it shows)
    ("replica", ["-a", "articles=abc"], "-a articles", "'abc'"),
    ("replica", ["-a", "articles=0"], "-a articles", "'0'"),
    ("replica", ["-a", "articles=100001"], "-a articles", "'100001'"),
    ("replica", ["-a", "seed=xyz"], "-a seed", "'xyz'"),
    ("replica", ["-a", "drift=1.5"], "-a drift", "'1.5'"),
    ("replica", ["-a", "drift=nan"], "-a drift", "'nan'"),
    ("replica", ["-a", "bogus=1"], "-a bogus", "'1'"),
    ("replica", ["-a", "name=other"], "-a name", "'other'"),
    ("replica", ["-s", "RELATED_DEPTH_LIMIT=abc"], "-s RELATED_DEPTH_LIMIT", "'abc'"),
    ("replica", ["-s", "RELATED_DEPTH_LIMIT=-1"], "-s RELATED_DEPTH_LIMIT", "'-1'"),
    ("replica", ["-s", "FEED_BATCH_ITEMS=abc"], "-s FEED_BATCH_ITEMS", "'abc'"),
    ("replica", ["-s", "FEED_BATCH_ITEMS=0"], "-s FEED_BATCH_ITEMS", "'0'"),
    ("replica", ["-s", "FEED_BATCH_ITEMS=-1"], "-s FEED_BATCH_ITEMS", "'-1'"),
    ("replica", ["-s", "CRAWL_MODE=bogus"], "-s CRAWL_MODE", "'bogus'"),
    ("replica", ["-s", "RECHECK_DAYS=-2"], "-s RECHECK_DAYS", "'-2'"),
    ("replica", ["-s", "DEDUP_POLICY=keep"], "-s DEDUP_POLICY", "'keep'"),
    ("replica", ["-s", "DEDUP_NEAR_THRESHOLD=0"], "-s DEDUP_NEAR_THRESHOLD", "'0'"),
    ("replica", ["-s", "DEDUP_NEAR_THRESHOLD=1.2"], "-s DEDUP_NEAR_THRESHOLD", "'1.2'"),
    ("replica", ["-s", "EXTRACTION_DRIFT_THRESHOLD=2"], "-s EXTRACTION_DRIFT_THRESHOLD", "'2'"),
    ("replica", ["-s", "EXTRACTION_DRIFT_MIN_PAGES=0"], "-s EXTRACTION_DRIFT_MIN_PAGES", "'0'"),
    ("replica", ["-s", "INCREMENTAL_ENABLED=yes"], "-s INCREMENTAL_ENABLED", "'yes'"),
    ("replica", ["-s", "DEDUP_NEAR=maybe"], "-s DEDUP_NEAR", "'maybe'"),
    ("replica", ["-s", "CRAWL_STATE_CLASS=no.such.Class"], "-s CRAWL_STATE_CLASS", "'no.such"),
    ("article", ["-a", "bogus=1"], "-a bogus", "'1'"),
    ("article", ["-a", "url=notaurl"], "-a url", "'notaurl'"),
    ("article", ["-a", "url=ftp://127.0.0.1/a"], "-a url", "'ftp://127.0.0.1/a'"),
    ("article", [], "-a url", "required"),
    # Nothing given on the command line puts a path of its own into a file name.
    ("replica", ["-a", "name=../../escape"], "-a name", "'../../escape'"),
    ("replica", ["-a", "base_url=file:///etc/passwd"], "-a base_url", "'file:///etc/passwd'"),
    ("replica", ["-a", "base_url=/etc/passwd"], "-a base_url", "'/etc/passwd'"),
    ("article", ["-a", "url=../../etc/passwd"], "-a url", "'../../etc/passwd'"),
    ("replica", ["-o", "out-%(_job)s.jsonl"], "feed URI", "%(_job)"),
    ("replica", ["-o", "/tmp/%(base_url)s.jsonl"], "feed URI", "%(base_url)"),
    ("replica", ["-s", "DEFAULT_FEED_URI=data/%(args)s.jsonl"], "feed URI", "%(args)"),
    # Limits.
    ("replica", ["-s", "DOWNLOAD_MAXSIZE=-1"], "-s DOWNLOAD_MAXSIZE", "'-1'"),
    ("replica", ["-s", "DOWNLOAD_TIMEOUT=0"], "-s DOWNLOAD_TIMEOUT", "'0'"),
    ("replica", ["-s", "RETRY_BACKOFF_BASE=soon"], "-s RETRY_BACKOFF_BASE", "'soon'"),
    ("replica", ["-s", "RETRY_AFTER_MAX=-5"], "-s RETRY_AFTER_MAX", "'-5'"),
    ("replica", ["-s", "LIST_PAGES_MAX=many"], "-s LIST_PAGES_MAX", "'many'"),
    ("replica", ["-s", "HOST_REQUESTS_MAX=-1"], "-s HOST_REQUESTS_MAX", "'-1'"),
    # A shared crawl: a Redis URL, of a server that answers (its password kept out).
    ("replica", ["-s", "REDIS_URL=http://127.0.0.1:1/0"], "-s REDIS_URL", "'http://127.0.0.1:1/0'"),
    ("replica", ["-s", "REDIS_URL=redis://u:hush@127.0.0.1:1/0"], "-s REDIS_URL", "u:***@"),
]


def target(spider: str, site: CountingSite, args: list[str]) -> list[str]:
    """The counting site as the spider's target, unless the case is about the target."""
    if spider == "replica":
        return ["-a", f"base_url={site.url}"]
    if args and not any(arg.startswith("url=") for arg in args):
        return ["-a", f"url={site.url}/newsDetail/1.shtml"]
    return []


def refusal(result: subprocess.CompletedProcess[str], named: str, value: str) -> str:
    """The one ``error:`` line of a crawl refused with exit code 2 before its first request."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Unhandled error" not in result.stderr
    assert "Crawled (" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {named}"), lines[0]
    assert value in lines[0]
    return lines[0]


@pytest.mark.e2e
@pytest.mark.parametrize(("spider", "args", "named", "value"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_2(site, spider, args, named, value):
    asked = len(site.paths)
    result = run_scrapy("crawl", spider, *target(spider, site, args), *args)
    refusal(result, named, value)
    assert site.paths[asked:] == []


@pytest.mark.e2e
@pytest.mark.parametrize("reactor_name", sorted(REACTORS))
def test_refused_alike_under_each_reactor(site, reactor_name):
    """The crawl is a Deferred under epoll and an asyncio Task under asyncio."""
    reactor = ["-s", f"TWISTED_REACTOR={REACTORS[reactor_name]}"]
    asked = len(site.paths)
    for args, named in (
        (["-a", "articles=abc"], "-a articles"),
        (["-s", "FEED_BATCH_ITEMS=abc"], "-s FEED_BATCH_ITEMS"),
    ):
        result = run_scrapy("crawl", "replica", "-a", f"base_url={site.url}", *args, *reactor)
        refusal(result, named, "'abc'")
    assert site.paths[asked:] == []


@pytest.mark.e2e
def test_the_exact_lines():
    result = run_scrapy("crawl", "replica", "-a", "articles=abc")
    assert refusal(result, "-a", "") == "error: -a articles='abc': a whole number from 10 to 100000"
    result = run_scrapy("crawl", "replica", "-a", "bogus=1")
    assert refusal(result, "-a", "") == (
        "error: -a bogus='1': spider 'replica' has no such argument"
        " (its arguments: base_url, articles, seed, drift, hostile)"
    )
    result = run_scrapy("crawl", "replica", "-s", "CRAWL_MODE=bogus")
    assert refusal(result, "-s", "") == "error: -s CRAWL_MODE='bogus': incremental or full"


@pytest.mark.e2e
def test_unknown_spider_names_the_spiders():
    result = run_scrapy("crawl", "nosuch")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: no spider 'nosuch' in this project"
        " (spiders: article, cnfinance, financeun, replica)"
    ]
    assert "Spider not found" not in result.stderr


@pytest.mark.e2e
def test_scrapyd_job_argument_and_good_values_still_crawl(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_scrapy(
        *("crawl", "replica", "-a", "_job=0123abcd", "-a", "articles=30", "-a", "seed=2"),
        *("-a", "drift=0", "-s", "RELATED_DEPTH_LIMIT=0", "-s", "FEED_BATCH_ITEMS=5"),
        *("-s", "CRAWL_MODE=full", "-s", "DEDUP_NEAR_THRESHOLD=1", "-O", str(out)),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text("utf-8").count("\n") > 0


# The declarations.


def test_replica_arguments_are_typed_with_defaults():
    args = parse_arguments("replica", ReplicaArguments, {"articles": "20", "drift": "0.5"})
    assert args == ReplicaArguments(base_url="", articles=20, seed=1, drift=0.5)
    assert parse_arguments("replica", ReplicaArguments, {"_job": "x"}) == ReplicaArguments()
    given = {"base_url": "http://127.0.0.1:1/", "seed": "-3"}
    assert parse_arguments("replica", ReplicaArguments, given) == ReplicaArguments(
        base_url="http://127.0.0.1:1/", seed=-3
    )


def test_article_urls_are_split_and_checked():
    """(``scrapy crawl article`` requires them; ``scrapy shell`` and ``parse`` give the page.)"""
    args = parse_arguments("article", ArticleArguments, {"url": "http://a.cn/1, https://b.cn/2"})
    assert args.url == ("http://a.cn/1", "https://b.cn/2")
    assert parse_arguments("article", ArticleArguments, {}).url == ()
    with pytest.raises(ConfigError, match=r"^-a url='http://a.cn/1,b': "):
        parse_arguments("article", ArticleArguments, {"url": "http://a.cn/1,b"})


def test_spider_without_arguments_takes_only_scheduler_ones():
    assert parse_arguments("financeun", NoArguments, {"_job": "1", "_version": "2"}) == (
        NoArguments()
    )
    with pytest.raises(ConfigError) as refused:
        parse_arguments("financeun", NoArguments, {"bogus": "1"})
    assert str(refused.value) == (
        "-a bogus='1': spider 'financeun' has no such argument (its arguments: none)"
    )


def test_every_allowed_near_threshold_builds_its_finder():
    body = fingerprint("中国金融网" * 40)
    assert body is not None
    for threshold in (0.001, 0.5, 0.8, 0.99, 1.0):
        finder = NearDuplicateFinder(MemoryCrawlState(), threshold)
        finder.add("http://a.cn/1", body, None)
        assert finder.find(body, None) == "http://a.cn/1"


def test_config_error_is_a_scrapy_usage_error_without_help():
    error = ConfigError("x")
    assert isinstance(error, UsageError)
    assert not error.print_help


def test_project_settings_pass_their_own_check():
    settings = Settings()
    settings.setmodule("crawler.settings")
    check_settings(settings)


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("RELATED_DEPTH_LIMIT", [0, "3"], ["-1", "1.5", "abc", True, 1.5]),
        ("FEED_BATCH_ITEMS", [1, "1000"], [0, "-1", "x"]),
        ("CRAWL_MODE", ["incremental", "full"], ["Full", ""]),
        ("RECHECK_DAYS", [0, "7"], ["-1"]),
        ("DEDUP_POLICY", ["drop", "mark"], ["keep"]),
        ("DEDUP_NEAR_THRESHOLD", ["1", 0.5, "0.01"], ["0", 0, "1.01", "nan", "x"]),
        ("EXTRACTION_DRIFT_THRESHOLD", [0, "1", 0.1], ["-0.1", "1.1", "inf"]),
        ("EXTRACTION_DRIFT_MIN_PAGES", [1, "10"], [0, "0"]),
        ("INCREMENTAL_ENABLED", [True, "False", "0", "1", "true", 0], ["yes", "2", ""]),
        ("DEDUP_URL", [False], ["no"]),
        ("DOWNLOAD_DELAY", [0, "1.5"], ["-1", "fast"]),
        ("CRAWL_STATE_CLASS", ["crawler.state.memory.MemoryCrawlState"], ["nope.Nope"]),
    ],
)
def test_setting_declarations(name, good, bad):
    for value in good:
        check_settings(Settings({name: value}))
    for value in bad:
        with pytest.raises(ConfigError, match=rf"^-s {name}={re.escape(repr(value))}: "):
            check_settings(Settings({name: value}))


def readme_table(heading: str) -> list[list[str]]:
    """The cells of the first table under README's ``heading``, header rows left out."""
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    section = readme.split(f"\n## {heading}\n", 1)[1]
    table = section.split("\n|", 1)[1].split("\n\n", 1)[0]
    return [row.split("|")[1:-1] for row in ("|" + table).splitlines()[2:]]


def test_readme_settings_tables_are_the_declaration():
    rows = [
        *readme_table("Settings that matter"),
        *readme_table("Limits and what bad input gets"),
        *readme_table("Monitors"),
    ]
    names = [re.findall(r"`([A-Z_]+)`", row[0]) for row in rows]
    assert sorted(n for row in names for n in row) == sorted(s.name for s in SETTINGS)


def test_readme_spiders_table_names_every_argument():
    table = {row[0].strip(" `"): row[2] for row in readme_table("Spiders")}
    assert sorted(table) == ["article", "cnfinance", "financeun", "replica"]
    for spider, arguments in {"replica": ReplicaArguments, "article": ArticleArguments}.items():
        for field in dataclasses.fields(arguments):
            assert f"`-a {field.name}=" in table[spider], (spider, field.name)
