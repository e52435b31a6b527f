"""Near-duplicate detection: precision and recall on labelled pairs, time and memory per item.

Run ``python -m benchmarks.dedup [--output FILE] [--sizes N ...] [--repeats 3] [--sweep]``.

Labelled pairs are made from the real bodies of ``tests/fixtures/pages``: reposts (edited or
replaced sentences, an appended disclaimer, a deleted sentence, swapped paragraphs, other
punctuation and line breaks) are duplicates; two bodies with the same appended disclaimer, a
follow-up that quotes a third of an article and a daily market report whose numbers change
are not. The replica's labelled pairs are added to them.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import resource
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from benchmarks.labelled_pages import load_pages
from benchmarks.machine import load_average, results_header
from benchmarks.progress import counted, duration, estimate, say
from crawler.dedup import (
    BAND_ROWS,
    DEDUP_WINDOW_DAYS,
    EDITED_SHINGLES,
    ESTIMATE_MARGIN,
    NEAR_THRESHOLD,
    NUM_PERM,
    SHINGLE_SIZE,
    SHORT_BODY_FLOOR,
    SHORT_BODY_SHINGLES,
    Fingerprint,
    NearDuplicateFinder,
    fingerprint,
    jaccard,
    normalized_body,
    shingles,
)
from crawler.replica.site import ReplicaSite, corpus, fill_template
from crawler.state import FINISHED, RunLog, SeenArticles
from crawler.state.memory import MemoryCrawlState
from crawler.state.sqlite import SqliteCrawlState

MIN_BODY_CHARS = 500
SEED = 20250206
SIZES = (1_000, 10_000, 100_000)
BASELINE_SIZE = 1_000
MARKET_REPORT_PAIRS = 50
REPLICA_ARTICLES = 10_000
HEAVY_REPOST = "3 sentences replaced"
SWEEP_THRESHOLDS = (0.5, 0.55, 0.6, 0.7, 0.8)
SYNTHETIC_BODY_CHARS = 1500
CALIBRATION_BODIES = 100
LABELLED_PAIRS = 2400
REPLICA_SITE_SECONDS = 20.0
BASELINE_SLOWDOWN = 30
"""The exact baseline's time per item over ours (20-47x, by the machine's load)."""
PACKAGES = ("numpy", "scrapy", "w3lib")
SHORT_BODY_CHARS = 700
MEMORY_SIZE = 10_000
"""The most bodies whose memory is traced (tracemalloc slows the run about tenfold)."""
TRACED_SLOWDOWN = 10
PUBLISHED = date(2025, 2, 6).toordinal()
"""The publish day of the first body of a pair, and of the first synthetic body."""
FEED_BATCH_ITEMS = 1000

DISCLAIMERS = (
    "免责声明：本文仅代表作者个人观点，与本网无关。其原创性以及文中陈述文字和内容未经本站证实，"
    "对本文以及其中全部或者部分内容、文字的真实性、完整性、及时性本站不作任何保证或承诺，"
    "请读者仅作参考，并请自行核实相关内容。",
    "声明：本文转载自网络，仅供参考，不构成投资建议。投资有风险，入市需谨慎。",
    "【版权声明】本文来源于合作媒体，转载请注明出处。如涉及作品内容、版权等问题，请与本网联系删除。",
)
EDIT_WORDS = ("今年", "目前", "近日", "记者", "表示", "有关方面", "进一步", "相关", "据了解")
HALF_WIDTH = str.maketrans("，。：；！？（）“”", ',.:;!?()""')

MARKET_REPORT = (
    "{month}月{day}日，A股三大指数集体收涨。截至收盘，沪指涨{p1}%，报{i1}点；深成指涨{p2}%，"
    "报{i2}点；创业板指涨{p3}%，报{i3}点；科创50指数涨{p4}%，报{i4}点。\n"
    "沪深两市全天成交额{turnover}亿元，较上一交易日放量{change}亿元。北向资金全天净买入{north}亿元，"
    "其中沪股通净买入{north_sh}亿元，深股通净买入{north_sz}亿元。\n"
    "盘面上，半导体、券商、有色金属等板块涨幅居前，煤炭、银行、公用事业等板块跌幅居前。个股方面，"
    "两市共有{up}只个股上涨，{down}只个股下跌，{limit_up}只个股涨停，{limit_down}只个股跌停。\n"
    "分析人士指出，当前市场估值处于历史相对低位，政策面持续释放积极信号，中长期资金入市节奏加快，"
    "后市有望延续震荡上行格局，投资者可关注业绩确定性较强的优质龙头。"
)

STARTED = time.monotonic()

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;」”\"]*")


@dataclass(frozen=True)
class LabelledPair:
    """Two bodies, whether the second is a repost of the first, and how it was made."""

    group: str
    kind: str
    a: str
    b: str
    duplicate: bool
    days_apart: int = 0


# -- labelled pairs -------------------------------------------------------------------------


def _paragraphs(body: str) -> list[list[str]]:
    return [_SENTENCE.findall(line) for line in body.split("\n") if line.strip()]


def _join(paragraphs: list[list[str]]) -> str:
    return "\n".join("".join(sentences) for sentences in paragraphs)


def _sentence_slots(paragraphs: list[list[str]]) -> list[tuple[int, int]]:
    """Positions of the sentences long enough to be edited or deleted."""
    return [
        (i, j)
        for i, sentences in enumerate(paragraphs)
        for j, sentence in enumerate(sentences)
        if len(normalized_body(sentence)) >= 8
    ]


def edit_sentences(body: str, count: int, rng: random.Random) -> str:
    """``count`` sentences with a word of 2-4 characters replaced by a common one."""
    paragraphs = _paragraphs(body)
    for i, j in rng.sample(_sentence_slots(paragraphs), count):
        sentence = paragraphs[i][j]
        start = rng.randrange(len(sentence) - 4)
        paragraphs[i][j] = (
            sentence[:start] + rng.choice(EDIT_WORDS) + sentence[start + rng.randint(2, 4) :]
        )
    return _join(paragraphs)


def corpus_sentence(rng: random.Random) -> str:
    """A sentence written from one of the replica corpus's templates."""
    return fill_template(rng.choice(corpus()["sentence_templates"]), rng)


def replace_sentences(body: str, count: int, rng: random.Random) -> str:
    """``count`` sentences replaced by unrelated ones."""
    paragraphs = _paragraphs(body)
    for i, j in rng.sample(_sentence_slots(paragraphs), count):
        paragraphs[i][j] = corpus_sentence(rng)
    return _join(paragraphs)


def append_disclaimer(body: str, rng: random.Random) -> str:
    return f"{body}\n{rng.choice(DISCLAIMERS)}"


def delete_sentence(body: str, rng: random.Random) -> str:
    paragraphs = _paragraphs(body)
    i, j = rng.choice(_sentence_slots(paragraphs))
    del paragraphs[i][j]
    return _join(paragraphs)


def swap_paragraphs(body: str, rng: random.Random) -> str:
    """Two paragraphs swapped (two sentences, in a body of one paragraph)."""
    paragraphs = _paragraphs(body)
    if len(paragraphs) >= 2:
        i, j = rng.sample(range(len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    else:
        sentences = paragraphs[0]
        i, j = rng.sample(range(len(sentences)), 2)
        sentences[i], sentences[j] = sentences[j], sentences[i]
    return _join(paragraphs)


def reformat(body: str) -> str:
    """Half-width punctuation, and the paragraphs run together with spaces."""
    return body.translate(HALF_WIDTH).replace("\n", " ")


REPOSTS: dict[str, Callable[[str, random.Random], str]] = {
    "1 sentence edited": lambda body, rng: edit_sentences(body, 1, rng),
    "3 sentences edited": lambda body, rng: edit_sentences(body, 3, rng),
    "1 sentence replaced": lambda body, rng: replace_sentences(body, 1, rng),
    HEAVY_REPOST: lambda body, rng: replace_sentences(body, 3, rng),
    "disclaimer appended": append_disclaimer,
    "sentence deleted": delete_sentence,
    "paragraphs swapped": swap_paragraphs,
    "punctuation and breaks": lambda body, rng: reformat(body),
    "2 edited + disclaimer": lambda body, rng: append_disclaimer(edit_sentences(body, 2, rng), rng),
}


def fixture_bodies() -> list[str]:
    """The labelled bodies of ``tests/fixtures/pages`` with at least MIN_BODY_CHARS letters."""
    return [
        page.body
        for page in load_pages()
        if page.body and len(normalized_body(page.body)) >= MIN_BODY_CHARS
    ]


def fixture_pairs(bodies: Sequence[str], seed: int = SEED) -> list[LabelledPair]:
    """Every repost of every body, and per body two near-misses with the next body."""
    rng = random.Random(seed)
    pairs = [
        LabelledPair(
            f"fixture reposts, {kind}" if kind == HEAVY_REPOST else "fixture reposts",
            kind,
            body,
            make(body, rng),
            True,
        )
        for body in bodies
        for kind, make in REPOSTS.items()
    ]
    for body, other in zip(bodies, [*bodies[1:], bodies[0]], strict=True):
        boilerplate = DISCLAIMERS[0]
        pairs.append(
            LabelledPair(
                "fixture near-misses",
                "same disclaimer",
                f"{body}\n{boilerplate}",
                f"{other}\n{boilerplate}",
                False,
            )
        )
        third = len(body) // 3
        follow_up = body[:third] + "\n" + other[: len(body) - third]
        pairs.append(LabelledPair("fixture near-misses", "follow-up", body, follow_up, False))
    return pairs


def short_body(body: str, rng: random.Random) -> str:
    """The first sentences of a body, SHORT_BODY_CHARS letters at most and at least 150."""
    kept: list[str] = []
    limit = rng.randint(150, SHORT_BODY_CHARS)
    for sentence in _SENTENCE.findall(body.replace("\n", "")):
        if len(normalized_body("".join([*kept, sentence]))) > limit:
            break
        kept.append(sentence)
    return "".join(kept)


def short_pairs(bodies: Sequence[str], seed: int = SEED) -> list[LabelledPair]:
    """Short bodies (150-700 letters) with one sentence edited or replaced, and two short
    bodies with the same disclaimer."""
    rng = random.Random(seed)
    pairs = []
    shorts = [short_body(body, rng) for body in bodies]
    shorts = [short for short in shorts if len(_sentence_slots(_paragraphs(short))) >= 2]
    for short, other in zip(shorts, [*shorts[1:], shorts[0]], strict=True):
        pairs += [
            LabelledPair("short reposts", kind, short, REPOSTS[kind](short, rng), True)
            for kind in ("1 sentence edited", "1 sentence replaced", "disclaimer appended")
        ]
        boilerplate = DISCLAIMERS[1]
        pairs.append(
            LabelledPair(
                "short near-misses",
                "same disclaimer",
                f"{short}\n{boilerplate}",
                f"{other}\n{boilerplate}",
                False,
            )
        )
    return pairs


def windowed(pairs: Sequence[LabelledPair], seed: int = SEED) -> list[LabelledPair]:
    """The fixture reposts again, the copy published 1 to DEDUP_WINDOW_DAYS days later."""
    rng = random.Random(seed)
    return [
        replace(
            pair,
            group=f"fixture reposts, 1-{DEDUP_WINDOW_DAYS} days apart",
            days_apart=rng.randint(1, DEDUP_WINDOW_DAYS),
        )
        for pair in pairs
        if pair.group == "fixture reposts"
    ]


def market_report(month: int, day: int, rng: random.Random) -> str:
    """One day's market report: the template's wording with that day's numbers."""

    def pct() -> str:
        return f"{rng.uniform(0.05, 2.5):.2f}"

    return MARKET_REPORT.format(
        month=month,
        day=day,
        p1=pct(),
        i1=f"{rng.uniform(2900, 3500):.2f}",
        p2=pct(),
        i2=f"{rng.uniform(9000, 11500):.2f}",
        p3=pct(),
        i3=f"{rng.uniform(1800, 2300):.2f}",
        p4=pct(),
        i4=f"{rng.uniform(800, 1100):.2f}",
        turnover=rng.randint(6000, 12000),
        change=rng.randint(50, 1500),
        north=f"{rng.uniform(5, 120):.2f}",
        north_sh=f"{rng.uniform(1, 60):.2f}",
        north_sz=f"{rng.uniform(1, 60):.2f}",
        up=rng.randint(1500, 4500),
        down=rng.randint(500, 3000),
        limit_up=rng.randint(20, 120),
        limit_down=rng.randint(0, 20),
    )


def market_report_pairs(count: int = MARKET_REPORT_PAIRS, seed: int = SEED) -> list[LabelledPair]:
    """Reports of two consecutive trading days: same wording, other numbers."""
    rng = random.Random(seed)
    pairs = []
    for n in range(count):
        month, day = 1 + n % 12, 1 + rng.randrange(27)
        pairs.append(
            LabelledPair(
                "market reports",
                "market report, next day",
                market_report(month, day, rng),
                market_report(month, day + 1, rng),
                False,
            )
        )
    return pairs


def replica_pairs(articles: int = REPLICA_ARTICLES) -> list[LabelledPair]:
    """The replica's labelled pairs: reposts, follow-ups, market reports, shared boilerplate."""
    site = ReplicaSite(articles=articles)

    def body(path: str) -> str:
        return "\n".join(site.text_of(site.by_path[path]).paragraphs)

    return [
        LabelledPair(
            f"replica ({articles:,} articles)", site.by_path[b].story_kind, body(a), body(b), same
        )
        for a, b, same in site.near_duplicate_labels()
    ]


# -- predictions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """A labelled pair with both signatures and the exact Jaccard similarity of its bodies."""

    pair: LabelledPair
    first: Fingerprint | None
    second: Fingerprint | None
    exact: float


def measure(pairs: Sequence[LabelledPair], num_perm: int = NUM_PERM) -> list[Measured]:
    return [
        Measured(
            pair,
            fingerprint(normalized_body(pair.a), num_perm),
            fingerprint(normalized_body(pair.b), num_perm),
            jaccard(shingles(pair.a), shingles(pair.b)),
        )
        for pair in pairs
    ]


def ours_finds(measured: Measured, threshold: float = NEAR_THRESHOLD) -> bool:
    """Whether a crawl state holding only the first body finds the second a near-duplicate
    (the second published ``days_apart`` days after the first)."""
    if measured.first is None or measured.second is None:
        return False
    finder = NearDuplicateFinder(MemoryCrawlState(), threshold)
    finder.add("https://example.com/first", measured.first, PUBLISHED)
    return finder.find(measured.second, PUBLISHED + measured.pair.days_apart) is not None


def exact_finds(measured: Measured, threshold: float = NEAR_THRESHOLD) -> bool:
    return measured.exact >= threshold


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    false_positives: int
    false_negatives: int


def score(measured: Sequence[Measured], predicted: Sequence[bool]) -> Scores:
    labels = [m.pair.duplicate for m in measured]
    tp = sum(same and hit for same, hit in zip(labels, predicted, strict=True))
    fp = sum(not same and hit for same, hit in zip(labels, predicted, strict=True))
    fn = sum(same and not hit for same, hit in zip(labels, predicted, strict=True))
    return Scores(
        precision=tp / (tp + fp) if tp + fp else 1.0,
        recall=tp / (tp + fn) if tp + fn else 1.0,
        false_positives=fp,
        false_negatives=fn,
    )


def missed(measured: Sequence[Measured], threshold: float = NEAR_THRESHOLD) -> str:
    """The kinds of the duplicates ours misses and of the distinct pairs it merges."""
    wrong = Counter(
        f"{m.pair.group} / {m.pair.kind}"
        for m in measured
        if ours_finds(m, threshold) != m.pair.duplicate
    )
    return ", ".join(f"{kind} {count}" for kind, count in sorted(wrong.items())) or "none"


# -- throughput -----------------------------------------------------------------------------


def synthetic_bodies(count: int, seed: int = SEED) -> Iterator[str]:
    """Distinct bodies of about SYNTHETIC_BODY_CHARS characters from the replica's corpus,
    one at a time: the same ones for the same seed, never all held at once (100,000 of them
    are 320 MB)."""
    rng = random.Random(seed)
    for _ in range(count):
        paragraphs: list[str] = []
        while sum(map(len, paragraphs)) < SYNTHETIC_BODY_CHARS:
            paragraphs.append("".join(corpus_sentence(rng) for _ in range(rng.randint(2, 5))))
        yield "\n".join(paragraphs)


def article_url(n: int) -> str:
    return f"https://www.financeun.com/newsDetail/{40_000 + n}.shtml"


@dataclass(frozen=True)
class Throughput:
    items: int
    signature_seconds: float
    index_seconds: float
    duplicates: int

    @property
    def seconds_per_item(self) -> float:
        return (self.signature_seconds + self.index_seconds) / self.items


def run_index(
    bodies: Iterable[str],
    state: SeenArticles,
    threshold: float = NEAR_THRESHOLD,
    num_perm: int = NUM_PERM,
) -> Throughput:
    """Each body fingerprinted, looked up and added to ``state``, timed by part (the bodies
    are made outside the timed parts). A state that records runs gets a batch committed
    every FEED_BATCH_ITEMS articles, as the export does, inside the timed index part."""
    finder = NearDuplicateFinder(state, threshold)
    run = state.begin_run("bench", "full") if isinstance(state, RunLog) else None
    batch: list[tuple[str, str]] = []
    signing = indexing = 0.0
    duplicates = items = 0
    for n, body in enumerate(bodies):
        items += 1
        day = PUBLISHED + n // 1000
        start = time.perf_counter()
        article = fingerprint(normalized_body(body), num_perm)
        middle = time.perf_counter()
        if article is None:
            continue
        if finder.find(article, day) is None:
            url = article_url(n)
            finder.add(url, article, day)
            batch.append((url, url))
        else:
            duplicates += 1
        if run is not None and len(batch) == FEED_BATCH_ITEMS:
            state.commit_batch(run, f"/feeds/{n}.jsonl", len(batch), "f" * 64, batch)
            batch = []
        indexing += time.perf_counter() - middle
        signing += middle - start
    if run is not None:
        state.finish_run(run, FINISHED, {})
    return Throughput(items, signing, indexing, duplicates)


def sqlite_state(folder: Path) -> SqliteCrawlState:
    return SqliteCrawlState(folder / f"state-{time.monotonic_ns()}.sqlite")


def traced_bytes_per_item(state: SeenArticles, size: int) -> float:
    """Bytes per article the state still holds (tracemalloc) after ``size`` bodies."""
    gc.collect()
    tracemalloc.start()
    try:
        run_index(synthetic_bodies(size), state)
        return tracemalloc.get_traced_memory()[0] / size
    finally:
        tracemalloc.stop()


def memory_per_item(size: int, folder: Path) -> tuple[float, float, float]:
    """Bytes per article kept in memory by a MemoryCrawlState and by a SqliteCrawlState once
    every article is committed, and the bytes per article of the SQLite file with its WAL
    (each fingerprint, its bands and compressed body)."""
    in_memory = traced_bytes_per_item(MemoryCrawlState(), size)
    state = sqlite_state(folder)
    on_disk = traced_bytes_per_item(state, size)
    files = (state.path, state.path.with_name(state.path.name + "-wal"))
    file_bytes = sum(path.stat().st_size for path in files if path.exists())
    state.close()
    return in_memory, on_disk, file_bytes / size


def run_baseline(bodies: Iterable[str], threshold: float = NEAR_THRESHOLD) -> Throughput:
    """Exact pairwise Jaccard: each body's shingle set against every kept body's."""
    kept: list[set[str]] = []
    signing = comparing = 0.0
    duplicates = 0
    items = 0
    for body in bodies:
        items += 1
        start = time.perf_counter()
        grams = shingles(body)
        middle = time.perf_counter()
        if any(jaccard(grams, other) >= threshold for other in kept):
            duplicates += 1
        else:
            kept.append(grams)
        comparing += time.perf_counter() - middle
        signing += middle - start
    return Throughput(items, signing, comparing, duplicates)


# -- report ---------------------------------------------------------------------------------


def _pr(scores: Scores) -> str:
    return (
        f"P {scores.precision:.3f} / R {scores.recall:.3f} "
        f"({scores.false_positives} FP, {scores.false_negatives} FN)"
    )


def quality_rows(everything: list[Measured]) -> list[str]:
    """Ours and exact per group of pairs at NEAR_THRESHOLD, then over all pairs per threshold."""
    groups: dict[str, list[Measured]] = {}
    for m in everything:
        groups.setdefault(m.pair.group, []).append(m)

    def row(name: str, measured: list[Measured], threshold: float) -> str:
        positives = sum(m.pair.duplicate for m in measured)
        ours = score(measured, [ours_finds(m, threshold) for m in measured])
        exact = score(measured, [exact_finds(m, threshold) for m in measured])
        label = (
            f"{name}, threshold {threshold}: {positives} duplicate, "
            f"{len(measured) - positives} distinct pairs"
        )
        return f"| {label} | {_pr(ours)} | {_pr(exact)} | P ≥ 0.99, R ≥ 0.98 |"

    rows = [row(name, measured, NEAR_THRESHOLD) for name, measured in groups.items()]
    rows += [row("all labelled pairs", everything, t) for t in SWEEP_THRESHOLDS]
    return rows


def best_of(size: int, repeats: int) -> Throughput:
    """The fastest fingerprint and index times of ``repeats`` runs over the same ``size``
    synthetic bodies, each with a fresh MemoryCrawlState.

    Other processes on the machine only ever slow a run down, so the minimum is the least
    disturbed measurement.
    """
    runs = [
        run_index(
            counted(synthetic_bodies(size), size, f"{size:,} bodies, run {n + 1} of {repeats}"),
            MemoryCrawlState(),
        )
        for n in range(repeats)
    ]
    return replace(
        runs[0],
        signature_seconds=min(run.signature_seconds for run in runs),
        index_seconds=min(run.index_seconds for run in runs),
    )


def speed_rows(sizes: Sequence[int], repeats: int, folder: Path) -> list[str]:
    rows = []
    runs = {}
    for size in sizes:
        runs[size] = run = best_of(size, repeats)
        say(f"{size:,} bodies into a SQLite crawl state")
        on_disk = run_index(counted(synthetic_bodies(size), size, "SQLite"), sqlite_state(folder))
        rows.append(
            f"| {size:,} distinct bodies: ms per item, fingerprint + index in a memory / "
            f"SQLite state | {1000 * run.signature_seconds / size:.3f} + "
            f"{1000 * run.index_seconds / size:.3f} / "
            f"{1000 * on_disk.index_seconds / size:.3f} ms, "
            f"{run.duplicates} / {on_disk.duplicates} merged | - | - |"
        )
    small, large = min(sizes), max(sizes)
    if small != large:
        ratio = runs[large].seconds_per_item / runs[small].seconds_per_item
        index_ratio = (runs[large].index_seconds / large) / (runs[small].index_seconds / small)
        rows.append(
            f"| time per item {large:,} / {small:,} (index part alone) | "
            f"{ratio:.2f} ({index_ratio:.2f}) | - | ≤ 1.3 |"
        )
    traced = min(MEMORY_SIZE, large)
    say(f"memory of {traced:,} fingerprints in a memory and in a SQLite crawl state")
    memory_bytes, sqlite_bytes, file_bytes = memory_per_item(traced, folder)
    rows.append(
        f"| {traced:,} distinct bodies: bytes per item in memory, memory / SQLite "
        f"state; SQLite file | {memory_bytes:,.0f} / {sqlite_bytes:,.0f} B; "
        f"{file_bytes:,.0f} B | - | SQLite in memory: bounded |"
    )
    ours = runs.get(BASELINE_SIZE) or best_of(BASELINE_SIZE, repeats)
    say(f"exact pairwise Jaccard baseline on {BASELINE_SIZE:,} bodies")
    exact = run_baseline(counted(synthetic_bodies(BASELINE_SIZE), BASELINE_SIZE, "exact baseline"))
    rows.append(
        f"| {BASELINE_SIZE:,} bodies: ms per item, and time exact / ours | "
        f"{1000 * ours.seconds_per_item:.3f} ms | "
        f"{1000 * exact.seconds_per_item:.3f} ms, "
        f"{exact.seconds_per_item / ours.seconds_per_item:.1f}x ours, "
        f"{exact.duplicates} merged | - |"
    )
    return rows


def notes(repeats: int) -> list[str]:
    return [
        f"- Ours: `crawler.dedup` at threshold {NEAR_THRESHOLD}: character {SHINGLE_SIZE}-shingles "
        f"of the normalized body (NFKC, lower case, letters and digits only), {NUM_PERM}-"
        f"permutation MinHash (4 bytes each) cut into {NUM_PERM // BAND_ROWS} bands of "
        f"{BAND_ROWS} rows whose keys the crawl state indexes; a candidate whose estimate "
        f"comes within {ESTIMATE_MARGIN} of the threshold is compared exactly (shingle "
        "Jaccard of the normalized bodies); bodies under "
        f"{SHORT_BODY_SHINGLES} shingles are one story from the similarity {EDITED_SHINGLES} "
        f"edited shingles leave, never under {SHORT_BODY_FLOOR}; articles published more than "
        f"{DEDUP_WINDOW_DAYS} days apart are not compared. Exact: the Jaccard similarity of the "
        "same shingle sets at the fixed threshold, every pair compared.",
        "- Pairs: a fresh crawl state holds the first body and is asked about the second. "
        f"Fixture reposts are made from the {MIN_BODY_CHARS}+ character bodies of "
        "tests/fixtures/pages by a seeded generator: 1 or 3 sentences with a 2-4 character "
        "word replaced, 1 sentence replaced by an unrelated one, a 35-100 character disclaimer "
        "appended, a sentence deleted, two paragraphs swapped, half-width punctuation with the "
        "paragraphs run together, 2 edited sentences plus a disclaimer; and, reported apart, 3 "
        "sentences replaced by unrelated ones, and the reposts again published 1-"
        f"{DEDUP_WINDOW_DAYS} days after their original. Short reposts: the first 150-"
        f"{SHORT_BODY_CHARS} letters of each body, with one sentence edited or replaced or a "
        "disclaimer appended; short near-misses: two of them with the same disclaimer. "
        "Fixture near-misses: each body and the next with the same 100-character disclaimer, "
        "and a follow-up made of a body's first third and as much text of the next body. "
        "Market reports: 50 pairs of consecutive days from one template, only the numbers "
        f"differing. Replica: ReplicaSite(articles={REPLICA_ARTICLES}).near_duplicate_labels(), "
        "bodies from text_of.",
        f"- Speed: distinct synthetic bodies of about {SYNTHETIC_BODY_CHARS} characters "
        "written from crawler/replica/corpus.json; time.perf_counter around the fingerprint "
        "and around find + add (and, for SQLite, the batch commits of "
        f"{FEED_BATCH_ITEMS:,} articles), one process, no tracing, the best of {repeats} runs "
        "per size in memory, one in SQLite (the permutation table: one run). Memory: "
        "tracemalloc of what a crawl state still holds once every fingerprint is added (and, "
        "in SQLite, committed); the SQLite file's size with its WAL. The exact baseline keeps "
        "each body's shingle set and compares a new body with all of them.",
    ]


def sweep_rows(measured: list[Measured]) -> list[str]:
    """Exact Jaccard of the pairs per shingle size, digits kept or all read as one digit."""
    pairs = [m.pair for m in measured]
    rows = [
        "| shingles | lowest duplicate | duplicates below threshold | highest distinct "
        "| highest market report |",
        "|---|---|---|---|---|",
    ]
    for masked in (False, True):
        for k in (3, 4, 5, 6, 7, 8):

            def grams(text: str, k: int = k, masked: bool = masked) -> set[str]:
                return shingles(re.sub(r"\d", "0", text) if masked else text, k)

            values = [jaccard(grams(p.a), grams(p.b)) for p in pairs]
            dup = [v for p, v in zip(pairs, values, strict=True) if p.duplicate]
            distinct = [v for p, v in zip(pairs, values, strict=True) if not p.duplicate]
            market = [v for p, v in zip(pairs, values, strict=True) if "market" in p.kind]
            below = sum(v < NEAR_THRESHOLD for v in dup) / len(dup)
            rows.append(
                f"| k={k}{', digits masked' if masked else ''} | {min(dup):.3f} | "
                f"{below:.3f} | {max(distinct):.3f} | {max(market):.3f} |"
            )
    return rows


def num_perm_rows(pairs: list[LabelledPair]) -> list[str]:
    """Ours with 64, 128 and 256 permutations: quality and speed."""
    bodies = list(synthetic_bodies(BASELINE_SIZE))
    rows = [
        "| permutations | bands x rows | P / R, all pairs | ms per item |",
        "|---|---|---|---|",
    ]
    for num_perm in (64, 128, 256):
        measured = measure(pairs, num_perm)
        scores = score(measured, [ours_finds(m) for m in measured])
        run = run_index(bodies, MemoryCrawlState(), num_perm=num_perm)
        rows.append(
            f"| {num_perm} | {num_perm // BAND_ROWS} x {BAND_ROWS} | {_pr(scores)} | "
            f"{1000 * run.seconds_per_item:.3f} |"
        )
    return rows


def resident_mb() -> float:
    """The process's resident memory now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def seconds_per_item() -> float:
    """What making, signing and indexing one synthetic body takes on this machine now."""
    start = time.perf_counter()
    run_index(synthetic_bodies(CALIBRATION_BODIES, seed=SEED + 1), MemoryCrawlState())
    return (time.perf_counter() - start) / CALIBRATION_BODIES


def expected_seconds(sizes: Sequence[int], repeats: int, sweep: bool) -> float:
    """The whole benchmark, from a short calibration: the labelled pairs (two signatures
    each, and the replica site they come from), ``repeats`` timed runs per size in memory
    and one in SQLite, the two traced ones, the exact baseline and the optional sweep."""
    per_item = seconds_per_item()
    pairs = 2 * LABELLED_PAIRS * per_item + REPLICA_SITE_SECONDS
    traced = 2 * min(MEMORY_SIZE, max(sizes)) * TRACED_SLOWDOWN
    speed = (sum(sizes) * (repeats + 1) + traced) * per_item
    baseline = BASELINE_SIZE * BASELINE_SLOWDOWN * per_item
    extra = (4 * pairs + 3 * BASELINE_SIZE * per_item) if sweep else 0.0
    return pairs + speed + baseline + extra


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the report, with a header")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per size (best)")
    parser.add_argument("--sweep", action="store_true", help="also compare shingle sizes")
    args = parser.parse_args(argv)
    load = load_average()
    sizes = ", ".join(f"{size:,}" for size in args.sizes)
    estimate(
        f"Deduplication benchmark with {sizes} bodies, best of {args.repeats}"
        + (", with the sweep" if args.sweep else ""),
        expected_seconds(args.sizes, args.repeats, args.sweep),
    )
    say(f"labelled pairs: fixtures, market reports, a {REPLICA_ARTICLES:,}-article replica")
    bodies = fixture_bodies()
    pairs = [*fixture_pairs(bodies), *short_pairs(bodies), *market_report_pairs()]
    pairs += [*windowed(pairs), *replica_pairs()]
    say(f"fingerprints and exact Jaccard of {len(pairs):,} labelled pairs")
    measured = measure(pairs)
    before_speed = resident_mb()
    say("precision and recall per group of pairs and threshold")
    quality = quality_rows(measured)
    lines = [
        "| measure | ours (MinHash bands, exact check) | exact pairwise Jaccard | goal |",
        "|---|---|---|---|",
        *quality,
    ]
    with tempfile.TemporaryDirectory(prefix="dedup-bench-") as folder:
        lines += speed_rows(args.sizes, args.repeats, Path(folder))
    lines += [
        "",
        f"- Pairs ours gets wrong at {NEAR_THRESHOLD}: {missed(measured)}.",
        *notes(args.repeats),
    ]
    if args.sweep:
        say("sweep: shingle sizes with and without digits")
        lines += ["", "Shingle size and digits, exact Jaccard over all pairs:", ""]
        lines += sweep_rows(measured)
        say("sweep: 64, 128 and 256 permutations")
        lines += ["", f"MinHash permutations ({BASELINE_SIZE:,} synthetic bodies for speed):", ""]
        lines += num_perm_rows(pairs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(
        f"done in {duration(time.monotonic() - STARTED)}; peak memory {peak:,.0f} MB: "
        f"{before_speed:,.0f} MB for the labelled pairs and their replica, the rest is what is"
        f" measured, a memory crawl state of {max(args.sizes):,} fingerprints (bodies are made"
        " one at a time, never all held)"
    )
    print("\n".join(lines))
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        header = results_header("Deduplication benchmark", PACKAGES, load)
        args.output.write_text("\n".join([*header, *lines]) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
