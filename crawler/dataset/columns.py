"""The dataset's columns: the article schema's fields as typed Arrow columns, and the
conversion of an exported record to a row and back.

``published_at`` and ``crawled_at`` are timestamps with their zone (Beijing ``+08:00`` and
UTC); a page that showed only a date has ``published_at`` at that day's midnight, Beijing
time, and ``published_at_is_date`` true. ``authors`` is a list of strings, ``related`` a list
of structs (its ``published_at`` as the page showed it: a date or a time), ``extraction`` a
struct. Beside the schema's fields, a row has ``month`` (its partition: the Beijing month of
``published_at``, null without one) and ``run_id`` (the run whose manifest it was read
through).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from crawler.extraction.dates import BEIJING

ZONE = "+08:00"
MILLISECONDS = "ms"
NO_MONTH = "__HIVE_DEFAULT_PARTITION__"
"""The partition folder of rows without ``published_at`` (Hive's name for a null value)."""
CRAWLED_AT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
EXTRACTED_FIELDS = ("title", "source", "byline", "published_at", "content", "related")
DATE_FLAG = "published_at_is_date"
DATASET_COLUMNS = ("month", DATE_FLAG, "run_id")
"""The columns a row has beside the article schema's fields."""

RELATED = pa.struct([("title", pa.string()), ("url", pa.string()), ("published_at", pa.string())])
EXTRACTION = pa.struct(
    [
        ("profile", pa.string()),
        ("fields", pa.struct([(name, pa.string()) for name in EXTRACTED_FIELDS])),
    ]
)
SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("canonical_url", pa.string()),
        ("site", pa.string()),
        ("title", pa.string()),
        ("source", pa.string()),
        ("byline", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("published_at", pa.timestamp(MILLISECONDS, tz=ZONE)),
        ("content", pa.string()),
        ("related", pa.list_(RELATED)),
        ("found_via", pa.string()),
        ("depth", pa.int32()),
        ("crawled_at", pa.timestamp(MILLISECONDS, tz="UTC")),
        ("content_sha256", pa.string()),
        ("extraction", EXTRACTION),
        ("duplicate_of", pa.string()),
        ("version", pa.int32()),
        ("previous_sha256", pa.string()),
        ("schema_version", pa.string()),
        ("month", pa.string()),
        (DATE_FLAG, pa.bool_()),
        ("run_id", pa.string()),
    ]
)
"""Every file's schema, articles and versions alike."""
RECORD_FIELDS = tuple(name for name in SCHEMA.names if name not in DATASET_COLUMNS)


def published_moment(published_at: str | None) -> tuple[datetime | None, bool]:
    """The instant of an exported ``published_at`` and whether the page showed only a date."""
    if published_at is None:
        return None, False
    if len(published_at) == len("2025-02-06"):
        day = date.fromisoformat(published_at)
        return datetime(day.year, day.month, day.day, tzinfo=BEIJING), True
    return datetime.fromisoformat(published_at), False


def month_of(moment: datetime | None) -> str | None:
    """The Beijing month (``YYYY-MM``) of a publish time."""
    return None if moment is None else moment.astimezone(BEIJING).strftime("%Y-%m")


def row_of(record: dict[str, Any], run_id: str) -> dict[str, Any]:
    """The dataset row of an exported (schema-valid) record."""
    moment, date_only = published_moment(record["published_at"])
    row = {name: record[name] for name in RECORD_FIELDS}
    row.update(
        published_at=moment,
        crawled_at=datetime.fromisoformat(record["crawled_at"]),
        month=month_of(moment),
        run_id=run_id,
    )
    row[DATE_FLAG] = date_only
    return row


def record_of(row: dict[str, Any]) -> dict[str, Any]:
    """The exported record a row holds (the schema's fields, in its order)."""
    record = {name: row[name] for name in RECORD_FIELDS}
    moment: datetime | None = row["published_at"]
    if moment is not None:
        local = moment.astimezone(BEIJING)
        record["published_at"] = local.date().isoformat() if row[DATE_FLAG] else local.isoformat()
    record["crawled_at"] = row["crawled_at"].astimezone(UTC).strftime(CRAWLED_AT_FORMAT)
    return record


def partition_of(row: dict[str, Any]) -> tuple[str, str | None]:
    """The (site, month) partition a row belongs to."""
    return row["site"], row["month"]


def partition_path(site: str, month: str | None) -> str:
    """The folder of a partition, relative to its table's folder."""
    return f"site={site}/month={month or NO_MONTH}"


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)
