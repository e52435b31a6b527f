"""``python -m crawler.extraction PAGE.html --url URL [--profile NAME]``: print the article."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from crawler.extraction import PROFILES, extract_article


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler.extraction", description=__doc__)
    parser.add_argument("page", type=Path, help="a saved HTML page")
    parser.add_argument("--url", required=True, help="the URL the page was fetched from")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="default: by the URL's host")
    args = parser.parse_args(argv)
    article = extract_article(args.page.read_bytes(), args.url, profile=args.profile)
    print(json.dumps(article, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
