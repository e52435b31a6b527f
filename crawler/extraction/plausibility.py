"""Whether a field a site profile found is believable; if not, the generic extractor is asked.

A profile applied to a page it no longer fits (the site changed its layout) finds the wrong
elements; these rules keep such garbage out of the item.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from crawler.extraction.bylines import is_source_line
from crawler.extraction.dates import BEIJING, find_datetime

TITLE_MIN_CHARS = 4
TITLE_MAX_CHARS = 200
CONTENT_MIN_CHARS = 50
PUBLISHED_FLOOR = datetime(1995, 1, 1, tzinfo=BEIJING)
"""The earliest believable publish time: the first Chinese news sites went online in 1995.

A fixed floor, not an age limit: an archive article stays believable however old it grows.
"""
_TITLE_BEYOND_A_DATE_MIN_CHARS = 4


def plausible_title(title: str) -> bool:
    """4-200 characters, and not a source line or a bare date."""
    if not TITLE_MIN_CHARS <= len(title) <= TITLE_MAX_CHARS or is_source_line(title):
        return False
    if find_datetime(title) is None:
        return True
    return len(_without_date_characters(title)) >= _TITLE_BEYOND_A_DATE_MIN_CHARS


def plausible_published_at(published_at: str, now: datetime) -> bool:
    """An ISO date or time from ``PUBLISHED_FLOOR`` (1995-01-01, Beijing) up to ``now``."""
    try:
        if "T" in published_at:
            moment = datetime.fromisoformat(published_at)
            if moment.tzinfo is None:
                return False
            return PUBLISHED_FLOOR <= moment <= now
        day = date.fromisoformat(published_at)
    except ValueError:
        return False
    today = now.astimezone(BEIJING).date()
    return PUBLISHED_FLOOR.date() <= day <= today


def plausible_content(content: str) -> bool:
    """At least 50 characters of body text."""
    return len(content) >= CONTENT_MIN_CHARS


def plausible(field: str, value: object, now: datetime | None = None) -> bool:
    """Whether ``value`` is believable for ``field`` (fields without rules: when not empty)."""
    if not value:
        return False
    if field == "title":
        return plausible_title(str(value))
    if field == "published_at":
        return plausible_published_at(str(value), now or datetime.now(UTC))
    if field == "content":
        return plausible_content(str(value))
    return True


def _without_date_characters(text: str) -> str:
    return "".join(ch for ch in text if not ch.isdigit() and ch not in "年月日时分秒-/.:： ")
