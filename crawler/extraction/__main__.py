"""``python -m crawler.extraction PAGE.html --url URL [--profile NAME]``: print the article.

A page that cannot be read or a URL that is not http(s): one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

from crawler.config import is_http_url
from crawler.extraction import PROFILES, extract_article

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler.extraction", description=__doc__)
    parser.add_argument("page", type=Path, help="a saved HTML page")
    parser.add_argument("--url", required=True, help="the URL the page was fetched from")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="default: by the URL's host")
    args = parser.parse_args(argv)
    if not is_http_url(args.url):
        refuse(f"--url {args.url!r}: an http(s) URL")
    try:
        page = args.page.read_bytes()
    except OSError as error:
        refuse(f"{str(args.page)!r}: {error.strerror or error}")
    article = extract_article(page, args.url, profile=args.profile)
    print(json.dumps(article, ensure_ascii=False, indent=2))


def refuse(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(USAGE_ERROR)


if __name__ == "__main__":
    main()
