"""Exact and near-duplicate detection of article bodies: normalization, hashes, MinHash LSH.

A body is compared as its *normalized* text (NFKC, lower-cased, letters and digits only), so
reposts that only re-wrap lines, switch between full- and half-width punctuation or add spaces
between Chinese and Latin text hash the same. Near-duplicates are found by the Jaccard
similarity of the sets of character ``SHINGLE_SIZE``-grams of the normalized text, estimated
by ``NUM_PERM``-permutation MinHash signatures and looked up in a MinHash LSH index.
``benchmarks/dedup.py`` measured the constants (see ``benchmarks/results/dedup.md``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

SHINGLE_SIZE = 5
NUM_PERM = 128
NEAR_THRESHOLD = 0.8
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"
# The LSH only proposes candidates, which are then verified by their estimated Jaccard
# similarity, so its bands favour recall: false candidates cost a comparison, misses are lost.
LSH_WEIGHTS = (0.05, 0.95)
SIGNATURE_DTYPE = np.dtype("<u4")

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def normalized_body(text: str) -> str:
    """NFKC, lower-cased, with everything but letters and digits removed.

    Whitespace, punctuation and symbols differ between copies of one story (line wrapping,
    ``，`` or ``,``, spaces around Latin words) and are dropped. Digits are kept: the numbers
    are what tells one day's market report from the next one written from the same template.
    """
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", text).lower())


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalized body."""
    return hashlib.sha256(normalized_body(text).encode("utf-8")).hexdigest()


def shingles(text: str, k: int = SHINGLE_SIZE) -> set[str]:
    """The character ``k``-grams of the normalized body (the whole of a shorter one)."""
    body = normalized_body(text)
    if len(body) <= k:
        return {body} if body else set()
    return {body[i : i + k] for i in range(len(body) - k + 1)}


@lru_cache(maxsize=8)
def _permutations(num_perm: int) -> np.ndarray:
    return MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


def signature(text: str, k: int = SHINGLE_SIZE, num_perm: int = NUM_PERM) -> bytes | None:
    """The MinHash signature of the body's shingles, 4 bytes per permutation.

    None for a body without letters or digits. Shingles are hashed with CRC-32: stable across
    processes (a stored signature stays comparable), and datasketch mixes it before permuting.
    """
    grams = shingles(text, k)
    if not grams:
        return None
    minhash = MinHash(
        num_perm=num_perm,
        seed=MINHASH_SEED,
        hashfunc=zlib.crc32,
        permutations=_permutations(num_perm),
        scheme=MINHASH_SCHEME,
    )
    minhash.update_batch([gram.encode("utf-8") for gram in grams])
    return minhash.hashvalues.astype(SIGNATURE_DTYPE).tobytes()


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal minimums."""
    left = np.frombuffer(a, dtype=SIGNATURE_DTYPE)
    right = np.frombuffer(b, dtype=SIGNATURE_DTYPE)
    if left.shape != right.shape:
        raise ValueError(f"signatures of {left.size} and {right.size} permutations")
    return float(np.count_nonzero(left == right)) / left.size


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) of the LSH for a threshold, as datasketch optimizes them for LSH_WEIGHTS;
    from about 0.99 on, where its optimum is one band (which it refuses), two bands (the
    candidates are checked against the threshold anyway)."""
    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
    except ValueError:
        return 2, num_perm // 2
    return lsh.b, lsh.r


class NearDuplicateIndex:
    """Remembers signatures by URL and finds the first one a new signature nearly duplicates."""

    def __init__(self, threshold: float = NEAR_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(
            threshold=threshold, num_perm=num_perm, params=lsh_bands(threshold, num_perm)
        )
        self._urls: list[str] = []
        self._signatures: list[bytes] = []

    def _as_minhash(self, signature: bytes) -> LeanMinHash:
        values = np.frombuffer(signature, dtype=SIGNATURE_DTYPE)
        if values.size != self.num_perm:
            raise ValueError(f"expected {self.num_perm} permutations, got {values.size}")
        return LeanMinHash(seed=MINHASH_SEED, hashvalues=values, scheme=MINHASH_SCHEME)

    def find(self, signature: bytes) -> str | None:
        """The earliest added URL whose estimated Jaccard similarity reaches the threshold."""
        for position in sorted(self._lsh.query(self._as_minhash(signature))):
            if estimated_jaccard(signature, self._signatures[position]) >= self.threshold:
                return self._urls[position]
        return None

    def add(self, url: str, signature: bytes) -> None:
        """Remember a signature under a URL."""
        self._lsh.insert(len(self._urls), self._as_minhash(signature), check_duplication=False)
        self._urls.append(url)
        self._signatures.append(signature)
