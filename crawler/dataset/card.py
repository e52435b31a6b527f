"""The dataset card (``README.md``): what the dataset holds, from its ``dataset.json``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from crawler.dataset.columns import DATE_FLAG, SCHEMA
from crawler.extraction import PROFILES
from pipelines.validate import article_schema

OWN_MEANINGS = {
    "published_at": "Publish time, in Beijing time (+08:00); null when the page shows none.",
    "crawled_at": "When the page was fetched, in UTC.",
    "month": "The partition: the Beijing month (YYYY-MM) of published_at; null without one.",
    DATE_FLAG: "True when the page showed only a date: published_at is that day's midnight,"
    " Beijing time.",
    "run_id": "The crawl run whose manifest the row was read through.",
}
"""Meanings of the columns that are not the schema's text: the timestamps and the dataset's
own columns; the others are the article schema's descriptions."""


def column_rows() -> list[tuple[str, str, str]]:
    """(column, Arrow type, meaning) of every column."""
    properties = article_schema()["properties"]
    return [
        (
            column.name,
            str(column.type),
            OWN_MEANINGS.get(column.name) or properties[column.name]["description"],
        )
        for column in SCHEMA
    ]


def partition_counts(files: list[dict[str, Any]]) -> dict[tuple[str, str], Counter[str]]:
    """Rows per (site, month) and table."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for entry in files:
        key = (entry["site"], entry["month"] or "(no date)")
        counts.setdefault(key, Counter())[entry["table"]] += entry["rows"]
    return dict(sorted(counts.items()))


def date_range(files: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The earliest and latest publish time of the articles."""
    articles = [f for f in files if f["table"] == "articles" and f["published_from"]]
    if not articles:
        return None, None
    return min(f["published_from"] for f in articles), max(f["published_to"] for f in articles)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    lines += [f"| {' | '.join(cell(value) for value in row)} |" for row in rows]
    return lines


def terms_note(sites: list[str]) -> list[str]:
    """The sites' terms, as a note: the text is theirs."""
    named = [
        f"{site} ({', '.join(PROFILES[site].domains)})" if site in PROFILES else site
        for site in sites
    ]
    return [
        "## Terms",
        "",
        f"The articles are the published work of their sites ({', '.join(named) or 'none'})"
        " and of the publishers their `source` names, who keep their rights. This dataset"
        " records what the crawler read, as it read it; whoever uses or shares it follows"
        " each site's terms of use and copyright notice (and robots.txt for any further"
        " crawl).",
        "",
    ]


def render_card(manifest: dict[str, Any]) -> str:
    """The card of a build, as Markdown."""
    files, counts = manifest["files"], manifest["counts"]
    partitions = partition_counts(files)
    first, last = date_range(files)
    sites = sorted({site for site, _ in partitions})
    duplicates = (
        "Rows marked `duplicate_of` are included."
        if manifest["include_duplicates"]
        else f"Rows marked `duplicate_of` are left out ({counts['duplicates_left_out']} of them)."
    )
    lines = [
        "# cnfinance news articles",
        "",
        f"Build `{manifest['build_id']}` of {manifest['built_at']}, made by"
        f" cnfinance-news-crawler {manifest['crawler_version']} (`python -m crawler.dataset"
        f" build`) from {plural(len(manifest['runs']), 'crawl run')}; article schema"
        f" {manifest['schema_version']}.",
        "",
        f"- `articles/site=<site>/month=<YYYY-MM>/*.parquet`: {counts['articles']} articles,"
        " one row each, its latest version.",
        f"- `versions/`, the same layout: {counts['versions']} earlier versions of them.",
        "- `dataset.json`: the runs and files this build is made of, with their SHA-256.",
        f"- Published from {first or '-'} to {last or '-'}. {duplicates}",
        "",
        "## Rows per site and month",
        "",
        *table(
            ("site", "month", "articles", "earlier versions"),
            [
                (site, month, count["articles"], count["versions"])
                for (site, month), count in partitions.items()
            ],
        ),
        "",
        "## Columns",
        "",
        "Every file has these columns (Apache Arrow types).",
        "",
        *table(("column", "type", "meaning"), list(column_rows())),
        "",
        "## Runs",
        "",
        *table(
            ("run", "spider", "status", "started", "files", "rows", "crawler", "schema"),
            [
                (
                    run["run_id"],
                    run["spider"],
                    run["status"],
                    run["started_at"],
                    len(run["files"]),
                    sum(batch["rows"] for batch in run["files"]),
                    run["crawler_version"],
                    run["schema_version"],
                )
                for run in manifest["runs"]
            ],
        ),
        "",
        *terms_note(sites),
    ]
    return "\n".join(lines)
