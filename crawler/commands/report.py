"""``scrapy report``: one page over the runs whose manifests are found (``crawler.report``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.report import ReportError, load_report, render_html, render_text

USAGE_ERROR = 2
RENDERERS = {"html": render_html, "text": render_text}


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[DATA_DIR or MANIFEST ...] [-o FILE] [--format html|text]"

    def short_desc(self) -> str:
        return "Report on crawl runs from their manifests and batch files"

    def long_desc(self) -> str:
        return (
            "Read the run manifests (*.manifest.json) named or found under the given"
            " directories (default: data/) and the batch files they list, and write one"
            " self-contained HTML page (--format html, the default) or the same numbers as"
            " text (--format text) to FILE, or to standard output without -o. No crawl, no"
            " network. Exits 2, with one line, when no manifest is found, a file is not a"
            " manifest or a path cannot be read."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
        parser.add_argument(
            "--format", default="html", metavar="FORMAT", help="html (default) or text"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        render = RENDERERS.get(opts.format)
        if render is None:
            self.refuse(f"--format {opts.format!r}: html or text")
            return
        try:
            page = render(load_report(args))
        except ReportError as error:
            self.refuse(str(error))
            return
        if opts.output is None:
            sys.stdout.write(page)
            return
        try:
            Path(opts.output).write_text(page, "utf-8")
        except OSError as error:
            self.refuse(f"-o {opts.output}: cannot be written: {error.strerror or error}")

    def refuse(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = USAGE_ERROR
