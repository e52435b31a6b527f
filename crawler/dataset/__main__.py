"""``python -m crawler.dataset build DATA_DIR... -o DATASET_DIR [--include-duplicates]`` and
``python -m crawler.dataset verify DATASET_DIR``.

A bad argument or path: one line on stderr, exit 2. A build that cannot take a run's files
(changed, unreadable or invalid records) or a dataset that fails verification: one line per
problem on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import NoReturn

USAGE_ERROR = 2
PROBLEMS = 1
INSTALL_HINT = "pip install 'cnfinance-news-crawler[dataset]'"


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        refuse(f"{self.prog}: {message}")


def refuse(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


def parser() -> OneLineParser:
    top = OneLineParser(prog="python -m crawler.dataset", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="{build,verify}")
    build = commands.add_parser(
        "build", help="build or update a dataset from the run manifests under DATA_DIR"
    )
    build.add_argument("data_dirs", nargs="+", metavar="DATA_DIR")
    build.add_argument("-o", "--output", required=True, metavar="DATASET_DIR")
    build.add_argument(
        "--include-duplicates",
        action="store_true",
        help="keep the records marked duplicate_of (DEDUP_POLICY=mark)",
    )
    verify = commands.add_parser("verify", help="check a dataset")
    verify.add_argument("dataset", metavar="DATASET_DIR")
    return top


def run(args: argparse.Namespace) -> str:
    """Runs the command; its one-line summary."""
    from crawler.dataset.build import build_dataset
    from crawler.dataset.card import plural
    from crawler.dataset.verify import verify_dataset

    if args.command == "verify":
        checked = verify_dataset(args.dataset)
        return (
            f"Dataset {args.dataset} (build {checked.build_id}) verified:"
            f" {checked.articles} articles, {checked.versions} earlier versions, from"
            f" {plural(checked.runs, 'run')} and {plural(checked.batch_files, 'batch file')}"
            f" ({checked.sources_checked} still on disk, checked); every row valid"
        )
    staged = build_dataset(args.data_dirs, args.output, args.include_duplicates)
    if staged is None:
        return f"No new run manifests: {args.output} is unchanged"
    counts = staged.manifest["counts"]
    return (
        f"Built {args.output} (build {staged.build_id}): read"
        f" {plural(len(staged.runs_read), 'new run')},"
        f" took {plural(staged.rows_taken, 'row')}; {counts['articles']} articles,"
        f" {counts['versions']} earlier versions"
    )


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if importlib.util.find_spec("pyarrow") is None:
        refuse(f"python -m crawler.dataset needs pyarrow: {INSTALL_HINT}")
    from crawler.dataset.errors import DatasetProblems, DatasetUsageError

    try:
        print(run(args))
    except DatasetUsageError as error:
        refuse(str(error))
    except DatasetProblems as error:
        fail(args, error.problems)
    except OSError as error:
        fail(args, [str(error)])


def fail(args: argparse.Namespace, problems: list[str]) -> NoReturn:
    """One line per problem, exit 1."""
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.command == "build":
        print(f"Build stopped: {args.output} is unchanged", file=sys.stderr)
    sys.exit(PROBLEMS)


if __name__ == "__main__":
    main()
