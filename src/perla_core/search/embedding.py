"""The offline default embedder: feature hashing, no model to download.

Each text is normalised with :func:`~perla_core.search.text.terms` (so synonyms such as
"camarita"/"cámara", "domo"/"dome" and "4 megas"/"4mp" already coincide), then hashed into
:attr:`HashingEmbedder.dimension` signed buckets: word terms (weight 1), word bigrams (0.5)
and character trigrams of each term with boundary marks (0.3, which is what makes a
misspelling such as "hikvison" land near "hikvision"). The hash is BLAKE2b, not Python's
salted ``hash``, so vectors are identical across processes and machines. Vectors are
L2-normalised: cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise

from perla_core.search.ports import Vector
from perla_core.search.text import terms

DEFAULT_DIMENSION = 256
_WORD_WEIGHT = 1.0
_BIGRAM_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.3


@lru_cache(maxsize=262_144)
def _bucket(feature: str, dimension: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dimension, (1.0 if value >> 63 else -1.0)


@lru_cache(maxsize=65_536)
def _trigrams(term: str) -> tuple[str, ...]:
    marked = f"<{term}>"
    return tuple(f"#{marked[i : i + 3]}" for i in range(len(marked) - 2))


class HashingEmbedder:
    """Deterministic bag-of-features vectors; good at words and spellings, blind to meaning
    beyond the built-in synonyms (use a sentence-transformers model for that)."""

    def __init__(self, dimension: int = DEFAULT_DIMENSION) -> None:
        if dimension < 16:
            raise ValueError("dimension must be at least 16")
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        return [self.embed(text) for text in texts]

    def embed(self, text: str) -> Vector:
        dim = self._dimension
        vector = [0.0] * dim
        words = list(dict.fromkeys(terms(text)))
        for word in words:
            index, sign = _bucket(word, dim)
            vector[index] += sign * _WORD_WEIGHT
            for gram in _trigrams(word):
                index, sign = _bucket(gram, dim)
                vector[index] += sign * _TRIGRAM_WEIGHT
        for left, right in pairwise(words):
            index, sign = _bucket(f"{left} {right}", dim)
            vector[index] += sign * _BIGRAM_WEIGHT
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            return tuple(vector)
        return tuple(v / norm for v in vector)


def cosine(a: Vector, b: Vector) -> float:
    """Dot product of two L2-normalised vectors (0.0 when either is all zeros)."""
    return sum(x * y for x, y in zip(a, b, strict=True))
