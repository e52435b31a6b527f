"""Every command of README.md and docs/*.md, run for real: the documentation cannot drift.

The fenced code blocks of the docs are collected; each is either run (``RUN``: the test that
runs it) or listed with the reason it is not (``SKIPPED``), and a new block that is neither
fails ``test_every_fenced_block_is_run_or_skipped``. A run block's commands are read from
the docs at test time and translated by ``Shell``, which substitutes:

- the replica's URL for ``http://127.0.0.1:8080`` (the replica is served by README's own
  ``python -m crawler.replica`` command, on a free port) and live-site article URLs;
- a real Scrapyd (started as tests/test_scrapyd.py does) for ``http://127.0.0.1:6800``;
- this interpreter for ``.venv/bin/python`` and the venvs of docs/scheduling.md, and
  ``python -m scrapy`` for their ``scrapy``;
- folders under tmp_path for ``/var/lib/cnfinance-news`` and ``/srv/news``, and the checkout
  for ``/opt/cnfinance-news/src``.

Install steps (``python3 -m venv``, ``pip install``) and ``git pull`` are left out (the test
runs in the installed venv, with no network); every part left out is named by a rule of
``Shell``, and a command no rule knows fails the test. No command may reach the internet:
every process gets ``http_proxy``/``https_proxy`` pointing at a closed 127.0.0.1 port (with
``no_proxy`` for 127.0.0.1), so ``scrapy crawl financeun``/``cnfinance`` fail fast the way
they do for a user offline: exit 1 and one ``Run failed (start_pages_unreachable)`` line.
"""

from __future__ import annotations

import ast
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import redis

from crawler import settings as project_settings
from spiders.replica import ReplicaArguments, ReplicaSpider
from tests.conftest import PROJECT_ROOT
from tests.test_report import write_handmade
from tests.test_scrapyd import Scrapyd, local_target

pytestmark = pytest.mark.e2e

DOCS = ["README.md", *sorted(f"docs/{p.name}" for p in (PROJECT_ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.S | re.M)
SPIDERS = ["article", "cnfinance", "financeun", "replica"]
SCHEMA = json.loads((PROJECT_ROOT / "schema" / "article.schema.json").read_text("utf-8"))
SEED_PATH = "/newsDetail/40003.shtml"
SEED_TITLE = "DeepSeek 为中国在国际市场争取到 AI 话语权"
# Offline, a live-site crawl fails at once instead of retrying with polite delays.
FAIL_FAST = ("-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
RUN_FAILED = re.compile(r"\[crawler\.outcome\] ERROR: Run failed \((\w+)\): ")


@dataclasses.dataclass(frozen=True)
class Block:
    """A fenced code block of a doc."""

    file: str
    index: int
    info: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return self.file, self.text.splitlines()[0].strip()

    def commands(self) -> list[str]:
        """Its command lines: backslash continuations joined, comment and blank lines out."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        return [
            line.strip()
            for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]

    def comments(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.lstrip().startswith("#")]


def doc_blocks() -> list[Block]:
    return [
        Block(name, index, match[1].strip(), match[2])
        for name in DOCS
        for index, match in enumerate(FENCE.finditer((PROJECT_ROOT / name).read_text("utf-8")))
    ]


def block(file: str, first_line: str) -> Block:
    (found,) = [b for b in doc_blocks() if b.key == (file, first_line)]
    return found


def run_key(test_name: str) -> tuple[str, str]:
    """The one block ``test_name`` runs."""
    (key,) = [key for key, name in RUN.items() if name == test_name]
    return key


README_CRON_BLOCK = (
    "README.md",
    "0 * * * * curl -s http://127.0.0.1:6800/schedule.json "
    "-d project=cnfinance_news -d spider=financeun",
)
DEPLOY_BLOCK = ("docs/scheduling.md", "cd /opt/cnfinance-news/src && git pull")
CRONTAB_BLOCK = ("docs/scheduling.md", "SCRAPYD_URL=http://127.0.0.1:6800")
BARE_CURL_BLOCK = (
    "docs/scheduling.md",
    "curl -sS http://127.0.0.1:6800/schedule.json -d project=cnfinance_news -d spider=financeun",
)
SETTINGS_BLOCK = (
    "docs/scheduling.md",
    'sh deploy/schedule-crawl.sh financeun --data-urlencode "setting=DEFAULT_FEED_URI='
    '/srv/news/%(name)s/%(run_id)s-%(batch_id)05d.jsonl" -d setting=CRAWL_MODE=full',
)
DATASET_BLOCK = ("README.md", ".venv/bin/python -m crawler.dataset build data -o dataset")
DATASET_LOADERS_BLOCK = ("README.md", "import duckdb")
DISTRIBUTED_BLOCK = (
    "README.md",
    "redis-server --port 6379 --appendonly yes --appendfsync always --dir /var/lib/redis",
)

RUN: dict[tuple[str, str], str] = {
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -e . && "
        ".venv/bin/scrapy crawl replica -O articles.jsonl",
    ): "test_quick_start_crawl",
    (
        "README.md",
        ".venv/bin/scrapy crawl financeun -s CRAWLER_CONTACT=mailto:you@example.org",
    ): "test_live_site_crawls",
    (
        "README.md",
        '.venv/bin/scrapy shell http://127.0.0.1:8080/newsDetail/40003.shtml -c "response.status"',
    ): "test_shell_parse_check",
    (
        "README.md",
        ".venv/bin/python -m crawler.replica --port 8080 --articles 1000 --seed 1",
    ): "test_serve_the_replica",
    (
        "README.md",
        ".venv/bin/python -m crawler.extraction page.html "
        "--url https://www.financeun.com/newsDetail/1.shtml",
    ): "test_extract_a_saved_page",
    README_CRON_BLOCK: "test_scrapyd_commands",
    (
        "docs/scheduling.md",
        "useradd --system --home-dir /var/lib/cnfinance-news --create-home cnfinance",
    ): "test_host_setup",
    DEPLOY_BLOCK: "test_scrapyd_commands",
    CRONTAB_BLOCK: "test_scrapyd_commands",
    BARE_CURL_BLOCK: "test_scrapyd_commands",
    SETTINGS_BLOCK: "test_scrapyd_commands",
    (
        "docs/scheduling.md",
        "7 * * * * cd /var/lib/cnfinance-news && mkdir -p logs && "
        "SCRAPY_SETTINGS_MODULE=crawler.settings flock -n financeun.lock "
        "/opt/cnfinance-news/venv-crawl/bin/scrapy crawl financeun --logfile logs/financeun.log",
    ): "test_cron_without_scrapyd",
    ("docs/scheduling.md", "import hashlib"): "test_cron_without_scrapyd",
    (
        "docs/scheduling.md",
        ".venv/bin/python -m pytest tests/test_scrapyd.py",
    ): "test_scrapyd_test_command",
    ("README.md", ".venv/bin/scrapy report -o report.html"): "test_run_report",
    DATASET_BLOCK: "test_dataset_commands",
    DATASET_LOADERS_BLOCK: "test_dataset_commands",
    DISTRIBUTED_BLOCK: "test_distributed_commands",
}
"""Blocks that are run, by (file, first line): the test that runs them."""

SKIPPED: dict[tuple[str, str], str] = {
    (
        "README.md",
        'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest',
    ): "the whole suite is not run from inside itself: tests/test_project.py::"
    "test_quick_start_is_two_commands_and_ci_runs_the_test_one checks it is .ci/run's last "
    "line (test_ci_runs_the_readme_test_command checks that test is still there)",
    ("README.md", "{"): "the example record (JSON, not a command); its keys are checked "
    "against a record of the quick-start crawl in test_quick_start_crawl",
    ("README.md", "crawler/               the Scrapy project package"): "the code layout tree",
    (
        "docs/scheduling.md",
        "systemctl enable --now cnfinance-crawl@financeun.timer cnfinance-crawl@cnfinance.timer",
    ): "needs systemd and root; the units run schedule-crawl.sh, whose cron lines "
    "test_scrapyd_commands runs, and tests/test_scrapyd.py::test_deploy_files_agree_with_"
    "scrapy_cfg_and_the_spiders checks the units",
    ("docs/scheduling.md", "{"): "the example manifest (JSON, not a command); its keys are "
    "checked against real manifests in test_live_site_crawls and test_quick_start_crawl",
}
"""Blocks deliberately not run, by (file, first line): why."""

LANGUAGES = {"sh", "cron", "json", "python", ""}


# --- the translation of documented commands --------------------------------------------------


@dataclasses.dataclass
class Step:
    argv: list[str]
    env: dict[str, str]
    cwd: Path


class Shell:
    """Turns a documented shell command into steps to run here (see the module docstring);
    ``left_out`` collects each part not run, with the reason."""

    LEFT_OUT = (
        (
            re.compile(r"^python3 -m venv \S+$"),
            "creates a venv: the test runs in the installed one",
        ),
        (re.compile(r"^\S*pip install "), "installs: the test runs in the installed venv"),
        (re.compile(r"^git (pull|clone)\b"), "needs the network"),
        (re.compile(r"^(useradd|systemctl|install -o|cp) "), "needs root or systemd"),
    )
    SCRAPY = (".venv/bin/scrapy", "/opt/cnfinance-news/venv-crawl/bin/scrapy")
    PYTHON = (".venv/bin/python", "/opt/cnfinance-news/venv/bin/python")

    def __init__(self, cwd: Path, substitutions: dict[str, str], env: dict[str, str]) -> None:
        self.cwd = cwd
        self.substitutions = substitutions
        self.env = env
        self.left_out: list[tuple[str, str]] = []

    def substitute(self, text: str) -> str:
        for old, new in self.substitutions.items():
            text = text.replace(old, new)
        return text

    def steps(self, command: str) -> list[Step]:
        steps: list[Step] = []
        cwd = self.cwd
        for part in command.split(" && "):
            part = part.strip()
            reason = next((why for rule, why in self.LEFT_OUT if rule.search(part)), None)
            if reason:
                self.left_out.append((part, reason))
                continue
            words = shlex.split(self.substitute(part), comments=True)
            env = dict(self.env)
            while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            if words[0] == "cd":
                cwd = Path(words[1])
                continue
            steps.append(Step(self.executables(words), env, cwd))
        return steps

    def executables(self, words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            if word in self.SCRAPY:
                out += [sys.executable, "-m", "scrapy"]
            elif word in self.PYTHON:
                out.append(sys.executable)
            else:
                out.append(word)
        return out


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", re.M)


def assert_no_traceback(output: str, what: object, offline_failure: bool = False) -> None:
    """No Traceback; in a crawl that fails offline, only those Scrapy logs with each failed
    download (``Error downloading <URL>``: its standard log, not a crash)."""
    if not offline_failure:
        assert "Traceback" not in output, (what, output[-3000:])
        return
    starts = [m.start() for m in LOG_RECORD.finditer(output)]
    assert "Traceback" not in output[: starts[0] if starts else len(output)], output[:3000]
    for start, end in zip(starts, [*starts[1:], len(output)], strict=True):
        record = output[start:end]
        header = record.splitlines()[0]
        assert "Traceback" not in record or "ERROR: Error downloading <" in header, record


def run(
    step: Step, timeout: float = 300, stdin: str | None = None, offline_failure: bool = False
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        step.argv,
        cwd=step.cwd,
        env=step.env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert_no_traceback(result.stdout, step.argv)
    assert_no_traceback(result.stderr, step.argv, offline_failure)
    return result


def run_all(shell: Shell, command: str, **options: Any) -> subprocess.CompletedProcess:
    """The steps of ``command`` as ``&&`` runs them: each must exit 0 but the last."""
    steps = shell.steps(command)
    assert steps, f"nothing of {command!r} is run"
    for step in steps[:-1]:
        result = run(step, **options)
        assert result.returncode == 0, (step.argv, result.stderr[-3000:])
    return run(steps[-1], **options)


@dataclasses.dataclass(frozen=True)
class CronEntry:
    schedule: str
    command: str


def crontab(lines: list[str]) -> tuple[dict[str, str], list[CronEntry]]:
    """The variables and entries of crontab lines (``NAME=VALUE`` or 5 time fields and a
    command in which a literal ``%`` is written ``\\%``)."""
    variables: dict[str, str] = {}
    entries: list[CronEntry] = []
    field = r"(\*|\d+)(-\d+)?(/\d+)?(,(\d+))*"
    for line in lines:
        if re.fullmatch(r"[A-Z_]+=\S*", line):
            name, value = line.split("=", 1)
            variables[name] = value
            continue
        parts = line.split(None, 5)
        assert len(parts) == 6, f"not a crontab line: {line!r}"
        assert all(re.fullmatch(field, f) for f in parts[:5]), f"bad schedule: {line!r}"
        assert not re.search(r"(?<!\\)%", parts[5]), (
            f"cron turns an unescaped % into a newline: {line!r}"
        )
        entries.append(CronEntry(" ".join(parts[:5]), parts[5].replace("\\%", "%")))
    return variables, entries


# --- shared processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def offline() -> Iterator[dict[str, str]]:
    """Proxies for every process of this module (and Scrapyd's jobs, which inherit its
    environment): a closed 127.0.0.1 port, so nothing reaches the internet; 127.0.0.1 direct."""
    closed = f"http://127.0.0.1:{free_port()}"
    guard = {
        "http_proxy": closed,
        "https_proxy": closed,
        "HTTP_PROXY": closed,
        "HTTPS_PROXY": closed,
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    saved = {name: os.environ.get(name) for name in guard}
    os.environ.update(guard)
    yield guard
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    # urlopen's default opener read the proxies when it was built: let the next one read
    # the environment as it is again.
    urllib.request.install_opener(None)


def base_env() -> dict[str, str]:
    """A user's shell: the project installed in this venv, no settings module chosen (a
    command finds scrapy.cfg in its folder), no PYTHONPATH, the offline proxies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SCRAPYD_"))}
    env.pop("PYTHONPATH", None)
    env["SCRAPY_PYTHON_SHELL"] = "python"
    return env


@pytest.fixture(scope="module")
def replica(offline) -> Iterator[str]:
    """The replica served by README's own command, on a free port; its base URL."""
    (command,) = block(*run_key("test_serve_the_replica")).commands()
    port = free_port()
    shell = Shell(PROJECT_ROOT, {"--port 8080": f"--port {port}"}, base_env())
    (step,) = shell.steps(command)
    process = subprocess.Popen(
        step.argv, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first = process.stdout.readline().decode()
    url = f"http://127.0.0.1:{port}"
    assert first == f"replica site with 1000 articles at {url}/\n", (
        first,
        process.stderr.read(3000) if process.poll() is not None else "",
    )
    yield url
    process.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and b"Traceback" not in err, err.decode()[-3000:]


@pytest.fixture(scope="module")
def project_root(tmp_path_factory) -> Path:
    """A folder where commands run "from the project root": its scrapy.cfg, outputs here."""
    root = tmp_path_factory.mktemp("root")
    shutil.copy(PROJECT_ROOT / "scrapy.cfg", root / "scrapy.cfg")
    return root


def shell_at(root: Path, replica_url: str = "", **more: str) -> Shell:
    substitutions = {"/opt/cnfinance-news/src": str(PROJECT_ROOT), **more}
    if replica_url:
        substitutions["http://127.0.0.1:8080"] = replica_url
    return Shell(root, substitutions, base_env())


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def assert_articles(records: list[dict]) -> None:
    assert records
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        errors = [e.message for e in validator.iter_errors(record)]
        assert errors == [], (record["url"], errors)


def manifests(folder: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.manifest.json"))]


def documented_manifest_keys() -> set[str]:
    return set(json.loads(block("docs/scheduling.md", "{").text))


def last_log_line(log: str) -> str:
    return log.rstrip().splitlines()[-1]


# --- the coverage of the docs ------------------------------------------------------------------


def test_every_fenced_block_is_run_or_skipped():
    blocks = doc_blocks()
    keys = [b.key for b in blocks]
    assert len(keys) == len(set(keys)), "two blocks start with the same line: key by more"
    assert {b.info for b in blocks} <= LANGUAGES, {b.info for b in blocks}
    assert not RUN.keys() & SKIPPED.keys()
    new = [key for key in keys if key not in RUN and key not in SKIPPED]
    assert new == [], f"fenced blocks neither run by a test nor listed in SKIPPED: {new}"
    gone = sorted((RUN.keys() | SKIPPED.keys()) - set(keys))
    assert gone == [], f"RUN/SKIPPED name blocks the docs no longer have: {gone}"
    for name in set(RUN.values()):
        assert callable(globals().get(name)), name
    # Only examples and the layout tree are skipped as not being commands.
    for b in blocks:
        if b.info in ("json", ""):
            assert b.key in SKIPPED, b.key


def test_ci_runs_the_readme_test_command():
    from tests import test_project

    assert callable(test_project.test_quick_start_is_two_commands_and_ci_runs_the_test_one)
    (key,) = [k for k in SKIPPED if k[1].endswith(".venv/bin/python -m pytest")]
    ci = (PROJECT_ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert ci[-1] == block(*key).text.strip()


def table_rows(markdown: str, heading: str) -> list[str]:
    """The body rows of the first table under ``## heading``."""
    section = markdown.split(f"\n## {heading}\n", 1)[1].lstrip("\n")
    table = section.split("\n\n", 1)[0].splitlines()
    assert table[0].startswith("|"), table[0]
    return table[2:]


def test_documented_defaults_are_the_real_ones():
    """README's settings table (its names are checked by tests/test_usage_errors.py), the
    replica spider's defaults, and docs/scheduling.md's DEFAULT_FEED_URI."""
    readme = (PROJECT_ROOT / "README.md").read_text("utf-8")
    checked = 0
    for row in table_rows(readme, "Settings that matter"):
        names_cell, default_cell = row.split("|")[1:3]
        names = re.findall(r"`([A-Z_]+)`", names_cell)
        defaults = re.findall(r"`([^`]+)`", default_cell) or [default_cell.strip()]
        if len(defaults) == 1:
            defaults *= len(names)
        assert len(defaults) == len(names), row
        for name, documented in zip(names, defaults, strict=True):
            real = getattr(project_settings, name)
            if documented == "empty":
                assert real == "", name
                continue
            try:
                value = ast.literal_eval(documented)
            except (ValueError, SyntaxError):
                value = documented
            assert value == real, f"README says {name} = {documented}, settings.py {real!r}"
            checked += 1
    assert checked >= 19
    assert ReplicaSpider.custom_settings["AUTOTHROTTLE_ENABLED"] is False
    assert ReplicaSpider.custom_settings["CONCURRENT_REQUESTS"] == 32

    replica_row = next(r for r in table_rows(readme, "Spiders") if r.startswith("| `replica`"))
    for field in dataclasses.fields(ReplicaArguments):
        if field.name == "base_url":
            continue
        documented = re.search(rf"`-a {field.name}=\w+`[^|]*?\(default (\d+)\)", replica_row)
        assert documented and float(documented[1]) == field.default, (field.name, replica_row)

    scheduling = (PROJECT_ROOT / "docs" / "scheduling.md").read_text("utf-8")
    documented = re.search(r"\(default `([^`]+)`: the run id", scheduling)
    assert documented and documented[1] == project_settings.DEFAULT_FEED_URI
    assert "`.crawl-state/<spider>.sqlite`" in scheduling
    assert project_settings.CRAWL_STATE_URI == ".crawl-state/%(name)s.sqlite"


# --- README.md --------------------------------------------------------------------------------


def test_quick_start_crawl(project_root, offline):
    (command,) = block(*run_key("test_quick_start_crawl")).commands()
    shell = shell_at(project_root)
    result = run_all(shell, command)
    assert [why for _, why in shell.left_out] == [
        "creates a venv: the test runs in the installed one",
        "installs: the test runs in the installed venv",
    ]
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(project_root / "articles.jsonl")
    assert len(records) > 500
    assert_articles(records)
    assert last_log_line(result.stderr).endswith(
        f"Run ended (finished): {len(records)} new articles exported"
    )
    example = json.loads(block("README.md", "{").text)
    assert list(example) == list(records[0]), set(example) ^ set(records[0])
    seed = next(r for r in records if r["title"] == example["title"])
    assert (seed["authors"], seed["published_at"]) == (example["authors"], example["published_at"])
    (manifest,) = manifests(project_root)  # beside the -O file
    assert set(manifest) == documented_manifest_keys()
    assert manifest["status"] == "finished" and manifest["error"] is None
    assert manifest["files"] == [
        {
            "path": "articles.jsonl",
            "lines": len(records),
            "sha256": hashlib.sha256((project_root / "articles.jsonl").read_bytes()).hexdigest(),
        }
    ]


def assert_failed_offline(
    result: subprocess.CompletedProcess, spider: str, log: str | None = None
) -> None:
    """What a user offline sees: exit 1, the last line of the log one ``Run failed`` naming
    the start page that could not be fetched."""
    log = result.stderr if log is None else log
    assert result.returncode == 1, log[-3000:]
    assert RUN_FAILED.findall(log) == ["start_pages_unreachable"], log[-3000:]
    assert RUN_FAILED.search(last_log_line(log)), last_log_line(log)
    assert f"www.{spider}." in last_log_line(log)


def test_live_site_crawls(project_root, replica, offline):
    """financeun and cnfinance fail offline, as documented for an unreachable site; the
    article spider, given a replica article's URL, exports it and its related news."""
    financeun, cnfinance, article = block(*run_key("test_live_site_crawls")).commands()
    root = project_root / "live"
    root.mkdir()
    shutil.copy(project_root / "scrapy.cfg", root)
    shell = shell_at(
        root, **{"https://www.financeun.com/newsDetail/12345.shtml": replica + SEED_PATH}
    )

    assert financeun.split()[:3] == [".venv/bin/scrapy", "crawl", "financeun"]
    (step,) = shell.steps(financeun)
    step.argv += FAIL_FAST
    result = run(step, offline_failure=True)
    assert_failed_offline(result, "financeun")
    assert "CRAWLER_CONTACT" not in result.stderr  # the setting is accepted as is
    # No -o/-O: the manifest of the default feed, in data/<spider>/, says why the run failed.
    (manifest,) = manifests(root / "data" / "financeun")
    assert set(manifest) == documented_manifest_keys()
    assert manifest["status"] == "start_pages_unreachable" and manifest["files"] == []
    assert manifest["error"] and manifest["error"] in last_log_line(result.stderr)
    assert (root / ".crawl-state" / "financeun.sqlite").exists()

    (step,) = shell.steps(cnfinance)
    step.argv += FAIL_FAST
    assert_failed_offline(run(step, offline_failure=True), "cnfinance")
    assert not (root / "cnfinance.jsonl").exists()  # nothing to write
    (manifest,) = manifests(root)  # beside the -O file
    assert manifest["spider"] == "cnfinance" and manifest["status"] == "start_pages_unreachable"

    (step,) = shell.steps(article)
    assert f"url={replica}{SEED_PATH}" in step.argv
    result = run(step)
    assert result.returncode == 0, result.stderr[-3000:]
    records = read_jsonl(root / "one.jsonl")
    assert_articles(records)
    assert records[0]["title"] == SEED_TITLE and len(records) > 1  # and its related news


def test_shell_parse_check(project_root, replica, offline):
    shell_c, shell_spider, parse, check, check_given = block(
        *run_key("test_shell_parse_check")
    ).commands()
    root = project_root / "look"
    root.mkdir()
    shutil.copy(project_root / "scrapy.cfg", root)
    shell = shell_at(root, replica)
    before = {p for p in root.rglob("*")}

    (step,) = shell.steps(shell_c)
    result = run(step)
    assert result.returncode == 0 and result.stdout.strip() == "200", result.stderr[-3000:]

    (step,) = shell.steps(shell_spider)  # interactive: a line typed, then Ctrl-D
    result = run(step, stdin="print('status', response.status, spider.name)\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "status 200 replica" in result.stdout

    (step,) = shell.steps(parse)
    result = run(step)
    assert result.returncode == 0, result.stderr[-3000:]
    assert SEED_TITLE in result.stdout and "newsDetail/40000.shtml" in result.stdout

    for command in (check, check_given):
        (step,) = shell.steps(command)
        if command is check_given:
            assert f"CONTRACTS_REPLICA_URL={replica}" in step.argv
        result = run(step)
        assert result.returncode == 0, result.stderr[-3000:]
        ran = re.search(r"Ran (\d+) contracts? in .*\n\s*OK\s*$", result.stderr)
        assert ran and int(ran[1]) >= 5, result.stderr[-3000:]

    assert {p for p in root.rglob("*")} == before, "these commands write nothing"


def test_serve_the_replica(replica):
    """The URLs the block's comments name are served (the server is README's command, run
    by the ``replica`` fixture, which stops it with Ctrl-C and checks it exits 0)."""
    comments = " ".join(block(*run_key("test_serve_the_replica")).comments())
    paths = re.findall(r"(?:http://127\.0\.0\.1:8080)?(/[\w./]*)", comments)
    assert paths == ["/", "/cn/", "/robots.txt", "/sitemap.xml", "/_truth.jsonl"], paths
    bodies = {}
    for path in paths:
        with urllib.request.urlopen(replica + path, timeout=60) as reply:
            assert reply.status == 200
            bodies[path] = reply.read().decode("utf-8")
    assert "/newsDetail/" in bodies["/"] and "/cn/articles/" in bodies["/cn/"]
    assert "User-agent" in bodies["/robots.txt"] and "<urlset" in bodies["/sitemap.xml"]
    truth = [json.loads(line) for line in bodies["/_truth.jsonl"].splitlines()]
    assert len(truth) == 1000 and {"url", "title", "related"} <= set(truth[0])
    seed = next(t for t in truth if t["url"] == replica + SEED_PATH)
    assert seed["title"] == SEED_TITLE


def test_extract_a_saved_page(project_root, replica, offline):
    (command,) = block(*run_key("test_extract_a_saved_page")).commands()
    root = project_root / "extract"
    root.mkdir()
    with urllib.request.urlopen(replica + SEED_PATH, timeout=60) as reply:
        (root / "page.html").write_bytes(reply.read())
    (step,) = shell_at(root).steps(command)
    result = run(step)
    assert result.returncode == 0, result.stderr[-3000:]
    extracted = json.loads(result.stdout)
    assert extracted["title"] == SEED_TITLE and extracted["authors"] == ["金科"]
    assert extracted["published_at"] == "2025-02-06T06:41:00+08:00"


# --- docs/scheduling.md -----------------------------------------------------------------------


def test_host_setup(tmp_path, offline):
    """Of the one-time host setup, what runs without root: the dependency list line, and
    the versions pinned for Scrapyd's venv are the test extra's (the daemonstatus.json call
    is run by test_scrapyd_commands)."""
    commands = block(*run_key("test_host_setup")).commands()
    shell = shell_at(tmp_path, **{"/tmp/cnfinance-requirements.txt": str(tmp_path / "req.txt")})
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
    ran = []
    for command in commands:
        if command.startswith("curl "):
            assert command == "curl -s http://127.0.0.1:6800/daemonstatus.json"
            continue
        if "pip install" in command and "scrapyd" in command:
            pinned = shlex.split(command)[3:]
            assert set(pinned) <= set(pyproject["project"]["optional-dependencies"]["test"])
        redirect = None
        if " > " in command:
            command, redirect = command.rsplit(" > ", 1)
        for step in shell.steps(command):
            result = run(step)
            assert result.returncode == 0, result.stderr
            if redirect:
                Path(shell.substitute(redirect)).write_text(result.stdout, "utf-8")
            ran.append(step.argv)
    assert len(ran) == 1, ran
    listed = (tmp_path / "req.txt").read_text("utf-8").split()
    assert listed == pyproject["project"]["dependencies"]
    reasons = {why for _, why in shell.left_out}
    assert reasons == {
        "creates a venv: the test runs in the installed one",
        "installs: the test runs in the installed venv",
        "needs the network",
        "needs root or systemd",
    }, shell.left_out


@pytest.fixture(scope="module")
def scrapyd(offline, tmp_path_factory) -> Iterator[Scrapyd]:
    """A real Scrapyd on a free port (as tests/test_scrapyd.py starts it), several jobs at a
    time; its jobs inherit the offline proxies."""
    daemon = Scrapyd(tmp_path_factory.mktemp("scrapyd") / "scrapyd", local_target()["project"])
    conf = daemon.root / "scrapyd.conf"
    conf.write_text(conf.read_text("utf-8").replace("max_proc = 1", "max_proc = 4"), "utf-8")
    try:
        yield daemon.start()
    finally:
        daemon.stop()


def scrapyd_shell(scrapyd: Scrapyd, cwd: Path, **more: str) -> Shell:
    shell = shell_at(cwd, **{"http://127.0.0.1:6800": scrapyd.url, **more})
    shell.env.update(SCRAPYD_URL=scrapyd.url, SCRAPYD_PROJECT=scrapyd.project)
    return shell


def scheduled(scrapyd: Scrapyd, result: subprocess.CompletedProcess, spider: str) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "ok", answer
    job = answer["jobid"]
    jobs = scrapyd.jobs()
    assert [j["spider"] for j in jobs["pending"] + jobs["running"] if j["id"] == job] == [spider]
    return job


def cancel(scrapyd: Scrapyd, job: str) -> None:
    """Cancel a live-site job (it can only fail offline) and wait until it is finished."""
    scrapyd.post("cancel.json", [("project", scrapyd.project), ("job", job)])
    deadline = time.monotonic() + 60
    while any(j["id"] == job for j in scrapyd.jobs()["pending"] + scrapyd.jobs()["running"]):
        assert time.monotonic() < deadline, f"job {job} still running 60s after cancel.json"
        time.sleep(0.2)


def test_scrapyd_commands(scrapyd, tmp_path, offline):
    """Deploy with the documented commands, then every documented schedule.json call: the
    bare curl of README and docs, the cron lines through schedule-crawl.sh, and a run with
    its own feed folder, whose manifest lands there."""
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    (xdg / "scrapy.cfg").write_text(
        f"[deploy:docs]\nurl = {scrapyd.url}/\nproject = {scrapyd.project}\n", "utf-8"
    )
    shell = scrapyd_shell(
        scrapyd, PROJECT_ROOT, **{"scrapyd_deploy.py local": "scrapyd_deploy.py docs"}
    )
    shell.env.update(XDG_CONFIG_HOME=str(xdg), HOME=str(scrapyd.home))

    # docs/scheduling.md, set-up: the daemonstatus.json call.
    setup = block(*run_key("test_host_setup")).commands()
    (step,) = shell.steps(next(c for c in setup if "daemonstatus.json" in c))
    assert json.loads(run(step).stdout)["status"] == "ok"

    # Deploying.
    pull_and_deploy, deploy, listspiders = block(*DEPLOY_BLOCK).commands()
    result = run_all(shell, f"{pull_and_deploy} && {deploy}", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert json.loads(result.stdout)["status"] == "ok"
    assert shell.left_out == [("git pull", "needs the network")]
    (step,) = shell.steps(listspiders)
    assert json.loads(run(step).stdout)["spiders"] == SPIDERS

    # README's hourly cron line: bare curl.
    _, (entry,) = crontab(block(*README_CRON_BLOCK).commands())
    assert entry.schedule == "0 * * * *"
    (step,) = shell.steps(entry.command)
    cancel(scrapyd, scheduled(scrapyd, run(step), "financeun"))

    # docs: the bare call.
    (command,) = block(*BARE_CURL_BLOCK).commands()
    (step,) = shell.steps(command)
    cancel(scrapyd, scheduled(scrapyd, run(step), "financeun"))

    # docs: the crontab through schedule-crawl.sh; the variables are cron's environment.
    variables, entries = crontab(block(*CRONTAB_BLOCK).commands())
    assert variables == {
        "SCRAPYD_URL": "http://127.0.0.1:6800",
        "SCRAPYD_PROJECT": scrapyd.project,
    }
    assert [e.schedule for e in entries] == ["7 * * * *", "9 * * * *"]
    for entry, spider in zip(entries, ["financeun", "cnfinance"], strict=True):
        (step,) = shell.steps(entry.command)
        step.env.update({name: shell.substitute(value) for name, value in variables.items()})
        job = scheduled(scrapyd, run(step), spider)
        again = run(step)  # the last run is still pending or running: skipped, exit 0
        assert again.returncode == 0 and "still pending or running" in again.stderr, again
        cancel(scrapyd, job)

    # docs: a run's settings as form fields; its files land in the feed folder given.
    srv = tmp_path / "srv-news"
    shell.substitutions["/srv/news/"] = f"{srv}/"
    (command,) = block(*SETTINGS_BLOCK).commands()
    (step,) = shell.steps(command)
    job = scheduled(scrapyd, run(step), "financeun")
    log = scrapyd.wait_finished(job, timeout=120)
    assert_no_traceback(log, f"job {job}", offline_failure=True)
    assert RUN_FAILED.findall(log) == ["start_pages_unreachable"], log[-3000:]
    assert "'finish_reason': 'start_pages_unreachable'" in log
    (manifest,) = manifests(srv / "financeun")
    assert manifest["mode"] == "full" and manifest["status"] == "start_pages_unreachable"
    assert set(manifest) == documented_manifest_keys()


CRON_DIRECT = (
    "docs/scheduling.md",
    "7 * * * * cd /var/lib/cnfinance-news && mkdir -p logs && "
    "SCRAPY_SETTINGS_MODULE=crawler.settings flock -n financeun.lock "
    "/opt/cnfinance-news/venv-crawl/bin/scrapy crawl financeun --logfile logs/financeun.log",
)
BATCH_FILE = re.compile(r"(\d{8}T\d{6}Z-[0-9a-f]+)-00001\.jsonl")


def test_cron_without_scrapyd(tmp_path, replica, offline):
    """The cron line of a direct ``scrapy crawl``: offline, financeun fails with its reason
    in the log file; the same line for the replica writes the default feed (DEFAULT_FEED_URI)
    and its manifest, which the documented downstream code reads; a held lock skips the run."""
    assert RUN[CRON_DIRECT] == "test_cron_without_scrapyd"
    variables, (entry,) = crontab(block(*CRON_DIRECT).commands())
    assert variables == {} and entry.schedule == "7 * * * *"
    var = tmp_path / "var-lib"
    var.mkdir()
    shell = shell_at(var, **{"/var/lib/cnfinance-news": str(var)})

    result = run_all(shell, f"{entry.command} {' '.join(FAIL_FAST)}")
    log = (var / "logs" / "financeun.log").read_text("utf-8")
    assert_no_traceback(log, "logs/financeun.log", offline_failure=True)
    assert_failed_offline(result, "financeun", log)
    (manifest,) = manifests(var / "data" / "financeun")
    assert manifest["status"] == "start_pages_unreachable"

    shell.substitutions["crawl financeun"] = f"crawl replica -a base_url={replica}"
    result = run_all(shell, entry.command)
    log = (var / "logs" / "financeun.log").read_text("utf-8")
    assert result.returncode == 0, log[-3000:]
    assert "Run ended (finished): " in last_log_line(log)
    feed = var / "data" / "replica"
    batch, manifest_file = sorted(p.name for p in feed.iterdir())
    run_id = BATCH_FILE.fullmatch(batch)[1]
    assert project_settings.DEFAULT_FEED_URI == "data/%(name)s/%(run_id)s-%(batch_id)05d.jsonl"
    assert manifest_file == f"{run_id}.manifest.json"
    assert (var / ".crawl-state" / "replica.sqlite").exists()
    records = read_jsonl(feed / batch)
    assert_articles(records)

    # The downstream code of the docs, on this feed folder.
    namespace: dict[str, Any] = {}
    exec(block("docs/scheduling.md", "import hashlib").text, namespace)
    unprocessed = namespace["unprocessed_batches"]
    assert list(unprocessed(feed, set())) == [(manifest_file, feed / batch)]
    assert list(unprocessed(feed, {manifest_file})) == []

    # flock -n: while the last run holds the lock, the next one exits at once.
    with (var / "financeun.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        skipped = run_all(shell, entry.command, timeout=30)
    assert skipped.returncode == 1
    assert (var / "logs" / "financeun.log").read_text("utf-8") == log


def test_scrapyd_test_command():
    """The end-to-end Scrapyd test is not run from here (it takes minutes; CI runs it):
    the documented command collects its tests."""
    (command,) = block(*run_key("test_scrapyd_test_command")).commands()
    (step,) = shell_at(PROJECT_ROOT).steps(command)
    step.argv += ["--collect-only", "-q", "-p", "no:cacheprovider"]
    result = run(step, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = re.findall(r"^tests/test_scrapyd\.py::(\w+)", result.stdout, re.M)
    assert "test_scheduled_runs_on_scrapyd_export_only_new_articles" in collected
    assert "test_schedule_script_runs_one_job_at_a_time_with_default_paths" in collected


def test_run_report(tmp_path, offline):
    """The report commands from a project root whose data/ holds a run with stats and
    monitors and a killed run (tests/test_report.py renders real crawls in Chromium)."""
    shutil.copy(PROJECT_ROOT / "scrapy.cfg", tmp_path / "scrapy.cfg")
    write_handmade(tmp_path / "data" / "replica")
    html, text = block(*run_key("test_run_report")).commands()
    shell = shell_at(tmp_path)
    result = run_all(shell, html)
    assert result.returncode == 0 and result.stdout == "", result.stderr
    page = (tmp_path / "report.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<svg class="chart" id="chart-runs"' in page
    result = run_all(shell, text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Run report: 2 runs, 4 exported records\n")
    assert "Monitors: 2 passed, 1 failed" in result.stdout


def test_dataset_commands(tmp_path, offline):
    """README's dataset commands, then its loaders, on the default feed of a small crawl."""
    shutil.copy(PROJECT_ROOT / "scrapy.cfg", tmp_path / "scrapy.cfg")
    crawl = Step(
        [sys.executable, "-m", "scrapy", "crawl", "replica", "-a", "articles=60"],
        base_env(),
        tmp_path,
    )
    assert run(crawl).returncode == 0
    shell = shell_at(tmp_path)
    build, verify = block(*DATASET_BLOCK).commands()
    result = run_all(shell, build)
    assert result.returncode == 0 and result.stdout.startswith("Built dataset (build "), (
        result.stdout + result.stderr
    )
    result = run_all(shell, verify)
    assert result.returncode == 0 and " verified: " in result.stdout, result.stderr

    env = {**base_env(), "HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"}
    loaders = Step([sys.executable, "-c", block(*DATASET_LOADERS_BLOCK).text], env, tmp_path)
    result = run(loaders, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    import pyarrow.dataset as ds

    rows = ds.dataset(tmp_path / "dataset" / "articles", format="parquet").to_table()
    sites = rows.column("site").to_pylist()
    months = list(zip(sites, rows.column("month").to_pylist(), strict=True))
    printed = result.stdout
    assert f"{months.count(('financeun', '2021-09'))} financeun articles of 2021-09" in printed
    assert f"{sites.count('cnfinance')} cnfinance articles" in printed
    assert f"\n{len(sites)} articles\n" in printed
    for site, month in set(months):
        assert re.search(rf"│ {site} +│ {month} +│ +{months.count((site, month))} │", printed)


INLINE = re.compile(r"`(python -m [^`]+)`")
INLINE_COMMANDS = {
    "python -m benchmarks.extraction --output benchmarks/results/extraction.md": "checked, not "
    "run: needs the bench extra (trafilatura, GNE), which the test venv does not have",
    "python -m benchmarks.incremental": "run with --articles 100 (10,000 takes minutes)",
    "python -m benchmarks.distributed": "run by tests/test_benchmarks.py with --articles 100",
}
"""The ``python -m`` commands quoted inline in the docs (not in fenced blocks)."""


def test_inline_benchmark_commands(tmp_path, offline):
    quoted = [c for name in DOCS for c in INLINE.findall((PROJECT_ROOT / name).read_text())]
    assert sorted(quoted) == sorted(INLINE_COMMANDS), quoted

    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
    bench = " ".join(pyproject["project"]["optional-dependencies"]["bench"])
    assert "trafilatura" in bench and "gne" in bench
    assert (PROJECT_ROOT / "benchmarks" / "results" / "extraction.md").exists()

    shell = shell_at(PROJECT_ROOT)  # benchmarks/ is not installed: from the project root
    output = tmp_path / "incremental.md"
    (step,) = shell.steps(f"{sys.executable} -m benchmarks.incremental")
    step.argv += ["--articles", "100", "--output", str(output)]
    result = run(step, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("|")[1].strip() for line in output.read_text().splitlines() if "|" in line]
    assert rows[-3:] == ["full", "unchanged", "1% new"], rows


# --- README.md: many workers on Redis ----------------------------------------------------------


def test_distributed_commands(project_root, replica, tmp_path, offline):
    """README's Redis server, two workers of its crawl command at once, then its reset."""
    server_line, worker_line, reset_line = block(*DISTRIBUTED_BLOCK).commands()
    port = free_port()
    root = project_root / "distributed"
    root.mkdir()
    shell = shell_at(root, replica, **{"6379": str(port), "/var/lib/redis": str(tmp_path)})
    (server_step,) = shell.steps(server_line)
    server = subprocess.Popen(server_step.argv, cwd=root, stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, retry_on_error=[redis.ConnectionError])
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.1)
        (worker,) = shell.steps(worker_line)
        workers = [
            subprocess.Popen(
                worker.argv,
                cwd=worker.cwd,
                env=worker.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for process in workers:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-3000:]
            assert_no_traceback(err, worker.argv)
        folder = root / "data" / "replica"
        records = [r for path in sorted(folder.glob("*.jsonl")) for r in read_jsonl(path)]
        assert len(records) > 500
        assert [u for u, n in Counter(r["url"] for r in records).items() if n > 1] == []
        assert_articles(records)
        runs = manifests(folder)
        assert len(runs) == 2 and {m["status"] for m in runs} == {"finished"}
        assert sum(m["counts"]["exported"] for m in runs) == len(records)
        (reset,) = shell.steps(reset_line)
        result = run(reset)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Deleted ") and client.keys("cnfinance:replica:*") == []
    finally:
        server.terminate()
        server.wait()
