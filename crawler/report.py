"""A report over one or many runs, read from their manifests and the batch files they list.

``load_report(paths)`` finds the manifests (``*.manifest.json``) under the given directories
or files, reads each run's batch files through the manifest's relative ``files[].path``
(verifying nothing: a missing file is named in the report) and builds a ``Report``;
``render_html`` turns it into one self-contained page (inline CSS and SVG charts, nothing
fetched), ``render_text`` into the same numbers as plain text. Each number a chart shows is
also in the page as text or as the ``data-value`` of its SVG element.

What a manifest lacks is said to be "not recorded": manifests written before the crawler
recorded ``stats`` and ``monitors`` have neither, and a killed run has ``counts: {}``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from crawler.extraction import GENERIC
from crawler.extraction.dates import BEIJING
from crawler.failures import EXAMPLES_STAT_PREFIX, FAILED_STAT_PREFIX
from crawler.outcome import DROPPED_REASON_PREFIX, successful

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_KEYS = ("run_id", "spider", "status", "started_at", "files", "counts")
DEFAULT_DATA_DIR = "data"
NO_DATE = "no date"
NO_SOURCE = "(none)"
TOP_SOURCES = 20
COVERAGE_FIELDS = ("title", "source", "authors", "published_at", "content", "related")
NON_EMPTY_FIELDS = frozenset({"authors", "related"})
"""Fields that count as present only when their list is not empty."""
DROPPED_REASON_COUNT = "dropped/"
"""The manifest's ``counts`` key prefix for drops by reason (the same numbers as the stats)."""
NOT_RECORDED = "not recorded"


class ReportError(Exception):
    """Input the report cannot be made from; its message is one line."""


@dataclass(frozen=True)
class Monitor:
    name: str
    passed: bool
    level: str
    message: str


@dataclass(frozen=True)
class Run:
    """One run as its manifest tells it; ``stats`` and ``monitors`` are None when not
    recorded."""

    run_id: str
    spider: str
    status: str
    started_at: str
    finished_at: str | None
    error: str | None
    counts: dict[str, int]
    stats: dict[str, Any] | None
    monitors: list[Monitor] | None
    records: int
    missing_files: list[str]

    @property
    def successful(self) -> bool:
        return successful(self.status)


@dataclass(frozen=True)
class Share:
    """``count`` of ``total`` records."""

    label: str
    count: int
    total: int

    @property
    def value(self) -> float:
        return self.count / self.total if self.total else 0.0


@dataclass(frozen=True)
class FailedReason:
    reason: str
    count: int
    examples: list[str]


@dataclass
class RecordTally:
    """What the report needs of the exported records, counted one record at a time."""

    total: int = 0
    days: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    site_pages: Counter[str] = field(default_factory=Counter)
    generic: Counter[tuple[str, str]] = field(default_factory=Counter)
    extraction_fields: dict[str, None] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        self.total += 1
        self.days[beijing_day(record.get("published_at"))] += 1
        self.sources[record.get("source") or NO_SOURCE] += 1
        self.present.update(name for name in COVERAGE_FIELDS if has_field(record, name))
        site = record.get("site") or NO_SOURCE
        self.site_pages[site] += 1
        fields = (record.get("extraction") or {}).get("fields") or {}
        for name, extractor in fields.items():
            self.extraction_fields.setdefault(name)
            if extractor == GENERIC:
                self.generic[site, name] += 1


@dataclass(frozen=True)
class Report:
    runs: list[Run]
    """By ``started_at``."""
    records: int
    per_day: list[tuple[str, int]]
    """Beijing dates in order, then ``NO_DATE``."""
    per_source: list[tuple[str, int]]
    """The ``TOP_SOURCES`` most frequent, most first."""
    source_count: int
    coverage: list[Share]
    fallback: dict[str, list[Share]]
    """Per site: the share of its records whose field came from the generic extractor."""
    drop_reasons: list[tuple[str, int]]
    failed: list[FailedReason]

    def not_recorded(self, what: str) -> list[str]:
        """The runs lacking ``stats``, ``monitors`` or ``counts``."""
        return [run.run_id for run in self.runs if not getattr(run, what)]


# --- reading -----------------------------------------------------------------------------


def find_manifests(paths: Sequence[str | Path]) -> list[Path]:
    """The manifests named or found (recursively) under ``paths``, each once, in order."""
    found: dict[Path, None] = {}
    for given in paths or [DEFAULT_DATA_DIR]:
        path = Path(given)
        if path.is_dir():
            found.update(dict.fromkeys(sorted(path.rglob(f"*{MANIFEST_SUFFIX}"))))
        elif path.is_file():
            found[path] = None
        else:
            raise ReportError(f"{given}: no such file or directory")
    if not found:
        shown = ", ".join(str(p) for p in paths or [DEFAULT_DATA_DIR])
        raise ReportError(f"no run manifest (*{MANIFEST_SUFFIX}) found in {shown}")
    return list(found)


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest's JSON, refused when it does not have a manifest's keys."""
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot be read: {error.strerror or error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: not a run manifest (not JSON)") from error
    if not isinstance(manifest, dict) or any(key not in manifest for key in MANIFEST_KEYS):
        raise ReportError(f"{path}: not a run manifest (it lacks {', '.join(MANIFEST_KEYS)})")
    return manifest


def batch_files(manifest_path: Path, manifest: dict[str, Any]) -> list[Path]:
    return [manifest_path.parent / entry["path"] for entry in manifest["files"]]


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines batch file."""
    try:
        number = 0
        with path.open(encoding="utf-8") as file:
            for line in file:
                number += 1
                if line.strip():
                    yield json.loads(line)
    except OSError as error:
        raise ReportError(f"{path}: cannot be read: {error.strerror or error}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReportError(f"{path}: line {number} is not a JSON record") from error


def load_report(paths: Sequence[str | Path]) -> Report:
    """The report over the runs whose manifests are found under ``paths`` (each run once)."""
    runs: dict[str, Run] = {}
    tally = RecordTally()
    for manifest_path in find_manifests(paths):
        manifest = read_manifest(manifest_path)
        if manifest["run_id"] in runs:
            continue
        records, missing = 0, []
        for path in batch_files(manifest_path, manifest):
            if not path.is_file():
                missing.append(str(path))
                continue
            for record in read_records(path):
                tally.add(record)
                records += 1
        runs[manifest["run_id"]] = run_from_manifest(manifest, records, missing)
    return build_report(list(runs.values()), tally)


def run_from_manifest(manifest: dict[str, Any], records: int, missing: list[str]) -> Run:
    monitors = manifest.get("monitors")
    return Run(
        run_id=manifest["run_id"],
        spider=manifest["spider"],
        status=manifest["status"],
        started_at=manifest["started_at"],
        finished_at=manifest.get("finished_at"),
        error=manifest.get("error"),
        counts=dict(manifest["counts"]),
        stats=manifest.get("stats"),
        monitors=None
        if monitors is None
        else [
            Monitor(m["name"], bool(m["passed"]), m.get("level", "fail"), m.get("message", ""))
            for m in monitors
        ],
        records=records,
        missing_files=missing,
    )


# --- the model ---------------------------------------------------------------------------


def beijing_day(published_at: str | None) -> str:
    """The Beijing date of a publish time (a bare date is taken as shown), else ``NO_DATE``."""
    if not published_at:
        return NO_DATE
    try:
        moment = datetime.fromisoformat(published_at)
    except ValueError:
        return NO_DATE
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(BEIJING).date().isoformat()


def has_field(record: dict[str, Any], name: str) -> bool:
    value = record.get(name)
    if name in NON_EMPTY_FIELDS:
        return bool(value)
    return value is not None and value != ""


def build_report(runs: list[Run], tally: RecordTally) -> Report:
    dated = sorted((day, n) for day, n in tally.days.items() if day != NO_DATE)
    undated = [(NO_DATE, tally.days[NO_DATE])] if tally.days[NO_DATE] else []
    return Report(
        runs=sorted(runs, key=lambda run: run.started_at),
        records=tally.total,
        per_day=dated + undated,
        per_source=sorted(tally.sources.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_SOURCES],
        source_count=len(tally.sources),
        coverage=[Share(name, tally.present[name], tally.total) for name in COVERAGE_FIELDS],
        fallback={
            site: [
                Share(name, tally.generic[site, name], pages) for name in tally.extraction_fields
            ]
            for site, pages in sorted(tally.site_pages.items())
        },
        drop_reasons=drop_reasons(runs),
        failed=failed_reasons(runs),
    )


def run_drop_reasons(run: Run) -> dict[str, int]:
    """A run's drops by reason: from its stats, else from its counts (the same numbers)."""
    source, prefix = (
        (run.stats, DROPPED_REASON_PREFIX)
        if run.stats is not None
        else (run.counts, DROPPED_REASON_COUNT)
    )
    return {
        key.removeprefix(prefix): int(value)
        for key, value in source.items()
        if key.startswith(prefix)
    }


def drop_reasons(runs: Iterable[Run]) -> list[tuple[str, int]]:
    total: Counter[str] = Counter()
    for run in runs:
        total.update(run_drop_reasons(run))
    return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))


def failed_reasons(runs: Iterable[Run]) -> list[FailedReason]:
    """Pages that failed for good, by reason over the runs with stats, most first, with up
    to 3 example URLs each."""
    counts: Counter[str] = Counter()
    examples: dict[str, dict[str, None]] = {}
    for run in runs:
        for key, value in (run.stats or {}).items():
            if key.startswith(FAILED_STAT_PREFIX):
                counts[key.removeprefix(FAILED_STAT_PREFIX)] += int(value)
            elif key.startswith(EXAMPLES_STAT_PREFIX):
                urls = [value] if isinstance(value, str) else value
                examples.setdefault(key.removeprefix(EXAMPLES_STAT_PREFIX), {}).update(
                    dict.fromkeys(urls)
                )
    return [
        FailedReason(reason, count, list(examples.get(reason, {}))[:3])
        for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def count_keys(runs: Iterable[Run]) -> list[str]:
    """Every outcome any run counts, in the order first met."""
    return list(dict.fromkeys(key for run in runs for key in run.counts))


def percent(share: Share) -> str:
    return f"{share.value:.1%}"


def runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def sources_heading(report: Report) -> str:
    if report.source_count <= TOP_SOURCES:
        return f"{report.source_count} sources"
    return f"top {TOP_SOURCES} of {report.source_count} sources"


def monitor_totals(runs: Iterable[Run]) -> tuple[int, int]:
    """Monitors passed and failed over the runs that recorded them."""
    results = [m.passed for run in runs for m in run.monitors or []]
    return sum(results), len(results) - sum(results)


# --- text --------------------------------------------------------------------------------


def render_text(report: Report) -> str:
    """The report as plain text, section by section."""
    return "\n".join(text_lines(report)) + "\n"


def text_lines(report: Report) -> Iterator[str]:
    keys = count_keys(report.runs)
    yield f"Run report: {runs(len(report.runs))}, {report.records} exported records"
    yield ""
    yield "== Runs over time =="
    for run in report.runs:
        counts = (
            ", ".join(f"{key} {run.counts[key]}" for key in keys if key in run.counts)
            or f"counts {NOT_RECORDED}"
        )
        yield f"{run.started_at}  {run.run_id}  {run.spider}  status {run.status}  {counts}"
        if run.error:
            yield f"    error: {run.error}"
        for path in run.missing_files:
            yield f"    batch file missing: {path}"
    yield ""
    yield "== Articles per publish day (Beijing) =="
    yield from (f"{day}  {count}" for day, count in report.per_day)
    yield ""
    yield f"== Articles per source ({sources_heading(report)}) =="
    yield from (f"{source}  {count}" for source, count in report.per_source)
    yield ""
    yield f"== Field coverage ({report.records} exported records) =="
    yield from (f"{s.label}  {s.count}/{s.total}  {percent(s)}" for s in report.coverage)
    yield ""
    yield "== Drop reasons =="
    yield from (f"{reason}  {count}" for reason, count in report.drop_reasons)
    yield from not_recorded_line(report, "counts", "drop reasons")
    yield ""
    yield "== Generic-fallback share per field =="
    for site, shares in report.fallback.items():
        yield f"{site}: " + ", ".join(f"{s.label} {s.count}/{s.total} {percent(s)}" for s in shares)
    yield ""
    passed, failed = monitor_totals(report.runs)
    yield f"== Monitors: {passed} passed, {failed} failed =="
    for run in report.runs:
        for monitor in run.monitors or []:
            verdict = "passed" if monitor.passed else "FAILED"
            yield f"{run.run_id}  {monitor.name}  {verdict} ({monitor.level}): {monitor.message}"
    yield from not_recorded_line(report, "monitors", "monitors")
    yield ""
    yield "== Top errors =="
    for reason in report.failed:
        yield f"{reason.reason}  {reason.count}  e.g. {', '.join(reason.examples) or '-'}"
    yield from not_recorded_line(report, "stats", "errors")


def not_recorded_line(report: Report, what: str, label: str) -> Iterator[str]:
    missing = report.not_recorded(what)
    if missing:
        yield f"{label} {NOT_RECORDED} in {runs(len(missing))}: {', '.join(missing)}"


# --- HTML --------------------------------------------------------------------------------

PALETTE = ("#2b6cb0", "#9c4221", "#2f855a", "#b7791f", "#6b46c1", "#c53030", "#319795")
BAR = "#2b6cb0"
LABEL_WIDTH = 72
"""Pixels a date label under the days chart takes."""
CSS = """
body{font:14px/1.45 system-ui,"Noto Sans CJK SC",sans-serif;margin:24px;color:#1a202c;
background:#fff}
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #cbd5e0}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #e2e8f0;padding:3px 8px;
text-align:left;vertical-align:top}td.n{text-align:right}.scroll{overflow-x:auto}
.ok{color:#276749}.bad{color:#c53030;font-weight:600}.note{color:#718096;font-style:italic}
svg text{font-size:11px;fill:#2d3748}svg text.ok{fill:#276749}svg text.bad{fill:#c53030}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def attrs(**values: object) -> str:
    """HTML attributes, escaped; a trailing underscore in a name becomes a dash."""
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in values.items()
    )


def number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def hbar_chart(
    chart: str, rows: Sequence[tuple[str, float, str]], maximum: float | None = None
) -> str:
    """Horizontal bars: (label, value, text shown after the bar) per row."""
    if not rows:
        return '<p class="note">none</p>'
    top = maximum or max(value for _, value, _ in rows) or 1
    label_width, bar_width, row = 260, 480, 20
    height = row * len(rows) + 4
    parts = [f"<svg{attrs(class_='chart', id=chart, width=860, height=height)}>"]
    for i, (label, value, shown) in enumerate(rows):
        y = i * row + 2
        width = round(bar_width * value / top, 1)
        parts += [
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(shorten(label, 40))}</text>",
            f"<rect{attrs(class_='bar', x=label_width, y=y, width=width, height=row - 4)}"
            f"{attrs(fill=BAR, data_label=label, data_value=number(value))}>"
            f"<title>{escape(f'{label}: {shown}')}</title></rect>",
            f'<text x="{label_width + width + 6}" y="{y + 13}">{escape(shown)}</text>',
        ]
    return "".join(parts) + "</svg>"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def runs_chart(runs: Sequence[Run], keys: Sequence[str]) -> str:
    """One group of bars per run, one bar per outcome; the run's status under it."""
    top = max((v for run in runs for v in run.counts.values()), default=0) or 1
    bar, gap, plot, base = 12, 18, 220, 240
    group = max(bar * len(keys), LABEL_WIDTH + 40) + gap
    width = max(600, 50 + group * len(runs))
    parts = [f"<svg{attrs(class_='chart', id='chart-runs', width=width, height=base + 60)}>"]
    parts.append(f'<line x1="40" y1="{base}" x2="{width}" y2="{base}" stroke="#a0aec0"/>')
    for i, run in enumerate(runs):
        x0 = 50 + i * group
        parts.append(f"<g{attrs(class_='run', data_run=run.run_id, data_status=run.status)}>")
        if not run.counts:
            parts.append(f'<text x="{x0}" y="{base - 8}">{NOT_RECORDED}</text>')
        for j, key in enumerate(k for k in keys if k in run.counts):
            value = run.counts[key]
            height = round(plot * value / top, 1)
            y = round(base - height, 1)
            color = PALETTE[keys.index(key) % len(PALETTE)]
            parts.append(
                f"<rect{attrs(class_='bar', x=x0 + j * bar, y=y, width=bar - 2, height=height)}"
                f"{attrs(fill=color, data_key=key, data_value=value)}>"
                f"<title>{escape(f'{run.run_id} {key}: {value}')}</title></rect>"
            )
        status_class = "ok" if run.successful else "bad"
        parts += [
            f'<text x="{x0}" y="{base + 16}">{escape(run.started_at[:16])}</text>',
            f'<text x="{x0}" y="{base + 32}" class="{status_class}">{escape(run.status)}</text>',
            "</g>",
        ]
    legend = "".join(
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{escape(key)}</span>'
        for i, key in enumerate(keys)
    )
    return f'<div class="legend">{legend}</div><div class="scroll">{"".join(parts)}</svg></div>'


def days_chart(per_day: Sequence[tuple[str, int]]) -> str:
    """One bar per publish day, in order; undated articles last, in another colour."""
    if not per_day:
        return '<p class="note">none</p>'
    top = max(count for _, count in per_day) or 1
    bar, plot, base = max(3, min(16, 1200 // len(per_day))), 200, 215
    width = 60 + bar * len(per_day)
    labelled = day_labels([day for day, _ in per_day], -(-LABEL_WIDTH // bar))
    parts = [f"<svg{attrs(class_='chart', id='chart-days', width=width, height=base + 40)}>"]
    for i, (day, count) in enumerate(per_day):
        height = round(plot * count / top, 1)
        x = 40 + i * bar
        fill = "#a0aec0" if day == NO_DATE else BAR
        parts.append(
            f"<rect{attrs(class_='bar', x=x, y=round(base - height, 1), width=max(bar - 1, 1))}"
            f"{attrs(height=height, fill=fill, data_label=day, data_value=count)}>"
            f"<title>{escape(f'{day}: {count}')}</title></rect>"
        )
        if i in labelled:
            parts.append(f'<text x="{x}" y="{base + 14}">{day}</text>')
    parts.append(f'<text x="2" y="{base - plot + 10}">{top}</text>')
    return f'<div class="scroll">{"".join(parts)}</svg></div>'


def day_labels(days: Sequence[str], step: int) -> set[int]:
    """The days labelled under the chart: every ``step``-th, and ``NO_DATE`` clear of them."""
    if days[-1] != NO_DATE:
        return set(range(0, len(days), step))
    last = len(days) - 1
    return {i for i in range(0, len(days), step) if i <= last - step} | {last}


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{cell}</td>' if isinstance(cell, int) else f"<td>{cell}</td>"
            for cell in row
        )
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>'


def link(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url)}">{escape(url)}</a>'
    return escape(url)


def note(report: Report, what: str, label: str) -> str:
    missing = report.not_recorded(what)
    if not missing:
        return ""
    return (
        f'<p class="note"{attrs(data_not_recorded=what)}>{escape(label)} {NOT_RECORDED} in '
        f"{runs(len(missing))}: {escape(', '.join(missing))}</p>"
    )


def share_rows(shares: Iterable[Share]) -> list[tuple[str, float, str]]:
    return [(s.label, s.value, f"{percent(s)} ({s.count}/{s.total})") for s in shares]


def runs_section(report: Report) -> str:
    keys = count_keys(report.runs)
    rows = [
        [
            escape(run.started_at),
            escape(run.run_id),
            escape(run.spider),
            f'<span class="{"ok" if run.successful else "bad"}">{escape(run.status)}</span>',
            *(run.counts.get(key, "") for key in keys),
            run.records,
            escape(run.error or "")
            + "".join(f"<br>batch file missing: {escape(p)}" for p in run.missing_files),
        ]
        for run in report.runs
    ]
    header = ["started", "run", "spider", "status", *keys, "records read", "error"]
    return (
        "<h2>Runs over time</h2>"
        + runs_chart(report.runs, keys)
        + note(report, "counts", "counts")
        + table(header, rows)
    )


def monitors_section(report: Report) -> str:
    passed, failed = monitor_totals(report.runs)
    rows = [
        [
            escape(run.run_id),
            escape(m.name),
            '<span class="ok">passed</span>' if m.passed else '<span class="bad">failed</span>',
            escape(m.level),
            escape(m.message),
        ]
        for run in report.runs
        for m in run.monitors or []
    ]
    return (
        f'<h2>Monitors: <span id="monitors-passed">{passed}</span> passed, '
        f'<span id="monitors-failed">{failed}</span> failed</h2>'
        + hbar_chart(
            "chart-monitors", [("passed", passed, str(passed)), ("failed", failed, str(failed))]
        )
        + (table(["run", "monitor", "result", "level", "message"], rows) if rows else "")
        + note(report, "monitors", "monitors")
    )


def errors_section(report: Report) -> str:
    rows = [
        [escape(r.reason), r.count, "<br>".join(link(url) for url in r.examples)]
        for r in report.failed
    ]
    return (
        "<h2>Top errors</h2>"
        + hbar_chart("chart-errors", [(r.reason, r.count, str(r.count)) for r in report.failed])
        + (table(["reason", "pages", "example URLs"], rows) if rows else "")
        + note(report, "stats", "errors")
    )


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    fallback = "".join(
        f"<h3>{escape(site)}</h3>" + hbar_chart(f"chart-fallback-{site}", share_rows(shares), 1)
        for site, shares in report.fallback.items()
    )
    undated = dict(report.per_day).get(NO_DATE, 0)
    sections = [
        runs_section(report),
        "<h2>Articles per publish day (Beijing)</h2>"
        f"<p>{report.records} records, {len(report.per_day) - bool(undated)} days, "
        f"{NO_DATE}: {undated}</p>" + days_chart(report.per_day),
        f"<h2>Articles per source ({sources_heading(report)})</h2>"
        + hbar_chart("chart-sources", [(s, n, str(n)) for s, n in report.per_source]),
        f"<h2>Field coverage ({report.records} exported records)</h2>"
        + hbar_chart("chart-coverage", share_rows(report.coverage), 1),
        "<h2>Drop reasons</h2>"
        + hbar_chart("chart-drops", [(r, n, str(n)) for r, n in report.drop_reasons])
        + note(report, "counts", "drop reasons"),
        "<h2>Generic-fallback share per field</h2>"
        + (fallback or '<p class="note">no records</p>'),
        monitors_section(report),
        errors_section(report),
    ]
    title = f"Run report: {runs(len(report.runs))}, {report.records} exported records"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )
