"""Article extraction for Chinese financial news pages: site profiles with a generic fallback.

``extract_article(body, url)`` decodes the page, reads it with the profile of the URL's site
(or the one named by ``profile``), and fills every field that profile does not find with
what the generic extractor finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.extraction.bylines import parse_authors
from crawler.extraction.decoding import decode_html
from crawler.extraction.generic import GenericExtractor
from crawler.extraction.page import Page
from crawler.extraction.profiles import PROFILES, get_profile, profile_for_url

GENERIC = "generic"
FIELDS = ("title", "source", "byline", "published_at", "content", "related")


def extract_article(
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    profile: str | None = None,
) -> dict[str, Any]:
    """The article on a page: title, source, byline, authors, time, content, related links."""
    page = Page.parse(decode_html(body, headers), url)
    site = get_profile(profile) if profile is not None else profile_for_url(url)
    found = site.extract(page) if site is not None else {}
    generic = GenericExtractor(page)
    fields = {name: found.get(name) or getattr(generic, name)() for name in FIELDS}
    return {
        "title": fields["title"],
        "source": fields["source"],
        "byline": fields["byline"],
        "authors": parse_authors(fields["byline"]) if fields["byline"] else [],
        "published_at": fields["published_at"],
        "content": fields["content"],
        "related": fields["related"],
        "extraction": site.name if site is not None else GENERIC,
        "canonical_url": page.canonical_url(),
    }


__all__ = ["FIELDS", "GENERIC", "PROFILES", "extract_article", "get_profile", "profile_for_url"]
