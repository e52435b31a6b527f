"""End to end on a real Scrapyd: deploy the project's egg, schedule incremental runs.

Each test starts ``scrapyd`` on a free 127.0.0.1 port with its own folders under tmp_path,
deploys the project with ``deploy/scrapyd_deploy.py`` (the egg is built in a temporary copy:
the work tree must not change) and schedules the ``replica`` spider over ``schedule.json``
against a replica server in this process. The oracle is the replica's truth.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.robotparser import RobotFileParser

import pytest
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler import settings as project_settings
from crawler.replica import ReplicaSite
from tests.conftest import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy" / "scrapyd_deploy.py"
SCHEDULE = PROJECT_ROOT / "deploy" / "schedule-crawl.sh"
STATE_CLASS = "crawler.state.sqlite.SqliteCrawlState"
SMALL, GROWN, SEED = 200, 260, 5
START_TIMEOUT = 60
DEPLOY_TIMEOUT = 300
JOB_TIMEOUT = 300
EXTRACTED_FIELDS = (
    "title",
    "source",
    "byline",
    "authors",
    "published_at",
    "content",
    "related",
    "site",
)
PACKAGE_DATA = (
    "crawler/article.schema.json",
    "crawler/replica/corpus.json",
    "crawler/replica/seed_article.txt",
)
DATA_SUFFIXES = (".jsonl", ".jl")
MANIFEST_SUFFIX = ".manifest.json"


def local_target() -> dict[str, str]:
    """scrapy.cfg's ``[deploy:local]`` target."""
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "scrapy.cfg", encoding="utf-8")
    assert config.get("settings", "default") == "crawler.settings"
    return dict(config.items("deploy:local"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without what would let a job import the project from the work tree
    (PYTHONPATH) or pick its settings module, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "SCRAPYD_"))}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


class Scrapyd:
    """A real ``scrapyd`` process with its config and folders under ``root``."""

    def __init__(self, root: Path, project: str) -> None:
        self.root = root
        self.project = project
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.home = root / "home"
        self.home.mkdir(parents=True)
        self.eggs_dir = root / "eggs"
        self.logs_dir = root / "logs"
        # items_dir stays empty: set, Scrapyd passes FEEDS to every job, and FEEDS replaces
        # the project's own dated feed (DEFAULT_FEED_URI) and its run manifest.
        (root / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            "username =\n"
            "password =\n"
            f"eggs_dir = {self.eggs_dir}\n"
            f"logs_dir = {self.logs_dir}\n"
            "items_dir =\n"
            "jobs_dir =\n"
            f"dbs_dir = {root / 'dbs'}\n"
            "poll_interval = 0.2\n"
            "max_proc = 1\n",
            "utf-8",
        )
        self.output = root / "scrapyd.out"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Scrapyd:
        # The working folder holds scrapyd.conf; jobs inherit it, so relative paths of the
        # project's settings land here. HOME keeps a developer's ~/.scrapyd.conf out.
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"],
                cwd=self.root,
                env=clean_env(HOME=str(self.home)),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process.poll() is None, f"scrapyd exited:\n{self.output_tail()}"
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, (
                f"scrapyd did not answer on {self.url} within {START_TIMEOUT}s:\n"
                f"{self.output_tail()}"
            )
            time.sleep(0.2)

    def output_tail(self, size: int = 3000) -> str:
        return self.output.read_text("utf-8", "replace")[-size:]

    def get(self, endpoint: str, **params: str) -> dict[str, Any]:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/{endpoint}?{query}", timeout=30) as reply:
            return json.loads(reply.read())

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict[str, Any]:
        body = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(f"{self.url}/{endpoint}", body, timeout=30) as reply:
            return json.loads(reply.read())

    def schedule(self, spider: str, settings: dict[str, str], **args: str) -> str:
        fields = [("project", self.project), ("spider", spider), *args.items()]
        fields += [("setting", f"{name}={value}") for name, value in settings.items()]
        answer = self.post("schedule.json", fields)
        assert answer["status"] == "ok", answer
        return answer["jobid"]

    def jobs(self) -> dict[str, list[dict[str, Any]]]:
        answer = self.get("listjobs.json", project=self.project)
        assert answer["status"] == "ok", answer
        return answer

    def wait_finished(self, job: str, timeout: float = JOB_TIMEOUT) -> str:
        """Wait for ``job`` to finish; return its log."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = self.jobs()
            if any(entry["id"] == job for entry in jobs["finished"]):
                break
            assert time.monotonic() < deadline, (
                f"job {job} did not finish within {timeout}s; jobs: {jobs}\n"
                f"log so far:\n{self.log(job)[-3000:]}"
            )
            time.sleep(0.5)
        return self.log(job)

    def log(self, job: str) -> str:
        path = self.logs_dir / self.project
        found = sorted(path.glob(f"*/{job}.log")) if path.exists() else []
        return found[0].read_text("utf-8", "replace") if found else ""

    def stop(self) -> None:
        """Cancel what is still queued or running, then terminate Scrapyd and wait for it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                jobs = self.jobs()
                for entry in jobs["pending"] + jobs["running"]:
                    self.post("cancel.json", [("project", self.project), ("job", entry["id"])])
                deadline = time.monotonic() + 30
                while self.jobs()["running"] and time.monotonic() < deadline:
                    time.sleep(0.2)
            except (OSError, AssertionError):
                pass
            self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            raise AssertionError("scrapyd did not stop within 30s of SIGTERM") from None


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    target = local_target()
    assert target["url"] == "http://127.0.0.1:6800/", target
    daemon = Scrapyd(tmp_path / "scrapyd", target["project"])
    try:
        yield daemon.start()
    finally:
        daemon.stop()


def work_tree_status() -> list[str]:
    """``git status --porcelain --ignored`` of the project (build/ and *.egg-info are ignored
    files, so plain --porcelain would not show them)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"the project must be a git work tree: {result.stderr}"
    return sorted(line for line in result.stdout.splitlines() if "__pycache__" not in line)


def deploy(scrapyd: Scrapyd, tmp_path: Path) -> None:
    """Deploy the project with deploy/scrapyd_deploy.py to a target that points at
    ``scrapyd``, added by a user-level scrapy.cfg; check the tree and the deployed egg."""
    config = tmp_path / "xdg"
    config.mkdir()
    (config / "scrapy.cfg").write_text(
        f"[deploy:e2e]\nurl = {scrapyd.url}/\nproject = {scrapyd.project}\n", "utf-8"
    )
    before = work_tree_status()
    result = subprocess.run(
        [sys.executable, str(DEPLOY), "e2e"],
        cwd=PROJECT_ROOT,
        env=clean_env(XDG_CONFIG_HOME=str(config), HOME=str(scrapyd.home)),
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert json.loads(result.stdout)["status"] == "ok", result.stdout + result.stderr
    after = work_tree_status()
    assert after == before, (
        "deploying changed the work tree: "
        f"new {sorted(set(after) - set(before))}, gone {sorted(set(before) - set(after))}"
    )

    spiders = scrapyd.get("listspiders.json", project=scrapyd.project)
    assert "replica" in spiders["spiders"], spiders
    (egg,) = (scrapyd.eggs_dir / scrapyd.project).glob("*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
    assert set(PACKAGE_DATA) <= names, sorted(set(PACKAGE_DATA) - names)
    assert "[scrapy]" in entry_points and "crawler.settings" in entry_points, entry_points
    assert not any(name.startswith(("tests/", "benchmarks/")) for name in names)

    # A job imports the project, and reads its package data, from the deployed egg (not from
    # the work tree or an editable install): the same activation as Scrapyd's runner.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlib import resources\n"
            "from scrapyd.runner import project_environment\n"
            f"with project_environment({scrapyd.project!r}):\n"
            "    import crawler, spiders.replica\n"
            "    print(crawler.__file__)\n"
            "    print(spiders.replica.__file__)\n"
            "    print(resources.files('crawler.replica').joinpath('corpus.json'))\n",
        ],
        cwd=scrapyd.root,
        env=clean_env(HOME=str(scrapyd.home), SCRAPY_PROJECT=scrapyd.project),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    origins = probe.stdout.split()
    assert len(origins) == 3 and all(o.startswith(str(egg)) for o in origins), (egg, origins)


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def check_manifest(data_files: list[Path], manifests: list[Path], spider: str) -> None:
    """One run manifest beside the run's batch files lists each of them, with its line count
    and SHA-256, and nothing else."""
    assert len(manifests) == 1, f"expected one run manifest among the run's files: {manifests}"
    (path,) = manifests
    manifest = json.loads(path.read_text("utf-8"))
    assert manifest["spider"] == spider and manifest["status"] == "finished", manifest
    assert path.name == f"{manifest['run_id']}{MANIFEST_SUFFIX}"
    listed = {path.parent / entry["path"]: entry for entry in manifest["files"]}
    assert sorted(listed) == sorted(data_files), (path.name, manifest["files"], data_files)
    for data_file, entry in listed.items():
        data = data_file.read_bytes()
        lines = data.count(b"\n") + (not data.endswith(b"\n") and len(data) > 0)
        assert entry["lines"] == lines, (data_file.name, lines, entry)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), (data_file.name, entry)


def assert_clean_log(log: str, what: str) -> None:
    """No error anywhere in a job's log. Errors of spider_closed handlers (a feed that failed
    to store, a manifest not written) come after the stats stopped counting log lines, so
    ``log_count/ERROR`` misses them and the finish reason stays "finished"."""
    errors = [line for line in log.splitlines() if " ERROR: " in line or "Traceback" in line]
    assert errors == [], f"{what}: errors in the log: {errors[:5]}\n{log[-5000:]}"
    assert "feedexport/failed_count" not in log, f"{what}: a feed failed to store"


def run_and_collect(
    scrapyd: Scrapyd, out: Path, base_url: str, settings: dict[str, str], run: str
) -> tuple[list[dict], list[Path]]:
    """Schedule the replica spider and wait for it; its records and the files it wrote."""
    before = files_under(out)
    job = scrapyd.schedule("replica", settings, base_url=base_url)
    log = scrapyd.wait_finished(job)
    assert "'finish_reason': 'finished'" in log, f"{run}: job {job} did not finish:\n{log[-3000:]}"
    assert_clean_log(log, f"{run}: job {job}")
    new = sorted(files_under(out) - before)
    leftovers = [path.name for path in new if path.name.endswith(".tmp")]
    assert leftovers == [], f"{run}: temporary files left behind: {leftovers}"
    records = [
        json.loads(line)
        for path in new
        if path.name.endswith(DATA_SUFFIXES)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return records, new


def check_run_manifest(new: list[Path], spider: str = "replica") -> None:
    """The run's one manifest lists exactly its batch files."""
    data_files = [path for path in new if path.name.endswith(DATA_SUFFIXES)]
    manifests = [path for path in new if path.name.endswith(MANIFEST_SUFFIX)]
    check_manifest(data_files, manifests, spider)


def by_any_url(truth: list[dict]) -> dict[str, dict]:
    return {url: t for t in truth for url in (t["url"], *t["aliases"])}


def robots(base_url: str) -> RobotFileParser:
    """The replica's robots.txt, as served."""
    parser = RobotFileParser(f"{base_url}/robots.txt")
    parser.read()
    return parser


def reachable(truth: list[dict], allowed: RobotFileParser, limit: int = 2) -> set[str]:
    """Main URLs of the articles within ``limit`` related-news hops of a list page, through
    links that robots.txt allows (a related link may point at an alias of the article)."""
    articles = by_any_url(truth)
    found = {t["url"] for t in truth if t["listed_on"] and allowed.can_fetch("*", t["url"])}
    frontier = set(found)
    for _ in range(limit):
        following = {
            articles[entry["url"]]["url"]
            for url in frontier
            for entry in articles[url]["related"]
            if allowed.can_fetch("*", entry["url"])
        } - found
        found |= following
        frontier = following
    return found


def assert_exports(records: list[dict], truth: list[dict], stories: set[int], run: str) -> None:
    """Each of ``stories`` exported exactly once with its page's true fields; nothing else."""
    articles = by_any_url(truth)
    unknown = [r["url"] for r in records if r["url"] not in articles]
    assert unknown == [], f"{run}: URLs the replica does not serve: {unknown[:5]}"
    twice = [u for u, n in Counter(r["url"] for r in records).items() if n > 1]
    assert twice == [], f"{run}: URLs exported twice: {twice[:5]}"
    exported = Counter(articles[r["url"]]["story"] for r in records)
    assert [s for s, n in exported.items() if n > 1] == [], f"{run}: stories exported twice"
    missing, extra = sorted(stories - set(exported)), sorted(set(exported) - stories)
    assert (missing, extra) == ([], []), (
        f"{run}: {len(missing)} expected stories not exported {missing[:10]}, "
        f"{len(extra)} unexpected {extra[:10]} ({len(records)} records)"
    )
    for record in records:
        true = articles[record["url"]]
        fields = {f: record[f] for f in EXTRACTED_FIELDS}
        assert fields == {f: true[f] for f in EXTRACTED_FIELDS}, f"{run}: {record['url']}"
        assert record["canonical_url"] == true["url"]
        assert record["duplicate_of"] is None


@pytest.mark.e2e
def test_scheduled_runs_on_scrapyd_export_only_new_articles(scrapyd, replica_server, tmp_path):
    deploy(scrapyd, tmp_path)
    server = replica_server(articles=SMALL, seed=SEED)
    base = server.base_url
    allowed = robots(base)
    out = tmp_path / "out"
    state = tmp_path / "state" / "replica.sqlite"
    feed_name = PurePosixPath(project_settings.DEFAULT_FEED_URI).name
    settings = {
        "DEFAULT_FEED_URI": f"{out}/%(name)s/{feed_name}",
        "CRAWL_STATE_CLASS": STATE_CLASS,
        "CRAWL_STATE_URI": str(state),
    }

    # Run 1: everything reachable on the small site.
    small = list(server.site.truth(base))
    run1, files1 = run_and_collect(scrapyd, out, base, settings, "run 1")
    assert state.exists(), f"run 1 left no crawl state at {state}"
    stories1 = {by_any_url(small)[url]["story"] for url in reachable(small, allowed)}
    assert_exports(run1, small, stories1, "run 1")
    check_run_manifest(files1)
    exported1 = {by_any_url(small)[r["url"]]["story"] for r in run1}

    # Run 2: the site grew; only the new articles' stories not exported before.
    server.site = ReplicaSite(articles=GROWN, seed=SEED)
    grown = list(server.site.truth(base))
    old_urls = set(by_any_url(small))
    new_reachable = reachable(grown, allowed) - old_urls
    stories2 = {by_any_url(grown)[url]["story"] for url in new_reachable} - exported1
    # The grown site holds what makes run 2 meaningful: new stories, and new reposts of
    # stories run 1 exported (the state must remember content across runs).
    assert len(stories2) > 20
    assert any(by_any_url(grown)[url]["story"] in exported1 for url in new_reachable)
    run2, files2 = run_and_collect(scrapyd, out, base, settings, "run 2")
    old_again = [r["url"] for r in run2 if r["url"] in old_urls]
    assert old_again == [], f"run 2 exported articles of the small site again: {old_again[:5]}"
    assert_exports(run2, grown, stories2, "run 2")
    check_run_manifest(files2)

    # Run 3: nothing changed, nothing exported.
    run3, files3 = run_and_collect(scrapyd, out, base, settings, "run 3")
    assert run3 == [], f"run 3 exported {len(run3)} articles of an unchanged site"
    check_run_manifest(files3)


@pytest.mark.e2e
def test_schedule_script_runs_one_job_at_a_time_with_default_paths(
    scrapyd, replica_server, tmp_path
):
    deploy(scrapyd, tmp_path)
    server = replica_server(articles=30, seed=3)

    def schedule(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", str(SCHEDULE), *args],
            env=clean_env(SCRAPYD_URL=scrapyd.url, SCRAPYD_PROJECT=scrapyd.project),
            capture_output=True,
            text=True,
            timeout=120,
        )

    unknown = schedule("no_such_spider")
    assert unknown.returncode == 1 and "not found" in unknown.stderr, unknown

    first = schedule("replica", "--data-urlencode", f"base_url={server.base_url}")
    assert first.returncode == 0, first
    job = json.loads(first.stdout)["jobid"]
    second = schedule("replica", "--data-urlencode", f"base_url={server.base_url}")
    assert second.returncode == 0 and "still pending or running" in second.stderr, second
    jobs = scrapyd.jobs()
    assert [j["id"] for j in jobs["pending"] + jobs["running"]] == [job], jobs

    log = scrapyd.wait_finished(job)
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    assert_clean_log(log, f"job {job}")
    # Without settings, the project's relative paths land in Scrapyd's working folder.
    feed_template = PurePosixPath(project_settings.DEFAULT_FEED_URI).parent
    feed_folder = scrapyd.root / str(feed_template).replace("%(name)s", "replica")
    new = sorted(files_under(feed_folder))
    records = [
        json.loads(line)
        for path in new
        if path.name.endswith(DATA_SUFFIXES)
        for line in path.read_text("utf-8").splitlines()
    ]
    assert len(records) > 10, sorted(files_under(scrapyd.root))
    check_run_manifest(new)


def test_deploy_files_agree_with_scrapy_cfg_and_the_spiders():
    """deploy/: Scrapyd stays local and leaves feeds to the project; cron and systemd
    schedule existing spiders of scrapy.cfg's project through schedule-crawl.sh."""
    target = local_target()
    project = target["project"]
    conf = configparser.ConfigParser()
    conf.read(PROJECT_ROOT / "deploy" / "scrapyd.conf", encoding="utf-8")
    scrapyd_conf = conf["scrapyd"]
    assert scrapyd_conf["bind_address"] == "127.0.0.1"
    assert target["url"] == f"http://127.0.0.1:{scrapyd_conf['http_port']}/"
    assert scrapyd_conf["items_dir"] == "" and scrapyd_conf["jobs_dir"] == ""

    assert f"SCRAPYD_PROJECT:-{project}}}" in SCHEDULE.read_text("utf-8")
    unit = (PROJECT_ROOT / "deploy" / "cnfinance-crawl@.service").read_text("utf-8")
    assert f"Environment=SCRAPYD_PROJECT={project}\n" in unit
    assert "deploy/schedule-crawl.sh %i\n" in unit
    assert "OnCalendar=hourly" in (PROJECT_ROOT / "deploy" / "cnfinance-crawl@.timer").read_text()
    crontab = (PROJECT_ROOT / "deploy" / "crontab.example").read_text("utf-8").splitlines()
    assert f"SCRAPYD_PROJECT={project}" in crontab
    scheduled = [
        line.split("schedule-crawl.sh", 1)[1].split()[0]
        for line in crontab
        if "schedule-crawl.sh" in line and not line.startswith("#")
    ]
    spiders = SpiderLoader.from_settings(get_project_settings()).list()
    assert scheduled and set(scheduled) <= set(spiders) - {"replica", "article"}, scheduled
