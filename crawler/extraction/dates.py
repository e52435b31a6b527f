"""Publication times written the Chinese or the numeric way, as ISO 8601 (Beijing time)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_EARLIEST_YEAR = 1990
_LATEST_YEAR = 2100

_DATE = (
    r"(?<!\d)(?P<year>\d{4})"
    r"(?:\s*年\s*(?P<cn_month>\d{1,2})\s*月\s*(?P<cn_day>\d{1,2})\s*日"
    r"|(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?!\d))"
)
_TIME = (
    r"(?:\s*T?\s*(?P<hour>\d{1,2})\s*(?::|时)\s*(?P<minute>\d{1,2})(?!\d)\s*分?"
    r"(?::(?P<second>\d{2})(?:\.\d+)?|\s*(?P<cn_second>\d{1,2})\s*秒)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2}(?!\d))?)?"
)
_LABEL = (
    r"(?:发布时间|發布時間|发布日期|發布日期|发表时间|發表時間|更新时间|更新時間|时间|時間|日期"
    r"|发布于|發布於|发表于|發表於)\s*:?\s*"
)

_MONTH_DAY_TIME = re.compile(
    r"(?<![\d/.-])(?P<month>\d{1,2})(?:-|\s*月\s*)(?P<day>\d{1,2})\s*日?"
    r"\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})(?![\d/.-])"
)
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_DAY_UNITS = frozenset({"天", "日"})
_HOUR_UNITS = frozenset({"小时", "小時", "个小时", "個小時"})
_RELATIVE = re.compile(
    rf"(?P<word>{'|'.join(_DAYS_BACK)})\s*(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})"
    r"|(?<!\d)(?P<count>\d{1,3})\s*(?P<unit>分钟|分鐘|个小时|個小時|小时|小時|天|日)前"
)
_URL_DAYS = (
    re.compile(
        r"(?:^|/|[a-z_])(?P<year>(?:19|20)\d{2})[/-]?(?P<month>\d{2})[/-]?(?P<day>\d{2})"
        r"(?=[/_.]|$)"
    ),
    re.compile(r"/(?P<year>\d{2})/(?P<month>\d{2})(?P<day>\d{2})/"),
)

_ANYWHERE = re.compile(_DATE + _TIME)
_LABELLED = re.compile(rf"\s*{_LABEL}[:：]")
_WHOLE = re.compile(rf"\s*(?:{_LABEL})?{_DATE}{_TIME}\s*")


def find_datetime(text: str) -> str | None:
    """The first valid date or time anywhere in ``text``, as ISO 8601."""
    for match in _ANYWHERE.finditer(_normalize(text)):
        found = _to_iso(match)
        if found is not None:
            return found
    return None


def find_month_day_time(text: str, reference: date) -> str | None:
    """A time shown without its year (``10-08 12:00``, ``10月8日 12:00``), in the year that
    puts it last on or before ``reference``."""
    for match in _MONTH_DAY_TIME.finditer(_normalize(text)):
        month, day = int(match["month"]), int(match["day"])
        for year in (reference.year, reference.year - 1):
            try:
                moment = datetime(
                    year, month, day, int(match["hour"]), int(match["minute"]), tzinfo=BEIJING
                )
            except ValueError:
                break
            if moment.date() <= reference:
                return moment.isoformat()
    return None


def find_relative_time(text: str, reference: datetime) -> str | None:
    """A time written relative to ``reference``: ``昨天 12:00``, ``3小时前``, ``2天前``."""
    match = _RELATIVE.search(_normalize(text))
    if match is None:
        return None
    now = reference.astimezone(BEIJING).replace(second=0, microsecond=0)
    if match["word"]:
        day = now - timedelta(days=_DAYS_BACK[match["word"]])
        return day.replace(hour=int(match["hour"]), minute=int(match["minute"])).isoformat()
    count = int(match["count"])
    if match["unit"] in _DAY_UNITS:
        return (now - timedelta(days=count)).date().isoformat()
    unit = "hours" if match["unit"] in _HOUR_UNITS else "minutes"
    return (now - timedelta(**{unit: count})).isoformat()


def url_day(url: str) -> date | None:
    """The day a URL path is dated with: ``/2019/0907/``, ``/19/0907/``, ``/2019-09/07/``,
    ``/20190907/``."""
    path = urlsplit(url).path
    for pattern in _URL_DAYS:
        for match in pattern.finditer(path):
            year = int(match["year"])
            try:
                return date(
                    year + 2000 if year < 100 else year, int(match["month"]), int(match["day"])
                )
            except ValueError:
                continue
    return None


def served_time(value: str) -> datetime | None:
    """An HTTP date (``Date``, ``Last-Modified``) or an ISO time, as an aware datetime."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        found = find_datetime(value)
        if found is None or "T" not in found:
            return None
        return datetime.fromisoformat(found)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def find_declared_datetime(text: str) -> str | None:
    """A time from page metadata; exactly midnight is how a date alone is stored there."""
    found = find_datetime(text)
    if found is not None and found[10:19] == "T00:00:00":
        return found[:10]
    return found


def is_date_line(text: str) -> bool:
    """A line that starts with a time label (``发布时间：``), whatever format follows."""
    return _LABELLED.match(text) is not None


def parse_datetime(text: str) -> str | None:
    """``text`` read as one date or time (a label such as ``发布时间：`` allowed before it)."""
    match = _WHOLE.fullmatch(_normalize(text))
    return _to_iso(match) if match else None


def _normalize(text: str) -> str:
    """Full-width digits and punctuation made ASCII (``２０２５年`` -> ``2025年``)."""
    return unicodedata.normalize("NFKC", text)


def _to_iso(match: re.Match[str]) -> str | None:
    year = int(match["year"])
    month = int(match["month"] or match["cn_month"])
    day = int(match["day"] or match["cn_day"])
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return None
    try:
        if match["hour"] is None:
            return date(year, month, day).isoformat()
        moment = datetime(
            year,
            month,
            day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or match["cn_second"] or 0),
            tzinfo=_zone(match["zone"]),
        )
    except ValueError:
        return None
    return moment.isoformat()


def _zone(text: str | None) -> timezone:
    if not text:
        return BEIJING
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
