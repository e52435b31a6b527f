"""Article extraction for Chinese financial news pages: site profiles with a generic fallback.

``extract_article(body, url)`` decodes the page, reads it with the profile of the URL's site
(or the one named by ``profile``), and fills every field that profile does not find with
what the generic extractor finds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.extraction.bylines import parse_authors
from crawler.extraction.dates import served_time
from crawler.extraction.decoding import decode_html, header
from crawler.extraction.generic import GenericExtractor
from crawler.extraction.page import Page
from crawler.extraction.plausibility import plausible
from crawler.extraction.profiles import PROFILES, get_profile, profile_for_url
from crawler.extraction.profiles.base import ListLinks

GENERIC = "generic"
PROFILE = "profile"
FIELDS = ("title", "source", "byline", "published_at", "content", "related")
OPTIONAL_FIELDS = frozenset({"source", "byline", "published_at", "related"})
"""Fields an article may lack: one no extractor found believable (a date in the future, say)
is None (``related``: empty). A title or body that is not believable is kept, for validation
to drop the item."""


def extract_article(
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    *,
    profile: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The article on a page: title, source, byline, authors, time, content, related links.

    ``extraction`` tells which profile read the page (None: no profile fits the URL) and,
    per field, whether the value came from that ``profile``, from the ``generic`` extractor
    (the profile found nothing believable), or from neither (None: see ``OPTIONAL_FIELDS``).
    """
    page = Page.parse(decode_html(body, headers), url)
    site = get_profile(profile) if profile is not None else profile_for_url(url)
    found = site.extract(page) if site is not None else {}
    generic = GenericExtractor(page, served_at=_served_at(headers))
    fields: dict[str, Any] = {}
    origins: dict[str, str | None] = {}
    for name in FIELDS:
        value = found.get(name)
        if plausible(name, value, now):
            fields[name], origins[name] = value, PROFILE
            continue
        value = getattr(generic, name)()
        if name in OPTIONAL_FIELDS and not plausible(name, value, now):
            value = [] if name == "related" else None
        fields[name], origins[name] = value, GENERIC if value else None
    return {
        "title": fields["title"],
        "source": fields["source"],
        "byline": fields["byline"],
        "authors": parse_authors(fields["byline"]) if fields["byline"] else [],
        "published_at": fields["published_at"],
        "content": fields["content"],
        "related": fields["related"],
        "extraction": {"profile": site.name if site is not None else None, "fields": origins},
        "canonical_url": page.canonical_url(),
    }


def _served_at(headers: Mapping[str, str] | None) -> datetime | None:
    """When the server says the page was last changed or served (``Last-Modified``, ``Date``)."""
    values = (header(headers, name) for name in ("last-modified", "date"))
    return next(filter(None, (served_time(value) for value in values if value)), None)


def extract_list(
    body: bytes, url: str, headers: Mapping[str, str] | None = None, *, profile: str
) -> ListLinks:
    """The links a crawl follows on a list page of the site ``profile`` names."""
    return get_profile(profile).list_links(Page.parse(decode_html(body, headers), url))


__all__ = [
    "FIELDS",
    "GENERIC",
    "PROFILE",
    "PROFILES",
    "ListLinks",
    "extract_article",
    "extract_list",
    "get_profile",
    "profile_for_url",
]
