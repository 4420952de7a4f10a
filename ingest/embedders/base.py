"""The embedder interface: texts in, L2-normalised float32 rows out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

Vectors = np.ndarray[Any, np.dtype[np.float32]]


@runtime_checkable
class Embedder(Protocol):
    """`name` is recorded in the workspace: vectors from different embedders never mix."""

    name: str
    duplicate_threshold: float
    """Cosine above which two customer statements count as saying the same thing (calibrated
    per embedder: E5 scores sit in a high band, lexical hashing in a low one)."""

    @property
    def dim(self) -> int:
        """Vector size (a remote embedder learns it from its first answer)."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> Vectors: ...

    def embed_query(self, text: str) -> Vectors: ...


def normalize_rows(matrix: np.ndarray[Any, Any]) -> Vectors:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalized: Vectors = (matrix / norms).astype(np.float32)
    return normalized
