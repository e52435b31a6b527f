"""Exact and near-duplicate detection of article bodies: normalization, hashes, MinHash bands.

A body is compared as its *normalized* text (NFKC, lower-cased, letters and digits only), so
reposts that only re-wrap lines, switch between full- and half-width punctuation or add spaces
between Chinese and Latin text hash the same. Near-duplicates are judged by the Jaccard
similarity of the sets of character ``SHINGLE_SIZE``-grams of the normalized text: a
``NUM_PERM``-permutation MinHash signature, cut into bands of ``BAND_ROWS`` rows, finds the
candidates in the crawl state; each candidate whose estimated similarity comes near the
threshold is then compared exactly, shingle by shingle, with the normalized text stored with
its signature. ``benchmarks/dedup.py`` measured the constants (``benchmarks/results/dedup.md``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from crawler.state.contract import SeenArticles
from crawler.text import nfkc

SHINGLE_SIZE = 5
NUM_PERM = 128
BAND_ROWS = 4
NEAR_THRESHOLD = 0.8
SHORT_BODY_SHINGLES = 700
SHORT_BODY_FLOOR = 0.6
"""The least similarity that merges two short bodies (see ``near_threshold``)."""
EDITED_SHINGLES = 64
"""Shingles one edited sentence changes on each side (a 60-character sentence): two bodies
that differ by no more than that are one story, however short they are."""
ESTIMATE_MARGIN = 0.15
"""How far under the threshold an estimate may fall and still be compared exactly: 3.5
standard deviations of a 128-permutation estimate at 0.6."""
DEDUP_WINDOW_DAYS = 30
MINHASH_SEED = 1
SIGNATURE_DTYPE = np.dtype("<u4")

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_POLYNOMIAL_BASE = np.uint32(0x01000193)
_KEY_MULTIPLIER = np.uint64(0xFF51AFD7ED558CCD)
_BAND_KEY_BITS = np.uint64((1 << 63) - 1)


def normalized_body(text: str) -> str:
    """NFKC, lower-cased, with everything but letters and digits removed.

    Whitespace, punctuation and symbols differ between copies of one story (line wrapping,
    ``，`` or ``,``, spaces around Latin words) and are dropped. Digits are kept: the numbers
    are what tells one day's market report from the next one written from the same template.
    """
    return _NOT_LETTER_OR_DIGIT.sub("", nfkc(text).lower())


def normalized_hash(body: str) -> str:
    """SHA-256 (hex) of a normalized body."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalized body."""
    return normalized_hash(normalized_body(text))


def body_shingles(body: str, k: int = SHINGLE_SIZE) -> set[str]:
    """The character ``k``-grams of a normalized body (the whole of a shorter one)."""
    if len(body) <= k:
        return {body} if body else set()
    return {body[i : i + k] for i in range(len(body) - k + 1)}


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[str]:
    """The character ``k``-grams of the normalized body of ``text``."""
    return body_shingles(normalized_body(text), k)


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two sets (1.0 for two empty sets)."""
    common = len(a & b)
    return common / (len(a) + len(b) - common) if a or b else 1.0


def near_threshold(threshold: float, shingle_count: int) -> float:
    """The similarity from which two bodies, the shorter of ``shingle_count`` shingles, are
    one story.

    A body of ``SHORT_BODY_SHINGLES`` shingles or more is a near-duplicate from ``threshold``
    on. In a shorter one an edited sentence weighs more: two bodies of n shingles that differ
    by ``EDITED_SHINGLES`` on each side have a similarity of (n - m) / (n + m), under 0.8
    below 600 characters. So for a short body the threshold is lowered to that value, never
    under ``SHORT_BODY_FLOOR``, which stays well above what distinct articles sharing a
    template or a disclaimer reach.
    """
    if shingle_count >= SHORT_BODY_SHINGLES:
        return threshold
    edited = (shingle_count - EDITED_SHINGLES) / (shingle_count + EDITED_SHINGLES)
    return min(threshold, max(SHORT_BODY_FLOOR, edited))


def _mix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, element-wise (wrapping uint32 arithmetic)."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def shingle_hashes(body: str, k: int = SHINGLE_SIZE) -> np.ndarray:
    """32-bit hashes of a normalized body's ``k``-grams (a polynomial of the code points,
    mixed), the same in every process; a repeated shingle repeats its hash, which changes no
    minimum."""
    codes = np.frombuffer(body.encode("utf-32-le"), dtype="<u4")
    width = min(k, codes.size)
    count = codes.size - width + 1
    hashes = np.zeros(count, dtype=np.uint32)
    for offset in range(width):
        hashes = hashes * _POLYNOMIAL_BASE + codes[offset : offset + count]
    return _mix32(hashes)


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Odd multipliers and offsets of ``num_perm`` affine permutations of 32-bit values."""
    generator = np.random.default_rng(MINHASH_SEED)
    values = generator.integers(0, 2**32, size=(2, num_perm, 1), dtype=np.uint32)
    return values[0] | np.uint32(1), values[1]


def minhash(hashes: np.ndarray, num_perm: int = NUM_PERM) -> bytes:
    """The MinHash signature of a set of shingle hashes, 4 bytes per permutation: for each
    permutation x -> a x + b mod 2^32 (a odd: a bijection), the least image of the set."""
    multipliers, offsets = _permutations(num_perm)
    permuted = multipliers * hashes
    permuted += offsets
    return permuted.min(axis=1).astype(SIGNATURE_DTYPE).tobytes()


def band_keys(signature: bytes, rows: int = BAND_ROWS) -> tuple[int, ...]:
    """One 63-bit key per band of ``rows`` values (an even number); two signatures that share
    a key agree on that band, up to collisions, which the comparison that follows weeds out."""
    pairs = np.frombuffer(signature, dtype="<u8").reshape(-1, rows // 2)
    keys = np.arange(pairs.shape[0], dtype=np.uint64)
    for column in pairs.T:
        keys = (keys ^ column) * _KEY_MULTIPLIER
        keys ^= keys >> np.uint64(29)
    return tuple(int(key) for key in keys & _BAND_KEY_BITS)


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal minimums."""
    left = np.frombuffer(a, dtype=SIGNATURE_DTYPE)
    right = np.frombuffer(b, dtype=SIGNATURE_DTYPE)
    if left.shape != right.shape:
        raise ValueError(f"signatures of {left.size} and {right.size} permutations")
    return float(np.count_nonzero(left == right)) / left.size


@dataclass(frozen=True)
class Fingerprint:
    """What the near-duplicate check keeps of a body: its normalized text, MinHash signature
    and band keys."""

    body: str
    signature: bytes
    bands: tuple[int, ...]


def fingerprint(body: str, num_perm: int = NUM_PERM) -> Fingerprint | None:
    """The fingerprint of a normalized body; None for an empty one."""
    if not body:
        return None
    signature = minhash(shingle_hashes(body), num_perm)
    return Fingerprint(body, signature, band_keys(signature))


def publish_day(published_at: str | None) -> int | None:
    """The proleptic ordinal of the day of an ISO 8601 publish time (as shown, in its zone)."""
    if not published_at:
        return None
    try:
        return date.fromisoformat(published_at[:10]).toordinal()
    except ValueError:
        return None


class NearDuplicateFinder:
    """Finds, through the crawl state's band index, the first remembered article a body
    nearly duplicates, among those published within ``window_days`` of it."""

    def __init__(
        self,
        state: SeenArticles,
        threshold: float = NEAR_THRESHOLD,
        window_days: int = DEDUP_WINDOW_DAYS,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.state = state
        self.threshold = threshold
        self.window_days = window_days
        self._least_estimate = near_threshold(threshold, 0) - ESTIMATE_MARGIN

    def find(self, article: Fingerprint, day: int | None) -> str | None:
        """The earliest remembered URL whose body is a near-duplicate of ``article``'s."""
        grams: set[str] | None = None
        candidates = self.state.near_candidates(article.bands, day, self.window_days)
        for url, remembered in candidates:
            if estimated_jaccard(article.signature, remembered) < self._least_estimate:
                continue
            other = self.state.remembered_body(url)
            if other is None:
                continue
            grams = body_shingles(article.body) if grams is None else grams
            other_grams = body_shingles(other)
            similarity = jaccard(grams, other_grams)
            if similarity >= near_threshold(self.threshold, min(len(grams), len(other_grams))):
                return url
        return None

    def add(self, url: str, article: Fingerprint, day: int | None) -> None:
        """Remember an article's fingerprint in the state."""
        self.state.remember_fingerprint(url, article.signature, article.bands, day, article.body)
