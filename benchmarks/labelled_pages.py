"""The labelled Chinese pages of ``tests/fixtures/pages`` and the scoring rules they are held to.

Scoring follows ``tests/fixtures/pages/README.md``:

- title: exact after NFKC and whitespace removal; a site suffix (the part from a separator
  such as ``_``, ``-``, ``|``, ``::`` or `` @ `` (an @ between spaces, as blog platforms
  write ``<post> @ <blog name>``) to the end) may be missing on either side.
- published: equal to the precision of the label (year, month, day, minute or second); a
  label without zone is Beijing time. A predicted time must carry a zone and is compared in
  the label's zone; a date-only prediction matches only a label without a time of day. A
  label time of exactly midnight is how the parsers behind some labels store a date without a
  time, so it is scored at day precision. ``UNKNOWN`` expects no time.
- authors: F1 over name sets after NFKC, whitespace removal and a leading ``记者``/``作者``
  (with an optional ``本报``/``新华社`` before and a colon after) removed; ``UNKNOWN`` expects
  none.
- source: exact after NFKC and whitespace removal; ``""`` expects none.
- related: F1 over the sets of related news URLs; an empty label expects none.
- body: the scrapinghub article-extraction-benchmark shingle matching (tokens are runs of
  word characters, except that each CJK character is its own token; shingles are 4 tokens;
  counts are compared as multisets) giving precision and recall per page, which are averaged
  over pages before taking F1. Pages labelled only with snippets score the way trafilatura's
  evaluation scores them: a snippet to contain that is found is a true positive, one missing a
  false negative, a snippet not to contain that is found a false positive. An empty prediction
  scores 0 precision and 0 recall.

Some labels are contradicted by the page they label (an editor labelled as the author, a
name as the date, ...). ``tests/fixtures/pages/label-corrections.json`` lists each such
label with the value the page shows and the evidence; ``load_pages(corrected=True)`` applies
them and ``load_corrections`` lists them.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
CWCED = "zh-cwced"
EXTRACTOR_FIXTURES = "zh-extractor-fixtures"
UNKNOWN = "UNKNOWN"
BEIJING = timezone(timedelta(hours=8))
SHINGLE_SIZE = 4
CORRECTIONS_FILE = "label-corrections.json"
CORRECTABLE_FIELDS = ("title", "published", "authors")


@dataclass(frozen=True)
class LabelledPage:
    """One page with the labels it has (``None`` for a field it is not labelled with)."""

    folder: str
    page_id: str
    html_path: Path
    url: str
    kind: str
    lang: str
    title: str | None
    authors: tuple[str, ...] | None
    published: str | None
    body: str | None
    body_must_contain: tuple[str, ...]
    body_must_not_contain: tuple[str, ...]
    source: str | None = None
    """The source (来源) the page shows, ``""`` for none; None when not labelled."""
    related: tuple[str, ...] | None = None
    """The URLs of the page's related news, in order; None when not labelled."""

    def read_bytes(self) -> bytes:
        """The page as served (gzip-stored pages decompressed)."""
        data = self.html_path.read_bytes()
        return gzip.decompress(data) if self.html_path.suffix == ".gz" else data


@dataclass(frozen=True)
class Correction:
    """A label the page contradicts: the label as given, what the page shows, and why."""

    page_id: str
    field: str
    label: Any
    corrected: Any
    evidence: str


def load_pages(root: Path = FIXTURES, *, corrected: bool = False) -> list[LabelledPage]:
    """Every labelled page under ``root``: zh-cwced first, then zh-extractor-fixtures.

    With ``corrected``, the labels listed in ``root/label-corrections.json`` are replaced by
    their corrections.
    """
    pages = [*_cwced_pages(root / CWCED), *_extractor_fixture_pages(root / EXTRACTOR_FIXTURES)]
    return apply_corrections(pages, load_corrections(root)) if corrected else pages


def load_corrections(root: Path = FIXTURES) -> list[Correction]:
    """The label corrections of ``root/label-corrections.json`` (none if there is no file)."""
    path = root / CORRECTIONS_FILE
    if not path.exists():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        Correction(
            page_id=entry["page"],
            field=entry["field"],
            label=entry["label"],
            corrected=entry["corrected"],
            evidence=entry["evidence"],
        )
        for entry in entries
    ]


def apply_corrections(
    pages: list[LabelledPage], corrections: list[Correction]
) -> list[LabelledPage]:
    """The pages with the corrected labels.

    Raises ``ValueError`` for a correction of an unknown page or field, a second correction
    of the same label, or one whose ``label`` is not the page's label any more.
    """
    by_id = {page.page_id: page for page in pages}
    changes: dict[str, dict[str, Any]] = {}
    for correction in corrections:
        page = by_id.get(correction.page_id)
        if page is None:
            raise ValueError(f"correction of an unknown page: {correction.page_id}")
        if correction.field not in CORRECTABLE_FIELDS:
            raise ValueError(f"correction of an unknown field: {correction.field}")
        fields = changes.setdefault(page.page_id, {})
        if correction.field in fields:
            raise ValueError(f"two corrections of {correction.field} of {page.page_id}")
        if given_label(page, correction.field) != correction.label:
            raise ValueError(
                f"stale correction of {correction.field} of {page.page_id}: the label is "
                f"{given_label(page, correction.field)!r}, the correction replaces "
                f"{correction.label!r}"
            )
        value = correction.corrected
        fields[correction.field] = tuple(value) if correction.field == "authors" else value
    return [
        replace(page, **changes[page.page_id]) if page.page_id in changes else page
        for page in pages
    ]


def given_label(page: LabelledPage, field: str) -> Any:
    """A label as its file gives it: authors as a list, a zh-cwced date that is no date as
    written (the page counts as having no date label)."""
    value = getattr(page, field)
    if value is None and field == "published" and page.folder == CWCED:
        return _label_text(page.html_path.parent.parent / "date" / f"{page.page_id}.txt")
    return list(value) if isinstance(value, tuple) else value


def is_news(page: LabelledPage) -> bool:
    return page.kind == "news"


def _index(folder: Path) -> Iterator[dict[str, Any]]:
    with (folder / "index.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _invalid_url(folder: str, page_id: str) -> str:
    return f"http://{folder}.invalid/{page_id}.html"


def _label_text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig").strip()


def _cwced_pages(folder: Path) -> Iterator[LabelledPage]:
    for entry in _index(folder):
        page_id = entry["id"]
        author = _label_text(folder / "author" / f"{page_id}.txt")
        published = _label_text(folder / "date" / f"{page_id}.txt")
        yield LabelledPage(
            folder=CWCED,
            page_id=page_id,
            html_path=folder / entry["html"],
            url=entry.get("url") or _invalid_url(CWCED, page_id),
            kind=entry["kind"],
            lang=entry.get("lang", "zh-Hans"),
            title=None,
            authors=() if author == UNKNOWN else tuple(re.split(r"[\s、]+", author)),
            published=_cwced_published(published),
            body=(folder / entry["body_file"]).read_text(encoding="utf-8-sig"),
            body_must_contain=(),
            body_must_not_contain=(),
            source=entry.get("source"),
            related=_related_label(entry.get("related")),
        )


def _related_label(label: list[str] | None) -> tuple[str, ...] | None:
    return None if label is None else tuple(label)


def _cwced_published(label: str) -> str | None:
    """The date label, ``""`` for ``UNKNOWN``, ``None`` when the label is not a date at all."""
    if label == UNKNOWN:
        return ""
    return label if _parse_label(label) is not None else None


def _extractor_fixture_pages(folder: Path) -> Iterator[LabelledPage]:
    for entry in _index(folder):
        page_id = re.sub(r"(\.html?)?(\.gz)?$", "", entry["html"])
        yield LabelledPage(
            folder=EXTRACTOR_FIXTURES,
            page_id=page_id,
            html_path=folder / entry["html"],
            url=entry.get("url") or _invalid_url(EXTRACTOR_FIXTURES, page_id),
            kind=entry.get("kind", "news"),
            lang=entry["lang"],
            title=entry.get("title"),
            authors=_fixture_authors(entry.get("author")),
            published=entry.get("publish_date"),
            body=entry.get("body"),
            body_must_contain=tuple(entry.get("body_must_contain") or ()),
            body_must_not_contain=tuple(entry.get("body_must_not_contain") or ()),
            source=entry.get("source"),
            related=_related_label(entry.get("related")),
        )


def _fixture_authors(label: str | list[str] | None) -> tuple[str, ...] | None:
    if label is None:
        return None
    return (label,) if isinstance(label, str) else tuple(label)


_TITLE_SEPARATOR = re.compile(r"_+|-+|\|+|–+|—+|::")
# Blog platforms title a post "<post> @ <blog name> :: <platform>"; an @ is a separator only
# with whitespace on both sides, so that "@所有人" or "a@b.com" in a title stay whole.
_SPACED_AT = re.compile(r"\s@\s")


def _squeeze(text: str) -> str:
    """NFKC with all whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _title_forms(title: str) -> set[str]:
    """The title and every non-empty prefix ending just before a separator."""
    normal = unicodedata.normalize("NFKC", title)
    squeezed = _squeeze(normal)
    prefixes = {squeezed[: match.start()] for match in _TITLE_SEPARATOR.finditer(squeezed)}
    prefixes |= {_squeeze(normal[: match.start()]) for match in _SPACED_AT.finditer(normal)}
    return ({squeezed} | prefixes) - {""}


def title_correct(predicted: str | None, label: str) -> bool:
    """Equal after NFKC and whitespace removal, a site suffix allowed on either side."""
    if not predicted or not _squeeze(predicted):
        return False
    guess, truth = _squeeze(predicted), _squeeze(label)
    return guess in _title_forms(label) or truth in _title_forms(predicted)


_LABEL_TIME = re.compile(
    r"(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?)?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_PRECISION = ("year", "month", "day", "hour", "minute", "second")


def _parse_label(label: str) -> tuple[tuple[int, ...], timezone] | None:
    """The fields a date label gives (year first, as many as written) and its zone."""
    match = _LABEL_TIME.fullmatch(label.strip())
    if match is None:
        return None
    fields = tuple(int(match[name]) for name in _PRECISION if match[name] is not None)
    if len(fields) > 3 and not any(fields[3:]):
        fields = fields[:3]
    zone = match["zone"]
    return fields, _zone(zone) if zone else BEIJING


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if text[0] == "-" else offset)


def _predicted_fields(predicted: str, zone: timezone) -> tuple[int, ...] | None:
    """The prediction's fields in ``zone``; ``None`` if it is not ISO 8601 or lacks a zone."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", predicted.strip()):
            day = date.fromisoformat(predicted.strip())
            return day.year, day.month, day.day
        moment = datetime.fromisoformat(predicted.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    local = moment.astimezone(zone)
    return local.year, local.month, local.day, local.hour, local.minute, local.second


def published_correct(predicted: str | None, label: str) -> bool:
    """Equal at the label's precision; ``""`` (UNKNOWN) expects no prediction."""
    if label == "":
        return not predicted
    parsed = _parse_label(label)
    if not predicted or parsed is None:
        return False
    fields, zone = parsed
    guess = _predicted_fields(predicted, zone)
    return guess is not None and len(guess) >= len(fields) and guess[: len(fields)] == fields


def source_correct(predicted: str | None, label: str) -> bool:
    """Equal after NFKC and whitespace removal; ``""`` expects no source."""
    if label == "":
        return not predicted
    return bool(predicted) and _squeeze(predicted or "") == _squeeze(label)


def related_f1(predicted: list[str], label: tuple[str, ...]) -> float:
    """F1 of the predicted related URL set against the labelled one; both empty scores 1."""
    guess, truth = set(predicted), set(label)
    if not guess and not truth:
        return 1.0
    return 2 * len(guess & truth) / (len(guess) + len(truth))


_NAME_PREFIX = re.compile(r"^(?:本报|新华社)?(?:记者|作者)[:：]?")


def _name(raw: str) -> str:
    return _NAME_PREFIX.sub("", _squeeze(raw))


def author_f1(predicted: list[str], label: tuple[str, ...]) -> float:
    """F1 of the predicted name set against the labelled one; both empty scores 1."""
    guess = {_name(name) for name in predicted} - {""}
    truth = {_name(name) for name in label} - {""}
    if not guess and not truth:
        return 1.0
    return 2 * len(guess & truth) / (len(guess) + len(truth))


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+")


def tokenize(text: str) -> list[str]:
    """Runs of word characters, each CJK character a token of its own."""
    return _TOKEN.findall(text or "")


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Counts of the ``size``-token shingles; a text shorter than that is one shingle."""
    tokens = tokenize(text)
    spans = range(max(1, len(tokens) - size + 1))
    return Counter(shingle for i in spans if (shingle := tuple(tokens[i : i + size])))


def _ratio(hits: float, total: float) -> float:
    return hits / total if total else 0.0


def shingle_scores(predicted: str, expected: str) -> tuple[float, float]:
    """Precision and recall of the predicted shingles against the expected ones."""
    guess, truth = shingles(predicted), shingles(expected)
    if not guess and not truth:
        return 1.0, 1.0
    matched = sum((guess & truth).values())
    return _ratio(matched, guess.total()), _ratio(matched, truth.total())


def snippet_scores(predicted: str, page: LabelledPage) -> tuple[float, float]:
    """Precision and recall from the snippets a body must and must not contain."""
    text = _squeeze(predicted)
    if not text:
        return 0.0, 0.0
    found = sum(_squeeze(snippet) in text for snippet in page.body_must_contain)
    leaked = sum(_squeeze(snippet) in text for snippet in page.body_must_not_contain)
    return _ratio(found, found + leaked), _ratio(found, len(page.body_must_contain))


def body_scores(predicted: str, page: LabelledPage) -> tuple[float, float] | None:
    """(precision, recall) of a predicted body; ``None`` for a page without a body label."""
    if page.body is not None:
        return shingle_scores(predicted or "", page.body)
    if page.body_must_contain or page.body_must_not_contain:
        return snippet_scores(predicted or "", page)
    return None
