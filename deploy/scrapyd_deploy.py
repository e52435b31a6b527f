"""Deploy the project to a Scrapyd server without writing anything into the work tree.

``scrapyd-deploy`` builds its egg in the project folder and leaves ``setup.py``, ``build/``
and ``*.egg-info`` behind. This script copies what the egg is built from (pyproject.toml,
README.md, scrapy.cfg and the packages that pyproject.toml lists) into a temporary folder,
builds the egg there with pyproject.toml's package data, and hands it to
``scrapyd-deploy TARGET --egg FILE``, which uploads it to ``addversion.json`` of the target's
URL with scrapy.cfg's settings (``~/.config/scrapy.cfg`` may add targets and credentials).

    python deploy/scrapyd_deploy.py local                 # build and deploy to [deploy:local]
    python deploy/scrapyd_deploy.py local -v 2025.02.06   # with a version of your own
    python deploy/scrapyd_deploy.py --build-egg out.egg   # only build the egg

Needs scrapyd-client and setuptools < 81 (``bdist_egg``) in the running Python.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "crawler.settings"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.egg-info")
SETUP_PY = "from setuptools import setup\n\nsetup()\n"
# Scrapyd finds the settings module of an egg by this entry point.
ENTRY_POINT = f'\n[project.entry-points.scrapy]\nsettings = "{SETTINGS_MODULE}"\n'


def top_level_packages(pyproject: dict) -> list[str]:
    """The top-level packages of ``[tool.setuptools] packages``."""
    packages = pyproject.get("tool", {}).get("setuptools", {}).get("packages")
    if not isinstance(packages, list) or not packages:
        raise SystemExit("pyproject.toml must list [tool.setuptools] packages")
    return sorted({name.split(".")[0] for name in packages})


def copy_sources(root: Path, into: Path) -> None:
    """Copy what the egg is built from into ``into``; make sure it has the entry point."""
    text = (root / "pyproject.toml").read_text("utf-8")
    pyproject = tomllib.loads(text)
    project = pyproject.get("project", {})
    if "scrapy" not in project.get("entry-points", {}):
        text += ENTRY_POINT
    (into / "pyproject.toml").write_text(text, "utf-8")
    (into / "setup.py").write_text(SETUP_PY, "utf-8")
    readme = project.get("readme")
    extra = [readme] if isinstance(readme, str) else []
    for name in ["scrapy.cfg", *extra]:
        shutil.copy2(root / name, into / name)
    for package in top_level_packages(pyproject):
        shutil.copytree(root / package, into / package, ignore=IGNORED)


def build_egg(root: Path, workdir: Path) -> Path:
    """Build the project's egg under ``workdir`` and return its path."""
    source = workdir / "source"
    source.mkdir()
    copy_sources(root, source)
    dist = workdir / "dist"
    result = subprocess.run(
        [sys.executable, "setup.py", "bdist_egg", "--dist-dir", str(dist)],
        cwd=source,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"building the egg failed (exit {result.returncode})")
    eggs = sorted(dist.glob("*.egg"))
    if len(eggs) != 1:
        raise SystemExit(f"expected one egg in {dist}, found {eggs}")
    return eggs[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "target", nargs="?", default="local", help="a [deploy:TARGET] of scrapy.cfg"
    )
    parser.add_argument("-p", "--project", help="the Scrapyd project (default: the target's)")
    parser.add_argument("-v", "--version", help="the version (default: a timestamp)")
    parser.add_argument("--build-egg", metavar="FILE", help="only build the egg, into FILE")
    opts = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cnfinance-egg-") as tmp:
        egg = build_egg(PROJECT_ROOT, Path(tmp))
        if opts.build_egg:
            shutil.copyfile(egg, opts.build_egg)
            print(f"Wrote {opts.build_egg}", file=sys.stderr)
            return 0
        command = [sys.executable, "-m", "scrapyd_client.deploy", opts.target, "--egg", str(egg)]
        if opts.project:
            command += ["--project", opts.project]
        if opts.version:
            command += ["--version", opts.version]
        # scrapyd-deploy reads scrapy.cfg from its working folder; given --egg it builds nothing.
        return subprocess.run(command, cwd=PROJECT_ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
