"""Our extractor, trafilatura and GNE on every labelled page, scored and timed.

Run ``python -m benchmarks.extraction [--output FILE] [--pages DIR]``. The tools run once;
their results are scored twice, on the labels as given and on the corrected labels
(``label-corrections.json``, listed with the evidence under the tables).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gne import GeneralNewsExtractor
from trafilatura import bare_extraction

from benchmarks.labelled_pages import (
    CWCED,
    EXTRACTOR_FIXTURES,
    FIXTURES,
    Correction,
    LabelledPage,
    apply_corrections,
    author_f1,
    body_scores,
    is_news,
    load_corrections,
    load_pages,
    published_correct,
    related_f1,
    source_correct,
    title_correct,
)
from benchmarks.machine import load_average, results_header
from benchmarks.progress import counted, estimate, say
from crawler.extraction import extract_article
from crawler.extraction.decoding import decode_html

SECONDS_PER_PAGE = 0.15
"""Ours, trafilatura and GNE on one page, one after the other (about 0.1 s measured)."""
PACKAGES = ("trafilatura", "htmldate", "lxml", "lxml_html_clean", "gne", "scrapy", "parsel")


@dataclass(frozen=True)
class Prediction:
    """The fields a tool found on a page, in the shapes the scorer takes."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    body: str = ""
    source: str | None = None
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    page: LabelledPage
    prediction: Prediction
    seconds: float
    failed: bool


Tool = Callable[[bytes, str], Prediction]


def run_ours(body: bytes, url: str) -> Prediction:
    article = extract_article(body, url)
    return Prediction(
        title=article["title"],
        authors=tuple(article["authors"]),
        published=article["published_at"],
        body=article["content"] or "",
        source=article["source"],
        related=tuple(str(item["url"]) for item in article["related"]),
    )


def run_trafilatura(body: bytes, url: str) -> Prediction:
    """``bare_extraction`` with metadata and the URL, favor_precision off, comments left out."""
    document = bare_extraction(
        decode_html(body),
        url=url,
        with_metadata=True,
        favor_precision=False,
        include_comments=False,
    )
    if document is None:
        return Prediction()
    return Prediction(
        title=document.title,
        authors=_split_names(document.author, r";"),
        published=document.date,
        body=document.text or "",
    )


def run_gne(body: bytes, url: str) -> Prediction:
    """``GeneralNewsExtractor().extract``, its local time string read as Beijing time."""
    found = GeneralNewsExtractor().extract(decode_html(body))
    return Prediction(
        title=found.get("title") or None,
        authors=_split_names(found.get("author"), r"[\s、，,;；/]"),
        published=beijing_iso(found.get("publish_time") or ""),
        body=found.get("content") or "",
    )


TOOLS: dict[str, Tool] = {"ours": run_ours, "trafilatura": run_trafilatura, "gne": run_gne}


def _split_names(names: str | None, separator: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in re.split(separator, names or "") if name.strip())


_LOCAL_TIME = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<hour>\d{1,2})\s*[:时]\s*(?P<minute>\d{1,2})\s*分?"
    r"(?:\s*:?\s*(?P<second>\d{1,2})\s*秒?)?)?"
    r"(?:\.\d+)?\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)


def beijing_iso(text: str) -> str | None:
    """A date or time as GNE returns it, as ISO 8601; a time without zone is Beijing time."""
    match = _LOCAL_TIME.search(text)
    if match is None:
        return None
    day = f"{int(match['year']):04d}-{int(match['month']):02d}-{int(match['day']):02d}"
    if match["hour"] is None:
        return day
    zone = match["zone"] or "+08:00"
    clock = f"{int(match['hour']):02d}:{int(match['minute']):02d}:{int(match['second'] or 0):02d}"
    return f"{day}T{clock}{'+00:00' if zone == 'Z' else _colon_zone(zone)}"


def _colon_zone(zone: str) -> str:
    return zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"


def measure(tool: Tool, pages: Sequence[LabelledPage], label: str = "") -> list[Outcome]:
    """Each page through ``tool`` once, timed, after one untimed warm-up call; with a
    ``label``, the progress on stderr."""
    _attempt(tool, pages[0])
    shown = counted(pages, len(pages), label) if label else pages
    return [_attempt(tool, page) for page in shown]


def _attempt(tool: Tool, page: LabelledPage) -> Outcome:
    body = page.read_bytes()
    started = time.perf_counter()
    try:
        prediction, failed = tool(body, page.url), False
    except Exception:
        prediction, failed = Prediction(), True
    return Outcome(page, prediction, time.perf_counter() - started, failed)


@dataclass(frozen=True)
class Scores:
    """One tool's scores on one group of pages."""

    titles: tuple[int, int]
    published: tuple[int, int]
    sources: tuple[int, int]
    related_f1: float | None
    related_scored: int
    author_f1: float | None
    authors_scored: int
    precision: float | None
    recall: float | None
    bodies_scored: int
    median_ms: float
    p95_ms: float

    @property
    def f1(self) -> float | None:
        if self.precision is None or self.recall is None:
            return None
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _hits(results: Iterable[bool]) -> tuple[int, int]:
    flags = list(results)
    return sum(flags), len(flags)


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def p95(values: Sequence[float]) -> float:
    """The 95th percentile, interpolated between the nearest ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def score(outcomes: Sequence[Outcome]) -> Scores:
    """Title and time accuracy, mean author F1, mean body precision/recall and timings."""
    titles = _hits(
        title_correct(o.prediction.title, o.page.title)
        for o in outcomes
        if o.page.title is not None
    )
    published = _hits(
        published_correct(o.prediction.published, o.page.published)
        for o in outcomes
        if o.page.published is not None
    )
    sources = _hits(
        source_correct(o.prediction.source, o.page.source)
        for o in outcomes
        if o.page.source is not None
    )
    related = [
        related_f1(list(o.prediction.related), o.page.related)
        for o in outcomes
        if o.page.related is not None
    ]
    authors = [
        author_f1(list(o.prediction.authors), o.page.authors)
        for o in outcomes
        if o.page.authors is not None
    ]
    bodies = [s for o in outcomes if (s := body_scores(o.prediction.body, o.page)) is not None]
    milliseconds = [o.seconds * 1000 for o in outcomes]
    return Scores(
        titles=titles,
        published=published,
        sources=sources,
        related_f1=_mean(related),
        related_scored=len(related),
        author_f1=_mean(authors),
        authors_scored=len(authors),
        precision=_mean([precision for precision, _ in bodies]),
        recall=_mean([recall for _, recall in bodies]),
        bodies_scored=len(bodies),
        median_ms=statistics.median(milliseconds),
        p95_ms=p95(milliseconds),
    )


GROUPS: dict[str, Callable[[LabelledPage], bool]] = {
    "news pages, both sets": is_news,
    f"{CWCED}, all kinds": lambda page: page.folder == CWCED,
    EXTRACTOR_FIXTURES: lambda page: page.folder == EXTRACTOR_FIXTURES,
}


def _fraction(hits: tuple[int, int]) -> str:
    right, total = hits
    return f"{right / total:.2f} ({right}/{total})" if total else "-"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(results: dict[str, list[Outcome]]) -> list[str]:
    """The markdown table: one row per group of pages and tool."""
    lines = [
        "| pages | tool | title exact | published exact | author F1 (n) | source exact "
        "| related F1 (n) | body P | body R | body F1 (n) | median ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for group, member in GROUPS.items():
        for tool, outcomes in results.items():
            chosen = [o for o in outcomes if member(o.page)]
            s = score(chosen)
            lines.append(
                f"| {group} ({len(chosen)}) | {tool} | {_fraction(s.titles)} "
                f"| {_fraction(s.published)} | {_number(s.author_f1)} ({s.authors_scored}) "
                f"| {_fraction(s.sources)} | {_number(s.related_f1)} ({s.related_scored}) "
                f"| {_number(s.precision)} | {_number(s.recall)} "
                f"| {_number(s.f1)} ({s.bodies_scored}) "
                f"| {s.median_ms:.1f} | {s.p95_ms:.1f} |"
            )
    return lines


def speed_ratio(results: dict[str, list[Outcome]]) -> str:
    ours = score(results["ours"]).median_ms
    theirs = score(results["trafilatura"]).median_ms
    pages = len(results["ours"])
    return (
        f"Median ms per page, ours / trafilatura, over all {pages} pages: "
        f"{ours:.1f} / {theirs:.1f} = {ours / theirs:.2f}"
    )


def failures(results: dict[str, list[Outcome]]) -> str:
    counts = ", ".join(f"{tool} {sum(o.failed for o in out)}" for tool, out in results.items())
    return f"Pages on which a tool raised (scored as an empty result): {counts}."


NOTES = (
    "Scoring as in tests/fixtures/pages/README.md, implemented in benchmarks/labelled_pages.py.",
    "Title and published exact: share of the labelled pages that are right (right/labelled).",
    "Title: a site suffix (from a _, -, |, –, —, :: or an @ between spaces to the end) may be "
    "missing on either side.",
    "Author F1: mean over the pages with an author label, UNKNOWN included (n pages).",
    "Source exact: share of the pages with a source (来源) label that are right, a label of no "
    "source included; related F1: mean F1 of the related news URL sets over the pages with a "
    "related label (n pages). Neither trafilatura nor GNE extracts a source or related news, so "
    "they are scored as finding none.",
    "Body P and R: mean per-page 4-gram shingle precision and recall (CJK characters as "
    "tokens); body F1 is the F1 of the two means (n pages). The 3 trafilatura pages labelled "
    "only with must/must-not snippets score precision found/(found + leaked) and recall "
    "found/must; an empty body scores 0 and 0.",
    "The goose3 body label is goose3's 150-character excerpt of the article, so a full "
    "extraction scores a low precision on that page.",
    "Published: a label time of 00:00:00 counts as a date only; trafilatura returns dates only "
    "(its default), so it cannot be right where the label has a time; GNE's local time string "
    "is read as Beijing time. One zh-cwced date label is a name, not a date: with the labels as "
    "given that page counts as having no date label, with the corrected labels it has the "
    "date the page shows.",
    "Corrected labels: the labels as given, with those listed under Label corrections "
    "replaced by what the page shows; the tools' results are the same in both tables.",
    "Every zh-extractor-fixtures page counts as news, the pixnet blog page included.",
    "trafilatura: bare_extraction with with_metadata, favor_precision off, comments off and the "
    "page URL. GNE: GeneralNewsExtractor().extract with default options. Both get the page "
    "decoded by crawler.extraction.decoding.decode_html, as ours decodes it; ours gets the "
    "bytes. Pages without a URL get a made-up http://<set>.invalid/<id>.html one.",
    "Timings: one time.perf_counter measurement per page from bytes to fields, decoding "
    "included, after one warm-up call per tool; the tools run one after the other in one "
    "process.",
)


def run(pages: Sequence[LabelledPage]) -> dict[str, list[Outcome]]:
    estimate(
        f"Extraction benchmark on {len(pages)} pages, {len(TOOLS)} tools",
        SECONDS_PER_PAGE * len(pages),
    )
    results = {}
    for name, tool in TOOLS.items():
        say(f"{name} on {len(pages)} pages")
        results[name] = measure(tool, pages, name)
    return results


def rescored(
    results: dict[str, list[Outcome]], corrections: Sequence[Correction]
) -> dict[str, list[Outcome]]:
    """The same results, held to the corrected labels."""
    pages = list({o.page.page_id: o.page for out in results.values() for o in out}.values())
    corrected = {page.page_id: page for page in apply_corrections(pages, list(corrections))}
    return {
        tool: [replace(o, page=corrected[o.page.page_id]) for o in outcomes]
        for tool, outcomes in results.items()
    }


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) if value else "(no author)"
    return str(value)


def correction_list(corrections: Sequence[Correction]) -> list[str]:
    """One line per correction: page, field, label as given, corrected label, evidence."""
    return [
        f"- `{c.page_id}` {c.field}: {_shown(c.label)} → {_shown(c.corrected)}; "
        f"evidence: {c.evidence}."
        for c in corrections
    ]


def report(results: dict[str, list[Outcome]], corrections: Sequence[Correction]) -> list[str]:
    notes = [f"- {note}" for note in (failures(results), *NOTES)]
    return [
        "## Scores on the labels as given",
        "",
        *table(results),
        "",
        f"## Scores on the corrected labels ({len(corrections)} corrections, listed below)",
        "",
        *table(rescored(results, corrections)),
        "",
        speed_ratio(results),
        "",
        *notes,
        "",
        "## Label corrections",
        "",
        "Labels that the page itself contradicts (tests/fixtures/pages/label-corrections.json): "
        "page, field: label as given → corrected label; evidence.",
        "",
        *correction_list(corrections),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the report, with a header")
    parser.add_argument("--pages", type=Path, default=FIXTURES, help="labelled pages folder")
    args = parser.parse_args(argv)
    load = load_average()
    lines = report(run(load_pages(args.pages)), load_corrections(args.pages))
    print("\n".join(lines))
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        header = results_header("Extraction benchmark on the labelled pages", PACKAGES, load)
        args.output.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
